/**
 * Resources atexit knows how to dispose better than their own dispose method,
 * and how to name: handed to `use()`, such a value becomes a RESOURCE entry
 * (entry.ts) whose disposal is its adapter's (src/resources/, one file each).
 * Each adapter is found by what the value can do (duck typing), so nothing here
 * loads a module it does not need.
 */
import type { Resource } from "../stack/entry.js";
import { childProcessResource } from "./child-process.js";
import { httpResource } from "./http.js";
import { logStreamResource } from "./log-stream.js";

/** The adapter for `value`, or undefined when atexit has none and its own dispose method is used. */
export function knownResource(value: object): Resource | undefined {
  const probe = value as Record<string, unknown>;
  try {
    // One cheap look first: every value an adapter knows has one of these methods (most values have none).
    let known: Resource | undefined;
    if (typeof probe.close === "function") known = httpResource(value);
    if (known === undefined && typeof probe.kill === "function") known = childProcessResource(value);
    if (known === undefined && typeof probe.flushSync === "function") known = logStreamResource(value);
    return known;
  } catch {
    // A throwing getter or a revoked Proxy: not one of ours; use() reads its dispose method as the spec says.
  }
  return undefined;
}
