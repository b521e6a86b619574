// Runs one program as a child process on one runtime, the way every exit test needs it: a
// bounded number of children at once (shared by every caller in this process), the environment
// cleaned of what would change the child's behaviour, signals sent when given stdout lines
// appear (or after a delay), a deadline after which the child is killed, and everything
// observable collected: stdout lines (with the time each first appeared), stderr, the exit code
// or death signal.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";

import { repoRoot, runtimes as allRuntimes } from "../runtimes.mjs";
import { SECOND_SIGNAL_GAP_MS } from "../model/process-model.mjs";

/** Children running at once, so that timing-sensitive rows stay honest on a 2-core machine. */
export const MAX_CHILDREN = Math.max(4, availableParallelism() * 3);
/** A child still running after this long is killed (with SIGKILL) and reported as timed out. */
export const DEADLINE_MS = 20_000;

/** The runtimes of the matrix, narrowed by ATEXIT_RUNTIMES (comma-separated names) when set. */
export function selectedRuntimes() {
  const only = process.env.ATEXIT_RUNTIMES ? process.env.ATEXIT_RUNTIMES.split(",") : undefined;
  return allRuntimes.filter((runtime) => !only || only.includes(runtime.name));
}

let runningChildren = 0;
const waitingForSlot = [];
async function acquireSlot() {
  while (runningChildren >= MAX_CHILDREN) await new Promise((resolve) => waitingForSlot.push(resolve));
  runningChildren++;
}
function releaseSlot() {
  runningChildren--;
  waitingForSlot.shift()?.();
}

/** The child's environment: ours, without what would change its behaviour, plus `extra`. */
export function childEnv(extra) {
  const env = { ...process.env };
  for (const name of ["NODE_TEST_CONTEXT", "NODE_OPTIONS", "NODE_CHANNEL_FD", "ATEXIT_TRACE"]) delete env[name];
  return { ...env, NO_COLOR: "1", ...extra };
}

/**
 * Runs `script` with `args` on `runtime`; resolves when the child has exited and its pipes are
 * closed. Options:
 * - `env`: added to the cleaned environment;
 * - `signals`: sent in order, each once the previous one was sent and, if it has `after`, once
 *   that stdout line has appeared (lines seen earlier count), then after `delayMs` if given;
 *   `release` is a file created right after the signal was sent (a program waits for it to know
 *   the signal has been delivered); a signal that follows another is sent no sooner than
 *   SECOND_SIGNAL_GAP_MS after it, since a quicker one is taken for an echo of the first (unless
 *   it has `atOnce`: an echo on purpose);
 * - `slowReader`: pause reading stdout for 300 ms (or this many ms) after the first chunk;
 * - `closeStderrAfter`: a stdout line after which the parent stops reading the child's stderr
 *   and closes it (a log collector that died);
 * - `deadlineMs`: default DEADLINE_MS.
 * The result: { lines, lineTimes, stderr, code, signal, timedOut, spawnError, exitTime, sent },
 * `sent` listing each signal sent with whether `kill()` reached the process.
 */
/** A signal within 1 s of the first is an echo of it (the model says so): a second one (T5) comes later. */
export { SECOND_SIGNAL_GAP_MS };

export async function runChild(runtime, script, { args = [], env, signals = [], slowReader = false, closeStderrAfter, deadlineMs = DEADLINE_MS } = {}) {
  await acquireSlot();
  try {
    return await new Promise((resolve) => {
      const child = spawn(runtime.path, [...runtime.args, script, ...args], {
        cwd: repoRoot,
        env: childEnv(env),
        stdio: ["ignore", "pipe", "pipe"],
      });
      const result = { lines: [], lineTimes: new Map(), stderr: "", timedOut: false, spawnError: undefined, sent: [] };
      const pendingSignals = [...signals];
      let partialLine = "";
      let exited = false;
      let sending = false;
      let lastSentAt;

      const send = ({ signal, release }) => {
        if (exited || child.exitCode !== null || child.signalCode !== null) return;
        lastSentAt = performance.now();
        result.sent.push({ signal, delivered: child.kill(signal), at: lastSentAt });
        if (release !== undefined) writeFileSync(release, "");
      };
      // Sends every signal whose line has appeared, in order; a delayed one holds the rest back.
      const sendDue = () => {
        if (sending) return;
        while (pendingSignals.length > 0) {
          const next = pendingSignals[0];
          if (next.after !== undefined && !result.lineTimes.has(next.after)) return;
          pendingSignals.shift();
          // `atOnce`: a row that sends an echo on purpose (the same Ctrl-C passed on by a launcher).
          const afterPrevious = lastSentAt === undefined || next.atOnce ? 0 : lastSentAt + SECOND_SIGNAL_GAP_MS - performance.now();
          const delayMs = Math.max(next.delayMs ?? 0, afterPrevious);
          if (delayMs <= 0) {
            send(next);
            continue;
          }
          sending = true;
          setTimeout(() => {
            sending = false;
            send(next);
            sendDue();
          }, delayMs);
          return;
        }
      };

      const onLine = (line) => {
        result.lines.push(line);
        if (!result.lineTimes.has(line)) result.lineTimes.set(line, performance.now());
        sendDue();
      };

      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk) => {
        if (slowReader && !result.paused) {
          // Let the child fill the pipe: an exit that does not wait for stdout loses the rest.
          result.paused = true;
          child.stdout.pause();
          setTimeout(() => child.stdout.resume(), typeof slowReader === "number" ? slowReader : 300);
        }
        const parts = chunk.split("\n");
        parts[0] = partialLine + parts[0];
        partialLine = parts.pop();
        for (const line of parts) onLine(line);
      });
      child.stderr.setEncoding("utf8");
      if (closeStderrAfter !== undefined) {
        const close = () => {
          if (!result.lineTimes.has(closeStderrAfter)) return;
          child.stderr.destroy();
          child.stdout.off("data", close);
        };
        child.stdout.on("data", close);
      }
      child.stderr.on("data", (chunk) => (result.stderr += chunk));

      const deadline = setTimeout(() => {
        result.timedOut = true;
        child.kill("SIGKILL");
      }, deadlineMs);
      child.on("error", (error) => (result.spawnError = error));
      child.on("spawn", sendDue); // signals without `after` are timed from here
      child.on("exit", () => {
        exited = true;
        result.exitTime = performance.now();
      });
      child.on("close", (code, signal) => {
        clearTimeout(deadline);
        if (partialLine !== "") result.lines.push(partialLine);
        resolve({ ...result, code, signal });
      });
    });
  } finally {
    releaseSlot();
  }
}
