// use() disposes a value it knows (an HTTP server, a child process, a log destination) its own
// way only while that value disposes as its library wrote it: a [Symbol.asyncDispose] or
// [Symbol.dispose] the application wrote (on a subclass, or on the object) is called as the spec
// says (found by a review of 0.2.0: such a method was never called, and a stream-like object
// whose flush() never called back held disposeAsync() forever).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { ExitStack } from "atexit";

describe("a dispose method of the application's own wins over what use() knows", () => {
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
    const stack = new ExitStack();
    stack.use(new AuditLog());
    await stack.disposeAsync();
    assert.deepEqual(calls, ["asyncDispose"]);
  });

  test("an object with its own [Symbol.dispose] and a flush() that never calls back: dispose runs, disposeAsync settles", async () => {
    const calls = [];
    const stack = new ExitStack();
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
    const stack = new ExitStack();
    const server = stack.use(new AppServer().listen(0, "127.0.0.1"));
    await new Promise((resolve) => server.once("listening", resolve));
    await stack.disposeAsync();
    assert.deepEqual(calls, ["AppServer[Symbol.asyncDispose]"]);
    assert.equal(server.listening, false);
  });

  test("an http.Server subclass without a dispose method of its own is still closed", async () => {
    class PlainServer extends http.Server {}
    const stack = new ExitStack();
    const server = stack.use(new PlainServer().listen(0, "127.0.0.1"));
    await new Promise((resolve) => server.once("listening", resolve));
    await stack.disposeAsync();
    assert.equal(server.listening, false);
  });
});
