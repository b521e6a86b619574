// SPEC §1: "The main entry must not add or replace globals". This file imports atexit only
// dynamically, after taking a snapshot, so the snapshot is of the runtime alone.
import { test } from "node:test";
import assert from "node:assert/strict";

/** Own keys of `target` mapped to the identity of their value (data) or getter (accessor). */
function snapshot(target) {
  const entries = new Map();
  for (const key of Reflect.ownKeys(target)) {
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    entries.set(key, "value" in descriptor ? descriptor.value : descriptor.get);
  }
  return entries;
}

// SPEC §6 requires this one global: the versioned slot every copy of atexit shares.
const REGISTRY_SLOT = Symbol.for("atexit.registry");

function differences(before, after) {
  const changed = [];
  for (const [key, value] of after) {
    if (key === REGISTRY_SLOT) continue;
    if (!before.has(key)) changed.push(`added ${String(key)}`);
    else if (!Object.is(before.get(key), value)) changed.push(`replaced ${String(key)}`);
  }
  for (const key of before.keys()) if (!after.has(key)) changed.push(`removed ${String(key)}`);
  return changed;
}

const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
const AsyncIteratorPrototype = Object.getPrototypeOf(
  Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})())),
);

test("importing atexit adds and replaces no globals other than its registry slot, no Symbol statics and no iterator prototype methods", async () => {
  const targets = {
    globalThis,
    Symbol,
    "Error.prototype": Error.prototype,
    "Promise": Promise,
    "%IteratorPrototype%": IteratorPrototype,
    "%AsyncIteratorPrototype%": AsyncIteratorPrototype,
  };
  // A first pass materialises the runtime's own lazy globals (on Node 24, reading the
  // descriptors of globalThis adds undici's dispatcher symbols), so that `before` is stable.
  for (const target of Object.values(targets)) snapshot(target);
  const before = Object.fromEntries(Object.entries(targets).map(([name, target]) => [name, snapshot(target)]));
  const atexit = await import("atexit");
  assert.equal(typeof atexit.ExitStack, "function");
  // Use it once, including a chained failure, in case something is installed lazily.
  const stack = new atexit.ExitStack();
  stack.defer(() => {
    throw new Error("E1");
  });
  stack.defer(() => {
    throw new Error("E2");
  });
  await stack.disposeAsync().catch(() => {});
  for (const [name, target] of Object.entries(targets)) {
    assert.deepEqual(differences(before[name], snapshot(target)), [], `${name} unchanged`);
  }
});
