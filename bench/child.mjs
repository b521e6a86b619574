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
  // Heap bytes per pending entry (needs --expose-gc); `op` use: n objects with [Symbol.asyncDispose].
  case "memory": {
    const [n, op] = [Number(rest[0]), rest[1] ?? "memory"];
    const { fns, objs } = entries(n);
    const lib = await loadAdapter(library, op, fns, objs);
    keepAlive.push(lib);
    lib.add(0); // first entry: one-time listeners and module state, not per-entry cost
    const before = await settledHeap();
    for (let i = 1; i < n; i++) lib.add(i);
    const after = await settledHeap();
    print({ n, op, bytes: after - before, bytesPerEntry: (after - before) / (n - 1) });
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
  // The per-request scope: open a scope (a stack of one's own, for a peer), defer one
  // function, dispose it, n times after n/10 untimed. `pacing` tight: one after another in
  // one turn of the event loop; turns: each in a turn of its own, as requests come.
  // `registry` busy: 100 other entries stay pending on the process registry (atexit only).
  case "scope": {
    const [pacing, registry, n] = [rest[0], rest[1], Number(rest[2])];
    const { fns, objs } = entries(100);
    const lib = await loadAdapter(library, "defer", fns, objs);
    if (registry === "busy") for (let i = 0; i < 100; i++) lib.add(i);
    const cleanup = () => {};
    const once = async () => {
      const scope = lib.scope();
      scope.defer(cleanup);
      await scope.disposeAsync();
    };
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    const rounds = async (count) => {
      if (pacing === "turns") for (let i = 0; i < count; i++) await once().then(nextTurn);
      else for (let i = 0; i < count; i++) await once();
    };
    await rounds(Math.ceil(n / 10));
    const start = now();
    await rounds(n);
    const ns = Number(now() - start);
    print({ pacing, registry, n, ns, nsPerEntry: ns / n });
    process.exit(0);
    break;
  }
  // A real http.Server on 127.0.0.1 answering n requests (after n/10 untimed), `concurrency`
  // keep-alive connections from a raw TCP client in the same process, each sending its next
  // request when its response is complete. `handler` plain: res.end("ok"); scope: the same
  // inside a per-request scope with one deferred function, disposed after res.end().
  case "requests": {
    const [handler, n, concurrency] = [rest[0], Number(rest[1]), Number(rest[2])];
    const { fns, objs } = entries(1);
    const lib = handler === "scope" ? await loadAdapter(library, "defer", fns, objs) : undefined;
    const http = await import("node:http");
    const net = await import("node:net");
    const cleanup = () => {};
    const server = http.createServer(
      handler === "scope"
        ? async (req, res) => {
            const scope = lib.scope();
            scope.defer(cleanup);
            res.end("ok");
            await scope.disposeAsync();
          }
        : (req, res) => res.end("ok"),
    );
    server.keepAliveTimeout = 60_000;
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address();
    const guard = setTimeout(() => {
      process.stderr.write("requests: not done within 60 s\n");
      process.exit(1);
    }, 60_000);
    const request = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
    // A response is complete when its body "ok" follows the blank line that ends its headers.
    const END = "\r\n\r\nok";
    const run = (count) =>
      new Promise((resolve, reject) => {
        let sent = 0;
        let answered = 0;
        const sockets = [];
        for (let c = 0; c < Math.min(concurrency, count); c++) {
          const socket = net.connect(port, "127.0.0.1");
          socket.setEncoding("latin1");
          let tail = "";
          socket.on("data", (chunk) => {
            const text = tail + chunk;
            for (let at = text.indexOf(END); at !== -1; at = text.indexOf(END, at + END.length)) {
              if (++answered === count) {
                for (const s of sockets) s.destroy();
                return resolve();
              }
              if (sent < count) {
                sent++;
                socket.write(request);
              }
            }
            tail = text.slice(-END.length);
          });
          socket.on("error", reject);
          sockets.push(socket);
          sent++;
          socket.write(request);
        }
      });
    await run(Math.ceil(n / 10));
    const start = now();
    await run(n);
    const ns = Number(now() - start);
    clearTimeout(guard);
    server.close();
    print({ handler, n, concurrency, ns, nsPerEntry: ns / n, perSecond: n / (ns / 1e9) });
    process.exit(0);
    break;
  }
  default:
    throw new Error(`Expected a task (register, unregister, exit, drain, dispose, memory, weak, scope, requests), got ${JSON.stringify(task)}`);
}
