// What the service integration tests share: the runtimes they run on, a child process they can
// talk to (its stdout read as lines, waited for with a deadline), the stderr check (every
// "atexit:" line must be expected), and the process table (for orphans). No timing is asserted;
// the deadlines only keep a broken run from hanging.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { repoRoot, runtimes as allRuntimes } from "../runtimes.mjs";

export { repoRoot };
export const fixturesDir = join(repoRoot, "test", "fixtures", "services");

/** A child still running after this long is killed and the test fails. */
export const DEADLINE_MS = 30_000;

/** The runtimes named (node20, node24, bun, deno, …), narrowed by ATEXIT_RUNTIMES, skipping missing ones. */
export function runtimesFor(names) {
  const only = process.env.ATEXIT_RUNTIMES?.split(",");
  return allRuntimes.filter((runtime) => names.includes(runtime.name) && !runtime.skip && (!only || only.includes(runtime.name)));
}

export const family = (runtime) => (runtime.name.startsWith("node") ? "node" : runtime.name);

function childEnv(extra) {
  const env = { ...process.env };
  for (const name of ["NODE_TEST_CONTEXT", "NODE_OPTIONS", "NODE_CHANNEL_FD", "ATEXIT_TRACE"]) delete env[name];
  return { ...env, NO_COLOR: "1", ...extra };
}

/**
 * Starts `fixture` (in test/fixtures/services/, or an absolute path) on `runtime`, in `cwd`.
 * `prefix` runs it under another program (`unshare …`). The child prints JSON or text lines on
 * stdout; it is killed if still running `deadline` ms after its start.
 */
export function start(runtime, fixture, { args = [], env = {}, prefix = [], detached = false, cwd = repoRoot, deadline = DEADLINE_MS } = {}) {
  const command = [...prefix, runtime.path, ...runtime.args, isAbsolute(fixture) ? fixture : join(fixturesDir, fixture), ...args];
  const child = spawn(command[0], command.slice(1), { cwd, env: childEnv(env), stdio: ["ignore", "pipe", "pipe"], detached });
  const lines = [];
  const waiters = [];
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
    const parts = stdout.split("\n");
    stdout = parts.pop();
    for (const line of parts) {
      lines.push(line);
      for (const waiter of [...waiters]) waiter();
    }
  });
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const killer = setTimeout(() => {
    child.kill("SIGKILL");
    // A grandchild may still hold the pipes: stop waiting for them.
    child.stdout.destroy();
    child.stderr.destroy();
  }, deadline);
  // Set before the waiters are told: a waitFor() still pending when the child ends must reject then.
  let closed = false;
  const ended = new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      closed = true;
      for (const waiter of [...waiters]) waiter();
      resolve({ code, signal, lines, stderr });
    });
  });
  return {
    child,
    lines,
    ended,
    get stderr() {
      return stderr;
    },
    /** Resolves with the first line matching `pattern` (a string: the whole line; a RegExp), or rejects if the child ends first. */
    waitFor(pattern) {
      const matches = (line) => (typeof pattern === "string" ? line === pattern : pattern.test(line));
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find(matches);
          if (line !== undefined) {
            waiters.splice(waiters.indexOf(check), 1);
            resolve(line);
          } else if (closed) {
            waiters.splice(waiters.indexOf(check), 1);
            reject(new Error(`the child ended before printing ${pattern}\n--- stdout ---\n${lines.join("\n")}\n--- stderr ---\n${stderr}`));
          }
        };
        waiters.push(check);
        check();
      });
    },
    /** The JSON line that starts with `{"<key>":`, parsed. */
    async json(key) {
      return JSON.parse(await this.waitFor(new RegExp(`^\\{"${key}":`)));
    },
  };
}

/** How the child ended and what it said, for assertion messages. */
export function describeEnd(result) {
  return `\n--- ended: code ${result.code}, signal ${result.signal}\n--- stdout ---\n${result.lines.join("\n")}\n--- stderr ---\n${result.stderr}`;
}

/** Every "atexit:" line on stderr must match one of `expected` (exhaustive, as the exit scenarios). */
export function assertAtexitLines(stderr, expected = [], context = "") {
  const lines = stderr.split("\n").filter((line) => line.startsWith("atexit: "));
  const unexpected = lines.filter((line) => !expected.some((pattern) => pattern.test(line)));
  assert.deepEqual(unexpected, [], `unexpected atexit: lines on stderr${context}`);
  for (const pattern of expected) assert.ok(lines.some((line) => pattern.test(line)), `expected an atexit: line matching ${pattern}${context}`);
}

/** Whether a process with this pid is alive (a zombie, dead but not yet reaped, is not). */
export function alive(pid) {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    // The state is the field after the parenthesised command name.
    const state = readFileSync(stat, "utf8").replace(/^.*\) /s, "")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Waits (bounded) until none of `pids` is alive; returns those still alive. */
export async function survivors(pids, ms = 3000) {
  const until = Date.now() + ms;
  let left = pids.filter(alive);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = left.filter(alive);
  }
  return left;
}

/** The processes whose command line contains `marker` (from /proc: the process table). */
export function processesMarked(marker) {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (command.includes(marker) && alive(Number(entry))) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Whether this machine lets us make a PID namespace (root, and unshare present); the reason when not. */
export function pidNamespaceProblem() {
  const probe = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "sh", "-c", "echo $$"], { encoding: "utf8" });
  if (probe.error) return `unshare cannot be run: ${probe.error.message}`;
  if (probe.status !== 0 || probe.stdout.trim() !== "1") return `unshare --pid --fork --mount-proc failed (${probe.status}): ${probe.stderr.trim()}`;
  return undefined;
}
