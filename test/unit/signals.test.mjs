// Signals ignored at start (`nohup`): the SigIgn mask read from /proc/self/status, and which
// signals it names. The default signals are decided without node:os (its load costs Deno 35 ms),
// so their fixed numbers are checked here against the platform's own, on every runtime.
import { test } from "node:test";
import assert from "node:assert/strict";
import os from "node:os";
import { ignoredAtStart, wasIgnored } from "../../.build/runtime/signals.js";

const platform = Object.entries(os.constants.signals).filter(([, number]) => number > 0 && number <= 64);

test("every signal of the platform is found in a SigIgn mask by its own number, and only by it", () => {
  for (const [name, number] of platform) {
    const mask = 1n << BigInt(number - 1);
    assert.equal(wasIgnored(mask, name), true, `${name} (${number}) in a mask of bit ${number - 1}`);
    for (const [other, otherNumber] of platform) {
      if (otherNumber !== number) assert.equal(wasIgnored(mask, other), false, `${other} (${otherNumber}) not in a mask of ${name} (${number}) alone`);
    }
  }
});

test("the status text's SigIgn line is the mask; without one, or where the read throws (not Linux), nothing was ignored", () => {
  const status = "Name:\tnode\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000001001\nSigCgt:\t0000000000000000\n";
  const mask = ignoredAtStart(() => status);
  assert.equal(mask, 0x1001n);
  assert.equal(wasIgnored(mask, "SIGHUP"), true);
  assert.equal(wasIgnored(mask, "SIGPIPE"), process.platform === "linux", "SIGPIPE is 13 on Linux");
  assert.equal(wasIgnored(mask, "SIGTERM"), false);
  assert.equal(ignoredAtStart(() => "Name:\tnode\n"), 0n);
  assert.equal(
    ignoredAtStart(() => {
      throw new Error("ENOENT: /proc/self/status");
    }),
    0n,
  );
  assert.equal(wasIgnored(0n, "SIGHUP"), false);
});
