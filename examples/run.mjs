// Runs the examples, each as its own process, and says how each ended, as the transcripts in
// their headers do ([exit code 0], [killed by SIGTERM]):
//
//   npm start                      the seed, then the HTTP service of the README's quick start
//   npm run example -- <name>      one example (without a name: the list of them)
//
// npm builds them first (examples/dist/, with `using` lowered so that Node 20 runs them).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** name → [file in examples/, what it shows] */
export const examples = {
  seed: ["seed.ts", "Python's atexit example, line for line: last in, first out"],
  http: ["http-server.ts", "the README's quick start: an HTTP server drained on SIGTERM, a per-request scope"],
  kubernetes: ["kubernetes.ts", "readiness fails at once, a drain delay, then the drain"],
  fastify: ["fastify.ts", "a Fastify instance closed with its onClose hooks while its server drains"],
  sqlite: ["sqlite.ts", "SQLite in WAL mode: the transaction in flight commits, the WAL is checkpointed"],
  "child-processes": ["child-processes.ts", "child processes stopped, the stubborn one killed, none left behind"],
  pino: ["pino.ts", "every line pino logs reaches its file on SIGTERM"],
  cluster: ["cluster.ts", "a cluster primary stops its workers, each running its own registry"],
  "temp-files": ["temp-files.ts", "a temp dir and a lock file removed, even on process.exit()"],
};

/** Runs one example with this runtime, its output straight to ours; returns how it ended. */
export function runExample(name) {
  const [file, title] = examples[name];
  console.log(`\n=== ${name}: ${title} (examples/${file}) ===`);
  const script = fileURLToPath(new URL(`dist/${file.replace(/\.ts$/, ".js")}`, import.meta.url));
  const child = spawnSync(process.execPath, [script], { stdio: "inherit" });
  console.log(child.signal ? `[killed by ${child.signal}]` : `[exit code ${child.status}]`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  const unknown = names.filter((name) => !(name in examples));
  if (names.length === 0 || unknown.length > 0) {
    if (unknown.length > 0) console.error(`no example named ${unknown.join(", ")}`);
    console.log("npm run example -- <name>, one of:");
    for (const [name, [file, title]] of Object.entries(examples)) console.log(`  ${name.padEnd(16)} ${title} (examples/${file})`);
    process.exitCode = unknown.length > 0 ? 1 : 0;
  } else {
    for (const name of names) runExample(name);
  }
}
