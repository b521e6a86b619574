/**
 * Buffered log destinations handed to `use()` (README, "Services"): pino's
 * `pino.destination()` (a SonicBoom) and `pino.transport()` (a ThreadStream),
 * or anything with their `flush(callback)` and `flushSync()`. Such a stream
 * flushes itself from the process `exit` event, which never fires when the
 * process dies by a re-raised signal: its last lines would be lost. Here it is
 * flushed in its place in the sequence, awaited (`flush`, through to the file
 * for a transport), or at once with `flushSync()` when nothing can be awaited.
 * It is not ended: a line logged afterwards (from an `exit` listener, say) is
 * still written by the stream's own exit handling.
 *
 * `pino(atexit.use(pino.destination(…)))`: created first, it is the bottom
 * entry, so every line the other entries log is flushed with it.
 */
import type { Resource } from "../entry.js";
import { resourceName } from "../describe.js";

type Probe = Record<string, unknown>;

interface LogStream {
  flush(callback: (error?: Error | null) => void): void;
  flushSync(): void;
  write(chunk: string): unknown;
}

function isLogStream(value: Probe): value is Probe & LogStream {
  return typeof value.flushSync === "function" && typeof value.flush === "function" && typeof value.write === "function";
}

/** The adapter for a buffered log destination, or undefined. */
export function logStreamResource(value: object): Resource | undefined {
  const probe = value as Probe;
  if (!isLogStream(probe)) return undefined;
  const stream = probe;
  return {
    target: value,
    name: () => `${resourceName(value)} (log destination)`,
    dispose: () =>
      new Promise<void>((resolve, reject) => {
        stream.flush((error) => (error ? reject(error) : resolve()));
      }),
    disposeNow() {
      stream.flushSync();
      return false;
    },
  };
}
