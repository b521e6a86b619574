/**
 * Buffered log destinations handed to `use()` (docs/services.md): pino's
 * `pino.destination()` (a SonicBoom) and `pino.transport()` (a ThreadStream),
 * or anything with their `flush(callback)` and `flushSync()`. Such a stream
 * flushes itself from the process `exit` event, which never fires when the
 * process dies by a re-raised signal: its last lines would be lost. Here it is
 * flushed in its place in the sequence, awaited (a write in flight, then
 * `flush`, through to the file for a transport, then `flushSync()` for what is
 * left), or at once with `flushSync()` when nothing can be awaited.
 * It is not ended: a line logged afterwards (from an `exit` listener, say) is
 * still written by the stream's own exit handling.
 *
 * `pino(atexit.use(pino.destination(…)))`: created first, it is the bottom
 * entry, so every line the other entries log is flushed with it.
 */
import type { Resource } from "../stack/entry.js";
import { resourceName } from "../stack/describe.js";
import type { Probe } from "./node-own.js";

interface LogStream {
  flush(callback: (error?: Error | null) => void): void;
  flushSync(): void;
  write(chunk: string): unknown;
}

function isLogStream(value: Probe): value is Probe & LogStream {
  return typeof value.flushSync === "function" && typeof value.flush === "function" && typeof value.write === "function";
}

interface Emitter {
  once(event: string, listener: (error?: unknown) => void): unknown;
  removeListener(event: string, listener: (error?: unknown) => void): unknown;
}

function drained(stream: Emitter): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: unknown): void => {
      stream.removeListener("drain", done);
      stream.removeListener("error", done);
      stream.removeListener("close", done);
      if (error instanceof Error) reject(error);
      else resolve();
    };
    stream.once("drain", done);
    stream.once("error", done);
    stream.once("close", done);
  });
}

/** pino.transport(): a ThreadStream, whose worker thread writes the destination. */
function isTransport(value: Probe): value is Probe & Emitter & { end(): void } {
  return typeof value.worker === "object" && value.worker !== null && typeof value.end === "function" && typeof value.once === "function";
}

function ended(stream: Emitter & { end(): void }): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once("close", () => resolve());
    stream.once("error", (error) => reject(error));
    stream.end();
  });
}

/** The adapter for a buffered log destination (which has no dispose method of its own), or undefined. */
export function logStreamResource(value: object): Resource | undefined {
  const probe = value as Probe;
  if (!isLogStream(probe)) return undefined;
  const stream = probe;
  return {
    target: value,
    name: () => `${resourceName(value)} (log destination)`,
    async dispose() {
      // A transport: its worker writes the file with a stream of its own, whose flush cannot be
      // waited for from here; ending it waits until the worker has closed the file.
      if (isTransport(probe)) return ended(probe);
      // A SonicBoom whose write is in flight: its flush() does nothing then (and nothing at all
      // with pino's minLength 0), so wait for the write to end ('drain'), then write the rest.
      if (probe._writing === true && typeof probe.once === "function") await drained(probe as unknown as Emitter);
      await new Promise<void>((resolve, reject) => stream.flush((error) => (error ? reject(error) : resolve())));
      stream.flushSync();
    },
    disposeNow() {
      stream.flushSync();
      // A transport's end() waits (blocking) until its worker has read everything and ended its own stream.
      if (isTransport(probe)) probe.end();
      return false;
    },
    release() {}, // nothing is attached to it until it is disposed
  };
}
