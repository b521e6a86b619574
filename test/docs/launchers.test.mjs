// Every terminal session of docs/launchers.md (sessions.mjs says how they are written) is run as
// a person runs it: each command in a shell of its own, in a process group of its own (a
// terminal's foreground job), in a directory holding the files the page shows and a
// node_modules where `atexit` is this checkout and the launchers are the installed
// devDependencies (with their bin links, as `npm install` makes them). What the person does
// between the lines ([Ctrl-C], [SIGTERM to npm], [app.mjs changed]) is done once the output so
// far matches the lines above it. What each command printed (stdout and stderr merged) must match
// its lines, and the last command must end as the session's last line says.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { assertAllPresent, repoRoot, runtimes as allRuntimes } from "../runtimes.mjs";
import { terminalSessions } from "./sessions.mjs";
import { matchesTranscript } from "./transcripts.mjs";

const DEADLINE_MS = 30_000;
/** After a command's own process ended, how long what it started may still write (an orphan would hold the pipe for good). */
const LINGER_MS = 500;
const BINS = { nodemon: "nodemon/bin/nodemon.js", concurrently: "concurrently/dist/bin/index.js", tsx: "tsx/dist/cli.mjs", pm2: "pm2/bin/pm2", "pm2-runtime": "pm2/bin/pm2-runtime" };

assertAllPresent();
const only = process.env.ATEXIT_RUNTIMES?.split(",");
const runtimes = new Map(allRuntimes.map((runtime) => [runtime.name, runtime]));
const docPath = join(repoRoot, "docs", "launchers.md");
const sessions = terminalSessions(readFileSync(docPath, "utf8"), "docs/launchers.md");

let scratch;
let sessionCount = 0;

/** node_modules: every installed package, `atexit` (this checkout), and the launchers' bin links. */
function makeModules() {
  const dir = join(scratch, "node_modules");
  mkdirSync(join(dir, ".bin"), { recursive: true });
  const installed = join(repoRoot, "node_modules");
  for (const entry of readdirSync(installed).filter((name) => !name.startsWith("."))) symlinkSync(join(installed, entry), join(dir, entry), "dir");
  symlinkSync(repoRoot, join(dir, "atexit"), "dir");
  for (const [name, path] of Object.entries(BINS)) symlinkSync(join(installed, path), join(dir, ".bin", name));
}

function sessionDir(session) {
  const dir = join(scratch, `session-${++sessionCount}`);
  mkdirSync(dir);
  const files = new Map([["package.json", '{ "type": "module" }\n'], ...session.files]);
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  symlinkSync(join(scratch, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/** What a terminal shows: the text without its colour codes (nodemon colours its lines whatever NO_COLOR says). */
const lines = (text) => (text === "" ? [] : text.replace(/\x1b\[[0-9;]*m/g, "").replace(/\n$/, "").split("\n"));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one command of a session: resolves { lines, code, signal }. */
async function runCommand(step, dir, env) {
  // `exec 2>&1; exec …`: the command itself leads the process group, with stderr merged into stdout.
  const child = spawn("/bin/sh", ["-c", `exec 2>&1; exec ${step.command}`], { cwd: dir, env, stdio: ["ignore", "pipe", "inherit"], detached: true });
  let output = "";
  let exited;
  let closed = false;
  child.stdout.setEncoding("utf8").on("data", (chunk) => (output += chunk));
  child.on("exit", (code, signal) => (exited = { code, signal }));
  child.on("close", () => (closed = true));
  const by = Date.now() + DEADLINE_MS;
  const expected = [];
  try {
    for (const { output: line, event } of step.steps) {
      if (line !== undefined) {
        expected.push(line);
        continue;
      }
      // The person acts once the terminal shows what the page shows above the action.
      while (!matchesTranscript(expected, lines(output))) {
        if (exited || Date.now() > by) throw new Error(`the terminal never showed what comes before ${JSON.stringify(event)}`);
        await sleep(10);
      }
      if (event.kind === "signal") process.kill(event.target === "group" ? -child.pid : child.pid, event.signal);
      else utimesSync(join(dir, event.file), new Date(), new Date()); // `touch`: one change, where a rewrite can be seen as two
    }
    while (!exited && Date.now() < by) await sleep(10);
    const lingerBy = Date.now() + LINGER_MS;
    while (!closed && Date.now() < lingerBy) await sleep(10);
    return { lines: lines(output), ...(exited ?? { code: "still running", signal: null }), expected };
  } catch (error) {
    error.message += `\n--- $ ${step.command}\n${output}`;
    throw error;
  } finally {
    try {
      process.kill(-child.pid, "SIGKILL"); // the group: an orphan the command left, too
    } catch {}
  }
}

async function runSession(session, runtime) {
  const dir = sessionDir(session);
  const env = { ...process.env };
  for (const name of ["NODE_TEST_CONTEXT", "NODE_OPTIONS", "NODE_CHANNEL_FD", "ATEXIT_TRACE", "FORCE_COLOR"]) delete env[name];
  Object.assign(env, {
    PATH: `${dirname(runtime.path)}:${join(dir, "node_modules", ".bin")}:${env.PATH}`,
    NO_COLOR: "1",
    PM2_HOME: join(dir, ".pm2"),
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  });
  const transcript = [];
  try {
    for (const [index, step] of session.commands.entries()) {
      const result = await runCommand(step, dir, env);
      transcript.push(`$ ${step.command}`, ...result.lines);
      const context = () => `\n--- what the terminal showed ---\n${transcript.join("\n")}\n[${result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`}]\n--- the page (line ${session.line}) ---\n${result.expected.join("\n")}`;
      assert.ok(matchesTranscript(result.expected, result.lines), `what $ ${step.command} printed${context()}`);
      const end = { code: result.code, signal: result.signal };
      assert.deepEqual(end, index === session.commands.length - 1 ? session.end : { code: 0, signal: null }, `how $ ${step.command} ended${context()}`);
    }
  } finally {
    if (existsSync(env.PM2_HOME)) await runCommand({ command: `${join(repoRoot, "node_modules", BINS.pm2)} kill`, steps: [] }, dir, env);
  }
}

describe("the terminal sessions of docs/launchers.md", { concurrency: 4 }, () => {
  before(() => {
    assert.ok(existsSync(join(repoRoot, "dist", "index.js")), "dist/index.js is missing: run `npm run build` first");
    scratch = mkdtempSync(join(tmpdir(), "atexit-launchers-doc-"));
    makeModules();
  });
  after(() => scratch && rmSync(scratch, { recursive: true, force: true }));

  it("the page has sessions", () => assert.ok(sessions.length > 0));
  for (const session of sessions) {
    for (const name of session.runtimes.filter((name) => !only || only.includes(name))) {
      const runtime = runtimes.get(name);
      it(`$ ${session.commands.map(({ command }) => command).join("; $ ")} on ${name} shows what the page shows (line ${session.line})`, { skip: runtime?.skip ?? (runtime ? undefined : `no runtime ${name}`) }, () => runSession(session, runtime));
    }
  }
});
