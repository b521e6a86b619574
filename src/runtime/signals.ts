/**
 * Signals as data: the ones atexit listens for by default, and the ones
 * `configure({ signals })` refuses, each with its reason. atexit raises a
 * signal again once its sequence is done, so it can only take over a signal
 * whose default action ends the process.
 */

/** A signal whose default action ends the process: what `configure({ signals })` accepts. */
export type SignalName =
  | "SIGHUP"
  | "SIGINT"
  | "SIGQUIT"
  | "SIGTRAP"
  | "SIGABRT"
  | "SIGIOT"
  | "SIGUSR2"
  | "SIGALRM"
  | "SIGTERM"
  | "SIGSTKFLT"
  | "SIGXCPU"
  | "SIGXFSZ"
  | "SIGVTALRM"
  | "SIGPROF"
  | "SIGIO"
  | "SIGPOLL"
  | "SIGPWR"
  | "SIGSYS"
  | "SIGLOST"
  | "SIGBREAK";

/** The signals that ask a process to end: SIGINT (Ctrl-C), SIGTERM (kill, Kubernetes), SIGHUP (the terminal closed), and Ctrl-Break on Windows. */
export const DEFAULT_SIGNALS: readonly SignalName[] =
  process.platform === "win32" ? ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] : ["SIGINT", "SIGTERM", "SIGHUP"];

const UNCATCHABLE = "it cannot be caught";
const IGNORED = "its default action is to ignore it, so raising it again would not end the process";
const STOPS = "its default action stops the process instead of ending it";
const BROKEN = "it reports a broken process, where running JavaScript is unsafe";

const REFUSED: ReadonlyMap<string, string> = new Map([
  ["SIGKILL", UNCATCHABLE],
  ["SIGSTOP", UNCATCHABLE],
  ["SIGCHLD", IGNORED],
  ["SIGCLD", IGNORED],
  ["SIGCONT", IGNORED],
  ["SIGURG", IGNORED],
  ["SIGWINCH", IGNORED],
  ["SIGINFO", IGNORED],
  ["SIGTSTP", STOPS],
  ["SIGTTIN", STOPS],
  ["SIGTTOU", STOPS],
  ["SIGSEGV", BROKEN],
  ["SIGBUS", BROKEN],
  ["SIGFPE", BROKEN],
  ["SIGILL", BROKEN],
  ["SIGPIPE", "Node.js ignores it, so raising it again would not end the process"],
  ["SIGUSR1", "Node.js starts its inspector on it instead of ending the process"],
]);

/** What Bun and Deno cannot do with a signal Node takes (measured on Bun 1.4.5 and Deno 2.9.6; docs/runtimes.md, "Signals"). */
const REFUSED_BY_RUNTIME: Readonly<Record<"bun" | "deno", ReadonlyMap<string, string>>> = {
  bun: new Map([
    ["SIGSTKFLT", "Bun cannot raise it again (process.kill throws \"Unknown signal\")"],
    ["SIGPOLL", "Bun cannot raise it again (process.kill throws \"Unknown signal\")"],
    ["SIGPWR", "Bun cannot raise it again (process.kill throws \"Unknown signal\")"],
  ]),
  deno: new Map([
    ["SIGSTKFLT", "Deno panics when it is raised"],
    ["SIGPWR", "Deno panics when it is raised"],
    ["SIGIO", "Deno keeps ignoring it once its listener is gone, so raising it again would not end the process"],
    ["SIGPOLL", "Deno keeps ignoring it once its listener is gone, so raising it again would not end the process"],
  ]),
};

/** Why `name` cannot be in `signals` on Bun or Deno beyond Node's reasons, or undefined. */
export function runtimeSignalProblem(runtime: "bun" | "deno", name: string): string | undefined {
  return REFUSED_BY_RUNTIME[runtime].get(name);
}

/**
 * The signals whose disposition was "ignore" when this process started (`nohup` ignores SIGHUP),
 * from Linux's /proc/self/status (`SigIgn`, a hex mask, bit n - 1 for signal n); none elsewhere.
 * Read before atexit adds its first listener, which changes the disposition.
 */
export function ignoredAtStart(): ReadonlySet<string> {
  let mask: bigint;
  try {
    const fs = process.getBuiltinModule("node:fs") as typeof import("node:fs");
    const line = /^SigIgn:\s*([0-9a-f]+)$/m.exec(fs.readFileSync("/proc/self/status", "latin1"))?.[1];
    if (line === undefined) return new Set();
    mask = BigInt(`0x${line}`);
  } catch {
    return new Set(); // not Linux
  }
  const ignored = new Set<string>();
  for (const [name, number] of Object.entries(platformSignals())) if (number > 0 && (mask >> BigInt(number - 1)) & 1n) ignored.add(name);
  return ignored;
}

function platformSignals(): Readonly<Record<string, number>> {
  return (process.getBuiltinModule("node:os") as typeof import("node:os")).constants.signals;
}

/** Why `name` cannot be in `signals`, or undefined if it can. */
export function signalProblem(name: string): string | undefined {
  return REFUSED.get(name) ?? (Object.hasOwn(platformSignals(), name) ? undefined : "it is not a signal of this platform");
}

/** The signal's number, for the 128 + n exit code a container runtime reports for death by it. */
export function signalNumber(name: string): number {
  return platformSignals()[name] ?? 0;
}
