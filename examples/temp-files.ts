// A temporary directory (fs.mkdtemp) and a lock file (proper-lockfile), each removed by a
// synchronous entry, so that every exit removes them, even one that cannot wait for anything:
// here the program ends with process.exit(0), which gives only synchronous time.
//
//   npm run example -- temp-files
//
// What it prints (… differs from run to run):
//
//   […s] working in /tmp/atexit-work-…
//   […s] locked /tmp/atexit-work-…/resource (/tmp/atexit-work-…/resource.lock)
//   […s] calling process.exit(0): only synchronous clean-up can run now
//   […s] unlocked /tmp/atexit-work-…/resource
//   […s] removed /tmp/atexit-work-…
//   [exit code 0]
import { rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import atexit from "atexit";
import { log } from "./demo.js";

/** The part of proper-lockfile (it ships no types) that the example uses. */
interface Lockfile {
  /** Locks `file` (a `<file>.lock` directory beside it); resolves with an async release function. */
  lock(file: string): Promise<() => Promise<void>>;
  unlockSync(file: string): void;
}
const lockfile = createRequire(import.meta.url)("proper-lockfile") as Lockfile;

// ---- The service

const dir = atexit.adopt(await mkdtemp(join(tmpdir(), "atexit-work-")), (dir) => {
  rmSync(dir, { recursive: true, force: true });
  log(`removed ${dir}`);
});
log(`working in ${dir}`);

const resource = join(dir, "resource");
writeFileSync(resource, "shared state");
await lockfile.lock(resource);
atexit.adopt(resource, (file) => {
  lockfile.unlockSync(file); // not the release function lock() returns: it is async
  log(`unlocked ${file}`);
});
log(`locked ${resource} (${resource}.lock)`);

// ---- The demo: an exit that cannot wait

log("calling process.exit(0): only synchronous clean-up can run now");
process.exit(0);
