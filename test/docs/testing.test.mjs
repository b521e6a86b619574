// docs/testing.md, run: its files (```js file=NAME blocks) are written into one project whose
// node_modules has atexit (this checkout) and the test runners (the repository's
// devDependencies), and each transcript (a ```text block whose first line is `$ command`) is
// run there by a shell, on Node 20 and Node 24 (`bun` and `deno` for their own test runners),
// with stdout and stderr merged as a terminal shows them. What it printed and how it ended must match the transcript: `…` stands for text
// that changes from run to run, and never for an `atexit:` line (transcripts.mjs).
//
// `npx NAME` runs the bin of the installed package NAME (what npx does when the package is
// installed; the repository's .npmrc links no bins, and nothing here may reach the registry).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { assertAllPresent, repoRoot, runtimes as allRuntimes } from "../runtimes.mjs";
import { fencedBlocks, matchesTranscript } from "./transcripts.mjs";

const DOC = "docs/testing.md";
/** The runtimes whose `node` runs the transcripts (a runner's own child processes included). */
const RUNTIMES = ["node20", "node24"];
/** A run still going after this long is killed and the test fails (a runner starts slowly on a loaded machine). */
const DEADLINE_MS = 120_000;
/** How a transcript says the process ended. */
const END = /^\[exit code (\d+)\]$/;

const only = process.env.ATEXIT_RUNTIMES?.split(",");
assertAllPresent();
const runtimes = allRuntimes.filter((runtime) => RUNTIMES.includes(runtime.name) && (!only || only.includes(runtime.name)));

const blocks = fencedBlocks(readFileSync(join(repoRoot, DOC), "utf8"));
const files = blocks.flatMap(({ info, code }) => {
  const name = /^\w+ file=(\S+)$/.exec(info)?.[1];
  return name ? [{ name, code }] : [];
});
const transcripts = blocks
  .filter(({ info, code }) => info === "text" && code.startsWith("$ "))
  .map(({ code, line }) => {
    const lines = code.replace(/\n$/, "").split("\n");
    const end = END.exec(lines.at(-1));
    if (!end) throw new Error(`${DOC}:${line}: a transcript ends with [exit code N]`);
    return { command: lines[0].slice(2), expected: lines.slice(1, -1), code: Number(end[1]), line };
  });

/** The directories of `bun` and `deno`, for `bun test` and `deno test`. */
const otherRuntimes = allRuntimes.filter((runtime) => ["bun", "deno"].includes(runtime.name) && !runtime.skip).map((runtime) => dirname(runtime.path));

/** The child's environment: ours, less what would change a runner's behaviour or output. */
function childEnv(runtime, bin) {
  const env = { ...process.env };
  for (const name of ["NODE_TEST_CONTEXT", "NODE_OPTIONS", "NODE_CHANNEL_FD", "NODE_ENV", "ATEXIT_TRACE", "FORCE_COLOR", "CI", "JEST_WORKER_ID", "VITEST"]) delete env[name];
  return { ...env, NO_COLOR: "1", PATH: [bin, dirname(runtime.path), ...otherRuntimes, env.PATH].join(":") };
}

let scratch;
/** The project: the doc's files, and a node_modules of links (a real directory: Vitest keeps its cache in it). */
function makeProject(runtime) {
  const dir = join(scratch, runtime.name);
  const modules = join(dir, "node_modules");
  mkdirSync(modules, { recursive: true });
  const installed = join(repoRoot, "node_modules");
  for (const entry of readdirSync(installed).filter((name) => !name.startsWith("."))) symlinkSync(join(installed, entry), join(modules, entry), "dir");
  symlinkSync(repoRoot, join(modules, "atexit"), "dir");
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  for (const { name, code } of files) writeFileSync(join(dir, name), code);
  return dir;
}

/** Runs `command` in `dir` through a shell: { lines, code, signal, timedOut }. */
function run(command, dir, env) {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", `exec 2>&1; ${command}`], { cwd: dir, env, stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => (output += chunk));
    const deadline = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, DEADLINE_MS);
    child.on("close", (code, signal) => {
      clearTimeout(deadline);
      resolve({ lines: output === "" ? [] : output.replace(/\n$/, "").split("\n"), code, signal, timedOut });
    });
  });
}

// The two runtimes at once, each one transcript at a time (a runner starts workers of its own).
describe(`the transcripts of ${DOC}`, { concurrency: 2 }, () => {
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), "atexit-testing-doc-"));
    // npx, offline: the bin of a package installed in the project's node_modules.
    const bin = join(scratch, "bin");
    mkdirSync(bin);
    writeFileSync(
      join(bin, "npx"),
      `#!/bin/sh
name="$1"; shift
exec node "$(node -e 'const { join, dirname } = require("node:path"); const file = join(process.cwd(), "node_modules", process.argv[1], "package.json"); const { bin } = require(file); console.log(join(dirname(file), typeof bin === "string" ? bin : bin[process.argv[1]]))' "$name")" "$@"
`,
    );
    chmodSync(join(bin, "npx"), 0o755);
  });
  after(() => scratch && rmSync(scratch, { recursive: true, force: true }));

  it("has files and transcripts, and every file a transcript runs is in the doc", () => {
    assert.ok(files.length > 0 && transcripts.length > 0);
    const names = new Set(files.map(({ name }) => name));
    assert.equal(names.size, files.length, "each file is written once");
    for (const { command, line } of transcripts) {
      const file = command.split(/\s+/).at(-1).replace(/^\.\//, "");
      assert.ok(names.has(file), `${DOC}:${line} runs ${file}, which the doc does not show`);
    }
    // An atexit: line quoted outside a transcript is one that a transcript shows (so, that a run prints).
    const printed = new Set(transcripts.flatMap(({ expected }) => expected));
    for (const { info, code, line } of blocks.filter(({ info, code }) => info === "text" && !code.startsWith("$ "))) {
      for (const quoted of code.split("\n").filter((text) => text.startsWith("atexit:"))) assert.ok(printed.has(quoted), `${DOC}:${line} (${info}) quotes a line no transcript shows: ${quoted}`);
    }
  });

  for (const runtime of runtimes) {
    describe(runtime.name, { skip: runtime.skip }, () => {
      let dir;
      let env;
      before(() => {
        dir = makeProject(runtime);
        env = childEnv(runtime, join(scratch, "bin"));
      });
      for (const transcript of transcripts) {
        it(`$ ${transcript.command} prints its transcript (line ${transcript.line})`, async () => {
          const result = await run(transcript.command, dir, env);
          const shown = [`$ ${transcript.command}`, ...result.lines, result.signal ? `[killed by ${result.signal}]` : `[exit code ${result.code}]`].join("\n");
          const context = `\n--- what it printed, as a transcript ---\n${shown}\n--- the doc's transcript (line ${transcript.line}) ---\n$ ${transcript.command}\n${transcript.expected.join("\n")}\n[exit code ${transcript.code}]`;
          assert.equal(result.timedOut, false, `still running after ${DEADLINE_MS} ms, killed${context}`);
          assert.deepEqual({ code: result.code, signal: result.signal }, { code: transcript.code, signal: null }, `how it ended${context}`);
          assert.ok(matchesTranscript(transcript.expected, result.lines), `what it printed${context}`);
        });
      }
    });
  }
});
