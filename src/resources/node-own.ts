/**
 * Which values are Node's own: a server or a child process whose dispose
 * method (read as the spec reads it) is the one Node's class gives it, not one
 * the application wrote (on a subclass, on the object, or in a Proxy's get
 * trap). Only those are disposed by an adapter; any other method is the one
 * that runs (docs/services.md).
 */

/** Members of a value that may be anything, read to see what it can do (a throw is caught by index.ts). */
export type Probe = Record<string, unknown>;

type Kind = "server" | "child";

type Module = Record<string, { prototype?: Record<symbol, unknown> } | undefined> & { createServer?: () => object };

/** Reads a method once, when first asked. */
function once(read: () => unknown): () => unknown {
  let method: unknown;
  let done = false;
  return () => {
    if (!done) [method, done] = [read(), true];
    return method;
  };
}

const builtin = (module: string): Module => process.getBuiltinModule(module) as unknown as Module;
const fromClass = (module: string, name: string, method: symbol): (() => unknown) => once(() => builtin(module)[name]?.prototype?.[method]);

/**
 * Where Node keeps the dispose methods of its own classes, most likely first: a module is loaded
 * only once a value already looks like one of its objects (it is loaded then, in practice).
 * node:http2 does not export its Http2Server class: its prototype is read off a server made for
 * that (never listening), once.
 */
const METHODS: Readonly<Record<Kind, readonly (() => unknown)[]>> = {
  server: [
    fromClass("node:http", "Server", Symbol.asyncDispose),
    fromClass("node:net", "Server", Symbol.asyncDispose), // Http2SecureServer's (and net's, and Bun's https)
    fromClass("node:https", "Server", Symbol.asyncDispose),
    fromClass("node:tls", "Server", Symbol.asyncDispose),
    once(() => (Object.getPrototypeOf(builtin("node:http2").createServer?.()) as Record<symbol, unknown> | null)?.[Symbol.asyncDispose]),
  ],
  child: [fromClass("node:child_process", "ChildProcess", Symbol.dispose)],
};

/** Methods found to be Node's own (of either kind: a method is never both). */
const known = new Set<unknown>();

/** Whether `method` is the dispose method Node's own `kind` class gives its objects. */
export function isNodesOwn(kind: Kind, method: unknown): boolean {
  if (typeof method !== "function") return false;
  if (known.has(method)) return true;
  for (const nodes of METHODS[kind]) {
    if (nodes() === method) {
      known.add(method);
      return true;
    }
  }
  return false;
}

/** Node's server API, as every kind of server has it. */
export function looksLikeServer(value: Probe): boolean {
  return typeof value.listen === "function" && typeof value.close === "function" && typeof value.address === "function" && typeof value.prependListener === "function";
}
