// The figures of the service integrations (issue 12), measured with the real components the
// tests use (test/fixtures/services/), each in a fresh child process on loopback:
//   node bench/services.mjs            prints the tables as Markdown (docs/services.md, "Measured")
// Times are wall-clock from the signal sent by this script to the child's end, median of 5.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimes } from "../test/runtimes.mjs";
import { start, survivors } from "../test/services/harness.mjs";
import { connection } from "../test/services/http-client.mjs";

const RUNS = 5;
const scratch = mkdtempSync(join(tmpdir(), "atexit-services-bench-"));
const byName = Object.fromEntries(runtimes.filter((runtime) => !runtime.skip).map((runtime) => [runtime.name, runtime]));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${value.toFixed(0)} ms`;

/** SIGTERM with `idle` idle keep-alive sockets and `inFlight` requests of 300 ms: time to death, requests answered. */
async function httpShutdown(runtime, kind, idle, inFlight) {
  const service = start(runtime, "http-server.mjs", { args: [kind, "10000"] });
  const { port } = await service.json("port");
  const idleSockets = Array.from({ length: idle }, () => connection(port));
  await Promise.all(idleSockets.map((socket) => socket.request("/fast")));
  const busy = Array.from({ length: inFlight }, () => connection(port));
  const answers = busy.map((socket, id) => socket.request(`/slow?ms=300&id=${id}`).then((response) => response.status, () => "cut"));
  for (let id = 0; id < inFlight; id++) await service.waitFor(new RegExp(`"received":"${id}"`));
  const sent = performance.now();
  service.child.kill("SIGTERM");
  const result = await service.ended;
  const elapsed = performance.now() - sent;
  const statuses = await Promise.all(answers);
  for (const socket of [...idleSockets, ...busy]) socket.socket.destroy();
  return { elapsed, answered: statuses.filter((status) => status === 200).length, signal: result.signal };
}

async function httpTable() {
  const rows = ["| server | runtime | idle keep-alive clients | requests in flight answered | SIGTERM → death |", "|---|---|---|---|---|"];
  for (const name of ["node20", "node24"]) {
    const runs = [];
    for (let run = 0; run < RUNS; run++) runs.push(await httpShutdown(byName[name], "http-close-only", 10, 3));
    rows.push(`| http, closed by its own asyncDispose (use() before the drain) | ${name} | 10 | ${Math.min(...runs.map((run) => run.answered))} of 3 | ${ms(median(runs.map((run) => run.elapsed)))} |`);
  }
  for (const kind of ["http", "express", "fastify"]) {
    for (const name of ["node20", "node24"]) {
      for (const idle of [0, 10, 100]) {
        const runs = [];
        for (let run = 0; run < RUNS; run++) runs.push(await httpShutdown(byName[name], kind, idle, 3));
        rows.push(`| ${kind} | ${name} | ${idle} | ${Math.min(...runs.map((run) => run.answered))} of 3 | ${ms(median(runs.map((run) => run.elapsed)))} |`);
      }
    }
  }
  return rows.join("\n");
}

async function pidOneTable() {
  const rows = ["| runtime | SIGTERM from outside → end (PID 1) | exit code |", "|---|---|---|"];
  for (const name of ["node20", "node22", "node24", "node26", "bun", "deno"]) {
    const times = [];
    let code;
    for (let run = 0; run < RUNS; run++) {
      const service = start(byName[name], "pid1.mjs", { prefix: ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"] });
      await service.json("pid");
      const inner = Number(readFileSync(`/proc/${service.child.pid}/task/${service.child.pid}/children`, "utf8").trim().split(" ")[0]);
      const sent = performance.now();
      process.kill(inner, "SIGTERM");
      const result = await service.ended;
      times.push(performance.now() - sent);
      code = result.code ?? result.signal;
    }
    rows.push(`| ${name} | ${ms(median(times))} (an entry of 20 ms included) | ${code} |`);
  }
  return rows.join("\n");
}

const LOG_TRIGGERS = ["drain", "exit", "process-exit", "SIGTERM", "SIGINT", "throw", "timeout"];
async function logsTable() {
  const rows = ["| destination | trigger | lines logged | lines in the file |", "|---|---|---|---|"];
  for (const kind of ["unmanaged-destination", "unmanaged-transport", "destination", "transport"]) {
    for (const trigger of kind.startsWith("unmanaged") ? ["SIGTERM", "SIGINT"] : LOG_TRIGGERS) {
      const file = join(scratch, `${kind}-${trigger}.log`);
      const signal = trigger.startsWith("SIG");
      const service = start(byName.node20, "logs.mjs", { args: [kind, signal ? "signal" : trigger, file] });
      if (signal) {
        await service.waitFor("waiting for a signal");
        service.child.kill(trigger);
      }
      const result = await service.ended;
      const logged = result.lines.filter((line) => line.startsWith("logged ")).length;
      const arrived = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0;
      const what = kind.startsWith("unmanaged") ? `pino.${kind.slice("unmanaged-".length)}(), not handed to use()` : `pino.${kind}()`;
      rows.push(`| ${what} | ${trigger} | ${logged} | ${arrived} |`);
    }
  }
  return rows.join("\n");
}

async function databaseAndChildren() {
  const rows = ["| what | runtime | result |", "|---|---|---|"];
  for (const [name, driver] of [["node20", "better-sqlite3"], ["node24", "node:sqlite"], ["bun", "bun:sqlite"], ["deno", "node:sqlite"]]) {
    const file = join(scratch, `${name}.db`);
    const service = start(byName[name], "database.mjs", { args: [driver, file] });
    await service.waitFor('{"committed":50}');
    service.child.kill("SIGTERM");
    const result = await service.ended;
    const committed = Math.max(...result.lines.filter((line) => line.startsWith('{"committed"')).map((line) => JSON.parse(line).committed));
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(file, { readonly: true });
    const persisted = db.prepare("SELECT count(*) AS n FROM rows").get().n;
    db.close();
    rows.push(`| SQLite WAL (${driver}), SIGTERM mid-transaction | ${name} | ${persisted} rows on disk of ${committed} committed |`);
  }
  for (const trigger of ["drain", "exit", "process-exit", "signal", "throw", "timeout"]) {
    let orphans = 0;
    for (const name of ["node20", "node24", "bun", "deno"]) {
      const service = start(byName[name], "children.mjs", { args: [trigger, join(scratch, `marker-${name}-${trigger}`)] });
      const { pids } = await service.json("pids");
      if (trigger === "signal") service.child.kill("SIGTERM");
      await service.ended;
      orphans += (await survivors(pids)).length;
    }
    rows.push(`| child processes (2 each, one ignoring SIGTERM), ${trigger} | node20, node24, bun, deno | ${orphans} orphans left |`);
  }
  return rows.join("\n");
}

try {
  console.log(`## HTTP drain (3 requests of 300 ms in flight, keepAliveTimeout 60 s / Fastify 72 s, timeout 10 s; median of ${RUNS})\n\n${await httpTable()}\n`);
  console.log(`## PID 1 (median of ${RUNS})\n\n${await pidOneTable()}\n`);
  console.log(`## Logs (Node 20; 22 lines logged unless the trigger cannot await async entries)\n\n${await logsTable()}\n`);
  console.log(`## Databases and child processes\n\n${await databaseAndChildren()}\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
