/**
 * The versioned slot that every copy of atexit in a thread shares: the ESM and
 * CommonJS entries, and other installed versions. The first copy to load
 * creates the registry and publishes it; every later copy uses that one.
 *
 * Protocol: `globalThis[Symbol.for("atexit.registry")]` is a frozen
 * `{ version, release, registry }`, non-writable and non-configurable.
 * - `version` is an integer that grows with every change to what one copy
 *   relies on in another's registry: a new member, a new `configure` option,
 *   a changed behaviour. A registry published under version N keeps the public
 *   API of every version up to N.
 * - `release` is the package version of the copy that published it, for messages.
 *
 * Rule: a copy uses a slot of its own version or newer (after checking that the
 * registry has every member it exports). A copy that finds an older slot, or one
 * it cannot read, throws at import an error naming both releases. It does not
 * adapt: methods could be rebuilt on an older registry's public ones, but a
 * `configure` option or an exit path that registry lacks could not, and a
 * half-adapted registry is the silent skew this protocol exists to prevent.
 */

/** The package version, put in by the build (scripts/build.mjs). */
declare const ATEXIT_RELEASE: string;

const SLOT_KEY: unique symbol = Symbol.for("atexit.registry") as never;
/** The protocol version this copy publishes and needs. */
const SLOT_VERSION = 3;
/** This copy's package version. */
const RELEASE: string = ATEXIT_RELEASE;

interface Slot {
  readonly version: number;
  readonly release: string;
  readonly registry: object;
}

/**
 * Returns this thread's registry, creating and publishing it if no copy did yet.
 * `members` are the methods this copy exports from the registry.
 */
export function sharedRegistry<T extends object>(create: () => T, members: readonly string[]): T {
  const holder = globalThis as unknown as Record<typeof SLOT_KEY, unknown>;
  if (Object.hasOwn(holder, SLOT_KEY)) return compatibleRegistry(holder[SLOT_KEY], members) as T;
  const registry = create();
  const slot: Slot = Object.freeze({ version: SLOT_VERSION, release: RELEASE, registry });
  Object.defineProperty(holder, SLOT_KEY, { value: slot, enumerable: false, writable: false, configurable: false });
  return registry;
}

/** The registry of a slot another copy published, or an error naming both releases. */
function compatibleRegistry(slot: unknown, members: readonly string[]): object {
  const found = typeof slot === "object" && slot !== null ? (slot as Partial<Slot>) : {};
  const release = typeof found.release === "string" ? `atexit ${found.release}` : "a copy of atexit of unknown release";
  const problem =
    typeof found.version !== "number" || typeof found.registry !== "object" || found.registry === null
      ? "its registry slot cannot be read"
      : found.version < SLOT_VERSION
        ? `its registry speaks protocol version ${found.version}, and this copy needs ${SLOT_VERSION}`
        : missingMember(found.registry, members);
  if (problem === undefined) return found.registry!;
  throw new Error(
    `atexit ${RELEASE} cannot share the exit registry of ${release}, loaded earlier in this thread: ${problem}. ` +
      "Install one version of atexit (`npm ls atexit`, `npm dedupe`), or load the newer one first.",
  );
}

function missingMember(registry: object, members: readonly string[]): string | undefined {
  const missing = members.filter((name) => typeof (registry as Record<string, unknown>)[name] !== "function");
  return missing.length === 0 ? undefined : `its registry lacks ${missing.map((name) => `\`${name}\``).join(", ")}`;
}
