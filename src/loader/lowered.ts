/**
 * Top-level `using` that a compiler lowered before the loader saw it ("never
 * silently"): found, attributed to the tool that lowered it, and named in one line that
 * says which setting keeps `using` intact.
 *
 * Each tool lowers a module's top-level `using` into the same shape: the module body in a
 * `try`, and a `finally` at the top level that calls the tool's dispose helper, so the
 * resources are disposed when the module finishes evaluating. That `finally` is what is
 * looked for (a lowered `using` inside a function is nested, and keeps the standard
 * meaning, as it should). The helpers' names, measured on the tools' real output:
 *
 * | tool | helpers | the `finally` |
 * |---|---|---|
 * | TypeScript (tsc, ts-node, ts-loader), target below ESNext | `__addDisposableResource`, `__disposeResources` (or `tslib.`…) | `__disposeResources(env_1)` |
 * | esbuild (tsx, Vite ≤ 7), a target without `using` | `__using`, `__callDispose` | `__callDispose(_stack, _error, _hasError)` |
 * | Babel (`@babel/plugin-transform-explicit-resource-management`) | `_usingCtx` | `_usingCtx.d()` |
 * | Oxc (Vite 8, Rolldown), a target without `using` | `_usingCtx` from `@oxc-project/runtime` | `_usingCtx.d()` |
 * | SWC, at every target | `_ts_add_disposable_resource`, `_ts_dispose_resources` | `_ts_dispose_resources(env)` |
 *
 * The lowered code is reported, not rewritten: the helpers are each tool's private output
 * and change between versions (SWC took TypeScript's in 2024, Babel has had three), so a
 * rewrite that guessed wrong would dispose at the wrong time without a word — the very
 * failure this file exists to name. docs/loader.md says more.
 * @module
 */

/** A tool that lowers `using`. */
export type LoweringTool = "typescript" | "esbuild" | "babel" | "oxc" | "swc";

/** The helper names, any of which may mean lowered `using`: a cheap test before the parser is asked. */
const MARKERS = /__disposeResources|__callDispose|_usingCtx|_ts_dispose_resources|_using_ctx/;
/** The dispose call of each tool, as it appears in a top-level `finally`. */
const DISPOSE_CALLS: readonly [RegExp, LoweringTool][] = [
  [/__disposeResources\)?\s*\(/, "typescript"],
  [/\b__callDispose\s*\(/, "esbuild"],
  [/\b_usingCtx\w*\.d\s*\(/, "babel"],
  [/\b_ts_dispose_resources\w*\s*\(|\b_using_ctx\w*\.d\s*\(/, "swc"],
];

/** Whether `code` may hold lowered `using` (a `false` is certain; a `true` asks the parser). */
export function mayContainLoweredUsing(code: string): boolean {
  // Every helper's name holds "ispose" or "_using": two native searches rule out nearly every
  // module before the alternation (which scans character by character) is tried.
  return (code.includes("ispose") || code.includes("_using")) && MARKERS.test(code);
}

interface Node {
  type: string;
  start: number;
  end: number;
  finalizer?: Node | null;
}

/**
 * Which tool lowered a top-level `using` of the module whose parsed top-level statements are
 * `body`, or `undefined` when none did.
 */
export function loweredBy(code: string, body: Iterable<unknown>): LoweringTool | undefined {
  for (const statement of body as Iterable<Node>) {
    if (statement.type !== "TryStatement" || !statement.finalizer) continue;
    const finalizer = code.slice(statement.finalizer.start, statement.finalizer.end);
    for (const [call, tool] of DISPOSE_CALLS) {
      if (!call.test(finalizer)) continue;
      // Oxc emits Babel's helper, imported from its own runtime package.
      return tool === "babel" && code.includes("@oxc-project/runtime") ? "oxc" : tool;
    }
  }
  return undefined;
}

/** What ran the module through the tool, where the process shows it: the tsx command, `--import tsx`, ts-node. */
export interface LoweringContext {
  /** `node --import tsx` (hooks registered before atexit's). */
  tsxImport?: boolean;
  /** The `tsx` command (its hooks come before any `--import` it is given). */
  tsxCommand?: boolean;
  /** `--loader ts-node/esm` and the like. */
  tsNode?: boolean;
}

/** The process's own flags and NODE_OPTIONS, read where the runtime allows it. */
export function loweringContext(): LoweringContext {
  let args: string[] = [];
  try {
    const process = globalThis.process;
    args = [...(process?.execArgv ?? []), ...(process?.env?.NODE_OPTIONS ?? "").split(/\s+/)];
  } catch {
    // Deno without --allow-env: no context, the message stays generic.
  }
  const text = args.join(" ");
  return {
    tsxCommand: /[\\/]tsx[\\/]dist[\\/](?:preflight|loader)/.test(text),
    tsxImport: /(?:^|[\s=])tsx(?:\/esm)?(?:\s|$)/.test(text),
    tsNode: /ts-node/.test(text),
  };
}

/**
 * The one line (without the `atexit: ` prefix) that names the file, the tool that lowered
 * its top-level `using`, and the setting that keeps `using` intact.
 */
export function loweredWarning(file: string, tool: LoweringTool, context: LoweringContext = {}): string {
  const lost = `${file}: its top-level using was lowered by`;
  const why = "before atexit could keep it, so it is disposed when the module finishes, not at exit";
  switch (tool) {
    case "typescript":
      return `${lost} TypeScript${context.tsNode ? " (ts-node)" : ""} ${why}: set "target": "ESNext" in tsconfig.json`;
    case "esbuild":
      if (context.tsxCommand) return `${lost} tsx (esbuild) ${why}: the tsx command loads --import atexit/register after its own hooks; run NODE_OPTIONS="--import atexit/register" tsx instead`;
      if (context.tsxImport) return `${lost} tsx (esbuild) ${why}: tsx's hooks ran first; put --import atexit/register before --import tsx`;
      return `${lost} esbuild ${why}: build with target: "esnext" or supported: { using: true }, or run atexit's plugin before esbuild lowers`;
    case "oxc":
      return `${lost} Oxc (Vite, Rolldown) ${why}: transform with target "esnext", or run atexit's plugin first (enforce: "pre")`;
    case "babel":
      return `${lost} Babel ${why}: leave using to the runtime (drop @babel/plugin-transform-explicit-resource-management, or give preset-env targets that have using), or run atexit/transform before Babel`;
    case "swc":
      return `${lost} SWC ${why}: SWC lowers using at every target; run atexit/transform before SWC`;
  }
}
