// Child processes handed to use(): on SIGTERM each child is sent SIGTERM and awaited, the last
// started first; one that ignores SIGTERM is killed with SIGKILL when its grace runs out (the
// time left before the sequence's timeout, less a reserve for the entries after it). None is
// left running when the parent dies. The two workers are this same file, started with a role.
//
//   npm run example -- child-processes
//
// What it prints (… differs from run to run):
//
//   […s] worker 1 (pid …) started; it ignores SIGTERM
//   […s] worker 2 (pid …) started; it cleans up on SIGTERM
//   […s] sending SIGTERM to myself, as an orchestrator would
//   […s] termination started (SIGTERM)
//   […s] worker 2: got SIGTERM, cleaning up for 100 ms
//   […s] worker 2 exited: code 0
//   […s] worker 1: got SIGTERM, ignoring it
//   […s] worker 1 exited: killed by SIGKILL
//   […s] workers still running: none
//   [killed by SIGTERM]
//
// (Deno reports both workers as killed by SIGTERM: it sets a child's signalCode when kill() is
// called, whatever the child then does.)
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import atexit from "atexit";
import { describeReason, isRunning, log, sendSigterm } from "./demo.js";

const [role] = process.argv.slice(2);
if (role === undefined) await supervise();
else work(role);

// ---- The service: a parent with two workers

async function supervise(): Promise<void> {
  // A short timeout, so that the stubborn worker's grace (what is left of the timeout, less a
  // reserve for the entries after it) is about 1.4 s here, not 6 s as with the default 7 s.
  atexit.configure({ timeout: 2000 });
  const pids: number[] = [];
  atexit.register(() => log(`workers still running: ${pids.filter(isRunning).join(", ") || "none"}`));
  for (const name of ["worker 1", "worker 2"]) {
    const runtime = typeof (globalThis as { Deno?: unknown }).Deno === "undefined" ? [] : ["run", "-A"];
    const child = spawn(process.execPath, [...runtime, fileURLToPath(import.meta.url), name], { stdio: ["ignore", "pipe", "inherit"] });
    child.on("exit", (code, signal) => log(`${name} exited: ${signal ? `killed by ${signal}` : `code ${code}`}`));
    atexit.use(child); // SIGTERM at exit, awaited; SIGKILL when its grace runs out
    // What the worker prints, on this process's clock; its first line says it is ready.
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => log(line === "ready" ? `${name} (pid ${child.pid}) started; it ${name === "worker 1" ? "ignores" : "cleans up on"} SIGTERM` : `${name}: ${line}`));
    await once(lines, "line");
    pids.push(child.pid as number);
  }
  void atexit.exiting.then((reason) => log(`termination started (${describeReason(reason)})`));
  sendSigterm(); // ---- the demo
}

// ---- The workers: plain processes (any program), one stubborn, one polite

function work(name: string): void {
  process.on("SIGTERM", () => {
    if (name === "worker 1") return void console.log("got SIGTERM, ignoring it");
    console.log("got SIGTERM, cleaning up for 100 ms");
    setTimeout(() => process.exit(0), 100);
  });
  setInterval(() => {}, 1 << 30); // its work
  console.log("ready");
}
