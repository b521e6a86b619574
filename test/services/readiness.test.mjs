// Item 3 of issue 12: examples/kubernetes.ts as Kubernetes drives it. On SIGTERM the readiness
// endpoint answers 503 at once, while traffic is still served (a new connection, a request in
// flight) for the drain delay; then the server drains and the process dies by SIGTERM.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { assertAtexitLines, repoRoot, runtimesFor } from "./harness.mjs";
import { connection } from "./http-client.mjs";

describe("readiness and the drain delay (examples/kubernetes.ts)", { concurrency: true }, () => {
  for (const runtime of runtimesFor(["node20", "node24"])) {
    it(`on ${runtime.name}: /ready answers 503 as soon as termination starts, requests are served through the delay, then the server drains`, async () => {
      const service = spawn(runtime.path, [join(repoRoot, "examples", "dist", "kubernetes.js")], { env: { ...process.env, PORT: "0", DRAIN_DELAY_MS: "800" }, stdio: ["ignore", "pipe", "pipe"] });
      const lines = [];
      let stderr = "";
      let buffer = "";
      service.stdout.setEncoding("utf8").on("data", (chunk) => {
        buffer += chunk;
        const parts = buffer.split("\n");
        buffer = parts.pop();
        lines.push(...parts);
      });
      service.stderr.on("data", (chunk) => (stderr += chunk));
      const ended = new Promise((resolve) => service.on("close", (code, signal) => resolve({ code, signal })));
      const waitFor = async (predicate) => {
        for (let tries = 0; tries < 500 && !lines.some(predicate); tries++) await new Promise((resolve) => setTimeout(resolve, 10));
        return lines.find(predicate);
      };
      const { port } = JSON.parse(await waitFor((line) => line.startsWith('{"port"')));
      const get = async (path) => {
        const socket = connection(port);
        try {
          return await socket.request(path);
        } finally {
          socket.socket.destroy();
        }
      };
      assert.equal((await get("/ready")).status, 200, "ready before");
      const inFlight = get("/work?ms=400");
      service.kill("SIGTERM");
      await waitFor((line) => line.startsWith("drain delay: serving"));
      const readyDuringDelay = await get("/ready");
      const workDuringDelay = await get("/work");
      const answered = await inFlight;
      const end = await ended;
      const context = `\n--- ended: ${JSON.stringify(end)}\n--- stdout ---\n${lines.join("\n")}\n--- stderr ---\n${stderr}`;
      assert.equal(readyDuringDelay.status, 503, `readiness fails once termination has started${context}`);
      assert.equal(workDuringDelay.status, 200, `a new connection is still served during the delay${context}`);
      assert.equal(answered.status, 200, `the request in flight is answered${context}`);
      assert.equal(end.signal, "SIGTERM", `dies by SIGTERM${context}`);
      const order = ["termination started (SIGTERM): /ready answers 503", "drain delay: serving for 800 ms more", "drain delay over: closing the server"];
      assert.deepEqual(lines.filter((line) => order.includes(line)), order, `the delay runs before the server closes${context}`);
      assertAtexitLines(stderr, [], context);
    });
  }
});
