/**
 * Bun: Node's `process` API, with two differences that matter at exit
 * (measured on Bun 1.4.5, and each shown by a scenario of test/exit/):
 *
 * - An unhandled rejection is never raised as `uncaughtException`; Bun prints
 *   it and ends the process with `exit` code 0. atexit listens for
 *   `unhandledRejection` itself (unless the application does).
 * - `process.stdout` writes through a native sink: `writableLength` stays 0 and
 *   `write("", cb)` calls back at once, so Node's flush sees nothing pending and
 *   an immediate exit cuts piped output at 64 KiB. The sink has a `flush()`
 *   that returns a promise while bytes are pending; it is reached through
 *   Bun's own `kWriteStreamFastPath` symbol, found by its description and used
 *   only if it has that shape (a private internal: the last resort the design allows (docs/decisions.md)
 *   allows, feature-detected, and tested by the 1 MiB scenarios).
 */
import type { Triggers } from "./types.js";
import { format, NodeRuntime } from "./node.js";
import { type IgnoredSignals, ignoredAtStart, runtimeSignalProblem } from "./signals.js";

declare const Bun: { version: string };

interface NativeSink {
  flush(): unknown;
}

function nativeSink(stream: NodeJS.WriteStream): NativeSink | undefined {
  for (const symbol of Object.getOwnPropertySymbols(stream)) {
    if (symbol.description !== "kWriteStreamFastPath") continue;
    const sink = (stream as unknown as Record<symbol, unknown>)[symbol];
    if (typeof sink === "object" && sink !== null && typeof (sink as NativeSink).flush === "function") return sink as NativeSink;
  }
  return undefined;
}

export class BunRuntime extends NodeRuntime {
  protected override installMore(triggers: Triggers, catchErrors: boolean): void {
    if (!catchErrors) return;
    this.on("unhandledRejection", (reason: unknown) => {
      if (this.foreignListeners("unhandledRejection").length > 0) return; // the application handles it
      triggers.error(reason, "unhandledRejection");
    });
  }

  protected override ignoredAtStart(): IgnoredSignals {
    // Bun has no synchronous read but node:fs's (about 5 ms to load, where nothing loaded it yet).
    return ignoredAtStart(() => (process.getBuiltinModule("node:fs") as typeof import("node:fs")).readFileSync("/proc/self/status", "latin1"));
  }

  override signalProblem(name: string): string | undefined {
    return runtimeSignalProblem("bun", name) ?? super.signalProblem(name);
  }

  override async flush(maxMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxMs);
    });
    const pending = [process.stdout, process.stderr].map((stream) => {
      try {
        return Promise.resolve(nativeSink(stream)?.flush()).then(
          () => {},
          () => {},
        );
      } catch {
        return Promise.resolve();
      }
    });
    await Promise.race([Promise.all([...pending, super.flush(maxMs)]), deadline]);
    clearTimeout(timer);
  }

  /** As Bun reports an uncaught error: `error: message` for a plain Error or a thrown value, `TypeError: message` otherwise, then the frames. */
  override formatUncaught(error: unknown): string {
    const platform = process.platform.charAt(0).toUpperCase() + process.platform.slice(1);
    let text: string;
    if (error instanceof Error) {
      const [, ...frames] = String(error.stack ?? "").split("\n");
      const name = error.name === "Error" ? "error" : error.name;
      text = [`${name}: ${error.message}`, ...frames.map((frame) => `  ${frame}`)].join("\n");
    } else {
      text = `error: ${typeof error === "string" ? error : format(error)}`;
    }
    return `${text}\n\nBun v${Bun.version} (${platform} ${process.arch})`;
  }
}
