// npm test: the unit tests on every installed Node (20: the machine's, 24:
// the npm package), then the exit-scenario table (which itself runs each
// scenario on every runtime). Prints one closing "N passed, N failed" line.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
const node24 = `${root}node_modules/node24/bin/node`;
const runtimes = [["node20", process.execPath], ["node24", node24]];
const units = readdirSync(`${root}test/unit`).filter((f) => f.endsWith(".test.mjs")).map((f) => `test/unit/${f}`);

const runs = [];
for (const [name, binary] of runtimes) {
  if (!existsSync(binary)) {
    if (process.env.CI) throw new Error(`${name} is missing (${binary}): run npm install`);
    console.log(`# skipped: the unit tests on ${name}: ${binary} is not installed (npm install installs it)`);
    continue;
  }
  // --expose-gc reaches every test file: the adoptWeak tests need gc().
  runs.push([`unit tests on ${name}`, binary, ["--expose-gc", "--test", ...units]]);
}
runs.push(["exit scenarios (each on every runtime)", process.execPath, ["--test", "test/exit/scenarios.test.mjs"]]);

let passed = 0;
let failed = 0;
let skipped = 0;
for (const [title, binary, args] of runs) {
  console.log(`\n# ${title}: ${binary.replace(root, "")} ${args.join(" ")}`);
  const output = await new Promise((resolve) => {
    const child = spawn(binary, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      text += chunk;
    });
    child.on("close", (code) => resolve({ text, code }));
  });
  const count = (label) => Number(new RegExp(`^(?:ℹ|#) ${label} (\\d+)$`, "m").exec(output.text)?.[1] ?? 0);
  passed += count("pass");
  failed += count("fail");
  skipped += count("skipped");
  if (output.code !== 0 && count("fail") === 0) failed += 1; // a crash with no failing test counted
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 ? 1 : 0;
