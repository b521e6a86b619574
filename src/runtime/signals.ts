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

/** The signals a `SigIgn` mask (hexadecimal; bit n − 1 is signal n) marks ignored. */
export function ignoredSignals(mask: string): ReadonlySet<string> {
  const bits = BigInt(`0x${mask}`);
  const ignored = new Set<string>();
  for (const [name, number] of Object.entries(platformSignals())) {
    if (number > 0 && (bits >> BigInt(number - 1)) & 1n) ignored.add(name);
  }
  return ignored;
}
