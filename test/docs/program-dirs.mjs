// Where the docs' programs run (guides.test.mjs, recipes.test.mjs): each in a directory of its
// own whose node_modules links to a shared set of links to the repository's, so that `atexit` is
// this checkout (its dist/) and every other package is the installed devDependency.
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../runtimes.mjs";

/**
 * Makes `dir`, a node_modules of links: one per installed package, `atexit` to this checkout,
 * and `overrides` ({ name: path }) in place of those packages.
 */
export function linkModules(dir, overrides = {}) {
  mkdirSync(dir);
  const installed = join(repoRoot, "node_modules");
  const links = { ...Object.fromEntries(readdirSync(installed).filter((entry) => !entry.startsWith(".")).map((entry) => [entry, join(installed, entry)])), atexit: repoRoot, ...overrides };
  for (const [entry, target] of Object.entries(links)) symlinkSync(target, join(dir, entry), "dir");
  return dir;
}

/** Makes `dir` with `file` (its text `code`) and a node_modules linked to `modules`; returns the file's path. */
export function programDir(dir, modules, file, code) {
  mkdirSync(dir);
  // package.json: Deno resolves bare specifiers from node_modules only inside a package.
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  symlinkSync(modules, join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, file), code);
  return join(dir, file);
}
