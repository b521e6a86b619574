// The app a launcher starts, for bench/launchers.mjs: it records, in the file named by its first
// argument (or PROBE_LOG), when it started, what it inherited (pid, process group, ignored
// signals, a supervisor's environment), and each signal it receives, timed on the monotonic
// clock its parent reads too (process.hrtime: CLOCK_MONOTONIC on Linux). It lives on HOLD_MS
// (default 1000) after the first signal, so that a launcher's echoes reach it, then exits 0.
import { appendFileSync, readFileSync } from "node:fs";

const log = process.argv[2] ?? process.env.PROBE_LOG;
const hold = Number(process.env.HOLD_MS ?? 1000);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const record = (fields) => appendFileSync(log, `${JSON.stringify({ pid: process.pid, ...fields })}\n`);

const status = readFileSync("/proc/self/status", "utf8");
const stat = readFileSync("/proc/self/stat", "utf8").replace(/^.*\) /s, "").split(" ");
const supervisorEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => /pm2|pm_|kill|timeout|instance|unique_id|exec_mode|restart|status|NODE_APP/i.test(name)));
record({ event: "start", t: now(), ppid: process.ppid, pgid: Number(stat[2]), sigIgn: /^SigIgn:\s*(\S+)/m.exec(status)?.[1], env: supervisorEnv });

let first;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGUSR2", "SIGQUIT"]) {
  process.on(signal, () => {
    record({ event: "signal", signal, t: now() });
    if (first === undefined) {
      first = signal;
      setTimeout(() => {
        record({ event: "exit", t: now() });
        process.exit(0);
      }, hold);
    }
  });
}
setInterval(() => {}, 1 << 30);
