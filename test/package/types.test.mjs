// TypeScript consumers of the installed package, with skipLibCheck off (so the shipped
// declarations are checked too): TypeScript 5.3 (the oldest docs/package.md claims), 6 and 7,
// under nodenext, node16 and bundler resolution. Each program is a type-level test: it
// compiles where a user's code must, and its @ts-expect-error lines fail to compile where
// the types must refuse (an unused @ts-expect-error is itself an error). One tsc run per
// version and setting; the tests read its diagnostics file by file.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { repoRoot } from "../runtimes.mjs";
import { scratchConsumer, writeFiles } from "./consumer.mjs";

const COMPILERS = [
  { name: "TypeScript 5.3", tsc: "node_modules/typescript5/bin/tsc" },
  { name: "TypeScript 6", tsc: "node_modules/@typescript/typescript6/bin/tsc6" },
  { name: "TypeScript 7", tsc: "node_modules/typescript/bin/tsc" },
];
const SETTINGS = {
  nodenext: { options: ["--module", "nodenext", "--moduleResolution", "nodenext"], commonjs: true },
  node16: { options: ["--module", "node16", "--moduleResolution", "node16"], commonjs: true },
  bundler: { options: ["--module", "esnext", "--moduleResolution", "bundler"], commonjs: false },
};

/** The types the ES module exports (`export type { … }`, and ProcessRegistry): CommonJS must name each too. */
const esmTypes = [
  ...(/^export type \{ (.+) \};$/m.exec(readFileSync(join(repoRoot, "dist/index.d.ts"), "utf8"))?.[1].split(", ") ?? []),
  "ProcessRegistry",
];

const PROGRAMS = {
  // Every export, as an ES module consumer uses it, `await using` included.
  "esm.mts": `
import atexit, { register, unregister, use, adopt, adoptWeak, defer, scope, run, clear, exit, configure, ExitStack, type ExitReason, type ConfigureOptions } from "atexit";

const flush: () => void = register(() => {});
const removed: boolean = unregister(flush);
// The arguments that follow the function type its parameters (the README's example).
register((name) => console.log(\`bye, \${name.toUpperCase()}\`), "world");
const pair: (a: number, b: string) => number = register((a: number, b: string) => a, 1, "b");
const size: number = atexit.size;
const child: ExitStack = scope();
const own: ExitStack = new ExitStack();
const server = use({ async [Symbol.asyncDispose]() {} });
use({ [Symbol.dispose]() {} });
use(null);
use(undefined);
const port: number = adopt(8080, (value: number) => {});
adoptWeak({ id: 1 }, (value) => value.id);
defer(async () => {});
const options: ConfigureOptions = { timeout: 5_000, signals: ["SIGTERM", "SIGINT"], catchErrors: true, report: (line: string) => {}, trace: false };
configure(options);
const reason: ExitReason | undefined = atexit.reason;
const exiting: Promise<ExitReason> = atexit.exiting;
const signal: AbortSignal = atexit.signal;
const ran: Promise<void> = run();
clear();
async function handle(): Promise<void> {
  await using job = atexit.scope();
  job.defer(() => {});
}
const ended: Promise<never> = exit(0);
export { removed, pair, size, child, own, server, port, reason, exiting, signal, ran, handle, ended };
`,
  // ExitReason is a union by kind: \`signal\` is a string once kind is "signal".
  "reason.mts": `
import type { ExitReason } from "atexit";

export function describe(reason: ExitReason): string {
  if (reason.kind === "signal") return reason.signal;
  if (reason.kind === "exit") return String(reason.code);
  return reason.kind;
}
`,
  // What the types must refuse, as the native AsyncDisposableStack#use refuses it.
  "misuse.mts": `
import atexit, { configure, use } from "atexit";

// @ts-expect-error a number is not disposable
atexit.use(42);
// @ts-expect-error close() is not [Symbol.dispose]()
atexit.use({ close() {} });
// @ts-expect-error the named export is the same method
use("a string");
// @ts-expect-error a misspelt signal
configure({ signals: ["SIGKIL"] });
// @ts-expect-error a pool that its own end() closes (pg.Pool's shape) is not disposable: adopt(pool, (pool) => pool.end())
atexit.use(new Pool());
// @ts-expect-error register() takes a function
atexit.register("x");
// @ts-expect-error the arguments that follow the function are its arguments
atexit.register((code: number) => {}, "not a number");

/** pg.Pool's shape: connect(), query(), end(), and events. */
declare class Pool {
  connect(): Promise<object>;
  query(text: string): Promise<object>;
  end(): Promise<void>;
  on(event: "error", listener: (error: Error) => void): this;
}
`,
  // The same mistakes, whose error text the tests read: it says what to call instead.
  "hints.mts": `
import atexit from "atexit";

declare class Pool {
  connect(): Promise<object>;
  end(): Promise<void>;
}
atexit.use(new Pool());
atexit.register("x");
`,
  // What use() recognises beyond disposables compiles as written (no cast).
  "known.mts": `
import cluster from "node:cluster";
import { spawn } from "node:child_process";
import atexit, { type KnownResource } from "atexit";

if (cluster.isPrimary) atexit.use(cluster.fork());
atexit.use(spawn("true"));
// pino's destination (SonicBoom) and transport (ThreadStream), by their shape.
const destination = atexit.use({ flushSync() {}, flush() {}, write(_line: string) { return true; } });
destination.write("kept its own type");
const known: KnownResource = destination;
export { known };
`,
  // A CommonJS consumer names the types and the class.
  "cjs.cts": `
import atexit = require("atexit");
import registry from "atexit";
import type { ${esmTypes.join(", ")} } from "atexit";
import { ExitStack } from "atexit";

// Every type the ES module exports, named both ways: imported, and on the namespace.
type Named = [${esmTypes.map((name) => `${name}, atexit.${name}`).join(", ")}];
const named: Named | undefined = undefined;

let stack: ExitStack = new ExitStack();
stack = atexit.scope();
const child: atexit.ExitStack = new atexit.ExitStack();
const reason: ExitReason | undefined = atexit.reason;
const options: ConfigureOptions = { timeout: 1_000 };
const flush: () => void = atexit.register(() => {});
const size: number = registry.size + atexit.default.size;
atexit.configure(options);
export = { stack, child, reason, flush, size, named };
`,
  // atexit/polyfill brings the types of the globals it installs (compiled without lib esnext.disposable).
  "polyfill.mts": `
import "atexit/polyfill";

const stack: AsyncDisposableStack = new AsyncDisposableStack();
stack.defer(() => {});
const error: SuppressedError = new SuppressedError(new Error("a"), new Error("b"));
export { stack, error };
`,
  // The ES module's types and the CommonJS entry's are the same types, not two copies.
  "identity.cts": `
import type { ExitStack as CommonJsStack, ProcessRegistry as CommonJsRegistry } from "atexit";
import type { ExitStack as EsmStack, ProcessRegistry as EsmRegistry } from "atexit" with { "resolution-mode": "import" };

declare const fromEsm: EsmStack;
declare const fromCommonJs: CommonJsStack;
declare const registryFromEsm: EsmRegistry;
declare const registryFromCommonJs: CommonJsRegistry;
export const stacks: [CommonJsStack, EsmStack] = [fromEsm, fromCommonJs];
export const registries: [CommonJsRegistry, EsmRegistry] = [registryFromEsm, registryFromCommonJs];
`,
};
/** What each program checks, for the test names. */
const CHECKS = [
  ["esm.mts", "compiles an ES module consumer of every export, await using included"],
  ["reason.mts", "narrows ExitReason by kind (reason.signal is a string)"],
  ["misuse.mts", "refuses use(42), use({ close() {} }), use() of a pool, register('x') and signals: ['SIGKIL']"],
  ["known.mts", "accepts what use() recognises as written: cluster.fork(), a ChildProcess, a pino stream"],
  ["cjs.cts", "lets a CommonJS consumer name every type the ES module exports, and ExitStack", "commonjs"],
  ["identity.cts", "gives the ES module and the CommonJS entry one ExitStack type", "commonjs"],
];

let dir;
before(() => {
  dir = writeFiles(join(scratchConsumer().dir, "types"), PROGRAMS);
});

/** tsc's diagnostics, by file (paths relative to the programs' directory). */
function diagnostics(tsc, options, files, lib = "es2022,esnext.disposable") {
  const args = ["--noEmit", "--strict", "--skipLibCheck", "false", "--target", "es2022", "--lib", lib, "--types", "node", ...options, ...files];
  const result = spawnSync(process.execPath, [join(repoRoot, tsc), ...args], { cwd: dir, encoding: "utf8" });
  const byFile = new Map();
  for (const line of result.stdout.split("\n").filter((text) => /^\S.*\(\d+,\d+\): error/.test(text))) {
    const file = line.slice(0, line.indexOf("("));
    byFile.set(file, [...(byFile.get(file) ?? []), line]);
  }
  return { byFile, status: result.status, output: result.stdout + result.stderr };
}

for (const compiler of COMPILERS) {
  for (const [setting, { options, commonjs }] of Object.entries(SETTINGS)) {
    describe(`${compiler.name}, ${setting} resolution`, () => {
      const checks = CHECKS.filter(([, , kind]) => commonjs || kind !== "commonjs");
      let result;
      before(() => {
        result = diagnostics(compiler.tsc, options, checks.map(([file]) => file));
      });
      test("the shipped declarations compile (skipLibCheck: false)", () => {
        const elsewhere = [...result.byFile].filter(([file]) => !(file in PROGRAMS));
        assert.deepEqual(elsewhere, [], result.output);
        assert.ok(result.status === 0 || result.byFile.size > 0, result.output);
      });
      for (const [file, title] of checks) {
        test(`${title} (${file})`, () => {
          assert.deepEqual(result.byFile.get(file) ?? [], []);
        });
      }
    });
  }
}

/** tsc's full error messages (the first line and the lines indented under it), for one file. */
function errorTexts(tsc, file) {
  const args = ["--noEmit", "--strict", "--skipLibCheck", "false", "--target", "es2022", "--lib", "es2022,esnext.disposable", "--types", "node", ...SETTINGS.nodenext.options, file];
  const result = spawnSync(process.execPath, [join(repoRoot, tsc), ...args], { cwd: dir, encoding: "utf8" });
  const errors = [];
  for (const line of result.stdout.split("\n")) {
    if (line.startsWith(`${file}(`)) errors.push(line);
    else if (/^\s/.test(line) && errors.length > 0) errors[errors.length - 1] += `\n${line}`;
  }
  return errors;
}

for (const compiler of COMPILERS) {
  test(`${compiler.name}: use() of a value that is not disposable names adopt(value, onDispose); register() of a non-function asks for a function`, () => {
    const [useError, registerError, ...others] = errorTexts(compiler.tsc, "hints.mts");
    assert.deepEqual(others, []);
    assert.match(useError ?? "", /^hints\.mts\(8,\d+\): error/);
    // TypeScript 5.3 lists each overload's error, 7 the last one's: the hint is in both.
    assert.match(useError, /Argument of type 'Pool' is not assignable to parameter of type '"Expected a value with \[Symbol\.asyncDispose\]\(\) or \[Symbol\.dispose\]\(\), null or undefined; for a value closed by a method of its own \(pool\.end\(\), db\.close\(\)\), use adopt\(value, onDispose\)"'/);
    assert.equal(registerError, "hints.mts(9,17): error TS2345: Argument of type 'string' is not assignable to parameter of type '() => unknown'.");
  });

  test(`${compiler.name}: importing atexit/polyfill declares the globals it installs (lib es2022 only)`, () => {
    const result = diagnostics(compiler.tsc, SETTINGS.nodenext.options, ["polyfill.mts"], "es2022");
    assert.deepEqual([...result.byFile], [], result.output);
    assert.equal(result.status, 0, result.output);
  });
}

describe("editor hover text (TypeScript 5.3's language service)", () => {
  const ts = createRequire(import.meta.url)(join(repoRoot, "node_modules/typescript5"));
  /** The documentation of the symbol at the first `marker` in `file`. */
  function hover(file, marker) {
    const text = PROGRAMS[file];
    const host = {
      getCompilationSettings: () => ({ strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: ["node"], lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts"] }),
      getScriptFileNames: () => [join(dir, file)],
      getScriptVersion: () => "1",
      getScriptSnapshot: (path) => (ts.sys.fileExists(path) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(path)) : undefined),
      getCurrentDirectory: () => dir,
      getDefaultLibFileName: (settings) => ts.getDefaultLibFilePath(settings),
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
    };
    const info = ts.createLanguageService(host).getQuickInfoAtPosition(join(dir, file), text.indexOf(marker) + 1);
    return ts.displayPartsToString(info?.documentation ?? []);
  }

  test("the default export, imported from an ES module, has its documentation", () => {
    assert.match(hover("esm.mts", "atexit, {"), /process registry/);
  });
  test("require('atexit'), in CommonJS, has its documentation", () => {
    assert.match(hover("cjs.cts", "atexit = require"), /process registry/);
  });
});
