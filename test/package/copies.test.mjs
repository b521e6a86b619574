// Several copies of atexit in one process, from the installed package, on every runtime:
// the CommonJS entry loaded first (by a CommonJS dependency) and the ES one next; two
// installed copies at different paths; and copies of other protocol versions, newer and
// older, real (a copy whose slot version is raised) and fake (a slot put there by hand).
// What must hold: one registry, one set of process listeners, an ExitStack from any copy
// passes every copy's instanceof (subclasses keep the ordinary instanceof), and version
// skew is an error at import that names both releases, never a silent undefined.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, runtimes } from "../runtimes.mjs";
import { pkg, scratchConsumer, writeFiles } from "./consumer.mjs";

/** Prints `name: value` for each check, so a failure shows every result at once. */
const REPORT = `const report = (checks) => { for (const [name, value] of Object.entries(checks)) console.log(\`\${name}: \${value}\`); };\n`;

const PROGRAMS = {
  "dep.cjs": 'const atexit = require("atexit");\nmodule.exports = { atexit, ExitStack: atexit.ExitStack };\n',
  // An ES application whose first import is a CommonJS dependency: the CommonJS entry loads first.
  "cjs-first.mjs": `${REPORT}
import dep from "./dep.cjs";
import atexit, { ExitStack, register } from "atexit";
const fromCommonJs = new dep.ExitStack();
const fromEsm = new ExitStack();
const sizeGetter = Object.getOwnPropertyDescriptor(ExitStack.prototype, "size").get;
ExitStack.prototype.defer.call(fromCommonJs, () => console.log("ESM method on a CommonJS stack ran"));
dep.ExitStack.prototype.defer.call(fromEsm, () => console.log("CommonJS method on an ESM stack ran"));
report({
  "one registry": dep.atexit === atexit,
  "one class": dep.ExitStack === ExitStack,
  "registry instanceof ExitStack": atexit instanceof ExitStack,
  "CommonJS stack instanceof ESM ExitStack": fromCommonJs instanceof ExitStack,
  "ESM stack instanceof CommonJS ExitStack": fromEsm instanceof dep.ExitStack,
  "ESM getter on a CommonJS stack": sizeGetter.call(fromCommonJs),
});
await fromCommonJs.disposeAsync();
await fromEsm.disposeAsync();
register(() => console.log("entry ran at exit"));
`,
  // A CommonJS application that requires atexit, then imports it.
  "cjs-app.cjs": `${REPORT}
const atexit = require("atexit");
import("atexit").then((esm) => {
  report({
    "one registry": esm.default === atexit,
    "one class": esm.ExitStack === atexit.ExitStack,
    "CommonJS stack instanceof ESM ExitStack": new atexit.ExitStack() instanceof esm.ExitStack,
    "ESM stack instanceof CommonJS ExitStack": new esm.ExitStack() instanceof atexit.ExitStack,
    "CommonJS method on an ESM stack": atexit.ExitStack.prototype.register.call(new esm.ExitStack(), Math.max) === Math.max,
  });
  esm.register(() => console.log("entry ran at exit"));
});
`,
  // The application's copy (node_modules/atexit) and a dependency's own (node_modules/lib/node_modules/atexit).
  "node_modules/lib/package.json": JSON.stringify({ name: "lib", version: "1.0.0", main: "index.cjs" }),
  "node_modules/lib/index.cjs": 'const atexit = require("atexit");\nmodule.exports = { atexit, ExitStack: atexit.ExitStack, path: require.resolve("atexit") };\n',
  "two-copies.mjs": `${REPORT}
import lib from "lib";
import atexit, { ExitStack, register } from "atexit";
import { createRequire } from "node:module";
class Mine extends ExitStack {}
const own = createRequire(import.meta.url).resolve("atexit");
report({
  "two paths": lib.path !== own,
  "two classes": lib.ExitStack !== ExitStack,
  "one registry": lib.atexit === atexit,
  "registry instanceof ExitStack": atexit instanceof ExitStack,
  "registry instanceof the other copy's ExitStack": atexit instanceof lib.ExitStack,
  "other copy's stack instanceof ExitStack": new lib.ExitStack() instanceof ExitStack,
  "stack instanceof the other copy's ExitStack": new ExitStack() instanceof lib.ExitStack,
  "a subclass instance instanceof the subclass": new Mine() instanceof Mine,
  "a plain stack instanceof the subclass": new ExitStack() instanceof Mine,
  "other copy's stack instanceof the subclass": new lib.ExitStack() instanceof Mine,
  "instanceof a non-stack": {} instanceof ExitStack,
});
lib.atexit.register(() => console.log("entry of the dependency's copy ran"));
register(() => console.log("entry of the application's copy ran"));
console.log(\`SIGTERM listeners: \${process.listenerCount("SIGTERM")}\`);
`,
  // A copy of a newer protocol version (node_modules/newer: this package, its slot version raised).
  "newer-first.mjs": `${REPORT}
const newer = await import("./node_modules/newer/dist/index.js");
const current = await import("atexit");
report({ "one registry": newer.default === current.default, "register is the newer registry's": current.register === newer.default.register });
current.register(() => console.log("entry of the current copy ran"));
newer.register(() => console.log("entry of the newer copy ran"));
`,
  "older-first.mjs": `
import atexit from "atexit";
atexit.register(() => console.log("entry of the current copy ran"));
try {
  await import("./node_modules/newer/dist/index.js");
  console.log("the newer copy loaded");
} catch (error) {
  console.log(\`import failed: \${error.message}\`);
}
`,
  // A slot put there by hand before atexit loads: argv[2] says which, argv[3] whether to import or require atexit.
  "fake-slot.mjs": `
import { createRequire } from "node:module";
const slots = {
  older: { version: 0, release: "0.0.1", registry: { register() {} } },
  "newer without adoptWeak": { version: 99, release: "9.9.9", registry: Object.fromEntries(["register", "unregister", "use", "adopt", "defer", "scope", "run", "clear", "exit", "configure"].map((name) => [name, () => {}])) },
  unreadable: 42,
};
const [, , slot, format] = process.argv;
Object.defineProperty(globalThis, Symbol.for("atexit.registry"), { value: Object.freeze(slots[slot]) });
try {
  const atexit = format === "import" ? await import("atexit") : createRequire(import.meta.url)("atexit");
  console.log(\`\${format} loaded: \${typeof atexit.adoptWeak}\`);
} catch (error) {
  // Its first line: Deno's require() of an ES module that throws gives the error's stack as the message.
  console.log(\`\${format} failed: \${error.message.split("\\n")[0]}\`);
}
`,
};

const release = pkg.version;
/** The slot protocol version this build publishes (src/process/slot.ts), read from the source, not assumed. */
const protocol = Number(/^const SLOT_VERSION = (\d+);$/m.exec(readFileSync(join(repoRoot, "src/process/slot.ts"), "utf8"))?.[1]);
/**
 * How fake-slot.mjs prints a failed import or require. On Deno, the message of an error thrown
 * while require() evaluates an ES module is that error's stack (its first line: "Error: …").
 */
const failure = (format, runtime) => (format === "require" && runtime.name === "deno" ? "require failed: Error: " : `${format} failed: `);
/** The error a copy of release `self` throws at import, finding the registry of `other`. */
const refusal = (other, problem, self = release) =>
  `atexit ${self} cannot share the exit registry of ${other}, loaded earlier in this thread: ${problem}. Install one version of atexit (\`npm ls atexit\`, \`npm dedupe\`), or load the newer one first.`;
const CASES = [
  {
    title: "a CommonJS dependency loads the CommonJS entry first: one registry, one class, brand checks pass both ways",
    args: ["cjs-first.mjs"],
    stdout: [
      "one registry: true",
      "one class: true",
      "registry instanceof ExitStack: true",
      "CommonJS stack instanceof ESM ExitStack: true",
      "ESM stack instanceof CommonJS ExitStack: true",
      "ESM getter on a CommonJS stack: 1",
      "ESM method on a CommonJS stack ran",
      "CommonJS method on an ESM stack ran",
      "entry ran at exit",
    ],
  },
  {
    title: "a CommonJS application that requires atexit and then imports it gets the same registry and class",
    args: ["cjs-app.cjs"],
    stdout: [
      "one registry: true",
      "one class: true",
      "CommonJS stack instanceof ESM ExitStack: true",
      "ESM stack instanceof CommonJS ExitStack: true",
      "CommonJS method on an ESM stack: true",
      "entry ran at exit",
    ],
  },
  {
    title: "two installed copies at different paths share one registry, and each passes the other's instanceof",
    args: ["two-copies.mjs"],
    stdout: [
      "two paths: true",
      "two classes: true",
      "one registry: true",
      "registry instanceof ExitStack: true",
      "registry instanceof the other copy's ExitStack: true",
      "other copy's stack instanceof ExitStack: true",
      "stack instanceof the other copy's ExitStack: true",
      "a subclass instance instanceof the subclass: true",
      "a plain stack instanceof the subclass: false",
      "other copy's stack instanceof the subclass: false",
      "instanceof a non-stack: false",
      "SIGTERM listeners: 1",
      "entry of the application's copy ran",
      "entry of the dependency's copy ran",
    ],
  },
  {
    title: "a copy of a newer protocol version loaded first: this copy uses its registry",
    args: ["newer-first.mjs"],
    stdout: ["one registry: true", "register is the newer registry's: true", "entry of the newer copy ran", "entry of the current copy ran"],
  },
  {
    title: "a copy of a newer protocol version loaded after this one fails at import, naming both releases",
    args: ["older-first.mjs"],
    stdout: [
      `import failed: ${refusal(`atexit ${release}`, `its registry speaks protocol version ${protocol}, and this copy needs ${protocol + 1}`, "9.0.0")}`,
      "entry of the current copy ran",
    ],
  },
  ...["import", "require"].flatMap((format) => [
    {
      title: `a fake slot of an older version makes ${format} fail, naming both releases`,
      args: ["fake-slot.mjs", "older", format],
      stdout: (runtime) => [`${failure(format, runtime)}${refusal("atexit 0.0.1", `its registry speaks protocol version 0, and this copy needs ${protocol}`)}`],
    },
    {
      title: `a fake slot of a newer version that lacks a method this copy exports makes ${format} fail`,
      args: ["fake-slot.mjs", "newer without adoptWeak", format],
      stdout: (runtime) => [`${failure(format, runtime)}${refusal("atexit 9.9.9", "its registry lacks `adoptWeak`")}`],
    },
    {
      title: `a slot that cannot be read makes ${format} fail`,
      args: ["fake-slot.mjs", "unreadable", format],
      stdout: (runtime) => [`${failure(format, runtime)}${refusal("a copy of atexit of unknown release", "its registry slot cannot be read")}`],
    },
  ]),
];

let dir;
before(() => {
  const consumer = scratchConsumer();
  dir = writeFiles(join(consumer.dir, "copies"), PROGRAMS);
  const installed = join(consumer.dir, "node_modules/atexit");
  cpSync(installed, join(dir, "node_modules/lib/node_modules/atexit"), { recursive: true });
  // The newer copy: the same build, publishing (and needing) the next slot version, as release 9.0.0.
  const newer = join(dir, "node_modules/newer");
  cpSync(installed, newer, { recursive: true });
  const index = join(newer, "dist/index.js");
  let code = readFileSync(index, "utf8");
  for (const [from, to] of [
    [`const SLOT_VERSION = ${protocol};`, `const SLOT_VERSION = ${protocol + 1};`],
    [`const RELEASE = ${JSON.stringify(release)};`, 'const RELEASE = "9.0.0";'],
  ]) {
    assert.equal(code.split(from).length, 2, `dist/index.js has "${from}" once`);
    code = code.replace(from, to);
  }
  writeFileSync(index, code);
});

describe("copies of atexit in one process", () => {
  for (const runtime of runtimes) {
    describe(runtime.name, { skip: runtime.skip }, () => {
      for (const { title, args, stdout } of CASES) {
        test(title, () => {
          const expected = typeof stdout === "function" ? stdout(runtime) : stdout;
          const result = spawnSync(runtime.path, [...runtime.args, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
          assert.deepEqual(result.stdout.trim().split("\n"), expected, result.stderr);
          assert.equal(result.stderr, "");
          assert.equal(result.status, 0, result.stderr);
        });
      }
    });
  }
});
