// Item 6 of issue 12: SQLite in WAL mode, written in transactions when SIGTERM arrives: after
// death, every committed row is on disk (the transaction in flight commits first) and the WAL is
// checkpointed (its file is gone). better-sqlite3 12 on Node 20 (its native build is for the
// Node that installed it), node:sqlite on Node 24 and Deno, bun:sqlite on Bun.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { assertAtexitLines, describeEnd, runtimesFor, start } from "./harness.mjs";

const dir = mkdtempSync(join(tmpdir(), "atexit-db-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const DRIVERS = { node20: "better-sqlite3", node24: "node:sqlite", bun: "bun:sqlite", deno: "node:sqlite" };

describe("SQLite in WAL mode on SIGTERM", { concurrency: true }, () => {
  for (const runtime of runtimesFor(Object.keys(DRIVERS))) {
    const driver = DRIVERS[runtime.name];
    it(`${driver} on ${runtime.name}: every committed row is on disk and the WAL is checkpointed`, async () => {
      const file = join(dir, `${runtime.name}.db`);
      const service = start(runtime, "database.mjs", { args: [driver, file] });
      await service.waitFor('{"committed":20}');
      service.child.kill("SIGTERM");
      const result = await service.ended;
      const context = describeEnd(result);
      assert.equal(result.signal, "SIGTERM", `dies by SIGTERM${context}`);
      const committed = Math.max(...result.lines.filter((line) => line.startsWith('{"committed"')).map((line) => JSON.parse(line).committed));
      assert.equal(result.lines.at(-1), "database closed", `closed last${context}`);
      // The database file alone holds the rows: the WAL is gone (Bun keeps the file, emptied).
      const wal = existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0;
      assert.equal(wal, 0, `the WAL was checkpointed into the database${context}`);
      const db = new Database(file, { readonly: true });
      try {
        assert.equal(db.prepare("SELECT count(*) AS n FROM rows").get().n, committed, `every committed row is there, and no other${context}`);
        assert.equal(db.pragma("journal_mode", { simple: true }), "wal", `still in WAL mode${context}`);
      } finally {
        db.close();
      }
      assertAtexitLines(result.stderr, [], context);
    });
  }
});
