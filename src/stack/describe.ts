/**
 * Words for values in messages: what a bad argument was (`describe`), and what
 * a resource is called (`resourceName`); and the two questions asked of any
 * value: whether it may have properties (`isObject`), and how a rejection of it
 * is handled if it is a thenable (`onRejection`). All are total: a hostile value
 * (a throwing getter, a revoked Proxy) gets a plain word or a plain answer
 * instead of an exception, because they run inside error paths and diagnostics.
 */

/** Whether `value` is an object or a function: what has properties, and what `await` reads `then` of. */
export function isObject(value: unknown): value is object {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

/**
 * If `value` is a thenable, hands `onRejected` to its `then` (read once) and returns true; a
 * `then` that throws leaves it at that. Returns false for anything else.
 */
export function onRejection(value: unknown, onRejected: (error: unknown) => void): boolean {
  if (!isObject(value)) return false;
  let then: unknown;
  try {
    then = (value as { then?: unknown }).then;
  } catch {
    return false;
  }
  if (typeof then !== "function") return false;
  try {
    then.call(value, undefined, onRejected);
  } catch {
    // A thenable whose then() throws: nothing more can be done with it.
  }
  return true;
}

/** Describes a received value for an error message: `42 (number)`, `null`, `a plain object`, `an instance of Map`. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  const type = typeof value;
  if (type === "function") return `function ${functionName(value as () => unknown) ?? "(anonymous)"}`;
  if (type === "string") return `${JSON.stringify(value)} (string)`;
  if (type === "symbol") return `${String(value)} (symbol)`;
  if (type === "bigint") return `${String(value)}n (bigint)`;
  if (type === "object") {
    const name = constructorName(value as object);
    if (name === "Object") return "a plain object";
    return name === undefined ? "an object of unknown class" : `an instance of ${name}`;
  }
  return `${String(value)} (${type})`;
}

/** A resource as a diagnostic names it: a function's name, an object's constructor name, a primitive as `String()` writes it. */
export function resourceName(value: unknown): string {
  if (typeof value === "function") return functionName(value as () => unknown) ?? "anonymous function";
  if (typeof value === "object" && value !== null) return constructorName(value) ?? "object";
  return safeString(value);
}

/** A function's own name, or undefined when it has none (or reading it throws). */
export function functionName(fn: (...args: never[]) => unknown): string | undefined {
  try {
    const name: unknown = fn.name;
    return typeof name === "string" && name !== "" ? name : undefined;
  } catch {
    return undefined;
  }
}

function constructorName(value: object): string | undefined {
  try {
    const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "" ? name : undefined;
  } catch {
    return undefined;
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return typeof value === "object" ? "[object]" : typeof value;
  }
}
