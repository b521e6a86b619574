// npm start: runs each example as its own process and shows how it ended.
import { spawnSync } from "node:child_process";

const examples = [
  ["seed.js", "the seed: Python's atexit example (LIFO at normal termination)"],
  ["http-server.js", "an HTTP server closed gracefully on SIGTERM"],
];
for (const [file, title] of examples) {
  console.log(`\n=== ${title} (examples/${file.replace(".js", ".ts")}) ===`);
  const child = spawnSync(process.execPath, [new URL(`dist/${file}`, import.meta.url).pathname], { stdio: "inherit" });
  console.log(`--- exited with ${child.signal ? `signal ${child.signal}` : `code ${child.status}`}`);
}
