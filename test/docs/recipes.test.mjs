// Every recipe of docs/recipes/ is run against its real component, both ways: its program
// (```js recipe=with) and the same program without atexit (```js recipe=without), each as a child
// process on every runtime its block names (only=…), ended by the signal a supervisor sends. What
// the test then counts (rows committed, jobs left active, spans received, …) must be, figure for
// figure, the page's table "| what the test counts | with atexit | without atexit |". The page is
// the test's only copy of the programs and of the figures, so the two cannot drift.
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
import pg from "pg";

import { assertAllPresent, repoRoot, runtimes as allRuntimes } from "../runtimes.mjs";
import { assertAtexitLines, describeEnd, start } from "../services/harness.mjs";
import { connection } from "../services/http-client.mjs";
import { linkModules, programDir } from "./program-dirs.mjs";
import { missing, startPostgres, startRedis } from "./recipe-services.mjs";

const recipesDir = join(repoRoot, "docs", "recipes");
/** A wait for something the program or a service must do: past it, the test fails, naming what it waited for. */
const DEADLINE_MS = 30_000;
/** Programs running at once: they mostly wait, on the test or on a service. */
const MAX_CHILDREN = 6;

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
    const start = index;
    const body = [];
    while (++index < lines.length && lines[index] !== "```") body.push(lines[index]);
    if (programs[open[1]]) throw new Error(`${where}:${start + 1}: a second recipe=${open[1]} program`);
    programs[open[1]] = { code: `${body.join("\n")}\n`, runtimes: open[2]?.split(",") ?? ["node20", "node24"], line: start + 1 };
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
let admin; // a pg.Pool on the `postgres` database, to make each run's database

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

/** A database of its own for one run, made from nothing: resolves its URL. */
async function newDatabase(id) {
  await admin.query(`CREATE DATABASE ${id}`);
  const url = new URL(services.postgres.url);
  url.pathname = `/${id}`;
  return url.href;
}

/** How the child ended, as the table says it. */
const ending = (result) => (result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`);

/**
 * Runs one program: starts it, lets `scenario` drive it, and resolves the figures. The scenario
 * is given { service, env, variant, id, hold } and resolves its figures; it calls `shutdown()`
 * to send the signal and wait until the work it held may be released (see the top of the file).
 */
async function runProgram(page, variant, runtime, scenario) {
  const id = `${page.name.replace(/\.md$/, "")}_${variant}_${runtime.name}`.replace(/[^a-z0-9_]/g, "_");
  const file = programDir(join(scratch, id), modules, `${variant}.mjs`, page.programs[variant].code);
  let service;
  const launch = (env) => {
    service = start(runtime, file, { cwd: join(scratch, id), env });
    return service;
  };
  const shutdown = async () => {
    service.child.kill(scenario.signal);
    if (variant === "with") await service.waitFor(`${scenario.signal}: shutting down`);
    else await service.ended;
  };
  const figures = await scenario.run({ id, variant, launch, shutdown });
  const result = await service.ended;
  const context = describeEnd(result);
  assertAtexitLines(result.stderr, [], context);
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
        // Asked outside the locker's transaction, whose view of pg_stat_activity stays as it was at its first look.
        const waiting = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'";
        await until("three orders waiting for the stock row", async () => (await admin.query(waiting, [id])).rows[0].n === 3);
        await shutdown();
        await locker.query("COMMIT");
        const answered = (await answers).filter((answer) => answer.status === 200 && /^order \d+\n$/.test(answer.body)).length;
        // Without atexit, Postgres rolls a transaction back once it finds its connection gone: wait for that.
        const others = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> $2";
        await until("the service's sessions to end", async () => (await admin.query(others, [id, locker.processID])).rows[0].n === 0);
        const orders = (await locker.query("SELECT count(*)::int AS n FROM orders")).rows[0].n;
        const stock = (await locker.query("SELECT count FROM stock WHERE item = 'apple'")).rows[0].count;
        return { "requests answered": `${answered} of 3`, "orders committed": `${orders} of 3`, "stock decremented": `${100 - stock} of 3` };
      } finally {
        await locker.end();
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
    if (services.postgres) admin = new pg.Pool({ connectionString: services.postgres.url, max: 2 });
  });
  after(async () => {
    await admin?.end();
    await Promise.all(Object.values(services).map((server) => server.stop()));
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("every page has its scenario here, and the index links to every page", () => {
    assert.deepEqual(pages.map((page) => page.name), Object.keys(scenarios).sort());
    const index = readFileSync(join(recipesDir, "README.md"), "utf8");
    for (const page of pages) assert.ok(index.includes(`](${page.name})`), `docs/recipes/README.md links to ${page.name}`);
    for (const page of pages) {
      assert.match(page.programs.with.code, /from "atexit"/, `${page.name}: the recipe imports atexit`);
      assert.doesNotMatch(page.programs.without.code, /atexit/, `${page.name}: the program without atexit does not use it`);
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
