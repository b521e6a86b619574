/**
 * Worker threads on a signal (docs/services.md, "Worker threads"): signals reach the main
 * thread only, so when its sequence runs for one, it tells every worker
 * thread whose registry has entries, and waits for them before the process
 * dies (docs/services.md, "Worker threads"). One BroadcastChannel carries it:
 *
 * - a worker whose registry gets its first entry says `hello` (its threadId),
 *   and `bye` when its listeners go (its registry emptied, or its sequence
 *   for the signal ended);
 * - the main thread, once a worker exists, listens, and asks `who` is there
 *   (Deno emits the process `worker` event only once the worker runs, after
 *   an early hello): every worker with listeners says hello again;
 * - the threads that said hello and neither bye nor exited are the ones to
 *   wait for; at the signal the main thread posts `signal`, which each of
 *   them handles as the signal itself.
 *
 * Nothing here runs on the main thread until a worker is created (the
 * process `worker` event): a program that never starts one loads no module and
 * opens no channel. Both ends are unref'd: the channel keeps no thread alive.
 */
import type { BroadcastChannel as Channel, Worker } from "node:worker_threads";

const CHANNEL = "atexit: worker registries";

type Message = { readonly type: "hello" | "bye"; readonly thread: number } | { readonly type: "who" } | { readonly type: "signal"; readonly signal: string };

function workerThreads(): typeof import("node:worker_threads") {
  return process.getBuiltinModule("node:worker_threads") as typeof import("node:worker_threads");
}

function open(onMessage: (message: Message) => void): Channel {
  const channel = new (workerThreads().BroadcastChannel)(CHANNEL);
  channel.onmessage = (event) => onMessage((event as { data: Message }).data);
  channel.unref();
  return channel;
}

/** The main thread's side: which workers have a registry, told and awaited at a signal. */
export class WorkerRegistries {
  #channel: Channel | undefined = undefined;
  /** threadIds that said hello and neither bye nor exited. */
  readonly #pending = new Set<number>();
  #settled: (() => void) | undefined = undefined;

  /** A worker was created (the process `worker` event): listen from now on, and forget it when it exits. */
  watch(worker: Worker): void {
    if (this.#channel === undefined) {
      this.#channel = open((message) => {
        if (message.type === "hello") this.#pending.add(message.thread);
        else if (message.type === "bye") this.#done(message.thread);
      });
      this.#channel.postMessage({ type: "who" } satisfies Message);
    }
    const thread = worker.threadId;
    worker.once("exit", () => this.#done(thread));
  }

  /** Tells every worker registry that the process ends by `signal`; settles once each has finished. Undefined when there is none. */
  stop(signal: string): Promise<void> | undefined {
    if (this.#channel === undefined || this.#pending.size === 0) return undefined;
    const finished = new Promise<void>((resolve) => (this.#settled = resolve));
    this.#channel.postMessage({ type: "signal", signal } satisfies Message);
    return finished;
  }

  /** The workers still being waited for, as a diagnostic names them. */
  running(): string | undefined {
    if (this.#pending.size === 0) return undefined;
    return [...this.#pending].map((thread) => `worker thread ${thread}`).join(", ");
  }

  #done(thread: number): void {
    if (this.#pending.delete(thread) && this.#pending.size === 0) this.#settled?.();
  }
}

/** A worker thread's side: present while its registry has listeners; a `signal` from the main thread is its trigger. */
export class MainThreadLink {
  readonly #channel: Channel;
  readonly #thread: number;

  constructor(onSignal: (signal: string) => void) {
    this.#thread = workerThreads().threadId;
    this.#channel = open((message) => {
      if (message.type === "signal") onSignal(message.signal);
      else if (message.type === "who") this.#hello();
    });
    this.#hello();
  }

  #hello(): void {
    this.#channel.postMessage({ type: "hello", thread: this.#thread } satisfies Message);
  }

  close(): void {
    this.#channel.postMessage({ type: "bye", thread: this.#thread } satisfies Message);
    this.#channel.close();
  }
}
