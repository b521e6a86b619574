/**
 * Whether a value handed to `use()` disposes the way its library wrote it, so that an adapter
 * (src/resources/) may dispose it better: it has no dispose method, or the one it has comes from
 * Node's own class (`Server`, `Http2Server`, `ChildProcess`). A method the application wrote (on
 * its own subclass, or on the object itself) is the application's decision: `use()` then calls
 * it, as the spec says, and no adapter takes its place.
 */

/** The classes whose dispose method an adapter replaces, by name, as every runtime calls them. */
const LIBRARY_CLASSES: readonly string[] = ["Server", "Http2Server", "ChildProcess"];

export function disposesAsItsLibrary(value: object): boolean {
  // The method GetDisposeMethod would read: [Symbol.asyncDispose] first, then [Symbol.dispose].
  for (const symbol of [Symbol.asyncDispose, Symbol.dispose]) {
    for (let owner: object | null = value; owner !== null; owner = Object.getPrototypeOf(owner) as object | null) {
      if (!Object.hasOwn(owner, symbol)) continue;
      if (owner === value) return false;
      const name: unknown = (owner as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof name === "string" && LIBRARY_CLASSES.includes(name);
    }
  }
  return true;
}
