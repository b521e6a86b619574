/**
 * Deno: Node's `process` API through its Node compatibility layer, with these
 * differences (measured on Deno 2.9.6, each shown by a scenario of test/exit/):
 *
 * - `Deno.exit()` emits no process `exit` event; the global `unload` event
 *   fires on every exit, so it runs the synchronous part too (whichever of
 *   the two comes first; the second finds nothing left).
 * - Reading the environment needs `--allow-env`: without it, `ATEXIT_TRACE`
 *   is treated as unset instead of prompting or throwing.
 * - Signal listeners added with `Deno.addSignalListener` are invisible to
 *   `process.listeners()`, so atexit cannot see that the application took a
 *   signal over that way (use `process.on` for that).
 * - Workers emit no `beforeExit`: at a worker's natural end only the
 *   synchronous part runs, from `exit`.
 * - A signal delivered while a listener was there but dispatched after it
 *   was removed is dropped. Listeners released at the next turn lost the
 *   signal sent right after the last scope closed; released after Node's quiet
 *   period (runtime/node.ts), that signal finds them, as on Node.
 * - Deno's first signal listener, for any signal, resets signals ignored at start (`nohup`):
 *   a no-op listener keeps each ignored; knowing which needs read permission for /proc.
 * - At PID 1 of a PID namespace, a SIGTERM, SIGINT or SIGHUP that no
 *   JavaScript listener takes crashes Deno with SIGSEGV (with or without
 *   atexit): a re-raised signal would end the process as a crash.
 */
import type { InstallOptions, Triggers } from "./types.js";
import { format, NodeRuntime } from "./node.js";
import { signalNumber } from "./signals.js";

declare const Deno: {
  addSignalListener(signal: string, handler: () => void): void;
  permissions: { querySync(descriptor: { name: "env"; variable: string } | { name: "read"; path: string }): { state: string } };
};

export class DenoRuntime extends NodeRuntime {
  readonly #keptIgnored = new Set<string>();

  protected override installMore(triggers: Triggers, _options: InstallOptions): void {
    this.listenGlobal("unload", () => triggers.exit(this.exitCode()));
  }

  override env(name: string): string | undefined {
    try {
      if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") return undefined;
      return process.env[name];
    } catch {
      return undefined;
    }
  }

  /** A no-op listener keeps it ignored (keeping nothing alive); for good: removed, it would leave the default action. */
  protected override keepIgnored(signal: string): void {
    if (this.#keptIgnored.has(signal)) return;
    this.#keptIgnored.add(signal);
    Deno.addSignalListener(signal, () => {});
  }

  /** Only with read permission: Deno would prompt. */
  protected override ignoredSignals(): ReadonlySet<string> {
    try {
      if (Deno.permissions.querySync({ name: "read", path: "/proc/self/status" }).state !== "granted") return new Set();
    } catch {
      return new Set();
    }
    return super.ignoredSignals();
  }

  /** Deno dispatches a pending signal only after a few turns of its loop: a timer turn is enough (an immediate is not). */
  override signalsDispatched(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 0));
  }

  /**
   * Deno's own signal listeners (Deno.addSignalListener) are invisible to listenerCount, so the
   * fallback exit cannot follow the raise. At PID 1 (a container without an init) it comes first:
   * a signal no JavaScript listener takes makes Deno 2.9 crash there (SIGSEGV) instead of being
   * ignored, so the process ends as a container runtime reports death by the signal, 128 + n.
   */
  override raise(signal: string): void {
    if (!this.isMainThread) return;
    if (process.pid === 1) return this.exit(128 + signalNumber(signal));
    this.forward(signal);
    // Deno puts a signal's default action back a moment after its last listener goes: under load the
    // raise can come first and be dropped. Raise again while the process lives on (at once on the
    // next timer turn, then every 10 ms for half a second), then end as a container runtime reports
    // death by the signal. Soon, because abandoned entries could otherwise go on logging meanwhile.
    let attempts = 0;
    const again = (): void => {
      if (++attempts > 50) return this.exit(128 + signalNumber(signal));
      this.forward(signal);
      setTimeout(again, 10);
    };
    setTimeout(again, 0);
  }

  override formatUncaught(error: unknown): string {
    return `error: Uncaught ${format(error)}`;
  }
}
