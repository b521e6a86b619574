/**
 * Child processes handed to `use()` (README, "Services"): a `ChildProcess`, or
 * a `node:cluster` worker in the primary. Disposing one sends SIGTERM, waits
 * for it to exit, and sends SIGKILL if it is still running when the grace runs
 * out (grace.ts): the parent never ends before its child, so no orphan is left.
 * When nothing can be awaited (`process.exit()`, a second signal, the timeout),
 * a child still running is killed with SIGKILL at once: it could not be waited
 * for, and a SIGTERM it ignored would leave it running as an orphan.
 *
 * A cluster worker is signalled directly, not with `worker.kill()`, which first
 * disconnects it: a worker whose channel closes calls `process.exit(0)` at once,
 * and its own registry could not wait for anything.
 */
import type { ChildProcess } from "node:child_process";
import type { Resource } from "../entry.js";
import { forceAfter, graceMs } from "./grace.js";

/** Without a deadline (a plain ExitStack, `timeout: Infinity`), a child gets this long after SIGTERM. */
const GRACE_WITHOUT_DEADLINE_MS = 10_000;

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
  if (isChildProcess(probe)) return childResource(value, probe, () => `ChildProcess ${probe.pid ?? "(not started)"} (${commandOf(probe)})`);
  if (isClusterWorker(probe) && isChildProcess(probe.process as Probe)) {
    const child = probe.process as ChildProcess;
    return childResource(value, child, () => `cluster worker ${String(probe.id)} (pid ${child.pid ?? "?"})`);
  }
  return undefined;
}

function childResource(target: object, child: ChildProcess, name: () => string): Resource {
  return {
    target,
    name,
    async dispose(deadline) {
      if (!running(child)) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const cancel = forceAfter(graceMs(deadline, GRACE_WITHOUT_DEADLINE_MS), () => {
        if (running(child)) child.kill("SIGKILL");
      });
      try {
        await exited;
      } finally {
        cancel();
      }
    },
    disposeNow() {
      if (running(child)) child.kill("SIGKILL");
      return false;
    },
  };
}

/** Started, and its exit not seen yet. */
function running(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** `node worker.js`: the program's base name and its arguments, shortened for a diagnostic. */
function commandOf(child: ChildProcess): string {
  const [program = "", ...args] = child.spawnargs;
  const command = [program.slice(program.lastIndexOf("/") + 1), ...args].join(" ");
  return command.length > 80 ? `${command.slice(0, 79)}…` : command;
}
