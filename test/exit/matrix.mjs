// The exit matrix of issue 8 item 5, as process-model programs (test/model/process-model.mjs):
// every entry kind × { returns, throws, rejects, hangs past timeout } × { T1, T2, T3, T4, T5,
// T5′, T6, T7 } × { trace off, on }. Cells whose outcomes cannot interfere share one child:
// the entries of a group differ only by the cell they belong to, their names say which, and a
// group's exit (code or signal) is the one each of its cells alone would have. An entry that
// hangs past `timeout` ends its sequence, so each such cell has its own child.
export const KINDS = ["register", "registerArgs", "defer", "adopt", "adoptWeak", "useAsync", "useSync", "scope"];
export const OUTCOMES = ["returns", "throws", "rejects", "hangs"];
export const TRIGGERS = ["T1", "T2", "T3", "T4", "T5", "T5′", "T6", "T7"];
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];
const MODEL_OUTCOME = { returns: "return", throws: "throw", rejects: "reject", hangs: "hang" };
/** The deadline of a child that must time out (T7): short, since the hanging entry runs first. */
const TIMEOUT_MS = 300;
/** The deadline of a child whose hanging entry must receive a signal before it times out (T5′): generous, as a loaded machine delays the signal. */
const SIGNAL_THEN_TIMEOUT_MS = 3000;
/**
 * The deadline of every other child: far above what its entries take (a few 20 ms delays), and
 * than a T5 child's wait for its second signal (sent 1.2 s after the first, past the echo window).
 */
const GROUP_TIMEOUT_MS = 6000;

const id = (kind, outcome) => `${kind}_${outcome}`;

/** A cell's entry: a scope holds a plain entry below the one with the cell's outcome. */
function cellEntry(kind, outcome) {
  const name = id(kind, outcome);
  if (kind !== "scope") return { id: name, kind, outcome: MODEL_OUTCOME[outcome] };
  return {
    id: name,
    kind: "scope",
    children: [
      { id: `${name}_a`, kind: "register", outcome: "return" },
      { id: `${name}_b`, kind: "register", outcome: MODEL_OUTCOME[outcome] },
    ],
  };
}
/** The ids that journal and name lines for a cell (a scope's are its children's). */
const cellIds = (kind, outcome) => (kind === "scope" ? [`${id(kind, outcome)}_a`, `${id(kind, outcome)}_b`] : [id(kind, outcome)]);
/** The id of the entry that hangs in a cell's own child. */
const hangingId = (kind) => (kind === "scope" ? `${id(kind, "hangs")}_b` : id(kind, "hangs"));

/** A [Symbol.dispose]'s promise is never awaited: its "rejects" and "hangs" are plain returns. */
const actsLikeReturn = (kind, outcome) => outcome === "returns" || (kind === "useSync" && (outcome === "rejects" || outcome === "hangs"));
const fails = (kind, outcome) => !actsLikeReturn(kind, outcome) && outcome !== "hangs";
/** Whether the cell's entry hangs when awaited (a [Symbol.dispose]'s never-settling promise is not). */
const hangs = (kind, outcome) => outcome === "hangs" && kind !== "useSync";

const BASE = { id: "base", kind: "register", outcome: "return" }; // the bottom entry of every child
const cellsWhere = (test) => KINDS.flatMap((kind) => OUTCOMES.filter((outcome) => test(kind, outcome)).map((outcome) => ({ kind, outcome })));

/**
 * Every child of the matrix: { name, trigger (the matrix column), program, cells: [{ kind,
 * outcome, trigger, trace, ids, alone }] }, `alone` being the program of the cell in a child
 * of its own (the same trigger, the same entries around it), to tell a cell's own failure from
 * one that another cell's entry caused.
 */
export function matrixGroups() {
  const groups = [];
  for (const trace of [false, true]) {
    const add = (trigger, name, { entries: around = [], ...program }, cells) => {
      const withCells = (some) => ({
        trace,
        timeout: GROUP_TIMEOUT_MS,
        ...program,
        entries: [BASE, ...some.map(({ kind, outcome }) => cellEntry(kind, outcome)), ...around],
      });
      groups.push({
        name: `${trigger} ${name}, trace ${trace ? "on" : "off"}`,
        trigger,
        program: withCells(cells),
        cells: cells.map((cell) => ({ ...cell, trigger, trace, ids: cellIds(cell.kind, cell.outcome), alone: cells.length > 1 ? withCells([cell]) : undefined })),
      });
    };
    /** One child per hanging cell: its entry is the one the sequence waits on. */
    const eachHang = (trigger, name, program) =>
      KINDS.filter((kind) => hangs(kind, "hangs")).forEach((kind, index) => add(trigger, `${name} (${kind} hangs)`, program(hangingId(kind), index), [{ kind, outcome: "hangs" }]));

    const succeeding = cellsWhere(actsLikeReturn);
    const failing = cellsWhere(fails);
    const notHanging = cellsWhere((kind, outcome) => !hangs(kind, outcome));
    const every = cellsWhere(() => true);

    add("T1", "the loop drains, every entry succeeds", { trigger: { kind: "drain" } }, succeeding);
    add("T1", "the loop drains, every entry fails", { trigger: { kind: "drain" } }, failing);
    eachHang("T1", "the loop drains", () => ({ trigger: { kind: "drain" }, timeout: TIMEOUT_MS }));

    add("T2", "atexit.exit(0), every entry succeeds", { trigger: { kind: "explicit", code: 0 } }, succeeding);
    add("T2", "atexit.exit(0), every entry fails", { trigger: { kind: "explicit", code: 0 } }, failing);
    eachHang("T2", "atexit.exit(0)", () => ({ trigger: { kind: "explicit", code: 0 }, timeout: TIMEOUT_MS }));

    add("T3", "process.exit(4) from the main module", { trigger: { kind: "exit", code: 4 } }, every);
    const exiter = { id: "exiter", kind: "register", outcome: "return", actions: [{ processExit: 4 }] };
    add("T3", "process.exit(4) from the top entry while the loop drains", { trigger: { kind: "drain" }, entries: [exiter] }, every);

    add("T4", "SIGTERM", { trigger: { kind: "signal", signal: "SIGTERM" } }, notHanging);
    eachHang("T4", "a signal", (_, index) => ({ trigger: { kind: "signal", signal: SIGNALS[index % 3] }, timeout: TIMEOUT_MS }));

    const anchor = (outcome) => ({ id: "anchor", kind: "register", outcome });
    add(
      "T5",
      // Another signal: the same one at once would be its echo (README, T5), which the scenarios test.
      "a SIGTERM while the top entry of a SIGINT sequence hangs",
      { trigger: { kind: "signal", signal: "SIGINT" }, signals: [{ signal: "SIGTERM", at: "anchor" }], entries: [anchor("hang")] },
      every,
    );
    eachHang("T5", "a second signal", (hanging, index) => ({
      trigger: { kind: "signal", signal: SIGNALS[index % 3] },
      signals: [{ signal: SIGNALS[(index + 1) % 3], at: hanging }],
    }));

    for (const [trigger, what] of [
      [{ kind: "drain" }, "the loop drains"],
      [{ kind: "explicit", code: 0 }, "atexit.exit(0)"],
      [{ kind: "error", how: "throw" }, "an uncaught exception"],
    ]) {
      add("T5′", `SIGHUP while the top entry of the sequence of ${what} runs`, { trigger, signals: [{ signal: "SIGHUP", at: "anchor" }], entries: [anchor("ack")] }, notHanging);
    }
    eachHang("T5′", "a signal while the loop drains", (hanging, index) => ({
      trigger: { kind: "drain" },
      signals: [{ signal: SIGNALS[index % 3], at: hanging }],
      timeout: SIGNAL_THEN_TIMEOUT_MS,
    }));

    add("T6", "an uncaught exception", { trigger: { kind: "error", how: "throw" } }, notHanging);
    add("T6", "an unhandled rejection", { trigger: { kind: "error", how: "reject" } }, notHanging);
    eachHang("T6", "an uncaught exception", () => ({ trigger: { kind: "error", how: "throw" }, timeout: TIMEOUT_MS }));

    add("T7", "the top entry of the drain sequence hangs past timeout", { trigger: { kind: "drain" }, timeout: TIMEOUT_MS, entries: [anchor("hang")] }, every);
  }
  return groups;
}

/** `kind × outcome × trigger × trace`, as a test name. */
export const cellName = ({ kind, outcome, trigger, trace }) => `${kind} ${outcome} × ${trigger} × trace ${trace ? "on" : "off"}`;

/** Whether a journal or `atexit:` line belongs to a cell (its ids are in it). */
export const belongsTo = (line, ids) => ids.some((entryId) => line.includes(entryId));
