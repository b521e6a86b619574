// Item 2 and 2b of issue 12: an HTTP server handed to plain use() drains on SIGTERM. Three
// requests are in flight on keep-alive sockets and three keep-alive sockets are idle: every
// request in flight is answered in full, with `Connection: close`, and with its per-request
// scope intact; the idle sockets are closed by the server; no new connection is accepted; the
// process dies by SIGTERM with nothing on stderr, although keepAliveTimeout (60 s, Fastify 72 s)
// is far beyond the timeout (8 s): a drain that waited for it would end in the timeout line.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { assertAtexitLines, describeEnd, runtimesFor, start } from "./harness.mjs";
import { connection, newConnection, session } from "./http-client.mjs";

const SLOW_MS = 1000;
const IN_FLIGHT = 3;
const IDLE = 3;

/** Which runtime serves which kind (docs/services.md): the others are documented there. */
const KINDS = {
  http: ["node20", "node24", "bun", "deno"],
  https: ["node20", "node24", "bun", "deno"],
  express: ["node20", "node24", "bun", "deno"],
  fastify: ["node20", "node24", "bun", "deno"],
  http2: ["node20", "node24", "bun", "deno"],
};

async function drainHttp1(runtime, kind) {
  const service = start(runtime, "http-server.mjs", { args: [kind] });
  const { port } = await service.json("port");
  const tls = kind === "https";
  const idle = Array.from({ length: IDLE }, () => connection(port, { tls }));
  for (const socket of idle) assert.equal((await socket.request("/fast")).body, "fast");
  const busy = Array.from({ length: IN_FLIGHT }, () => connection(port, { tls }));
  const answers = busy.map((socket, id) => socket.request(`/slow?ms=${SLOW_MS}&id=${id}`));
  const dirs = [];
  for (let id = 0; id < IN_FLIGHT; id++) dirs.push(JSON.parse(await service.waitFor(new RegExp(`"received":"${id}"`))).dir);

  service.child.kill("SIGTERM");
  // The drain has started once the server closes an idle socket; it stopped listening before that.
  await Promise.race(idle.map((socket) => socket.closed));
  const afterDrain = await newConnection(port, { tls });
  const responses = await Promise.all(answers);
  await Promise.all(busy.map((socket) => socket.closed));
  await Promise.all(idle.map((socket) => socket.closed));
  const result = await service.ended;
  const context = describeEnd(result);

  assert.equal(result.signal, "SIGTERM", `dies by SIGTERM${context}`);
  responses.forEach((response, id) => {
    assert.equal(response.status, 200, `request ${id} answered 200${context}`);
    assert.equal(response.body, `ok ${id}: state of ${id}`, `request ${id}: its scope's temp dir was intact${context}`);
    assert.equal(response.headers.connection, "close", `request ${id} carries Connection: close${context}`);
  });
  assert.ok(busy.every((socket) => socket.closedByServer), `the server closed each socket after its response${context}`);
  assert.ok(idle.every((socket) => socket.closedByServer), `the server closed every idle keep-alive socket${context}`);
  assert.ok(["refused", "closed", 503].includes(afterDrain), `no new connection served once the drain started: got ${afterDrain}${context}`);
  for (let id = 0; id < IN_FLIGHT; id++) {
    assert.equal(result.lines.filter((line) => line === `request ${id} scope disposed`).length, 1, `request ${id}'s scope disposed once${context}`);
    assert.ok(result.lines.indexOf(`request ${id} scope disposed`) < result.lines.indexOf(`request ${id} answered`), `by its own handler, before the answer${context}`);
  }
  for (const dir of dirs) assert.equal(existsSync(dir), false, `${dir} removed${context}`);
  if (kind === "fastify") assert.ok(result.lines.includes("fastify onClose hook ran"), `Fastify's onClose hook ran${context}`);
  assertAtexitLines(result.stderr, [], context);
}

async function drainHttp2(runtime) {
  const service = start(runtime, "http-server.mjs", { args: ["http2"] });
  const { port } = await service.json("port");
  const idle = session(port);
  assert.equal((await idle.request("/fast")).body, "fast");
  const busy = session(port);
  const answers = Array.from({ length: IN_FLIGHT }, (_, id) => busy.request(`/slow?ms=${SLOW_MS}&id=${id}`));
  for (let id = 0; id < IN_FLIGHT; id++) await service.waitFor(new RegExp(`"received":"${id}"`));

  service.child.kill("SIGTERM");
  await idle.closed;
  const afterDrain = await newConnection(port);
  const responses = await Promise.all(answers);
  await busy.closed;
  const result = await service.ended;
  const context = describeEnd(result);

  assert.equal(result.signal, "SIGTERM", `dies by SIGTERM${context}`);
  responses.forEach((response, id) => {
    assert.equal(response.status, 200, `stream ${id} answered 200${context}`);
    assert.equal(response.body, `ok ${id}: state of ${id}`, `stream ${id}: its scope's temp dir was intact${context}`);
  });
  assert.ok(idle.goaway && busy.goaway, `every session got a GOAWAY${context}`);
  assert.ok(["refused", "closed"].includes(afterDrain), `no new connection served once the drain started: got ${afterDrain}${context}`);
  assertAtexitLines(result.stderr, [], context);
}

describe("an HTTP server handed to use() drains on SIGTERM", { concurrency: true }, () => {
  for (const [kind, names] of Object.entries(KINDS)) {
    for (const runtime of runtimesFor(names)) {
      it(`${kind} on ${runtime.name}: requests in flight answered with Connection: close and their scopes intact, idle keep-alive sockets closed, no new connection, death by SIGTERM`, () =>
        kind === "http2" ? drainHttp2(runtime) : drainHttp1(runtime, kind));
    }
  }
});

describe("a request still running when the grace runs out", { concurrency: true }, () => {
  for (const runtime of runtimesFor(["node20", "node24", "bun", "deno"])) {
    it(`on ${runtime.name}: its socket is destroyed before the timeout, then termination disposes its scope; no timeout line`, async () => {
      const service = start(runtime, "http-server.mjs", { args: ["http", "1500"] });
      const { port } = await service.json("port");
      const socket = connection(port);
      const answer = socket.request("/slow?ms=20000&id=stuck").then(
        () => "answered",
        () => "cut",
      );
      const { dir } = await service.json("received");
      service.child.kill("SIGTERM");
      const result = await service.ended;
      const context = describeEnd(result);
      assert.equal(await answer, "cut", `the response was cut${context}`);
      assert.equal(result.signal, "SIGTERM", `dies by SIGTERM${context}`);
      assert.deepEqual(result.lines.filter((line) => line.startsWith("request stuck")), ["request stuck scope disposed"], `its scope disposed by termination, once${context}`);
      assert.equal(existsSync(dir), false, `${dir} removed${context}`);
      assertAtexitLines(result.stderr, [], context);
    });
  }
});

describe("servers that are not running count as closed", { concurrency: true }, () => {
  // Named by the last address it listened on, if it had one by the time use() or the trace saw it (Bun listens synchronously).
  const notListening = /^atexit: trace http\.Server (\(not listening\)|127\.0\.0\.1:\d+) \d+\.\d ms ok$/;
  const trace = (kind) => [new RegExp(`^atexit: trace cleanup started \\(${kind}\\), 4 entries pending$`), notListening, /^atexit: trace Fastify instance \(not listening\) \d+\.\d ms ok$/, /^atexit: trace cleanup finished in/];
  for (const runtime of runtimesFor(["node20", "node24", "bun", "deno"])) {
    for (const [mode, how] of [["drain", { code: 0 }], ["signal", { signal: "SIGTERM" }]]) {
      it(`on ${runtime.name}, ${mode === "drain" ? "when the loop drains" : "on SIGTERM"}: never listened, EADDRINUSE, closed by the application, Fastify never listened: no failure, ${mode === "drain" ? "exit code 0" : "death by SIGTERM"}`, async () => {
        const result = await start(runtime, "servers-not-running.mjs", { args: [mode], env: { ATEXIT_TRACE: "1" } }).ended;
        const context = describeEnd(result);
        assert.deepEqual({ code: result.code, signal: result.signal }, { code: null, signal: null, ...how }, `how it ended${context}`);
        assert.deepEqual(result.lines, ["listen failed: EADDRINUSE", "ready", "fastify onClose hook ran"], `stdout${context}`);
        assertAtexitLines(result.stderr, trace(mode === "drain" ? "drain" : "signal SIGTERM"), context);
        assert.equal(result.stderr.match(new RegExp(notListening.source, "gm")).length, 3, `three http.Server entries, each ok${context}`);
      });
    }
    it(`on ${runtime.name}: a Fastify instance stuck in its onClose hook is named for what it is in the timeout line`, async () => {
      const result = await start(runtime, "servers-not-running.mjs", { args: ["signal", "stuck"] }).ended;
      const context = describeEnd(result);
      assert.equal(result.signal, "SIGTERM", `dies by SIGTERM${context}`);
      assertAtexitLines(result.stderr, [/^atexit: cleanup timed out after 1000 ms while Fastify instance 127\.0\.0\.1:\d+ ran; 1 async cleanup entry could not finish$/], context);
    });
  }
});
