// The scratch consumer that the package tests share: the packed tarball installed, as a
// user installs it, into a project outside the repository (with @types/node, for the
// TypeScript consumers). Not a test file.
//
// Installing is the slow part, so it happens once per build: the project is kept in the
// temp directory under a key made of everything `npm pack` takes, and every test file (and
// the next run, until the build changes) reuses it. The other test files' projects, and
// the programs they write into it, live in subdirectories of their own.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../runtimes.mjs";

export const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));

/** Runs npm quietly (from the npm cache where it can: --prefer-offline) and returns its stdout. */
export function npm(args, cwd) {
  return execFileSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_loglevel: "error", npm_config_update_notifier: "false" } });
}

/** Every file `npm pack` takes (package.json's `files`, plus the files npm always includes). */
function packedFiles() {
  const walk = (path) => (statSync(path).isDirectory() ? readdirSync(path).flatMap((name) => walk(join(path, name))) : [path]);
  return [...pkg.files, "package.json", "README.md", "LICENSE"].flatMap((entry) => walk(join(repoRoot, entry))).sort();
}

function buildKey() {
  const hash = createHash("sha256");
  for (const file of packedFiles()) hash.update(file).update(readFileSync(file));
  return hash.digest("hex").slice(0, 16);
}

let cached;

/**
 * The installed consumer: `{ dir, tarball, files }` — the project's directory (its
 * node_modules holds atexit and @types/node), the packed tarball's path, and the paths
 * it holds.
 */
export function scratchConsumer() {
  if (cached) return cached;
  // One directory per checkout, so that two worktrees on one machine never share or remove each other's.
  const base = join(tmpdir(), `atexit-consumer-${createHash("sha256").update(repoRoot).digest("hex").slice(0, 8)}`);
  const key = buildKey();
  const dir = join(base, key);
  if (!existsSync(join(dir, "pack.json"))) {
    mkdirSync(base, { recursive: true });
    for (const stale of readdirSync(base)) if (stale !== key) rmSync(join(base, stale), { recursive: true, force: true });
    const building = `${dir}.${process.pid}`;
    mkdirSync(building, { recursive: true });
    const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", building], repoRoot));
    const typesNode = JSON.parse(readFileSync(join(repoRoot, "node_modules/@types/node/package.json"), "utf8")).version;
    writeFileSync(join(building, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    npm(["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", `./${packed.filename}`, `@types/node@${typesNode}`], building);
    // pack.json last: its presence says the install is complete.
    writeFileSync(join(building, "pack.json"), JSON.stringify({ tarball: join(dir, packed.filename), files: packed.files.map((file) => file.path) }));
    try {
      renameSync(building, dir);
    } catch (error) {
      // Another test file finished the same install first: use that one.
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(join(dir, "pack.json"))) throw error;
    }
  }
  cached = { dir, ...JSON.parse(readFileSync(join(dir, "pack.json"), "utf8")) };
  return cached;
}

/** Writes `files` ({ relative path: text }) under `dir`, making directories as needed; returns `dir`. */
export function writeFiles(dir, files) {
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, text);
  }
  return dir;
}
