// Shared helpers for the ExitStack unit tests. Not a test file: `node --test test/unit/`
// (Node 20) and `node --test "test/unit/*.test.mjs"` (Node 22+) only pick up *.test.mjs.

/** Resolves after one macrotask turn (all pending microtasks have run by then). */
export const macrotask = () => new Promise((resolve) => setImmediate(resolve));

/** Native `AsyncDisposableStack`, or `undefined` where the runtime has none (Node 20, 22). */
export const NativeAsyncDisposableStack =
  typeof globalThis.AsyncDisposableStack === "function" ? globalThis.AsyncDisposableStack : undefined;

/** Reason to skip a differential test, or `false` to run it. */
export const withoutNative = NativeAsyncDisposableStack
  ? false
  : `this runtime (Node ${process.versions.node}) has no native AsyncDisposableStack to compare with`;

export const nodeMajor = Number(process.versions.node.split(".")[0]);

/**
 * Counts microtask turns: each turn re-queues itself once, so `ticker.now` is the number of
 * microtask turns that ran since `startTicker()` (until `stop()`).
 *
 * While it runs, the microtask queue is never empty, so no macrotask (timer, setImmediate, I/O)
 * can run: a scenario measured with a ticker must not wait for one. As a guard against a
 * stack that does, the ticker gives up after `limit` turns (then `ticker.exhausted` is true and
 * `now` stays at `limit`), which lets the event loop move on instead of spinning forever.
 */
export function startTicker(limit = 100_000) {
  const ticker = {
    now: 0,
    stopped: false,
    exhausted: false,
    stop() {
      ticker.stopped = true;
    },
  };
  const step = () => {
    if (ticker.stopped) return;
    if (ticker.now >= limit) {
      ticker.exhausted = true;
      return;
    }
    ticker.now++;
    queueMicrotask(step);
  };
  queueMicrotask(step);
  return ticker;
}

/** An Error whose message is its label, so structures can be compared across two runs. */
export const labelled = (label) => new Error(label);

/**
 * A structural description of a thrown value: labels of our own errors, and for a
 * SuppressedError its constructor, prototype chain, own property attributes and both links.
 * Iterative in the `error`/`suppressed` direction would be nicer, but chains compared here are
 * short; the scale tests walk long chains with `walkSuppressedChain`.
 */
/**
 * Own properties an engine adds to every error constructed in JavaScript, not part of the
 * spec's shape: Bun (JavaScriptCore) records where `new SuppressedError()` ran, which a
 * natively created one lacks.
 */
const ENGINE_SOURCE_KEYS = new Set(["originalLine", "originalColumn", "sourceURL"]);

export function shapeOf(thrown) {
  if (thrown === null || (typeof thrown !== "object" && typeof thrown !== "function")) {
    return { primitive: typeof thrown, value: thrown };
  }
  const name = thrown?.constructor?.name;
  if (!isSuppressedErrorLike(thrown)) {
    return { name, message: thrown.message };
  }
  const attributes = (key) => {
    const descriptor = Object.getOwnPropertyDescriptor(thrown, key);
    if (!descriptor) return "missing";
    const { enumerable, writable, configurable } = descriptor;
    return { enumerable, writable, configurable, isData: "value" in descriptor };
  };
  return {
    name,
    isError: thrown instanceof Error,
    isGlobalSuppressedError:
      typeof globalThis.SuppressedError === "function" ? thrown instanceof globalThis.SuppressedError : "no global",
    ownKeys: Reflect.ownKeys(thrown)
      .filter((key) => key !== "stack" && key !== "message" && !ENGINE_SOURCE_KEYS.has(key))
      .map(String)
      .sort(),
    errorAttributes: attributes("error"),
    suppressedAttributes: attributes("suppressed"),
    error: shapeOf(thrown.error),
    suppressed: shapeOf(thrown.suppressed),
  };
}

/**
 * An Error with own `error` and `suppressed` properties: found by shape, not by constructor name,
 * so that the tests which assert the name are the only ones to fail if the name is wrong.
 */
export function isSuppressedErrorLike(value) {
  return value instanceof Error && Object.hasOwn(value, "error") && Object.hasOwn(value, "suppressed");
}

/**
 * Walks `SuppressedError{ error, suppressed }` links without recursion and returns the list of
 * `error` values from the outermost in, followed by the innermost non-SuppressedError value.
 */
export function walkSuppressedChain(thrown) {
  const values = [];
  let current = thrown;
  while (isSuppressedErrorLike(current)) {
    values.push(current.error);
    current = current.suppressed;
  }
  values.push(current);
  return values;
}

/** Settles a promise into `{ status, value | reason }` without throwing. */
export async function settle(promise) {
  try {
    return { status: "fulfilled", value: await promise };
  } catch (reason) {
    return { status: "rejected", reason };
  }
}
