/**
 * The child of the signal-to-death measurement: `node bench/signal-child.mjs <library>`.
 * Registers one async cleanup that resolves at once, keeps the loop alive,
 * prints "ready" and waits for bench/run.mjs to send SIGTERM.
 */
const library = process.argv[2];
const cleanup = async () => {};

switch (library) {
  case "bare":
    break;
  case "atexit":
    (await import("atexit")).default.register(cleanup);
    break;
  case "signal-exit":
    // signal-exit handlers are synchronous: the closest it has to an async entry.
    (await import("signal-exit")).onExit(() => { void cleanup(); });
    break;
  case "exit-hook":
    (await import("exit-hook")).asyncExitHook(cleanup, { wait: 1000 });
    break;
  case "close-with-grace":
    (await import("close-with-grace")).default({ delay: 1000 }, cleanup);
    break;
  default:
    throw new Error(`Expected a library name, got ${JSON.stringify(library)}`);
}

setInterval(() => {}, 60_000);
process.stdout.write("ready\n");
