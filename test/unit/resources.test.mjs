// use() reads a value's dispose method as the spec reads it (through a getter, a Proxy's get
// trap), and that method is the one that runs. Only the process registry and its scopes have a
// policy for Node's own servers and child processes (src/resources/); a plain ExitStack is
// AsyncDisposableStack. Whatever the policy attaches to a value comes off once its entry is gone.
// (Found by a review of 0.2.0 and by "A good neighbour": an application's own method was never
// called; a Proxy's own method was bypassed; a mock was driven as a server until the timeout; a
// plain stack left a `request` listener on a server; a server disposed before it finished
// listening started listening afterwards.)
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import atexit, { ExitStack } from "atexit";

/** Each case on a plain stack and on a scope of the process registry (which has the policy). */
const stacks = [
  ["a plain ExitStack", () => new ExitStack()],
  ["a scope of the process registry", () => atexit.scope()],
];
const listening = (server) => new Promise((resolve) => server.once("listening", resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

after(() => atexit.clear());

for (const [where, makeStack] of stacks) {
  describe(`on ${where}, a dispose method of the value's own wins`, () => {
    test("a log-destination-like class with its own [Symbol.asyncDispose]: that method is awaited", async () => {
      const calls = [];
      class AuditLog {
        write() {}
        flush(callback) {
          calls.push("flush");
          callback();
        }
        flushSync() {
          calls.push("flushSync");
        }
        async [Symbol.asyncDispose]() {
          calls.push("asyncDispose");
        }
      }
      const stack = makeStack();
      stack.use(new AuditLog());
      await stack.disposeAsync();
      assert.deepEqual(calls, ["asyncDispose"]);
    });

    test("an object with its own [Symbol.dispose] and a flush() that never calls back: dispose runs, disposeAsync settles", async () => {
      const calls = [];
      const stack = makeStack();
      stack.use({ write() {}, flush: () => calls.push("flush"), flushSync() {}, [Symbol.dispose]: () => calls.push("dispose") });
      const disposal = stack.disposeAsync();
      // The only entry is called as disposeAsync() starts: by then it is known which method ran.
      assert.deepEqual(calls, ["dispose"]);
      assert.equal(await disposal, undefined);
      assert.equal(stack.disposed, true);
    });

    test("an http.Server subclass with its own [Symbol.asyncDispose]: that method is called", async () => {
      const calls = [];
      class AppServer extends http.Server {
        async [Symbol.asyncDispose]() {
          calls.push("AppServer[Symbol.asyncDispose]");
          await new Promise((resolve) => this.close(resolve));
        }
      }
      const stack = makeStack();
      const server = stack.use(new AppServer().listen(0, "127.0.0.1"));
      await listening(server);
      await stack.disposeAsync();
      assert.deepEqual(calls, ["AppServer[Symbol.asyncDispose]"]);
      assert.equal(server.listening, false);
    });

    test("a Proxy around a real http.Server whose get trap gives its own [Symbol.asyncDispose]: that method runs", async () => {
      const calls = [];
      const server = http.createServer().listen(0, "127.0.0.1");
      await listening(server);
      const own = async function ownDispose() {
        calls.push("the proxy's own dispose");
        await new Promise((resolve) => server.close(resolve));
      };
      const proxy = new Proxy(server, { get: (target, key) => (key === Symbol.asyncDispose ? own : Reflect.get(target, key)) });
      const stack = makeStack();
      stack.use(proxy);
      assert.equal(server.listenerCount("request"), 0, "nothing is attached to a value whose own method runs");
      await stack.disposeAsync();
      assert.deepEqual(calls, ["the proxy's own dispose"]);
      assert.equal(server.listening, false);
    });

    test("a mock whose every property is a function, with its own async dispose: only that runs, and the disposal settles at once", async () => {
      const calls = [];
      const mock = new Proxy(function mock() {}, {
        get: (_target, key) =>
          key === Symbol.asyncDispose
            ? async () => calls.push("the mock's own dispose")
            : key === Symbol.dispose || key === "then"
              ? undefined
              : (...args) => calls.push(`mock.${String(key)}(${args.length} arguments)`),
      });
      const stack = makeStack();
      stack.use(mock);
      await stack.disposeAsync();
      assert.deepEqual(calls, ["the mock's own dispose"]);
    });

    test("an http.Server subclass without a dispose method of its own is still closed", async () => {
      class PlainServer extends http.Server {}
      const stack = makeStack();
      const server = stack.use(new PlainServer().listen(0, "127.0.0.1"));
      await listening(server);
      await stack.disposeAsync();
      assert.equal(server.listening, false);
    });
  });
}

describe("nothing stays attached to a value once its entry is gone", () => {
  test("a plain ExitStack attaches nothing to a server it uses", async () => {
    const server = http.createServer().listen(0, "127.0.0.1");
    await listening(server);
    const stack = new ExitStack();
    stack.use(server);
    assert.equal(server.listenerCount("request"), 0);
    await stack.disposeAsync();
    assert.equal(server.listening, false);
  });

  for (const [how, remove] of [
    ["unregister(server)", (stack, server) => stack.unregister(server)],
    ["clear()", (stack) => stack.clear()],
    ["its disposal", (stack) => stack.disposeAsync()],
  ]) {
    test(`the registry's drain of a server leaves no listener after ${how}`, async () => {
      const server = http.createServer().listen(0, "127.0.0.1");
      await listening(server);
      const stack = atexit.scope();
      stack.use(server);
      assert.equal(server.listenerCount("request"), 1, "the drain follows requests from use() on");
      await remove(stack, server);
      assert.equal(server.listenerCount("request"), 0);
      if (server.listening) await new Promise((resolve) => server.close(resolve));
      await stack.disposeAsync();
    });
  }
});

describe("the registry's policy knows Node's own servers by their dispose method", () => {
  for (const [kind, create, event] of [
    ["http.Server", () => http.createServer(), "request"],
    ["http2.Http2Server", () => http2.createServer(), "session"],
  ]) {
    test(`a ${kind} is drained (its ${event}s followed from use() on), and nothing is left on it after disposal`, async () => {
      const server = create().listen(0, "127.0.0.1");
      await listening(server);
      const before = server.listenerCount(event);
      const stack = atexit.scope();
      stack.use(server);
      assert.equal(server.listenerCount(event), before + 1);
      await stack.disposeAsync();
      assert.equal(server.listenerCount(event), before);
      assert.equal(server.listening, false);
    });
  }
});

describe("a server disposed before it finished listening", () => {
  test("by the registry's policy: it is closed as soon as it listens, and is not listening afterwards", async () => {
    const server = http.createServer().listen(0, "127.0.0.1"); // binds after an address lookup
    const stack = atexit.scope();
    stack.use(server);
    await stack.disposeAsync();
    await sleep(300);
    assert.equal(server.listening, false);
  });
});
