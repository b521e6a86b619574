/**
 * One measurement in one fresh process: `node bench/child.mjs <task> <library> [args]`.
 * Prints one JSON line on stdout (through fs.writeSync, so it survives
 * process.exit). bench/run.mjs starts this once per repetition.
 */
import { writeSync } from "node:fs";
import { LIBRARIES, loadAdapter } from "./libs.mjs";

const [task, library, ...rest] = process.argv.slice(2);
if (!(library in LIBRARIES)) throw new Error(`Expected a library name, got ${JSON.stringify(library)}`);

const now = () => process.hrtime.bigint();
const print = (result) => writeSync(1, `${JSON.stringify({ task, library, ...result })}\n`);

let counter = 0;
/** Everything built by entries(): kept reachable to the end, so no measurement sees it collected. */
export const keepAlive = [];
/** n distinct functions and n disposable objects, built before any clock starts. */
function entries(n) {
  const fns = new Array(n);
  const objs = new Array(n);
  for (let i = 0; i < n; i++) {
    const fn = () => { counter++; };
    fns[i] = fn;
    objs[i] = { run: fn, [Symbol.asyncDispose]: fn };
  }
  keepAlive.push(fns, objs);
  return { fns, objs };
}

/** Collects until the heap stops shrinking, letting FinalizationRegistry callbacks run between passes. */
async function settledHeap() {
  let previous = Infinity;
  for (let pass = 0; pass < 10; pass++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
    globalThis.gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= previous - 1024) return used;
    previous = used;
  }
  return previous;
}

switch (task) {
  // ns per registration of n entries with operation `op` (register/defer/use):
  // the first n in a fresh process (cold: includes the JIT warming up, as an
  // application sees it), then n more on top of them (warm).
  case "register": {
    const [op, n] = [rest[0], Number(rest[1])];
    const { fns, objs } = entries(2 * n);
    const lib = await loadAdapter(library, op, fns, objs);
    const cpu = process.cpuUsage();
    let start = now();
    for (let i = 0; i < n; i++) lib.add(i);
    const ns = Number(now() - start);
    const { user, system } = process.cpuUsage(cpu);
    start = now();
    for (let i = n; i < 2 * n; i++) lib.add(i);
    const warmNs = Number(now() - start);
    print({ op, n, ns, nsPerEntry: ns / n, warmNsPerEntry: warmNs / n, cpuNsPerEntry: ((user + system) * 1000) / n });
    process.exit(0); // skip the peers' own exit work: it is measured separately
    break;
  }
  // n distinct functions registered, then removed one by one (only the removal is timed).
  case "unregister": {
    const n = Number(rest[0]);
    const { fns, objs } = entries(n);
    const lib = await loadAdapter(library, "register", fns, objs);
    for (let i = 0; i < n; i++) lib.add(i);
    const start = now();
    for (let i = 0; i < n; i++) lib.remove(i);
    const ns = Number(now() - start);
    print({ n, ns, ms: ns / 1e6, nsPerEntry: ns / n, left: lib.size?.() });
    process.exit(0);
    break;
  }
  // The process.exit() path: n sync entries, timed from before process.exit()
  // to the end of the last 'exit' listener (or signal-exit's last handler).
  case "exit": {
    const n = Number(rest[0]);
    const { fns, objs } = entries(n);
    const lib = await loadAdapter(library, "register", fns, objs);
    for (let i = 0; i < n; i++) lib.add(i);
    let start = 0n;
    const probe = () => {
      const ns = Number(now() - start);
      print({ n, ns, nsPerEntry: ns / n, ran: counter });
    };
    if (lib.onLastExit) lib.onLastExit(probe);
    else process.on("exit", probe); // added after the library's own listener, so it runs last
    start = now();
    process.exit(0);
    break;
  }
  // The event-loop-drain path (T1) of the process registry: n async entries,
  // timed from the first 'beforeExit' listener to the last 'exit' listener.
  case "drain": {
    const n = Number(rest[0]);
    const { fns, objs } = entries(n);
    let start = 0n;
    process.once("beforeExit", () => { start = now(); }); // before atexit's: runs first
    const lib = await loadAdapter(library, "register", fns.map((fn) => async () => fn()), objs);
    for (let i = 0; i < n; i++) lib.add(i);
    process.on("exit", () => {
      const ns = Number(now() - start);
      print({ n, ns, nsPerEntry: ns / n, ran: counter });
    });
    break;
  }
  // await stack.disposeAsync() over n async entries (each resolves at once).
  case "dispose": {
    const n = Number(rest[0]);
    const { fns, objs } = entries(n);
    const asyncFns = fns.map((fn) => async () => fn());
    const lib = await loadAdapter(library, "defer", asyncFns, objs);
    const stack = await lib.stack();
    for (let i = 0; i < n; i++) stack.defer(asyncFns[i]);
    const start = now();
    await stack.disposeAsync();
    const ns = Number(now() - start);
    print({ n, ns, nsPerEntry: ns / n, ran: counter });
    break;
  }
  // Heap bytes per pending entry (needs --expose-gc).
  case "memory": {
    const n = Number(rest[0]);
    const { fns, objs } = entries(n);
    const lib = await loadAdapter(library, "memory", fns, objs);
    keepAlive.push(lib);
    lib.add(0); // first entry: one-time listeners and module state, not per-entry cost
    const before = await settledHeap();
    for (let i = 1; i < n; i++) lib.add(i);
    const after = await settledHeap();
    print({ n, bytes: after - before, bytesPerEntry: (after - before) / (n - 1) });
    process.exit(0);
    break;
  }
  // `rounds` rounds of n objects registered weakly and dropped; heap after each round.
  // With `with-pending`, one ordinary entry stays registered throughout, as in an
  // application that has other cleanups: the registry never becomes empty.
  case "weak": {
    const [n, rounds, mode] = [Number(rest[0]), Number(rest[1]), rest[2]];
    const { fns, objs } = entries(1);
    const lib = await loadAdapter(library, "register", fns, objs);
    if (mode === "with-pending") lib.add(0);
    const onDispose = (value) => value.close();
    lib.addWeak({ close() {} }, onDispose); // warm-up: one-time state
    const baseline = await settledHeap();
    const heapAfterRound = [];
    const start = now();
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < n; i++) lib.addWeak({ close() {} }, onDispose);
      heapAfterRound.push((await settledHeap()) - baseline);
    }
    print({ n, rounds, mode, baseline, heapAfterRound, left: lib.size?.(), seconds: Number(now() - start) / 1e9 });
    process.exit(0);
    break;
  }
  default:
    throw new Error(`Expected a task (register, unregister, exit, drain, dispose, memory, weak), got ${JSON.stringify(task)}`);
}
