/**
 * Child processes handed to `use()` (README, "Services"): a `ChildProcess`, or
 * a `node:cluster` worker in the primary. Disposing one sends SIGTERM, waits
 * for it to exit, and sends SIGKILL if it is still running when the grace runs
 * out (grace.ts): the parent never ends before its child, so no orphan is left.
 * When nothing can be awaited (`process.exit()`, a second signal, the timeout),
 * a child still running is killed with SIGKILL at once: it could not be waited
 * for, and a SIGTERM it ignored would leave it running as an orphan.
 *
 * A child in our process group got the signal a terminal sends the whole group too: it gets the
 * grace to run its own cleanup before SIGTERM, which it would take for a second signal.
 *
 * A cluster worker is signalled directly, not with `worker.kill()`, which first
 * disconnects it: a worker whose channel closes calls `process.exit(0)` at once,
 * and its own registry could not wait for anything.
 */
import type { ChildProcess } from "node:child_process";
import type { Resource } from "../stack/entry.js";
import { forceAfter, graceMs } from "./grace.js";
import { disposesAsItsLibrary } from "./library-dispose.js";

/** Without a deadline (a plain ExitStack, `timeout: Infinity`), a child gets this long after SIGTERM. */
const GRACE_WITHOUT_DEADLINE_MS = 10_000;

/** What a terminal sends its whole foreground process group. */
const GROUP_SIGNALS: ReadonlySet<string> = new Set(["SIGINT", "SIGQUIT", "SIGHUP"]);

type Fs = typeof import("node:fs");
declare const Deno: { permissions: { querySync(descriptor: { name: "read"; path: string }): { state: string } } } | undefined;

/** The process group of `pid` (Linux), or undefined. */
function processGroup(pid: number | "self"): number | undefined {
  const path = `/proc/${pid}/stat`;
  try {
    // Deno would prompt without permission.
    if (typeof Deno !== "undefined" && Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
    // After "(command) ": state, ppid, pgrp.
    const fields = (process.getBuiltinModule("node:fs") as Fs).readFileSync(path, "utf8").replace(/^.*\) /s, "").split(" ");
    const group = Number(fields[2]);
    return Number.isInteger(group) ? group : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the child got `signal` too: a group's signal, and the child in our group. */
function receivedToo(child: ChildProcess, signal: string | undefined): boolean {
  if (signal === undefined || !GROUP_SIGNALS.has(signal) || child.pid === undefined) return false;
  const ours = processGroup("self");
  return ours !== undefined && processGroup(child.pid) === ours;
}

type Probe = Record<string, unknown>;

function isChildProcess(value: Probe): value is Probe & ChildProcess {
  return typeof value.kill === "function" && typeof value.once === "function" && "exitCode" in value && "signalCode" in value && Array.isArray(value.spawnargs);
}

/** A cluster worker in the primary: its `process` is the ChildProcess. */
function isClusterWorker(value: Probe): boolean {
  return typeof value.isDead === "function" && typeof value.disconnect === "function" && typeof value.id === "number" && typeof value.process === "object" && value.process !== null;
}

/** The adapter for a child process or a cluster worker, or undefined. */
export function childProcessResource(value: object): Resource | undefined {
  const probe = value as Probe;
  if (isChildProcess(probe)) {
    return disposesAsItsLibrary(value) ? childResource(value, probe, () => `ChildProcess ${probe.pid ?? "(not started)"} (${commandOf(probe)})`) : undefined;
  }
  if (isClusterWorker(probe) && isChildProcess(probe.process as Probe) && disposesAsItsLibrary(value)) {
    const child = probe.process as ChildProcess;
    return childResource(value, child, () => `cluster worker ${String(probe.id)} (pid ${child.pid ?? "?"})`);
  }
  return undefined;
}

function childResource(target: object, child: ChildProcess, name: () => string): Resource {
  // Its exit, seen from use() on: Deno sets `signalCode` as soon as kill() is called, not at the exit.
  let exited = child.exitCode !== null || (child.signalCode !== null && !child.killed);
  child.once("exit", () => (exited = true));
  const running = (): boolean => child.pid !== undefined && !exited && child.exitCode === null;
  return {
    target,
    name,
    async dispose(deadline, signal) {
      if (!running()) return;
      const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      // An unref'd child (the loop drained around it) must keep the loop alive while it is awaited.
      child.ref();
      if (receivedToo(child, signal)) {
        let waited: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([exit, new Promise<void>((resolve) => (waited = setTimeout(resolve, graceMs(deadline, GRACE_WITHOUT_DEADLINE_MS))))]);
        clearTimeout(waited);
        if (!running()) return;
      }
      child.kill("SIGTERM");
      const cancel = forceAfter(graceMs(deadline, GRACE_WITHOUT_DEADLINE_MS), () => {
        if (running()) killHard(child);
      });
      try {
        await exit;
      } finally {
        cancel();
      }
    },
    disposeNow() {
      if (running()) killHard(child);
      return false;
    },
  };
}

/** SIGKILL by pid: Deno's `child.kill()` does nothing once it was called. A child gone meanwhile is fine. */
function killHard(child: ChildProcess): void {
  try {
    process.kill(child.pid as number, "SIGKILL");
  } catch {
    // ESRCH: it exited already
  }
}

/** `node worker.js`: the command line with base names for absolute paths, shortened for a diagnostic. */
function commandOf(child: ChildProcess): string {
  const command = child.spawnargs.map((arg) => (arg.startsWith("/") ? arg.slice(arg.lastIndexOf("/") + 1) : arg)).join(" ");
  return command.length > 80 ? `${command.slice(0, 79)}…` : command;
}
