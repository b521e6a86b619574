// Every example of examples/ run as a child process on each runtime its component runs on: what
// it printed (stdout and stderr merged, as a terminal shows them) and how it ended must match the
// transcript in its header comment, and what it leaves behind is checked from outside once it
// has ended (temp dirs gone, rows on disk, log lines in the file, no process left in /proc).
// Then `npm start` and `npm run example` as the README gives them (examples/run.mjs).
//
// The transcripts are read as docs/README.md describes ("How to read a transcript"): `…` inside a
// line is any text, and every `atexit:` line must be in the transcript.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { matchesTranscript } from "../docs/transcripts.mjs";
import { repoRoot, runtimesFor, survivors } from "../services/harness.mjs";
import { examples } from "../../examples/run.mjs";

const DEADLINE_MS = 30_000;
/** Examples at once: they wait on timers and sockets, but their timings assume a CPU that is not swamped. */
const MAX_CHILDREN = Math.max(8, availableParallelism() * 4);
const stamp = /^\[\d+\.\d\ds\] /;

/**
 * Where each example runs (docs/services.md, "Where each integration is tested"), and what it
 * prints differently on a runtime: Deno reports a child that was sent SIGTERM as killed by
 * SIGTERM, whatever it then did (its `signalCode` is set by kill(), not by the exit).
 */
const RUNTIMES = {
  seed: ["node20", "node24", "bun", "deno"],
  http: ["node20", "node24", "bun", "deno"],
  kubernetes: ["node20", "node24", "bun", "deno"],
  fastify: ["node20", "node24", "bun", "deno"],
  sqlite: ["node20", "node24", "bun", "deno"],
  "child-processes": ["node20", "node24", "bun", "deno"],
  pino: ["node20", "node24", "bun", "deno"],
  cluster: ["node20", "node24", "bun"], // not Deno: Runtimes, note 9
  "temp-files": ["node20", "node24", "bun", "deno"],
};
const VARIANTS = {
  "child-processes": { deno: { "worker 2 exited: code 0": "worker 2 exited: killed by SIGTERM", "worker 1 exited: killed by SIGKILL": "worker 1 exited: killed by SIGTERM" } },
};

/** The transcript in an example's header: the `//   ` lines after "What … prints", the last one how it ends. */
function transcriptOf(file) {
  const lines = readFileSync(join(repoRoot, "examples", file), "utf8").split("\n");
  const start = lines.findIndex((line) => /^\/\/ .*What (it|the demo) prints/.test(line));
  assert.ok(start >= 0, `examples/${file} has a "What it prints" transcript in its header`);
  const body = [];
  for (let index = start + 2; lines[index]?.startsWith("//   "); index++) body.push(lines[index].slice("//   ".length));
  const end = /^\[(?:exit code (?<code>\d+)|killed by (?<signal>SIG[A-Z0-9]+))\]$/.exec(body.at(-1) ?? "")?.groups;
  assert.ok(end, `examples/${file}: the transcript ends with [exit code N] or [killed by SIGNAL]`);
  return { expected: body.slice(0, -1), end: end.signal ? { signal: end.signal } : { code: Number(end.code) } };
}

let running = 0;
const waiting = [];
/** Runs `command` (argv) with stdout and stderr on one pipe; resolves { lines, code, signal, timedOut }. */
async function run(command, options = {}) {
  while (running >= MAX_CHILDREN) await new Promise((resolve) => waiting.push(resolve));
  running++;
  try {
    return await new Promise((resolve) => {
      const env = { ...process.env, NO_COLOR: "1", ...options.env };
      for (const name of ["NODE_TEST_CONTEXT", "NODE_OPTIONS", "NODE_CHANNEL_FD", "ATEXIT_TRACE", "EXAMPLE_START"]) delete env[name];
      const child = spawn("/bin/sh", ["-c", 'exec "$@" 2>&1', "sh", ...command], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "inherit"] });
      let output = "";
      let timedOut = false;
      child.stdout.setEncoding("utf8").on("data", (chunk) => (output += chunk));
      const deadline = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, DEADLINE_MS);
      child.on("close", (code, signal) => {
        clearTimeout(deadline);
        resolve({ lines: output.replace(/\n$/, "").split("\n"), code, signal, timedOut });
      });
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

const describeRun = ({ lines, code, signal }) => `\n--- it printed ---\n${lines.join("\n")}\n--- ended: ${signal ? `killed by ${signal}` : `exit code ${code}`}`;
/** The values a pattern captures from the lines that match it (paths, pids). */
const captured = (lines, pattern) => lines.flatMap((line) => [...line.matchAll(new RegExp(pattern, "g"))].map((match) => match[1]));

/** What each example leaves behind, checked once it has ended. `result.lines` are without time stamps. */
const AFTERWARDS = {
  async http({ lines }, context) {
    const dirs = captured(lines, /(\/\S+\/request-\w+) removed/);
    assert.equal(dirs.length, 2, `both requests' temp dirs reported removed${context}`);
    for (const dir of dirs) assert.equal(existsSync(dir), false, `${dir} is gone${context}`);
  },
  async kubernetes(result, context) {
    await AFTERWARDS.http(result, context);
  },
  async sqlite({ lines }, context) {
    const [file] = captured(lines, /^database (\S+) \(/);
    const committed = 5 * Math.max(...captured(lines, /^committed transaction (\d+) /).map(Number));
    const wal = existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0;
    assert.equal(wal, 0, `the WAL was checkpointed into the database${context}`);
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.prepare("SELECT count(*) AS n FROM rows").get().n, committed, `every committed row is on disk, and no other${context}`);
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal", `still in WAL mode${context}`);
    } finally {
      db.close();
    }
  },
  async "child-processes"({ lines }, context) {
    const pids = captured(lines, /^worker \d \(pid (\d+)\) started/).map(Number);
    assert.equal(pids.length, 2, `two workers started${context}`);
    assert.deepEqual(await survivors(pids), [], `no worker left in the process table${context}`);
  },
  async pino({ lines }, context) {
    const [file] = captured(lines, /^logging to (\S+)$/);
    const logged = captured(lines, /^logged: (.*)$/);
    const arrived = readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line).msg);
    assert.deepEqual(arrived, logged, `the file holds every line logged, in order${context}`);
  },
  async cluster({ lines }, context) {
    const pids = captured(lines, /^primary: worker \d \(pid (\d+)\) listening$/).map(Number);
    assert.equal(pids.length, 2, `two workers forked${context}`);
    assert.deepEqual(await survivors(pids), [], `no worker left in the process table${context}`);
  },
  async "temp-files"({ lines }, context) {
    const [dir] = captured(lines, /^working in (\S+)$/);
    const [lock] = captured(lines, /\((\S+\.lock)\)$/);
    for (const path of [dir, lock]) assert.equal(existsSync(path), false, `${path} is gone${context}`);
  },
};

describe("the examples, each as a child process", { concurrency: true }, () => {
  for (const [name, [file]] of Object.entries(examples)) {
    const transcript = transcriptOf(file);
    for (const runtime of runtimesFor(RUNTIMES[name])) {
      it(`${name} (examples/${file}) on ${runtime.name} prints its transcript, ends as it says, and leaves nothing behind`, async (t) => {
        const variants = VARIANTS[name]?.[runtime.name] ?? {};
        const expected = transcript.expected.map((line) => line.replace(/(?<=^\[…s\] ).*$/, (text) => variants[text] ?? text));
        const result = await run([runtime.path, ...runtime.args, join(repoRoot, "examples", "dist", file.replace(/\.ts$/, ".js"))]);
        // What an example leaves for its user to look at (a database, a log file), removed whatever the checks find.
        for (const dir of new Set(captured(result.lines, /(\/\S+\/atexit-(?:sqlite|pino)-\w+)\//))) t.after(() => rmSync(dir, { recursive: true, force: true }));
        const context = describeRun(result);
        assert.equal(result.timedOut, false, `still running after ${DEADLINE_MS} ms, killed${context}`);
        assert.deepEqual(result.signal ? { signal: result.signal } : { code: result.code }, transcript.end, `how it ended${context}`);
        assert.ok(matchesTranscript(expected, result.lines), `what it printed, against examples/${file}'s transcript:\n${expected.join("\n")}${context}`);
        await AFTERWARDS[name]?.({ ...result, lines: result.lines.map((line) => line.replace(stamp, "")) }, context);
      });
    }
  }
});

describe("npm start and npm run example", { concurrency: true }, () => {
  it("npm start (examples/run.mjs seed http) runs the seed, then the HTTP example, each with its transcript and how it ended", async () => {
    const result = await run([process.execPath, join(repoRoot, "examples", "run.mjs"), "seed", "http"]);
    const context = describeRun(result);
    assert.equal(result.code, 0, `run.mjs ends with 0${context}`);
    const transcriptLines = (name) => {
      const { expected, end } = transcriptOf(examples[name][0]);
      return [`=== ${name}: …`, ...expected, end.signal ? `[killed by ${end.signal}]` : `[exit code ${end.code}]`];
    };
    assert.ok(matchesTranscript(["", ...transcriptLines("seed"), "", ...transcriptLines("http")], result.lines), `both transcripts, in order${context}`);
  });

  it("npm run example without a name lists every example; with an unknown one it also fails", async () => {
    const list = await run([process.execPath, join(repoRoot, "examples", "run.mjs")]);
    assert.equal(list.code, 0, describeRun(list));
    for (const name of Object.keys(examples)) assert.ok(list.lines.some((line) => line.startsWith(`  ${name} `)), `${name} listed${describeRun(list)}`);
    const unknown = await run([process.execPath, join(repoRoot, "examples", "run.mjs"), "nope"]);
    assert.equal(unknown.code, 1, describeRun(unknown));
    assert.equal(unknown.lines[0], "no example named nope", describeRun(unknown));
  });

  it("package.json has the start and example scripts, and the README gives the command of every example", () => {
    const { scripts } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
    assert.equal(scripts.start, "node scripts/build.mjs && node examples/run.mjs seed http");
    assert.equal(scripts.example, "node scripts/build.mjs && node examples/run.mjs");
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    for (const name of Object.keys(examples)) assert.ok(readme.includes(`npm run example -- ${name}`), `README.md gives \`npm run example -- ${name}\``);
  });
});
