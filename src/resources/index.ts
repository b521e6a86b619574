/**
 * The process registry's policy for `use()` (docs/services.md): the values
 * it disposes better than their dispose method alone, each by an adapter of
 * its own (one file each). Plain `ExitStack`s have no policy (stack/core.ts).
 *
 * The value's dispose method, read as the spec reads it, always runs or is
 * replaced only by Node's own behaviour: Node's servers and child processes
 * whose method is Node's get an adapter; a framework whose own method runs
 * gets its Node server drained alongside; values with no method at all (a
 * cluster worker, a pino destination) get the adapter for what they can do.
 * Everything is found by what the value can do, so nothing is loaded for a
 * value that is none of these.
 */
import type { Resource } from "../stack/entry.js";
import { childProcessResource } from "./child-process.js";
import { httpResource } from "./http.js";
import { logStreamResource } from "./log-stream.js";
import type { Probe } from "./node-own.js";

/** The adapter for `value`, whose dispose method is `method` (undefined if it has none); undefined for the method alone. */
export function resourcePolicy(value: object, method: unknown): Resource | undefined {
  const probe = value as Probe;
  try {
    // One cheap look first: every value an adapter knows has one of these methods (most values have none).
    let adapted: Resource | undefined;
    if (typeof probe.close === "function") adapted = httpResource(value, method);
    if (adapted === undefined && (typeof probe.kill === "function" || typeof probe.isDead === "function")) adapted = childProcessResource(value, method);
    if (adapted === undefined && method === undefined && typeof probe.flushSync === "function") adapted = logStreamResource(value);
    return adapted;
  } catch {
    // A throwing getter or a revoked Proxy: not one of Node's; use() takes the method it read.
  }
  return undefined;
}
