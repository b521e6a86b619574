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

/** The signals whose disposition was "ignore" when the process started: a Linux `SigIgn` mask, bit n - 1 for signal n. */
export type IgnoredSignals = bigint;

/**
 * The signals ignored at start (`nohup` ignores SIGHUP), from the text of Linux's
 * /proc/self/status, which `read` returns (it throws elsewhere: none then). Read before atexit adds
 * its first listener, which changes the disposition.
 */
export function ignoredAtStart(read: () => string): IgnoredSignals {
  try {
    const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(read())?.[1];
    return mask === undefined ? 0n : BigInt(`0x${mask}`);
  } catch {
    return 0n; // not Linux
  }
}

/**
 * The numbers of the default signals (and SIGQUIT) on every Linux architecture, so that deciding
 * on them loads no module: node:os costs 35 ms on Deno, whose first Node module it is.
 */
const LINUX_NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGTERM: 15 };

/** Whether `signal` was ignored at start. */
export function wasIgnored(ignored: IgnoredSignals, signal: string): boolean {
  if (ignored === 0n) return false;
  const number = LINUX_NUMBERS[signal] ?? platformSignals()[signal];
  return number !== undefined && number > 0 && ((ignored >> BigInt(number - 1)) & 1n) === 1n;
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
