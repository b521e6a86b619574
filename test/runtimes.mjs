// The runtimes every test matrix runs on (SPEC §1): Node 20 (the machine's),
// Node 22/24/26, Bun and Deno from the private `runtimes` workspace. Each is
// { name, path, args (put before the script), version } or { name, skip }.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const modules = join(repoRoot, "node_modules");

const candidates = [
  // The machine's own Node (the .npmrc keeps node_modules/.bin from shadowing it in npm scripts).
  { name: "node20", path: process.execPath, args: [], expect: /^v20\./ },
  { name: "node22", path: join(modules, "node22/bin/node"), args: [], expect: /^v22\./ },
  { name: "node24", path: join(modules, "node24/bin/node"), args: [], expect: /^v24\./ },
  { name: "node26", path: join(modules, "node26/bin/node"), args: [], expect: /^v26\./ },
  { name: "bun", path: join(modules, "@oven/bun-linux-x64/bin/bun"), args: [], expect: /^1\.\d+/ },
  // -A: the fixtures read the environment, spawn workers, write files.
  { name: "deno", path: join(modules, "@deno/linux-x64-glibc/deno"), args: ["run", "-A"], expect: /^deno 2\./ },
];

function probe({ name, path, args, expect }) {
  if (!existsSync(path)) return { name, skip: `${name} is not installed (${path}); npm install installs it on Linux x64` };
  const version = spawnSync(path, ["--version"], { encoding: "utf8" }).stdout?.trim().split("\n")[0] ?? "";
  if (!expect.test(version)) return { name, skip: `${path} is ${version || "not runnable"}, not ${name}` };
  return { name, path, args, version };
}

/** Every runtime of the matrix, probed once. */
export const runtimes = candidates.map(probe);

/** Fails under CI when a runtime is missing: CI must test all six. */
export function assertAllPresent() {
  const missing = runtimes.filter((runtime) => runtime.skip);
  if (process.env.CI && missing.length > 0) {
    throw new Error(`CI needs every runtime: ${missing.map((runtime) => runtime.skip).join("; ")}`);
  }
}
