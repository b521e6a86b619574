// What the examples share to tell their story, none of it part of a pattern to copy: a log line
// stamped with the time since the example started (so that you see when each step happens), the orchestrator's
// SIGTERM, and an HTTP client that reports what the server answered (the status, the Connection
// header, the body), each request on a keep-alive connection of its own.
import http from "node:http";
import type { Socket } from "node:net";
import type { ExitReason } from "atexit";

// One clock for an example and the processes it starts (they inherit the variable).
process.env.EXAMPLE_START ??= String(performance.timeOrigin);
const start = Number(process.env.EXAMPLE_START);

export function log(line: string): void {
  console.log(`[${((performance.timeOrigin + performance.now() - start) / 1000).toFixed(2)}s] ${line}`);
}

/** How a reason reads in the log: `SIGTERM`, `exit`, `error`, … */
export function describeReason(reason: ExitReason): string {
  return reason.kind === "signal" ? reason.signal : reason.kind;
}

/** What Kubernetes, systemd or `docker stop` sends: the process sends it to itself. */
export function sendSigterm(): void {
  log("sending SIGTERM to myself, as an orchestrator would");
  process.kill(process.pid, "SIGTERM");
}

export interface Reply {
  status: number | undefined;
  connection: string | undefined;
  body: string;
  /** The connection it came on: kept open, idle, unless the server closes it. */
  socket: Socket;
}

/** GET `url` on a new keep-alive connection (a client that would send more requests on it). */
export function get(url: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: new http.Agent({ keepAlive: true }) }, (response) => {
        const socket = response.socket; // detached from the response once it has ended
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode, connection: response.headers.connection, body: body.trim(), socket }));
      })
      .on("error", reject);
  });
}

/** How a reply reads in the log. */
export function describeReply({ status, connection, body }: Reply): string {
  return `${status} "${body}", connection: ${connection}`;
}

/** Whether a process with this pid is still running (the demos' check that none is left behind). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: no such process
  }
}
