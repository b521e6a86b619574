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
 *   was removed is dropped. Under load, Deno has taken over 40 ms to
 *   dispatch one, so the quiet period is as long as the SPEC allows
 *   (`quietMs`), and the listeners go only after a turn that dispatches
 *   signals (node.ts, `#quietPeriodEnded`).
 * - A signal raised again just after its last listener went can be dropped: `forward` (and so
 *   `raise`) raises it again until it takes effect.
 * - A signal ignored at start (SIGHUP under `nohup`) gets its default action back with Deno's
 *   first signal listener, whichever signal that is for: kept ignored by a listener that does
 *   nothing. Which signals were ignored is read from /proc/self/status, which needs read
 *   permission: without it atexit cannot know, and listens for SIGHUP as usual.
 * - At PID 1 of a PID namespace, a SIGTERM, SIGINT or SIGHUP that no
 *   JavaScript listener takes crashes Deno with SIGSEGV (with or without
 *   atexit): a re-raised signal would end the process as a crash.
 */
import type { Triggers } from "./types.js";
import { format, NodeRuntime } from "./node.js";
import { type IgnoredSignals, ignoredAtStart, runtimeSignalProblem, signalNumber } from "./signals.js";

declare const Deno: {
  addSignalListener(signal: string, handler: () => void): void;
  readTextFileSync(path: string): string;
  permissions: { querySync(descriptor: { name: "env"; variable: string } | { name: "read"; path: string }): { state: string } };
};

export class DenoRuntime extends NodeRuntime {
  protected override installMore(triggers: Triggers, _catchErrors: boolean): void {
    this.onGlobal("unload", () => triggers.exit(this.exitCode()));
  }

  /** Only with read permission for /proc/self/status: without it, Deno would prompt or throw, and SIGHUP is listened for as before. */
  protected override ignoredAtStart(): IgnoredSignals {
    try {
      if (Deno.permissions.querySync({ name: "read", path: "/proc/self/status" }).state !== "granted") return 0n;
    } catch {
      return 0n;
    }
    // Deno's own read: node:fs would be the first Node module, which costs Deno about 40 ms.
    return ignoredAtStart(() => Deno.readTextFileSync("/proc/self/status"));
  }

  /**
   * Deno's first signal listener, whatever signal it is for, gives every signal ignored at start
   * its default action back (under `nohup`, SIGHUP would then end the process). A listener that
   * does nothing keeps the signal ignored; it keeps nothing alive, and it stays for good, since
   * removing it would leave the default action too.
   */
  readonly #keptIgnored = new Set<string>();
  protected override keepIgnored(signal: string): void {
    if (this.#keptIgnored.has(signal)) return;
    this.#keptIgnored.add(signal);
    Deno.addSignalListener(signal, () => {});
  }

  override signalProblem(name: string): string | undefined {
    return runtimeSignalProblem("deno", name) ?? super.signalProblem(name);
  }

  /**
   * A signal delivered while a listener was there but dispatched after it was removed is dropped:
   * Deno's dispatch of a signal has taken over 20 ms on a loaded machine, so its listeners stay
   * 24 to 48 ms, as long as the SPEC's 50 ms allows, not Node's 10 to 20.
   */
  protected override get quietMs(): number {
    return 24;
  }

  override env(name: string): string | undefined {
    try {
      if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") return undefined;
      return process.env[name];
    } catch {
      return undefined;
    }
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
  }

  /**
   * Deno puts a signal's default action back a moment after its last listener goes: under load the
   * raise can come first and be dropped (with nothing registered as much as at the end of a
   * sequence). Raise again while the process lives on (at once on the next timer turn, then every
   * 10 ms for half a second), then end as a container runtime reports death by the signal. Soon,
   * because abandoned entries could otherwise go on logging meanwhile.
   */
  override forward(signal: string): void {
    if (!this.isMainThread) return;
    super.forward(signal);
    let attempts = 0;
    const again = (): void => {
      if (++attempts > 50) return this.exit(128 + signalNumber(signal));
      super.forward(signal);
      setTimeout(again, 10);
    };
    setTimeout(again, 0);
  }

  override formatUncaught(error: unknown): string {
    return `error: Uncaught ${format(error)}`;
  }
}
