/**
 * Picks the runtime adapter. Bun and Deno announce themselves with a global of
 * their name; everything else is treated as Node.js.
 */
import { BunRuntime } from "./bun.js";
import { DenoRuntime } from "./deno.js";
import { NodeRuntime } from "./node.js";
import type { Runtime } from "./types.js";

/** The runtime this copy of atexit runs on. */
export function currentRuntime(): Runtime {
  if ("Bun" in globalThis) return new BunRuntime();
  if ("Deno" in globalThis) return new DenoRuntime();
  return new NodeRuntime();
}
