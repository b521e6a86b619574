/**
 * The versioned slot that every copy of atexit in a thread shares (SPEC §6):
 * the ESM and CommonJS builds, and different installed versions. The first
 * copy to load creates the registry; every later one uses it.
 *
 * Protocol: `globalThis[Symbol.for("atexit.registry")]` is a frozen
 * `{ version, registry }`. `version` only grows; a registry published under
 * version N keeps the public API of every version up to N, so a copy that
 * needs version V uses any slot with `version >= V`. A newer copy that finds an
 * older slot uses it as it is (only one set of process listeners may exist).
 */

const SLOT_KEY: unique symbol = Symbol.for("atexit.registry") as never;
/** The protocol version this copy publishes. */
const SLOT_VERSION = 1;

interface Slot<T> {
  readonly version: number;
  readonly registry: T;
}

/** Returns this thread's registry, creating and publishing it if no copy did yet. */
export function sharedRegistry<T>(create: () => T): T {
  const holder = globalThis as unknown as Record<typeof SLOT_KEY, Slot<T> | undefined>;
  const slot = holder[SLOT_KEY];
  if (typeof slot === "object" && slot !== null && typeof slot.version === "number" && slot.version >= 1) {
    return slot.registry;
  }
  const registry = create();
  Object.defineProperty(holder, SLOT_KEY, {
    value: Object.freeze({ version: SLOT_VERSION, registry }),
    enumerable: false,
    writable: false,
    configurable: false,
  });
  return registry;
}
