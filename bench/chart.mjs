/**
 * The chart of BENCHMARKS.md, as a hand-written SVG string (no chart dependency):
 * the goals first (atexit ÷ the best peer, per runtime, from goals.mjs), then bar
 * panels for the single-size measurements and log-log panels for the scale.
 */
import { GOAL_RUNTIMES, goalRows } from "./goals.mjs";

const PANEL_W = 480;
const PANEL_H = 300;
const GAP = 20;
const ATEXIT = "#d81b60";
const PALETTE = ["#1e88e5", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#546e7a", "#fdd835", "#3949ab"];

const escape = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function short(x) {
  if (!Number.isFinite(x)) return "–";
  if (x >= 1e6) return `${+(x / 1e6).toPrecision(3)}M`;
  if (x >= 1e3) return `${+(x / 1e3).toPrecision(3)}k`;
  if (x >= 1) return `${+x.toPrecision(3)}`;
  return `${+x.toPrecision(2)}`;
}

/** A label short enough for a legend: "core-js-pure AsyncDisposableStack (Node 20)" → "core-js-pure ADS, N20". */
function legendLabel(label) {
  return label.replace("AsyncDisposableStack", "ADS").replace(/ \(Node (\d+)\)$/, ", N$1");
}

/** One colour per label, atexit always the same. */
function colorFor(label, index) {
  return label.startsWith("atexit") ? ATEXIT : PALETTE[index % PALETTE.length];
}

function frame(x, y, title) {
  return [
    `<g transform="translate(${x},${y})">`,
    `<rect width="${PANEL_W}" height="${PANEL_H}" fill="#fff" stroke="#ddd"/>`,
    `<text x="10" y="20" font-weight="bold" font-size="13">${escape(title)}</text>`,
  ];
}

/** Horizontal bars: `rows` of { label, value, note }; lower is better. */
function barPanel(x, y, title, unit, rows) {
  const out = frame(x, y, title);
  const shown = rows.filter((r) => Number.isFinite(r.value));
  const max = Math.max(...shown.map((r) => r.value), 1e-9);
  const top = 34;
  const rowH = Math.min(24, (PANEL_H - top - 10) / Math.max(shown.length, 1));
  const labelW = 210;
  const barW = PANEL_W - labelW - 80;
  shown.forEach((row, i) => {
    const cy = top + i * rowH;
    const w = Math.max(1, (Math.max(row.value, 0) / max) * barW);
    const color = colorFor(row.label, i);
    out.push(
      `<text x="${labelW - 6}" y="${cy + rowH * 0.65}" text-anchor="end" font-size="11"${row.label.startsWith("atexit") ? ' font-weight="bold"' : ""}>${escape(legendLabel(row.label))}</text>`,
      `<rect x="${labelW}" y="${cy + 3}" width="${w.toFixed(1)}" height="${(rowH - 6).toFixed(1)}" fill="${color}"/>`,
      `<text x="${(labelW + w + 4).toFixed(1)}" y="${cy + rowH * 0.65}" font-size="11">${escape(`${short(row.value)} ${unit}${row.note ? ` ${row.note}` : ""}`)}</text>`,
    );
  });
  out.push("</g>");
  return out.join("\n");
}

/** Log-log lines: `series` of { label, points: [[n, y]] }. */
function logLogPanel(x, y, title, yUnit, series) {
  const out = frame(x, y, title);
  const drawn = series.map((s) => ({ ...s, points: s.points.filter(([n, v]) => n > 0 && v > 0 && Number.isFinite(v)) })).filter((s) => s.points.length > 0);
  const xs = drawn.flatMap((s) => s.points.map(([n]) => n));
  const ys = drawn.flatMap((s) => s.points.map(([, v]) => v));
  if (xs.length === 0) {
    out.push(`<text x="20" y="60" font-size="12">no data</text>`, "</g>");
    return out.join("\n");
  }
  const x0 = Math.floor(Math.log10(Math.min(...xs)));
  const x1 = Math.max(Math.ceil(Math.log10(Math.max(...xs))), x0 + 1);
  const y0 = Math.floor(Math.log10(Math.min(...ys)));
  const y1 = Math.max(Math.ceil(Math.log10(Math.max(...ys))), y0 + 1);
  const plot = { left: 56, right: PANEL_W - 200, top: 34, bottom: PANEL_H - 34 };
  const px = (n) => plot.left + ((Math.log10(n) - x0) / (x1 - x0)) * (plot.right - plot.left);
  const py = (v) => plot.bottom - ((Math.log10(v) - y0) / (y1 - y0)) * (plot.bottom - plot.top);
  for (let d = x0; d <= x1; d++) {
    out.push(
      `<line x1="${px(10 ** d)}" y1="${plot.top}" x2="${px(10 ** d)}" y2="${plot.bottom}" stroke="#eee"/>`,
      `<text x="${px(10 ** d)}" y="${plot.bottom + 14}" text-anchor="middle" font-size="10">${short(10 ** d)}</text>`,
    );
  }
  for (let d = y0; d <= y1; d++) {
    out.push(
      `<line x1="${plot.left}" y1="${py(10 ** d)}" x2="${plot.right}" y2="${py(10 ** d)}" stroke="#eee"/>`,
      `<text x="${plot.left - 4}" y="${py(10 ** d) + 3}" text-anchor="end" font-size="10">${short(10 ** d)}</text>`,
    );
  }
  out.push(
    `<text x="${(plot.left + plot.right) / 2}" y="${PANEL_H - 6}" text-anchor="middle" font-size="10">entries (log)</text>`,
    `<text x="12" y="${(plot.top + plot.bottom) / 2}" font-size="10" transform="rotate(-90 12 ${(plot.top + plot.bottom) / 2})" text-anchor="middle">${escape(yUnit)} (log)</text>`,
  );
  let atexitLines = 0;
  drawn.forEach((s, i) => {
    const color = colorFor(s.label, i);
    const width = s.label.startsWith("atexit") ? 2.5 : 1.5;
    // Several atexit lines (operations, runtimes) share its colour: dashes tell them apart.
    const dash = s.label.startsWith("atexit") && atexitLines++ > 0 ? ` stroke-dasharray="${atexitLines === 2 ? "6,3" : "2,2"}"` : "";
    const d = s.points.map(([n, v], k) => `${k ? "L" : "M"}${px(n).toFixed(1)},${py(v).toFixed(1)}`).join(" ");
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${width}"${dash}/>`);
    for (const [n, v] of s.points) out.push(`<circle cx="${px(n).toFixed(1)}" cy="${py(v).toFixed(1)}" r="2.5" fill="${color}"/>`);
    const ly = plot.top + 4 + i * 15;
    out.push(
      `<line x1="${plot.right + 10}" y1="${ly}" x2="${plot.right + 28}" y2="${ly}" stroke="${color}" stroke-width="${width}"${dash}/>`,
      `<text x="${plot.right + 32}" y="${ly + 4}" font-size="10"${s.label.startsWith("atexit") ? ' font-weight="bold"' : ""}>${escape(legendLabel(s.label))}</text>`,
    );
  });
  out.push("</g>");
  return out.join("\n");
}

const RUNTIME_COLORS = { node20: "#d81b60", node24: "#8e0038", bun: "#9e9e9e", deno: "#616161" };
const RUNTIME_NAMES = { node20: "Node 20", node24: "Node 24", bun: "Bun (reference)", deno: "Deno (reference)" };

/**
 * One row per goal, one bar per runtime from ×1 to its ratio on a log scale (×1/8 to ×8; left of
 * the line atexit is faster, right of it slower); the width is the whole chart's.
 */
function goalsPanel(width, rows) {
  const rowH = 4 * 5 + 6;
  const top = 48;
  const height = top + rows.length * rowH + 16;
  const labelW = 190;
  const plot = { left: labelW + 10, right: width - 90 };
  const lo = Math.log2(1 / 8);
  const hi = Math.log2(8);
  const px = (ratio) => plot.left + ((Math.min(hi, Math.max(lo, Math.log2(ratio))) - lo) / (hi - lo)) * (plot.right - plot.left);
  const out = [
    `<rect width="${width}" height="${height}" fill="#fff" stroke="#ddd"/>`,
    `<text x="10" y="20" font-weight="bold" font-size="13">Goals: atexit ÷ the best peer in this run (log scale; left of ×1 atexit is faster)</text>`,
  ];
  GOAL_RUNTIMES.forEach((runtime, i) => {
    out.push(
      `<rect x="${plot.left + i * 130}" y="29" width="12" height="8" fill="${RUNTIME_COLORS[runtime]}"/>`,
      `<text x="${plot.left + i * 130 + 16}" y="37" font-size="10">${escape(RUNTIME_NAMES[runtime])}</text>`,
    );
  });
  for (const ratio of [1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8]) {
    const x = px(ratio).toFixed(1);
    out.push(
      `<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${height - 14}" stroke="${ratio === 1 ? "#333" : "#eee"}"${ratio === 1 ? ' stroke-width="1.5"' : ""}/>`,
      `<text x="${x}" y="${height - 3}" text-anchor="middle" font-size="10">×${ratio < 1 ? `1/${1 / ratio}` : ratio}</text>`,
    );
  }
  rows.forEach((row, r) => {
    const y = top + r * rowH;
    out.push(`<text x="${labelW}" y="${y + rowH / 2 + 3}" text-anchor="end" font-size="11">${escape(row.short)}</text>`);
    GOAL_RUNTIMES.forEach((runtime, i) => {
      const c = row.cells[runtime];
      if (c === undefined || !Number.isFinite(c.ratio) || c.ratio <= 0) return;
      const x1 = px(1);
      const x2 = px(c.ratio);
      const by = y + 2 + i * 5;
      out.push(`<rect x="${Math.min(x1, x2).toFixed(1)}" y="${by}" width="${Math.max(1, Math.abs(x2 - x1)).toFixed(1)}" height="4" fill="${RUNTIME_COLORS[runtime]}"/>`);
      if (runtime === "node24" || runtime === "node20") {
        out.push(`<text x="${(Math.max(x1, x2) + 3).toFixed(1)}" y="${by + 4.5}" font-size="8">${escape(`×${c.ratio.toFixed(2)}`)}</text>`);
      }
    });
  });
  return { svg: out.join("\n"), height };
}

/** Total time in ms against entries, one line per series of a measurement. */
function totals(seriesList, keep = () => true) {
  return seriesList.filter(keep).map((s) => ({
    label: s.label,
    points: s.points.filter((p) => !p.skipped && !p.error).map((p) => [p.n, p.ns / 1e6]),
  }));
}

export function renderChart(results) {
  const main = (s) => s.runtime === "node20" || s.runtime === "node24" || s.runtime === "python3";
  const node24 = (s) => s.runtime === "node24" || s.runtime === "python3";
  const startupRows = (runtime) =>
    Object.entries(results.startup[runtime] ?? {})
      .filter(([lib]) => lib !== "bare")
      .map(([lib, r]) => ({ label: lib === "corejs-ads" ? "core-js-pure ADS" : lib === "native-ads" ? "native ADS" : lib, value: r.ms - results.startup[runtime].bare.ms }));
  const signalRows = Object.entries(results.signal.node24 ?? {}).map(([lib, r]) => ({ label: lib, value: r.ms }));
  const memoryRows = Object.entries(results.memory.perEntry)
    .filter(([, r]) => r.runtime === "node24" || r.runtime === "python3")
    .map(([label, r]) => ({ label, value: r.bytesPerEntry }));
  const panels = [
    barPanel(0, 0, "1. Startup, Node 20: ms added to a bare start", "ms", startupRows("node20")),
    barPanel(PANEL_W + GAP, 0, "1. Startup, Node 24: ms added to a bare start", "ms", startupRows("node24")),
    logLogPanel(0, PANEL_H + GAP, "2+7. Registering n entries (Node 24, Python)", "ms total", totals(results.register, (s) => node24(s) && (s.op !== "use"))),
    logLogPanel(PANEL_W + GAP, PANEL_H + GAP, "3+7. Unregistering n entries one by one", "ms total", totals(results.unregister, main)),
    logLogPanel(0, 2 * (PANEL_H + GAP), "4+7. Sync entries on process.exit() (Node 24, Python)", "ms total", totals(results.exit, node24)),
    logLogPanel(PANEL_W + GAP, 2 * (PANEL_H + GAP), "4+7. Async entries, await disposeAsync()", "ms total", totals(results.dispose, main)),
    barPanel(0, 3 * (PANEL_H + GAP), "5. SIGTERM to death, one async entry (Node 24)", "ms", signalRows),
    barPanel(PANEL_W + GAP, 3 * (PANEL_H + GAP), `6. Heap bytes per pending entry at ${short(results.memory.n)}`, "B", memoryRows),
  ];
  const width = 2 * PANEL_W + GAP;
  const goals = goalsPanel(width, goalRows(results));
  const height = 30 + goals.height + GAP + 4 * PANEL_H + 3 * GAP;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fafafa"/>`,
    `<text x="0" y="18" font-size="14" font-weight="bold">atexit vs peers — lower is better everywhere (${escape(results.meta.date.slice(0, 10))}, ${escape(results.meta.machine.cpu)}, ${results.meta.machine.cores} cores)</text>`,
    `<g transform="translate(0,30)">`,
    goals.svg,
    "</g>",
    `<g transform="translate(0,${30 + goals.height + GAP})">`,
    ...panels,
    "</g>",
    "</svg>",
    "",
  ].join("\n");
}
