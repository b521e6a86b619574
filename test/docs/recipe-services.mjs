// Postgres and Redis for the recipes' test, from Debian's packages (.ci/run installs them when
// they are missing): each is started by the test on 127.0.0.1 and a free port, with its files in a
// temporary directory, and stopped by stop(), which also removes the directory. A test calls
// stop() in its `after` hook; a server still running when the test process exits (a test that
// threw before its hook) or is ended by a signal (Ctrl-C, a runner's SIGTERM) is killed then, so
// that none is left behind (only SIGKILL, which nothing can catch, would leave one).
import { spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A server still starting after this long is killed and its start rejects. */
const START_DEADLINE_MS = 60_000;

const running = new Set();
/** The servers' directories not yet removed. */
const directories = new Set();
const killAll = () => {
  for (const child of running) child.kill("SIGKILL");
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
};
process.on("exit", killAll);
// A signal that would end the test process ends the servers first, then the process, by the same signal.
const ENDING_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];
function endBy(signal) {
  killAll();
  for (const name of ENDING_SIGNALS) process.removeListener(name, endBy);
  process.kill(process.pid, signal);
}
/** Listens for the ending signals while a server runs, and only then (the test's own handling of them is left as it was). */
function track(child) {
  if (running.size === 0) for (const name of ENDING_SIGNALS) process.on(name, endBy);
  running.add(child);
  child.on("close", () => {
    running.delete(child);
    if (running.size === 0) for (const name of ENDING_SIGNALS) process.removeListener(name, endBy);
  });
}

/** A port free on 127.0.0.1 now (the server is started on it next; it retries if taken meanwhile). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const onPath = (command) => spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).stdout.trim() || undefined;

/** Debian puts Postgres's programs in /usr/lib/postgresql/<major>/bin, off PATH: the newest there, else PATH's. */
function postgresBin() {
  const debian = "/usr/lib/postgresql";
  const majors = existsSync(debian) ? readdirSync(debian).filter((major) => existsSync(join(debian, major, "bin", "postgres"))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (newest !== undefined) return join(debian, newest, "bin");
  const initdb = onPath("initdb");
  return initdb && existsSync(join(initdb, "..", "postgres")) ? join(initdb, "..") : undefined;
}

/** Why a service cannot be started on this machine, or undefined. */
export function missing(service) {
  if (service === "postgres") return postgresBin() ? undefined : "Postgres is not installed (apt-get install postgresql; .ci/run does)";
  if (service === "redis") return onPath("redis-server") ? undefined : "Redis is not installed (apt-get install redis-server; .ci/run does)";
  throw new Error(`no service named ${service}`);
}

/** Postgres refuses to run as root: as root, it runs as the package's `postgres` user (or `nobody`). */
function unprivilegedUser() {
  if (process.getuid?.() !== 0) return {};
  const passwd = readFileSync("/etc/passwd", "utf8").split("\n").map((line) => line.split(":"));
  const user = passwd.find(([name]) => name === "postgres") ?? passwd.find(([name]) => name === "nobody");
  if (!user) throw new Error("running as root, and neither a postgres nor a nobody user exists to run Postgres as");
  return { uid: Number(user[2]), gid: Number(user[3]) };
}

/**
 * Spawns a server and resolves once a line of its output matches `ready`. Rejects, with what it
 * printed, if it ends first or is still not ready at the deadline.
 */
function startServer(name, command, args, options, ready) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  track(child);
  let output = "";
  const ended = new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  const started = new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} was not ready after ${START_DEADLINE_MS} ms:\n${output}`));
    }, START_DEADLINE_MS);
    const read = (chunk) => {
      output += chunk;
      if (ready.test(output)) {
        clearTimeout(deadline);
        resolve();
      }
    };
    child.stdout.setEncoding("utf8").on("data", read);
    child.stderr.setEncoding("utf8").on("data", read);
    ended.then(({ code, signal }) => {
      clearTimeout(deadline);
      reject(new Error(`${name} ended (code ${code}, signal ${signal}) before it was ready:\n${output}`));
    });
  });
  return {
    started,
    get output() {
      return output;
    },
    /** Stops the server with `signal` (SIGKILL if it has not ended 10 s later) and waits until it has ended. */
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await ended;
        clearTimeout(killer);
      }
    },
  };
}

/** A temporary directory for a server, removed by removeDirectory() or, at the latest, as the test process ends. */
function makeDirectory(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  directories.add(dir);
  return dir;
}
function removeDirectory(dir) {
  rmSync(dir, { recursive: true, force: true });
  directories.delete(dir);
}

/** Tries a start up to three times: the free port may have been taken between the probe and the start. */
async function onAFreePort(start) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (error) {
      if (attempt === 3 || !/address already in use/i.test(error.message)) throw error;
    }
  }
}

/** Runs initdb (tracked like a server, so that a signal to the test ends it too); rejects with its output if it fails. */
function initdb(command, args, options) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  track(child);
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => (code === 0 ? resolve() : reject(new Error(`initdb failed (code ${code}, signal ${signal}):\n${output}`))));
  });
}

/**
 * Starts Postgres: resolves { url, output, stop() }. `url` connects as the superuser `postgres`
 * (trust authentication, 127.0.0.1 only) to the database `postgres`; `output` is its log, each
 * line prefixed with the database's name and ": ". Durability is off (fsync,
 * synchronous_commit): the test's figures are rows committed, not rows surviving a crash.
 */
export async function startPostgres() {
  const bin = postgresBin();
  if (!bin) throw new Error(missing("postgres"));
  const dir = makeDirectory("atexit-postgres-");
  const user = unprivilegedUser();
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, "data");
  try {
    await initdb(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"], { ...user, cwd: dir });
    return await onAFreePort(async (port) => {
      const args = ["-D", data, "-h", "127.0.0.1", "-p", String(port), "-k", dir, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "log_line_prefix=%d: "];
      const server = startServer("postgres", join(bin, "postgres"), args, { ...user, cwd: dir }, /database system is ready to accept connections/);
      await server.started;
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        get output() {
          return server.output;
        },
        async stop() {
          // SIGINT: Postgres's fast shutdown (open sessions are ended, then the server stops).
          await server.stop("SIGINT");
          removeDirectory(dir);
        },
      };
    });
  } catch (error) {
    removeDirectory(dir);
    throw error;
  }
}

/** Starts Redis, without persistence: resolves { url, output, stop() }. `databases` sets how many numbered databases it has. */
export async function startRedis({ databases = 16 } = {}) {
  if (missing("redis")) throw new Error(missing("redis"));
  const dir = makeDirectory("atexit-redis-");
  try {
    return await onAFreePort(async (port) => {
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--databases", String(databases)];
      const server = startServer("redis-server", "redis-server", args, { cwd: dir }, /Ready to accept connections/);
      await server.started;
      return {
        url: `redis://127.0.0.1:${port}`,
        get output() {
          return server.output;
        },
        async stop() {
          await server.stop("SIGTERM");
          removeDirectory(dir);
        },
      };
    });
  } catch (error) {
    removeDirectory(dir);
    throw error;
  }
}
