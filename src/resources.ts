/**
 * Resources atexit knows how to dispose better than their own dispose method,
 * and how to name: handed to `use()`, such a value becomes a RESOURCE entry
 * (entry.ts) whose disposal is the adapter's. Each adapter is found by what the
 * value can do (duck typing), so nothing here loads a module it does not need.
 */
import type { Resource } from "./entry.js";

/** The adapter for `value`, or undefined when atexit has none and its own dispose method is used. */
export function knownResource(value: object): Resource | undefined {
  void value;
  return undefined;
}
