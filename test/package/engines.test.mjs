// package.json's `engines` tells the truth: it reads what the shipped code uses. Each API
// newer than Node 20.0 that dist/ uses is listed with the release that brought it to the 20
// and 22 lines; the lowest version `engines` admits in a line must have every API that the
// code uses without a fallback, and must be exactly the newest of them (no stricter than
// the code needs). The optional parser's own engines count too, and the runtimes of SPEC §1
// (Node 20, 22, 24, 26) must all be admitted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../runtimes.mjs";

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
const dist = join(repoRoot, "dist");
/** dist/'s JavaScript without its comments (dist/ keeps src/'s, which name APIs they do not call). */
const shipped = readdirSync(dist)
  .filter((file) => /\.c?js$/.test(file))
  .map((file) => ({ file, code: readFileSync(join(dist, file), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "") }));

/** A CommonJS file of dist/ that require()s an ES module of dist/ (package.json says "type": "module"). */
const requiresEsm = ({ file, code }) => file.endsWith(".cjs") && /\brequire\("\.\/[\w-]+\.js"\)/.test(code) && pkg.type === "module";

/** What the code may use: the release of each line that has it (none: that line never got it). */
const NEWER_APIS = [
  { api: "Symbol.dispose", uses: ({ code }) => /\bSymbol\.dispose\b/.test(code), since: { 20: "20.4.0", 22: "22.0.0" } },
  { api: "Symbol.asyncDispose", uses: ({ code }) => /\bSymbol\.asyncDispose\b/.test(code), since: { 20: "20.4.0", 22: "22.0.0" } },
  { api: "module.register", uses: ({ code }) => /\b(?:module|nodeModule)\.register\(/.test(code), since: { 20: "20.6.0", 22: "22.0.0" } },
  { api: "import.meta.resolve (synchronous)", uses: ({ code }) => /\bimport\.meta\.resolve\(/.test(code), since: { 20: "20.6.0", 22: "22.0.0" } },
  { api: "process.getBuiltinModule", uses: ({ code }) => /\bprocess\.getBuiltinModule\b/.test(code), since: { 20: "20.16.0", 22: "22.3.0" } },
  { api: "require() of an ES module", uses: requiresEsm, since: { 20: "20.19.0", 22: "22.12.0" } },
  { api: "Promise.withResolvers", uses: ({ code }) => /\bPromise\.withResolvers\b/.test(code), since: { 22: "22.0.0" } },
  { api: "Array.fromAsync", uses: ({ code }) => /\bArray\.fromAsync\b/.test(code), since: { 22: "22.0.0" } },
  // Feature-detected, with module.register as the fallback (src/loader/register.ts).
  { api: "module.registerHooks", uses: ({ code }) => /\bregisterHooks\b/.test(code), since: { 22: "22.15.0" }, fallback: /typeof registerHooks === "function"/ },
];
const LINES = [20, 22];

const parse = (version) => version.split(".").map(Number);
const compare = (a, b) => {
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i += 1) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
};
const newest = (versions) => versions.reduce((a, b) => (compare(a, b) >= 0 ? a : b));

/** The lowest version a range admits in each major line, for ranges of `^x.y.z`, `>=x.y.z` joined by `||`. */
function lowestAdmitted(range, major) {
  const found = [];
  for (const part of range.split("||").map((text) => text.trim())) {
    const match = /^(\^|>=)(\d+)\.(\d+)\.(\d+)$/.exec(part);
    assert.ok(match, `engines.node part "${part}" is ^x.y.z or >=x.y.z`);
    const [, operator, first] = match;
    const version = part.slice(operator.length);
    if (Number(first) === major) found.push(version);
    else if (operator === ">=" && Number(first) < major) found.push(`${major}.0.0`);
  }
  return found.length === 0 ? undefined : found.reduce((a, b) => (compare(a, b) <= 0 ? a : b));
}

const used = NEWER_APIS.filter((api) => shipped.some(api.uses));
const required = used.filter((api) => !(api.fallback && shipped.filter(api.uses).every(({ code }) => api.fallback.test(code))));
const parserEngines = JSON.parse(readFileSync(join(repoRoot, "node_modules/oxc-parser/package.json"), "utf8")).engines.node;

test("the code uses the APIs the table knows (so the table is read, not just kept)", () => {
  assert.ok(required.length > 0);
  assert.ok(shipped.some(requiresEsm), "index.cjs require()s the ES implementation");
});

for (const major of LINES) {
  test(`engines admits in Node ${major} only releases that have every API the code needs there`, () => {
    const lowest = lowestAdmitted(pkg.engines.node, major);
    assert.ok(lowest, `engines admits Node ${major}`);
    for (const { api, since } of required) {
      assert.ok(since[major], `${api} is used without a fallback, and Node ${major} never got it`);
      assert.ok(compare(lowest, since[major]) >= 0, `engines admits Node ${lowest}, but ${api} needs ${since[major]}`);
    }
    const parserLowest = lowestAdmitted(parserEngines, major);
    assert.ok(parserLowest && compare(lowest, parserLowest) >= 0, `engines admits Node ${lowest}, the optional parser wants ${parserEngines}`);
  });

  test(`engines asks in Node ${major} for no newer release than the code needs`, () => {
    const needs = newest([...required.map(({ since }) => since[major]), lowestAdmitted(parserEngines, major)]);
    assert.equal(lowestAdmitted(pkg.engines.node, major), needs);
  });
}

test("engines admits Node 24 and 26 from their first release, and nothing before Node 20", () => {
  assert.equal(lowestAdmitted(pkg.engines.node, 24), "24.0.0");
  assert.equal(lowestAdmitted(pkg.engines.node, 26), "26.0.0");
  for (const major of [16, 18, 19, 21]) assert.equal(lowestAdmitted(pkg.engines.node, major), undefined, `engines admits Node ${major}`);
});
