/**
 * Child processes handed to `use()` (docs/services.md): a `ChildProcess`, or
 * a `node:cluster` worker in the primary. Disposing one sends SIGTERM, waits
 * for it to exit, and sends SIGKILL if it is still running when the grace runs
 * out (grace.ts): the parent never ends before its child, so no orphan is left.
 * When nothing can be awaited (`process.exit()`, a second signal, the timeout),
 * a child still running is killed with SIGKILL at once: it could not be waited
 * for, and a SIGTERM it ignored would leave it running as an orphan.
 *
 * A child in this process's group got the signal a terminal sends the whole group too (Ctrl-C's
 * SIGINT, Ctrl-\'s SIGQUIT, a hangup's SIGHUP; pm2 sends SIGINT to the whole tree) when the
 * sequence runs for it: it is given the grace to run its own cleanup and end by itself before it
 * is sent SIGTERM, which it would take for a second signal.
 *
 * A cluster worker is signalled directly, not with `worker.kill()`, which first
 * disconnects it: a worker whose channel closes calls `process.exit(0)` at once,
 * and its own registry could not wait for anything.
 */
import type { ChildProcess } from "node:child_process";
import type { Resource } from "../stack/entry.js";
import { forceAfter, graceMs } from "./grace.js";
import { isNodesOwn, type Probe } from "./node-own.js";

/** Without a deadline (a plain ExitStack, `timeout: Infinity`), a child gets this long after SIGTERM. */
const GRACE_WITHOUT_DEADLINE_MS = 10_000;

/** What a terminal sends its whole foreground process group. */
const GROUP_SIGNALS: ReadonlySet<string> = new Set(["SIGINT", "SIGQUIT", "SIGHUP"]);

declare const Deno: { permissions: { querySync(descriptor: { name: "read"; path: string }): { state: string } } } | undefined;

/** The process group of `pid` ("self": this process), from /proc (Linux); undefined where it cannot be read. */
function processGroup(pid: number | "self"): number | undefined {
  const path = `/proc/${pid}/stat`;
  try {
    // Deno would prompt for (or refuse) the read without permission: ask first.
    if (typeof Deno !== "undefined" && Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
    // After "(command) ", which may hold spaces: state, ppid, pgrp.
    const fs = process.getBuiltinModule("node:fs") as typeof import("node:fs");
    const group = Number(fs.readFileSync(path, "utf8").replace(/^.*\) /s, "").split(" ")[2]);
    return Number.isInteger(group) ? group : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the child got `signal` too: one a terminal sends the whole group, and the child in ours. */
function receivedToo(child: ChildProcess, signal: string | undefined): boolean {
  if (signal === undefined || !GROUP_SIGNALS.has(signal) || child.pid === undefined) return false;
  const ours = processGroup("self");
  return ours !== undefined && processGroup(child.pid) === ours;
}

function isChildProcess(value: Probe): value is Probe & ChildProcess {
  return typeof value.kill === "function" && typeof value.once === "function" && "exitCode" in value && "signalCode" in value && Array.isArray(value.spawnargs);
}

/** A cluster worker in the primary: its `process` is the ChildProcess. */
function isClusterWorker(value: Probe): boolean {
  return typeof value.isDead === "function" && typeof value.disconnect === "function" && typeof value.id === "number" && typeof value.process === "object" && value.process !== null;
}

/**
 * The adapter for a child process whose dispose method is Node's own, or for a cluster worker
 * (which has none), or undefined: any other method is the one that runs.
 */
export function childProcessResource(value: object, method: unknown): Resource | undefined {
  const probe = value as Probe;
  if (isChildProcess(probe)) {
    return isNodesOwn("child", method) ? childResource(value, probe, () => `ChildProcess ${probe.pid ?? "(not started)"} (${commandOf(probe)})`) : undefined;
  }
  const child = probe.process as Probe;
  if (method === undefined && isClusterWorker(probe) && isChildProcess(child) && isNodesOwn("child", child[Symbol.dispose as never])) {
    return childResource(value, child, () => `cluster worker ${String(probe.id)} (pid ${child.pid ?? "?"})`);
  }
  return undefined;
}

function childResource(target: object, child: ChildProcess, name: () => string): Resource {
  // Its exit, seen from use() on: Deno sets `signalCode` as soon as kill() is called, not at the exit.
  let exited = child.exitCode !== null || (child.signalCode !== null && !child.killed);
  const onExit = (): void => {
    exited = true;
  };
  child.once("exit", onExit);
  const release = (): void => void child.removeListener("exit", onExit);
  const running = (): boolean => child.pid !== undefined && !exited && child.exitCode === null;
  return {
    target,
    name,
    async dispose({ timeLeft, signal }) {
      if (!running()) return release();
      const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      // An unref'd child (the loop drained around it) must keep the loop alive while it is awaited.
      child.ref();
      if (receivedToo(child, signal)) {
        const started = Date.now();
        let waited: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([exit, new Promise<void>((resolve) => (waited = setTimeout(resolve, graceMs(timeLeft, GRACE_WITHOUT_DEADLINE_MS))))]);
        clearTimeout(waited);
        if (!running()) return release();
        if (timeLeft !== undefined) timeLeft -= Date.now() - started;
      }
      child.kill("SIGTERM");
      const cancel = forceAfter(graceMs(timeLeft, GRACE_WITHOUT_DEADLINE_MS), () => {
        if (running()) killHard(child);
      });
      try {
        await exit;
      } finally {
        cancel();
        release();
      }
    },
    disposeNow() {
      if (running()) killHard(child);
      release();
      return false;
    },
    release,
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
  return command.length > 80 ? `${command.slice(0, 79)}\u2026` : command;
}
