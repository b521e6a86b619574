/**
 * The goals of BENCHMARKS.md as data, from the results of bench/run.mjs: for
 * each goal and runtime, atexit's figure, the best peer's in the same run and
 * their ratio (atexit ÷ peer: lower is better, below 1 atexit wins). The report
 * (report.mjs) writes them as the summary table, the chart (chart.mjs) draws
 * them; neither computes a ratio of its own.
 */

/** The runtimes of a goal row: Node 20 and 24 decide, Bun and Deno are shown for reference. */
export const GOAL_RUNTIMES = ["node20", "node24", "bun", "deno"];
export const DECIDING = ["node20", "node24"];

/** Within this ratio of the best peer, a difference is called noise, not a loss. */
export const NOISE = 1.05;

function point(series, n) {
  const p = series?.points.find((q) => q.n === n);
  return p && !p.skipped && !p.error && Number.isFinite(p.value) ? p : undefined;
}

/**
 * How far a median can be off, from the spread of its runs, relative to it: half the range of the
 * runs without the fastest and the slowest when there are five or more (one run that met a busy
 * moment of the machine says nothing about the others), of all of them otherwise.
 */
function spread(p) {
  if (!(p.value > 0)) return 0;
  const runs = Array.isArray(p.runs) && p.runs.length >= 5 ? [...p.runs].sort((a, b) => a - b).slice(1, -1) : [p.lo, p.hi];
  const [lo, hi] = [Math.min(...runs), Math.max(...runs)];
  return Number.isFinite(lo) && Number.isFinite(hi) ? (hi - lo) / (2 * p.value) : 0;
}

/** A cell: atexit's point against the best of the peers' points (lowest value), on one runtime. */
function cell(mine, peers, unit, scale = 1) {
  if (mine === undefined) return undefined;
  const best = peers.filter((p) => p.point !== undefined).reduce((a, b) => (a === undefined || b.point.value < a.point.value ? b : a), undefined);
  if (best === undefined) return undefined;
  const ratio = mine.value / best.point.value;
  const noise = Math.hypot(spread(mine), spread(best.point));
  return { atexit: mine.value * scale, peer: best.point.value * scale, peerLabel: best.label, unit, ratio, noise };
}

/** A peer's name in a cell: its series label without the runtime (the column says it) or the variant (the row does). */
const peerLabel = (s) => s.label.replace(/ \((Node \d+|Bun|Deno)\)$/, "").replace(s.variant === undefined ? "" : ` ${s.variant}`, "");

/** Series of a measurement on a runtime, by a predicate; reference series (the bare operations) are never peers. */
function seriesOf(list, runtime, keep) {
  return (list ?? []).filter((s) => s.runtime === runtime && keep(s));
}

function seriesCell(list, runtime, n, mineKeep, peerKeep, unit, scale = 1) {
  const mine = seriesOf(list, runtime, (s) => s.lib === "atexit" && mineKeep(s))[0];
  const peers = seriesOf(list, runtime, (s) => s.lib !== "atexit" && !s.lib.startsWith("bare") && peerKeep(s)).map((s) => ({ label: peerLabel(s), point: point(s, n) }));
  return cell(point(mine, n), peers, unit, scale);
}

/**
 * A goal decided on Node 20 and 24: met where every deciding ratio is at most its limit, within
 * noise up to NOISE times it. The runs' spread is shown beside a ratio, not used to excuse it.
 */
function verdict(cells, limit) {
  const deciding = DECIDING.map((runtime) => cells[runtime]).filter((c) => c !== undefined);
  if (deciding.length === 0) return "–";
  const worst = Math.max(...deciding.map((c) => c.ratio / limit));
  if (worst <= 1) return "met";
  if (worst <= NOISE) return "met (within noise)";
  return "**not met**";
}

/** Whether a row's goal is not met on a deciding runtime. */
export function missed(row) {
  return row.verdict === "**not met**";
}

/** Every goal row: { key, goal, target, cells: { runtime: cell }, verdict }. */
export function goalRows(results) {
  const { plan } = results;
  const rows = [];
  /** `limit`: the ratio at or under which the goal is met (1: no slower than the best peer). */
  const add = (key, short, goal, target, cellFor, limit = 1) => {
    const cells = Object.fromEntries(GOAL_RUNTIMES.map((runtime) => [runtime, cellFor(runtime)]).filter(([, c]) => c !== undefined));
    if (Object.keys(cells).length > 0) rows.push({ key, short, goal, target, limit, cells, verdict: verdict(cells, limit) });
  };

  // 1. The per-request scope, against a stack of one's own per request.
  const scope = results.scope;
  const stack = (pacing) => (s) => s.pacing === pacing;
  add("scope", "scope, empty registry", "per-request scope, `scope()` + `defer` + `disposeAsync()`, registry otherwise empty", "≤ the native stack", (rt) =>
    seriesCell(scope, rt, plan.scopeN, (s) => s.pacing === "tight" && s.registry === "empty", stack("tight"), "µs", 1e-3));
  add("scope", "scope, 100 pending", "the same, 100 entries pending", "≤ the native stack", (rt) =>
    seriesCell(scope, rt, plan.scopeN, (s) => s.pacing === "tight" && s.registry === "busy", stack("tight"), "µs", 1e-3));
  add("scope", "scope, one per turn", "the same, one per event-loop turn (as requests come), registry otherwise empty", "≤ the native stack", (rt) =>
    seriesCell(scope, rt, plan.scopeTurnsN, (s) => s.pacing === "turns", stack("turns"), "µs", 1e-3));
  add("requests", "request loop", `request loop: \`http.Server\`, ${sizeName(plan.requestsN)} requests, a scope per request (time per request)`, "≤ a native stack per request", (rt) =>
    seriesCell(results.requests, rt, plan.requestsN, (s) => s.handler === "scope", () => true, "µs", 1e-3));

  // 2. Registration, memory, unregister, disposal.
  // Against every peer's one-slot registration; `use` also against the stacks' own `use`.
  const registrations = (op) => (s) => op === "use" || s.op !== "use";
  for (const op of ["register", "defer", "use"]) {
    add("register", `${op} ${sizeName(plan.headline)}`, `\`${op}\`, ${sizeName(plan.headline)} entries (first calls of a process)`, "≤ the cheapest peer", (rt) =>
      seriesCell(results.register, rt, plan.headline, (s) => s.op === op, registrations(op), "ns"));
  }
  if (plan.sizes.at(-1) !== plan.headline) {
    add("register", `register ${sizeName(plan.sizes.at(-1))}`, `\`register\`, ${sizeName(plan.sizes.at(-1))} entries`, "≤ the cheapest peer", (rt) =>
      seriesCell(results.register, rt, plan.sizes.at(-1), (s) => s.op === "register", registrations("register"), "ns"));
  }
  const memory = Object.values(results.memory.perEntry).map((r) => ({ ...r, point: Number.isFinite(r.bytesPerEntry) ? { value: r.bytesPerEntry } : undefined }));
  const memoryCell = (rt, op) => {
    const mine = memory.find((r) => r.runtime === rt && r.lib === "atexit" && (r.op ?? "register") === op);
    const peers = memory.filter((r) => r.runtime === rt && r.lib !== "atexit" && (op === "use" ? r.op === "use" : r.op !== "use")).map((r) => ({ label: LABELS[r.lib] ?? r.lib, point: r.point }));
    return mine?.point && cell(mine.point, peers, "B");
  };
  add("memory", "heap per entry", `heap per pending \`register\` entry, ${sizeName(results.memory.n)} pending`, "≤ the best peer", (rt) => memoryCell(rt, "register"));
  add("memory", "heap per use entry", `heap per pending \`use\` entry, ${sizeName(results.memory.n)} pending`, "≤ the stack's `use`", (rt) => memoryCell(rt, "use"));
  add("unregister", `unregister ${sizeName(plan.unregisterN)}`, `\`unregister\` of ${sizeName(plan.unregisterN)} distinct functions, one by one (total)`, "≤ 2× exit-hook's `Set` delete", (rt) =>
    seriesCell(results.unregister, rt, plan.unregisterN, () => true, () => true, "ms", plan.unregisterN * 1e-6), 2);
  for (const n of new Set([plan.headline, plan.sizes.at(-1)])) {
    add("dispose", `dispose ${sizeName(n)}`, `\`disposeAsync()\` per async entry, ${sizeName(n)} entries`, "≤ the native stack", (rt) =>
      seriesCell(results.dispose, rt, n, () => true, () => true, "ns"));
  }
  for (const n of new Set([plan.headline, plan.sizes.at(-1)])) {
    add("exit", `process.exit() ${sizeName(n)}`, `sync entries on \`process.exit()\`, per entry, ${sizeName(n)} entries`, "≤ the fastest peer", (rt) =>
      seriesCell(results.exit, rt, n, () => true, () => true, "ns"));
  }

  // 3. Start-up and signal-to-death, against signal-exit (the one peer that dies by the signal).
  add("startup", "start-up", "start-up: whole process, `import` + one registration", "≤ signal-exit", (rt) => {
    const table = results.startup[rt];
    if (!table?.atexit || !table["signal-exit"]) return undefined;
    return cell(startupPoint(table.atexit), [{ label: "signal-exit", point: startupPoint(table["signal-exit"]) }], "ms");
  });
  add("signal", "SIGTERM → death", "SIGTERM → death, one async entry", "≤ signal-exit", (rt) => {
    const table = results.signal[rt];
    if (!table?.atexit || !table["signal-exit"]) return undefined;
    return cell(startupPoint(table.atexit), [{ label: "signal-exit", point: startupPoint(table["signal-exit"]) }], "ms");
  });
  return rows;
}

/** A startup or signal table entry as a point. */
function startupPoint(entry) {
  return { value: entry.ms, lo: entry.lo, hi: entry.hi, runs: Array.isArray(entry.runs) ? entry.runs : undefined };
}

const LABELS = {
  "native-ads": "native AsyncDisposableStack",
  "corejs-ads": "core-js-pure AsyncDisposableStack",
  python: "Python atexit",
};

const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";
/** 20000 → "2×10⁴", 1000000 → "10⁶". */
export function sizeName(n) {
  if (!Number.isFinite(n) || n < 1000) return String(n);
  const exponent = Math.floor(Math.log10(n));
  const mantissa = n / 10 ** exponent;
  const power = `10${[...String(exponent)].map((d) => SUPERSCRIPT[d]).join("")}`;
  return mantissa === 1 ? power : `${+mantissa.toPrecision(3)}×${power}`;
}
