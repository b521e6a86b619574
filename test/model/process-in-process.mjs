// A process-model program (test/model/process-model.mjs) run in this process, on a fresh
// ProcessRegistry over a FakeRuntime (test/model/fake-runtime.mjs): the termination sequence's
// table and shell as they are, the runtime virtual. It runs what test/model/process-program.mjs
// gives a child process: the same helpers (HELPERS) and the same main module (renderMain), as
// source evaluated here over the virtual timers, with the trace through ATEXIT_TRACE=1, each
// signal sent when its line appears and its ack right after; only the trigger is written here
// (`Promise.reject()` would be a real unhandled rejection of this process). The outcome has the
// shape `sideBySide` compares with the model's prediction.
import { isDeepStrictEqual } from "node:util";

import { ProcessRegistry } from "../../.build/process/registry.js";
import { FakeRuntime } from "./fake-runtime.mjs";
import { predict, SECOND_SIGNAL_GAP_MS } from "./process-model.mjs";
import { HELPERS, renderMain, sideBySide } from "./process-program.mjs";

/** The program's globals: the registry, the prelude's journal and helpers, the process's timers and exit. */
const GLOBALS = ["atexit", "journal", "hold", "later", "released", "kept", "process", "setTimeout", "setInterval", "clearInterval"];
const TIMERS = ["setTimeout", "setInterval", "clearInterval"];

/**
 * Runs `program` in process; resolves with { outcome: { code, signal, journal, stderr, timedOut },
 * runtime }. Its main module runs as the child's would, but for the trigger (see `trigger`).
 */
export async function runInProcess(program) {
  const runtime = new FakeRuntime({ env: program.trace ? { ATEXIT_TRACE: "1" } : {}, deadlineMs: program.timeout + 5000 });
  const atexit = new ProcessRegistry(runtime);
  const timers = runtime.timers;
  const process = {
    exit: (code) => runtime.processExit(code),
    get exitCode() {
      return runtime.programExitCode;
    },
    set exitCode(code) {
      runtime.programExitCode = code;
    },
  };

  // The signals, as test/exit/child.mjs sends them: in order, each once its line has appeared.
  const pending = [
    ...(program.trigger.kind === "signal" ? [{ after: "ready", signal: program.trigger.signal }] : []),
    ...(program.signals ?? []).map(({ signal, at }) => ({ after: `start ${at}`, signal, release: at })),
  ];
  const journalled = [];
  const seen = new Set();
  const acks = new Set();
  const journal = (line) => {
    if (runtime.ended !== undefined) return;
    journalled.push(line);
    seen.add(line);
    sendDue();
  };
  // A signal that follows another is sent SECOND_SIGNAL_GAP_MS after it at the soonest, past the
  // echo window, as test/exit/child.mjs sends it.
  let lastSentAt;
  let waiting = false;
  const sendDue = () => {
    while (!waiting && pending.length > 0 && seen.has(pending[0].after)) {
      const wait = lastSentAt === undefined ? 0 : lastSentAt + SECOND_SIGNAL_GAP_MS - runtime.now();
      if (wait > 0) {
        waiting = true;
        runtime.schedule(wait, () => {
          waiting = false;
          sendDue();
        });
        return;
      }
      const { signal, release } = pending.shift();
      lastSentAt = runtime.now();
      runtime.kill(signal);
      if (release !== undefined) acks.add(release); // the file a child's `acked` looks for
    }
  };

  const helpers = new Function(...TIMERS, "acked", `${HELPERS}\nreturn { hold, later, released, kept };`);
  const { hold, later, released, kept } = helpers(...TIMERS.map((name) => timers[name]), (id) => acks.has(id));
  const main = new Function(...GLOBALS, renderMain({ ...program, trigger: { kind: "drain" } })); // T1 adds nothing to the module
  runtime.call(() => {
    main(atexit, journal, hold, later, released, kept, process, ...TIMERS.map((name) => timers[name]));
    trigger(program.trigger, { atexit, runtime, process, journal, hold, setTimeout: timers.setTimeout });
  });
  await runtime.run();
  const end = runtime.ended ?? {};
  return { outcome: { code: end.code ?? null, signal: end.signal ?? null, journal: journalled, stderr: runtime.stderr, timedOut: runtime.timedOut }, runtime };
}

/** The main module's last statements (process-program.mjs's renderTrigger). */
function trigger({ kind, code, how }, { atexit, runtime, process, journal, hold, setTimeout }) {
  switch (kind) {
    case "drain":
      return; // T1: nothing keeps the loop alive
    case "explicit":
      return void setTimeout(() => atexit.exit(code)); // T2
    case "exit":
      return process.exit(code); // T3
    case "signal":
      hold();
      return journal("ready"); // T4: the signal is sent on this line
    case "error":
      if (how === "throw") {
        return void setTimeout(() => {
          throw new Error("uncaught-main"); // T6
        });
      }
      return runtime.rejectUnhandled(new Error("rejected-main")); // T6: Promise.reject() nobody handles
    default:
      throw new Error(`unknown trigger ${kind}`);
  }
}

/** Runs `program` in process and compares it with the model: { prediction, outcome, actual, expected, agrees }. */
export async function checkInProcess(program) {
  const prediction = predict(program);
  if (prediction.invalid !== undefined) throw new Error(`not a program with an exact outcome: ${prediction.invalid}`);
  const { outcome } = await runInProcess(program);
  const { actual, expected } = sideBySide(prediction, outcome);
  return { prediction, outcome, actual, expected, agrees: isDeepStrictEqual(actual, expected) };
}
