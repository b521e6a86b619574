// Issue 21: what starts and stops a service (npm start, a container's PID 1, tini, pm2 in fork
// and cluster mode), driven with the real tools: SIGTERM to npm with and without `exec`, SIGTERM
// to the namespace's PID 1, pm2 stop and restart, and an entry longer than pm2's kill_timeout.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { assertAtexitLines, pidNamespaceProblem, survivors } from "../services/harness.mjs";
import { app, DEADLINE_MS, fullSequence, launch, launcherEnv, linesByPid, newLog, node, npmPackage, readRecords, readyPids, repeat, scratch, send, sleep, stopOnce, tools, withSlot } from "./harness.mjs";

describe("npm start", { concurrency: true }, () => {
  for (const runtime of node) {
    it(`on ${runtime.name}: with "exec node app.mjs", SIGTERM to npm (a container's stop) runs every entry once`, () =>
      repeat(() => stopOnce(runtime, [runtime.path, tools.npm, "start", "--silent"], { how: "pid:SIGTERM", signal: "SIGTERM", end: { code: null, signal: "SIGTERM" }, cwd: npmPackage(`exec node ${app}`) }), 3));
    it(`on ${runtime.name}: with "node app.mjs", SIGTERM to npm orphans the app, which runs nothing (the trap docs/launchers.md shows)`, () =>
      withSlot(async () => {
        const launched = launch(runtime, [runtime.path, tools.npm, "start", "--silent"], { cwd: npmPackage(`node ${app}`) });
        const [pid] = readyPids(await launched.until((records) => readyPids(records).length === 1, "the app ready"));
        send(launched, "pid:SIGTERM");
        // npm is gone; the app, orphaned, still holds the pipes: wait for npm's own exit.
        const ended = await new Promise((resolve) => launched.child.once("exit", (code, signal) => resolve({ code, signal })));
        const context = `\n--- npm ended: code ${ended.code}, signal ${ended.signal}${launched.context()}`;
        try {
          assert.deepEqual(ended, { code: null, signal: "SIGTERM" }, `npm dies by SIGTERM${context}`);
          assert.deepEqual(await survivors([pid], 500), [pid], `the app lives on, orphaned${context}`);
          assert.equal(Number(readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ")[1]), 1, `its parent is now init${context}`);
          assert.equal(linesByPid(launched.records()).get(pid), undefined, `it ran no entry${context}`);
        } finally {
          process.kill(-launched.child.pid, "SIGKILL");
        }
      }));
  }
});


describe("PID 1 of a PID namespace (a container without an init)", { concurrency: true, skip: pidNamespaceProblem() }, () => {
  /** The pid (outside the namespace) of unshare's child, the namespace's PID 1. */
  const pidOne = (unshare) => Number(readFileSync(`/proc/${unshare}/task/${unshare}/children`, "utf8").trim().split(" ")[0]);
  const unshare = ["unshare", "--pid", "--fork", "--mount-proc"];
  for (const runtime of node) {
    for (const [what, command, cwd, expected] of [
      ["npm start with exec: SIGTERM to npm runs every entry once (npm then exits 1)", [runtime.path, tools.npm, "start", "--silent"], () => npmPackage(`exec node ${app}`), { code: 1, entries: true }],
      ["npm start without exec: npm exits and the app is killed with the namespace, running nothing", [runtime.path, tools.npm, "start", "--silent"], () => npmPackage(`node ${app}`), { code: 1, entries: false }],
      ["tini: SIGTERM to tini runs every entry once", [tools.tini, "--", runtime.path, app], () => scratch, { code: 143, entries: true }],
    ]) {
      it(`on ${runtime.name}, ${what}`, { skip: command[0] === "" ? "tini is not installed (apt-get install tini)" : undefined }, () =>
        withSlot(async () => {
          const launched = launch(runtime, [...unshare, ...command], { cwd: cwd() });
          await launched.until((records) => readyPids(records).length === 1, "the app ready");
          process.kill(pidOne(launched.child.pid), "SIGTERM");
          const ended = await launched.ended;
          const context = `\n--- unshare ended: code ${ended.code}, signal ${ended.signal}${launched.context()}`;
          // The app's pid is the namespace's: its lines are the only ones.
          const lines = launched.records().filter(({ what }) => what !== "ready").map(({ what }) => what);
          assert.deepEqual(lines, expected.entries ? fullSequence("SIGTERM") : [], `the app's lines${context}`);
          assert.deepEqual(ended, { code: expected.code, signal: null }, `how the namespace ended${context}`);
          assertAtexitLines(launched.stderr, [], context);
        }),
      );
    }
  }
});


describe("pm2 (fork and cluster mode; Node only here)", { concurrency: true }, () => {
  for (const runtime of node) {
    describe(`on ${runtime.name}`, { concurrency: false }, () => {
      // A pm2 home (and daemon) of its own, killed at the end.
      const home = join(newLog() + ".pm2");
      const pm2 = (args, env = {}) => execFileSync(runtime.path, [tools.pm2, ...args], { env: launcherEnv(runtime, { PM2_HOME: home, ...env }), encoding: "utf8", timeout: DEADLINE_MS });
      after(() => pm2(["kill"]));

      /**
       * Starts the app under pm2 as `name` (`args` after the script's: --instances, --kill-timeout),
       * waits for `apps` processes, runs `pm2 <action> name`, and checks each process's lines, that
       * none is left, and the atexit: lines in pm2's error log.
       */
      async function underPm2(name, { args = [], apps = 1, env = {}, action = "stop", before = "ready", lines, stderr = [] }) {
        const log = newLog();
        pm2(["start", app, "--name", name, "--interpreter", runtime.path, ...args], { LAUNCHER_LOG: log, ...env });
        const by = Date.now() + DEADLINE_MS;
        // The action comes once `apps` processes have each written the line `before`.
        const reached = () => readRecords(log).filter(({ what }) => what === before).length;
        while (reached() < apps && Date.now() < by) await sleep(20);
        const pids = readyPids(readRecords(log));
        pm2([action, name]);
        const gone = await survivors(pids, 10_000);
        const errors = join(home, "logs", `${name}-error.log`);
        const context = `\n--- app records ---\n${readFileSync(log, "utf8")}--- pm2's error log ---\n${existsSync(errors) ? readFileSync(errors, "utf8") : "(none)"}`;
        pm2(["delete", name]);
        assert.equal(pids.length, apps, `${apps} app process(es) started${context}`);
        assert.deepEqual(gone, [], `no app process left${context}`);
        const byPid = linesByPid(readRecords(log));
        for (const pid of pids) assert.deepEqual(byPid.get(pid), lines, `app ${pid}'s lines${context}`);
        assertAtexitLines(existsSync(errors) ? readFileSync(errors, "utf8") : "", stderr, context);
      }

      it("fork mode: pm2 stop (SIGINT) runs every entry once", () => underPm2("fork", { lines: fullSequence("SIGINT") }));
      it("cluster mode: pm2 stop runs every entry once in each worker", () => underPm2("cluster", { args: ["--instances", "2"], apps: 2, lines: fullSequence("SIGINT") }));
      it("fork mode: pm2 restart runs every entry once in the old process", () => underPm2("restart", { action: "restart", lines: fullSequence("SIGINT") }));
      it("an entry longer than kill_timeout (1600 ms by default): the sequence times out before pm2's SIGKILL, and says so", () =>
        underPm2("deadline", {
          env: { ENTRY_MS: "2500" },
          lines: ["started by SIGINT", "entry A ran"],
          stderr: [/^atexit: cleanup timed out after 1400 ms, before pm2's kill_timeout \(1600 ms\) ends the process with SIGKILL, while entryB ran; 1 async cleanup entry could not finish; set a longer kill_timeout to give it longer$/],
        }));
      it("pm2 stop while the loop drains and an entry runs: the drain's deadline moves before pm2's SIGKILL, and the line says so", () =>
        underPm2("draining", {
          env: { DRAIN: "1", ENTRY_MS: "20000", TIMEOUT_MS: "30000" },
          before: "started by drain",
          lines: ["started by drain", "entry A ran"],
          stderr: [/^atexit: cleanup timed out after 1400 ms, before pm2's kill_timeout \(1600 ms\) ends the process with SIGKILL, while entryB ran; 1 async cleanup entry could not finish; set a longer kill_timeout to give it longer$/],
        }));
      it("the same entry with --kill-timeout 5000 finishes", () => underPm2("longer", { args: ["--kill-timeout", "5000"], env: { ENTRY_MS: "2500" }, lines: fullSequence("SIGINT") }));
    });
  }
});

