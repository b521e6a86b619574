// Every recipe of docs/recipes/ is run against its real component, both ways: its program
// (```js recipe=with) and the same program without atexit (```js recipe=without), each as a child
// process on every runtime its block names (only=…), ended by the signal a supervisor sends. What
// the test then counts (rows committed, jobs left active, spans received, …) must be, figure for
// figure, the page's table "| what the test counts | with atexit | without atexit |". The page is
// the test's only copy of the programs and of the figures, so the two cannot drift; and the figure
// docs/recipes/README.md shows for a page must be one of the page's.
//
// Postgres and Redis come from Debian's packages (.ci/run installs them): each is started once for
// this file, on 127.0.0.1 and a free port (recipe-services.mjs), and every run gets a database of
// its own, so that the runs can go in parallel. The moment of the signal is never a matter of
// timing: the work a program has in flight is held by the test (a row lock, an upstream response,
// a collector's answer) until the program has been signalled, and released once the program with
// atexit says it is shutting down (its `atexit.exiting` line), or once the program without it
// has died. So each figure is the same on every run.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import Redis from "ioredis";
import pg from "pg";

import { assertAllPresent, repoRoot, runtimes as allRuntimes } from "../runtimes.mjs";
import { describeEnd, start } from "../services/harness.mjs";
import { connection } from "../services/http-client.mjs";
import { linkModules, programDir } from "./program-dirs.mjs";
import { missing, startPostgres, startRedis } from "./recipe-services.mjs";

const recipesDir = join(repoRoot, "docs", "recipes");
/**
 * A wait for something a program or a service must do, and a program's whole run: past it, the
 * test fails, naming what it waited for. Generous: a loaded 2-core machine starts a program that
 * loads BullMQ or the OpenTelemetry SDK in seconds, not in milliseconds.
 */
const DEADLINE_MS = 120_000;
/** Programs running at once: more would only compete for the two cores as they start. */
const MAX_CHILDREN = 4;

assertAllPresent();
const only = process.env.ATEXIT_RUNTIMES?.split(",");
const runtimes = new Map(allRuntimes.map((runtime) => [runtime.name, runtime]));

// ---------------------------------------------------------------------------------------------
// The pages

/** The first table whose columns are "with atexit" and "without atexit": { with: { figure: cell }, without: { … } }. */
function figuresTable(markdown, where) {
  const header = /^\| *([^|]+?) *\| *with atexit *\| *without atexit *\|$/m.exec(markdown);
  if (!header) throw new Error(`${where}: no table "| what the test counts | with atexit | without atexit |"`);
  const rows = markdown.slice(header.index).split("\n").slice(2);
  const table = { with: {}, without: {} };
  for (const row of rows) {
    if (!row.startsWith("|")) break;
    const [figure, withAtexit, withoutAtexit] = row.split("|").slice(1, -1).map((cell) => cell.trim());
    table.with[figure] = withAtexit;
    table.without[figure] = withoutAtexit;
  }
  return table;
}

/** A page: { name, programs: { with, without } ({ code, runtimes, line }), figures }. */
function readRecipe(name) {
  const markdown = readFileSync(join(recipesDir, name), "utf8");
  const where = `docs/recipes/${name}`;
  const programs = {};
  const lines = markdown.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const open = /^```js recipe=(with|without)(?: only=(\S+))?$/.exec(lines[index]);
    if (!open) continue;
    const line = index + 1;
    const body = [];
    while (++index < lines.length && lines[index] !== "```") body.push(lines[index]);
    if (programs[open[1]]) throw new Error(`${where}:${line}: a second recipe=${open[1]} program`);
    programs[open[1]] = { code: `${body.join("\n")}\n`, runtimes: open[2]?.split(",") ?? ["node20", "node24"], line };
  }
  for (const variant of ["with", "without"]) if (!programs[variant]) throw new Error(`${where}: no \`\`\`js recipe=${variant} program`);
  return { name, programs, figures: figuresTable(markdown, where) };
}

const pages = readdirSync(recipesDir)
  .filter((name) => name.endsWith(".md") && name !== "README.md")
  .sort()
  .map(readRecipe);

// ---------------------------------------------------------------------------------------------
// What the scenarios share

let scratch;
let modules;
const services = {};
let adminClient; // a pg.Client on the `postgres` database: makes each run's database, watches its sessions
let adminQueue = Promise.resolve();
/** The admin connection, one query at a time (pg 8 deprecates sending a query while another runs). */
const admin = {
  query(sql, values) {
    const result = adminQueue.then(() => adminClient.query(sql, values));
    adminQueue = result.catch(() => {});
    return result;
  },
};

/** Resolves once `check()` resolves truthy (polled), or rejects naming `what` at the deadline. */
async function until(what, check) {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`waited ${DEADLINE_MS} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The column `n` of the first row a query returns. */
const count = async (client, sql, values) => (await client.query(sql, values)).rows[0].n;

let logMarkers = 0;
/**
 * How many sessions of database `id` Postgres found cut off with a transaction open (its log's
 * "unexpected EOF on client connection with an open transaction"). A marker is logged first and
 * awaited in the log, so that every line logged before it has been read.
 */
async function cutOff(id) {
  const marker = `marker ${++logMarkers}`;
  await admin.query(`DO $$ BEGIN RAISE LOG '${marker}'; END $$`);
  await until("Postgres's log to reach the marker", () => services.postgres.output.includes(`LOG:  ${marker}\n`));
  return services.postgres.output.split("\n").filter((line) => line.startsWith(`${id}: `) && line.endsWith("unexpected EOF on client connection with an open transaction")).length;
}

/**
 * Waits until the program's sessions of database `id` have ended (all but the test's `client`):
 * without atexit, Postgres rolls a transaction back only once it finds its connection gone.
 */
function sessionsEnded(id, client) {
  const others = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> $2";
  return until(`the program's sessions of ${id} to end`, async () => (await count(admin, others, [id, client.processID])) === 0);
}

let redisDatabases = 0;
/** A Redis database of its own for one run (the server has 64): its URL. */
function newRedisDatabase() {
  if (++redisDatabases >= 64) throw new Error("more runs than Redis databases: start Redis with more");
  return `${services.redis.url}/${redisDatabases}`;
}

/** A Postgres database of its own for one run, made from nothing: resolves its URL. */
async function newDatabase(id) {
  await admin.query(`CREATE DATABASE ${id}`);
  const url = new URL(services.postgres.url);
  url.pathname = `/${id}`;
  return url.href;
}

/** How the child ended, as the table says it. */
const ending = (result) => (result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`);

/**
 * Runs one program, driven by its page's scenario, and resolves { figures, context }. The
 * scenario's run() is given { id (a name for the run's database), launch(env) (starts the
 * program), shutdown() (sends the signal, then resolves once the program with atexit has said it
 * is shutting down, or once the program without it has died: the moment the work held may be
 * released) } and resolves the figures it counted.
 */
async function runProgram(page, variant, runtime, scenario) {
  const id = `${page.name.replace(/\.md$/, "")}_${variant}_${runtime.name}`.replace(/[^a-z0-9_]/g, "_");
  const dir = join(scratch, id);
  const file = programDir(dir, modules, `${variant}.mjs`, page.programs[variant].code);
  let service;
  const launch = (env) => (service = start(runtime, file, { cwd: dir, env, deadline: DEADLINE_MS }));
  const shutdown = async () => {
    service.child.kill(scenario.signal);
    if (variant === "with") await service.waitFor(`${scenario.signal}: shutting down`);
    else await service.ended;
  };
  let figures;
  try {
    figures = await scenario.run({ id, launch, shutdown });
  } catch (error) {
    service?.child.kill("SIGKILL");
    if (service) error.message += describeEnd(await service.ended);
    throw error;
  }
  const result = await service.ended;
  const context = describeEnd(result);
  // Exhaustive: neither the program nor its libraries may write anything on stderr (atexit's lines included).
  assert.equal(result.stderr, "", `nothing on stderr${context}`);
  return { figures: { ...figures, "how the process ended": ending(result) }, context };
}

// ---------------------------------------------------------------------------------------------
// The scenarios, one per page

/** An HTTP request on a connection of its own: resolves { status, body } or { error }. */
async function request(port, path) {
  const socket = connection(port);
  try {
    return await socket.request(path);
  } catch (error) {
    return { error };
  } finally {
    socket.socket.destroy();
  }
}

/**
 * An HTTP service of the test's (a mail API, an upstream service, an OTLP collector) that reads
 * each request's body and holds its answer until release(); after that it answers at once.
 * Resolves { url, requests ([{ path, body }]), received(n) (resolves once n requests have come),
 * release(), close() }.
 */
async function holdingService(answer = "ok") {
  const requests = [];
  const held = [];
  const waiters = new Set();
  let released = false;
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      requests.push({ path: req.url, body });
      const respond = () => res.writeHead(200, { "content-type": answer.startsWith("{") ? "application/json" : "text/plain" }).end(answer);
      if (released) respond();
      else held.push(respond);
      for (const waiter of waiters) waiter();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    received: (count) =>
      new Promise((resolve) => {
        const check = () => requests.length >= count && (waiters.delete(check), resolve());
        waiters.add(check);
        check();
      }),
    release() {
      released = true;
      for (const respond of held.splice(0)) respond();
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Resolves with what `promise` resolves to, or rejects naming `what` at the deadline. */
function within(what, promise) {
  let timer;
  const deadline = new Promise((resolve, reject) => (timer = setTimeout(() => reject(new Error(`waited ${DEADLINE_MS} ms for ${what}`)), DEADLINE_MS)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const scenarios = {
  "postgres.md": {
    services: ["postgres"],
    signal: "SIGTERM",
    async run({ id, launch, shutdown }) {
      const url = await newDatabase(id);
      const locker = new pg.Client(url);
      await locker.connect();
      try {
        await locker.query("CREATE TABLE orders (id serial PRIMARY KEY, item text NOT NULL); CREATE TABLE stock (item text PRIMARY KEY, count int NOT NULL); INSERT INTO stock VALUES ('apple', 100)");
        // The test's session holds the stock row: each order waits for it inside its transaction.
        await locker.query("BEGIN");
        await locker.query("SELECT count FROM stock WHERE item = 'apple' FOR UPDATE");
        const service = launch({ DATABASE_URL: url, PORT: "0" });
        const port = Number((await service.waitFor(/^listening on \d+$/)).split(" ").at(-1));
        const answers = Promise.all([1, 2, 3].map(() => request(port, "/apple")));
        // Asked on the admin connection: inside the locker's transaction, pg_stat_activity would stay as it was at its first look.
        const waiting = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'";
        await until("three orders waiting for the stock row", async () => (await count(admin, waiting, [id])) === 3);
        await shutdown();
        await locker.query("COMMIT");
        const answered = (await answers).filter((answer) => answer.status === 200 && /^order \d+\n$/.test(answer.body)).length;
        await sessionsEnded(id, locker);
        const orders = await count(locker, "SELECT count(*)::int AS n FROM orders");
        const stock = await count(locker, "SELECT count AS n FROM stock WHERE item = 'apple'");
        return {
          "requests answered": `${answered} of 3`,
          "orders committed": `${orders} of 3`,
          "stock decremented": `${100 - stock} of 3`,
          "sessions Postgres found cut off in a transaction": String(await cutOff(id)),
        };
      } finally {
        await locker.end();
      }
    },
  },

  "redis.md": {
    services: ["redis"],
    signal: "SIGTERM",
    async run({ launch, shutdown }) {
      const url = newRedisDatabase();
      const redis = new Redis(url);
      try {
        const service = launch({ REDIS_URL: url });
        const key = (await service.waitFor(/^registered as \S+$/)).split(" ").at(-1);
        assert.equal(await redis.exists(key), 1, "announced while it runs");
        await shutdown();
        await service.ended;
        return { "still announced once the process has died": (await redis.exists(key)) === 1 ? "yes" : "no" };
      } finally {
        await redis.quit();
      }
    },
  },

  "bullmq.md": {
    services: ["redis"],
    signal: "SIGTERM",
    async run({ launch, shutdown }) {
      const url = newRedisDatabase();
      const mail = await holdingService();
      const queue = new Queue("emails", { connection: { url } });
      try {
        await queue.addBulk([1, 2, 3, 4].map((n) => ({ name: "invoice", data: { to: `customer${n}@example.com` } })));
        const service = launch({ REDIS_URL: url, MAIL_API_URL: mail.url });
        await within("three jobs calling the mail API", mail.received(3));
        await shutdown();
        mail.release();
        await service.ended;
        const jobs = await queue.getJobCounts("completed", "active", "waiting");
        return { "jobs completed": `${jobs.completed} of 3`, "jobs left active": String(jobs.active), "jobs left waiting for the next worker": String(jobs.waiting) };
      } finally {
        await queue.close();
        await mail.close();
      }
    },
  },

  "knex.md": {
    services: ["postgres"],
    signal: "SIGINT",
    async run({ id, launch, shutdown }) {
      const url = await newDatabase(id);
      const mail = await holdingService();
      const db = new pg.Client(url);
      await db.connect();
      try {
        await db.query("CREATE TABLE invoices (id serial PRIMARY KEY, customer text NOT NULL, sent boolean NOT NULL DEFAULT false)");
        await db.query("INSERT INTO invoices (customer) SELECT 'customer' || n FROM generate_series(1, 30) AS n");
        const service = launch({ DATABASE_URL: url, MAIL_API_URL: mail.url });
        await within("the first email of the first batch", mail.received(1));
        await shutdown();
        mail.release();
        await service.ended;
        await sessionsEnded(id, db);
        const emailed = mail.requests.map(({ body }) => JSON.parse(body).id);
        const marked = await count(db, "SELECT count(*)::int AS n FROM invoices WHERE sent");
        const again = await count(db, "SELECT count(*)::int AS n FROM invoices WHERE NOT sent AND id = ANY($1)", [emailed]);
        return {
          "emails sent": String(emailed.length),
          "invoices marked as sent": `${marked} of 30`,
          "emails the next run sends again": String(again),
          "sessions Postgres found cut off in a transaction": String(await cutOff(id)),
        };
      } finally {
        await db.end();
        await mail.close();
      }
    },
  },

  "opentelemetry.md": {
    services: [],
    signal: "SIGTERM",
    async run({ launch, shutdown }) {
      const collector = await holdingService("{}");
      try {
        const service = launch({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
        await within("the first export", collector.received(1));
        await shutdown();
        collector.release();
        await service.ended;
        const spans = collector.requests
          .filter(({ path }) => path === "/v1/traces")
          .flatMap(({ body }) => JSON.parse(body).resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans))).length;
        return { "spans received by the collector": `${spans} of 2000` };
      } finally {
        await collector.close();
      }
    },
  },

  "http-terminator.md": {
    services: [],
    signal: "SIGTERM",
    async run({ launch, shutdown }) {
      const upstream = await holdingService("a quote\n");
      try {
        const service = launch({ PORT: "0", UPSTREAM_URL: upstream.url });
        const port = Number((await service.waitFor(/^listening on \d+$/)).split(" ").at(-1));
        const answers = Promise.all([1, 2, 3].map(() => request(port, "/quote")));
        await within("three requests calling the upstream service", upstream.received(3));
        await shutdown();
        upstream.release();
        const answered = (await answers).filter((answer) => answer.status === 200 && answer.body === "a quote\n");
        return {
          "requests answered": `${answered.length} of 3`,
          "answered with `Connection: close`": `${answered.filter((answer) => answer.headers.connection === "close").length} of 3`,
        };
      } finally {
        await upstream.close();
      }
    },
  },
};

// ---------------------------------------------------------------------------------------------

let runningChildren = 0;
const waitingForSlot = [];
async function withSlot(task) {
  while (runningChildren >= MAX_CHILDREN) await new Promise((resolve) => waitingForSlot.push(resolve));
  runningChildren++;
  try {
    return await task();
  } finally {
    runningChildren--;
    waitingForSlot.shift()?.();
  }
}

const needed = new Set(pages.flatMap((page) => scenarios[page.name]?.services ?? []));
const unavailable = [...needed].map(missing).filter(Boolean);
if (process.env.CI && unavailable.length > 0) throw new Error(`CI runs every recipe: ${unavailable.join("; ")}`);

describe("the recipes of docs/recipes/, each run against its real component", { concurrency: true }, () => {
  before(async () => {
    assert.ok(existsSync(join(repoRoot, "dist", "index.js")), "dist/index.js is missing: run `npm run build` first");
    scratch = mkdtempSync(join(tmpdir(), "atexit-recipes-"));
    modules = linkModules(join(scratch, "modules"));
    const starting = [];
    if (needed.has("postgres") && !missing("postgres")) starting.push(startPostgres().then((server) => (services.postgres = server)));
    if (needed.has("redis") && !missing("redis")) starting.push(startRedis({ databases: 64 }).then((server) => (services.redis = server)));
    // Both are awaited even if one fails, so that after() stops whichever did start.
    const started = await Promise.allSettled(starting);
    for (const outcome of started) if (outcome.status === "rejected") throw outcome.reason;
    // A Client, not a Pool: Pool.end() resolves before its connections have closed, and one still
    // open when Postgres stops would get its "terminating connection" error with no listener.
    if (services.postgres) {
      adminClient = new pg.Client(services.postgres.url);
      await adminClient.connect();
    }
  });
  after(async () => {
    await adminClient?.end();
    await Promise.all(Object.values(services).map((server) => server.stop()));
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("every page has its scenario here; the index has a row per page, whose figure is the page's", () => {
    assert.deepEqual(pages.map((page) => page.name), Object.keys(scenarios).sort());
    const index = readFileSync(join(recipesDir, "README.md"), "utf8");
    for (const page of pages) {
      assert.match(page.programs.with.code, /from "atexit"/, `${page.name}: the recipe imports atexit`);
      assert.doesNotMatch(page.programs.without.code, /atexit/, `${page.name}: the program without atexit does not use it`);
      // | [Title](page.md) | the line | figure: with / without |
      const row = index.split("\n").find((line) => line.startsWith("| [") && line.includes(`](${page.name})`));
      assert.ok(row, `docs/recipes/README.md has a row for ${page.name}`);
      const [, figure, withAtexit, withoutAtexit] = /\| ([^|:]+): (.+) \/ (.+) \|$/.exec(row) ?? [];
      assert.ok(Object.hasOwn(page.figures.with, figure ?? ""), `docs/recipes/README.md: ${page.name}'s row ends "| figure: with / without |", a figure of the page's table: ${row}`);
      assert.deepEqual([withAtexit, withoutAtexit], [page.figures.with[figure], page.figures.without[figure]], `docs/recipes/README.md: ${page.name}'s "${figure}" is the page's`);
    }
  });

  for (const page of pages) {
    const scenario = scenarios[page.name];
    if (!scenario) continue;
    const skipService = scenario.services.map(missing).find(Boolean);
    for (const variant of ["with", "without"]) {
      for (const name of page.programs[variant].runtimes.filter((name) => !only || only.includes(name))) {
        const runtime = runtimes.get(name);
        const skip = skipService ?? (runtime === undefined ? `no runtime named ${name}` : runtime.skip);
        it(`${page.name} ${variant} atexit on ${name} gives the page's figures (line ${page.programs[variant].line})`, { skip }, async () => {
          const { figures, context } = await withSlot(() => runProgram(page, variant, runtime, scenario));
          assert.deepEqual(figures, page.figures[variant], `what the test counted, against the page's "${variant} atexit" column${context}`);
        });
      }
    }
  }
});
