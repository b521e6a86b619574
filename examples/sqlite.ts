// SQLite in WAL mode, written by a loop of transactions that each span several turns of the
// event loop, when SIGTERM arrives: the transaction in flight commits, the loop stops, the WAL is
// checkpointed and the database closed, so every committed row is in the database file itself.
// `node:sqlite` where the runtime has it (Node 22.13+, Bun, Deno), better-sqlite3 on Node 20.
//
//   npm run example -- sqlite
//
// The order is the stack's: the database is adopted first, so it is closed last; the entry that
// waits for the transaction in flight is above it; the loop stops on atexit.signal.
//
// What it prints (… differs from run to run):
//
//   […s] database /tmp/atexit-sqlite-…/example.db (…), WAL mode
//   […s] committed transaction 1 (5 rows)
//   […s] committed transaction 2 (5 rows)
//   […s] committed transaction 3 (5 rows)
//   […s] sending SIGTERM to myself, as an orchestrator would
//   […s] termination started (SIGTERM): the write loop stops after this transaction
//   […s] committed transaction 4 (5 rows)
//   […s] write loop stopped
//   […s] database checkpointed and closed: 20 rows in /tmp/atexit-sqlite-…/example.db
//   [killed by SIGTERM]
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import atexit from "atexit";
import { describeReason, log, sendSigterm } from "./demo.js";

/** What the example needs of a database, the same in node:sqlite and better-sqlite3. */
interface Database {
  exec(sql: string): void;
  prepare(sql: string): { run(...values: unknown[]): unknown; get(): unknown };
  close(): void;
}
type DatabaseClass = new (file: string) => Database;

function open(file: string): { db: Database; driver: string } {
  const sqlite = process.getBuiltinModule("node:sqlite") as { DatabaseSync: DatabaseClass } | undefined;
  if (sqlite) return { db: new sqlite.DatabaseSync(file), driver: "node:sqlite" };
  const BetterSqlite3 = createRequire(import.meta.url)("better-sqlite3") as DatabaseClass;
  return { db: new BetterSqlite3(file), driver: "better-sqlite3" };
}

// ---- The service

const file = join(mkdtempSync(join(tmpdir(), "atexit-sqlite-")), "example.db");
const { db, driver } = open(file);
// Adopted first, so closed last. Checkpointed explicitly: not every driver's close() does it
// (bun:sqlite's leaves the WAL file as it is).
atexit.adopt(db, (db) => {
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const { rows } = db.prepare("SELECT count(*) AS rows FROM rows").get() as { rows: number };
  db.close();
  log(`database checkpointed and closed: ${rows} rows in ${file}`);
});
db.exec("PRAGMA journal_mode = WAL");
db.exec("CREATE TABLE rows (tx INTEGER, n INTEGER)");
const insert = db.prepare("INSERT INTO rows (tx, n) VALUES (?, ?)");
log(`database ${file} (${driver}), WAL mode`);

let inFlight: Promise<void> = Promise.resolve();
atexit.defer(() => inFlight); // above the database: the transaction in flight commits before it closes

async function transaction(tx: number): Promise<void> {
  db.exec("BEGIN");
  for (let n = 0; n < 5; n++) {
    insert.run(tx, n);
    await sleep(5); // the rows of a real transaction arrive over time
  }
  db.exec("COMMIT");
  log(`committed transaction ${tx} (5 rows)`);
}

void atexit.exiting.then((reason) => log(`termination started (${describeReason(reason)}): the write loop stops after this transaction`));
for (let tx = 1; !atexit.signal.aborted && tx <= 1000; tx++) {
  inFlight = transaction(tx);
  await inFlight;
  if (tx === 3) sendSigterm(); // ---- the demo: SIGTERM arrives; transaction 4 is already under way
}
log("write loop stopped");
