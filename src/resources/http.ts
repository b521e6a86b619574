/**
 * HTTP servers handed to `use()`, drained the way a service behind a load
 * balancer must be (README, "Services"): `server.close()` alone stops
 * accepting and closes the idle keep-alive sockets, but a socket whose request
 * is in flight goes back to keep-alive once answered and holds the close until
 * `keepAliveTimeout` (5 s for Node, 72 s for Fastify). Here:
 *
 * - no new connection is accepted (the server is closed);
 * - idle keep-alive sockets are closed at once, and each socket as soon as its
 *   response is done: in-flight responses, and any request that arrives on an
 *   open socket meanwhile, carry `Connection: close` (HTTP/2: every session
 *   gets a GOAWAY, so its open streams finish and no new one starts);
 * - whatever is still open when the grace runs out (grace.ts) is destroyed, so
 *   the sequence's timeout never fires because of a socket;
 * - a server that is not running (never listened, EADDRINUSE, closed by the
 *   application) counts as closed: only its remaining responses are awaited.
 *
 * Recognised by what they can do, with types only from node:http, so nothing
 * is loaded: `http.Server`, `https.Server` (Express's `app.listen()` returns
 * one), the `http2` servers, and a Fastify instance, which is closed with its
 * own `close()` (so its hooks run) while its server is drained here.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Http2Server, Http2Session } from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import type { Resource } from "../stack/entry.js";
import { forceAfter, graceMs } from "./grace.js";
import { disposesAsItsLibrary } from "./library-dispose.js";

type AnyServer = Server | Http2Server;

/** Duck-typed members, read from values that may be anything (a throw is caught by resources/index.ts). */
type Probe = Record<string, unknown>;

function isServer(value: Probe): boolean {
  return typeof value.listen === "function" && typeof value.close === "function" && typeof value.address === "function" && typeof value.prependListener === "function";
}

/** Node's HTTP/1 server API: http.Server, https.Server (closeIdleConnections since Node 18.2). */
function isHttp1Server(value: Probe): value is Probe & Server {
  return typeof value.closeIdleConnections === "function" && typeof value.closeAllConnections === "function" && isServer(value);
}

/** Http2Server, Http2SecureServer: `updateSettings` is theirs alone. */
function isHttp2Server(value: Probe): value is Probe & Http2Server {
  return typeof value.updateSettings === "function" && isServer(value);
}

/** A Fastify instance: a `server`, a `close()` that runs its onClose hooks, and its own hook API. */
function isFastify(value: Probe): boolean {
  return typeof value.addHook === "function" && typeof value.inject === "function" && typeof value.close === "function" && typeof value.server === "object" && value.server !== null;
}

/** The adapter for an HTTP server or a Fastify instance, or undefined. */
export function httpResource(value: object): Resource | undefined {
  const probe = value as Probe;
  if (isHttp1Server(probe)) return disposesAsItsLibrary(value) ? serverResource(value, new Http1Drain(probe)) : undefined;
  if (isHttp2Server(probe)) return disposesAsItsLibrary(value) ? serverResource(value, new Http2Drain(probe)) : undefined;
  // Fastify's [Symbol.asyncDispose] is its own property, Fastify's close(), which the adapter calls.
  if (isFastify(probe)) {
    const server = probe.server as Probe;
    const drain = isHttp1Server(server) ? new Http1Drain(server) : isHttp2Server(server) ? new Http2Drain(server) : undefined;
    if (drain === undefined) return undefined;
    // Closed whether it listened or not, with its own close(): its onClose hooks must run.
    return serverResource(value, drain, { kind: "Fastify instance", close: () => (probe.close as () => Promise<unknown>).call(value) });
  }
  return undefined;
}

/** How the socket side of a drain is done, for one kind of server. */
interface Drain {
  readonly server: AnyServer;
  readonly kind: string;
  /** Starts draining every connection; resolves when the last one tracked has ended. */
  drain(): Promise<void>;
  /** Destroys every connection still open. Returns whether any response was cut. */
  force(): boolean;
}

/** A framework around the server, closed its own way (Fastify). */
interface Owner {
  readonly kind: string;
  close(): Promise<unknown>;
}

function serverResource(target: object, drain: Drain, owner?: Owner): Resource {
  const { server } = drain;
  const kind = owner?.kind ?? drain.kind;
  // A server that is not running counts as closed: closing it would fail with ERR_SERVER_NOT_RUNNING.
  const close = (): Promise<unknown> | undefined => (owner !== undefined ? owner.close() : server.listening ? closeServer(server) : undefined);
  // The last address seen: a stuck server is named by where it listened, closed as it is by then.
  let address = addressOf(server);
  return {
    target,
    name: () => {
      address = addressOf(server) ?? address;
      return address === undefined ? `${kind} (not listening)` : `${kind} ${address}`;
    },
    async dispose(deadline) {
      address = addressOf(server) ?? address;
      const cancel = forceAfter(graceMs(deadline, Infinity), () => drain.force());
      try {
        await Promise.all([close(), drain.drain()]);
      } finally {
        cancel();
      }
    },
    disposeNow() {
      close()?.then(undefined, () => {});
      // Responses in flight are cut; a framework's close hooks cannot run now.
      return drain.force() || owner !== undefined;
    },
  };
}

/** `server.close()` as a promise; a server that stopped meanwhile counts as closed. */
function closeServer(server: AnyServer): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error?: Error) => {
      if (error === undefined || (error as NodeJS.ErrnoException).code === "ERR_SERVER_NOT_RUNNING") resolve();
      else reject(error);
    });
  });
}

/** Where the server listens now (Bun still reports the address of a closed server: not used). */
function addressOf(server: AnyServer): string | undefined {
  if (!server.listening) return undefined;
  const address = server.address() as AddressInfo | string | null;
  if (address === null || address === undefined) return undefined;
  if (typeof address === "string") return address;
  return address.address.includes(":") ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}

/** A set that resolves `whenEmpty()` once nothing is left in it. */
class Pending<T> {
  readonly #items = new Set<T>();
  #emptied: (() => void) | undefined = undefined;
  #empty: Promise<void> | undefined = undefined;

  get items(): ReadonlySet<T> {
    return this.#items;
  }

  add(item: T): void {
    this.#items.add(item);
  }

  delete(item: T): void {
    if (this.#items.delete(item) && this.#items.size === 0) {
      this.#emptied?.();
      this.#emptied = this.#empty = undefined;
    }
  }

  whenEmpty(): Promise<void> {
    if (this.#items.size === 0) return Promise.resolve();
    return (this.#empty ??= new Promise((resolve) => (this.#emptied = resolve)));
  }
}

/**
 * HTTP/1: each open socket's latest response is noted from `use()` on (one Map
 * entry per connection, no listener per request: the drain costs nothing per
 * request until it starts), by a listener put before the application's, so that
 * a request arriving while draining is marked before the application writes its
 * headers. Idle sockets are Node's to find (`closeIdleConnections`).
 */
class Http1Drain implements Drain {
  readonly server: Server;
  readonly kind: string;
  /** Each open socket's latest response: HTTP/1 answers a socket's requests one at a time. */
  readonly #latest = new Map<Socket, ServerResponse>();
  /** The responses the drain waits for. */
  readonly #inFlight = new Pending<ServerResponse>();
  #draining = false;

  constructor(server: Server) {
    this.server = server;
    this.kind = typeof (server as unknown as Probe).addContext === "function" ? "https.Server" : "http.Server";
    server.prependListener("request", (request: IncomingMessage, response: ServerResponse) => {
      if (this.#draining) return this.#follow(response);
      const { socket } = request;
      if (!this.#latest.has(socket)) socket.once("close", () => this.#latest.delete(socket));
      this.#latest.set(socket, response);
    });
  }

  drain(): Promise<void> {
    this.#draining = true;
    for (const response of this.#latest.values()) if (!response.writableFinished) this.#follow(response);
    this.#latest.clear();
    this.server.closeIdleConnections();
    return this.#inFlight.whenEmpty();
  }

  /**
   * A response in flight: its socket closes once it is done (Node honours the header); if its
   * headers went out already, its socket is back to keep-alive then, and closed as idle.
   */
  #follow(response: ServerResponse): void {
    if (!response.headersSent) response.setHeader("connection", "close");
    this.#inFlight.add(response);
    response.once("close", () => {
      this.#inFlight.delete(response);
      setImmediate(() => this.server.closeIdleConnections());
    });
  }

  force(): boolean {
    const cut = this.#inFlight.items.size > 0;
    this.server.closeAllConnections();
    for (const response of this.#inFlight.items) response.socket?.destroy();
    return cut;
  }
}

/** HTTP/2: sessions are tracked from `use()` on; draining sends each a GOAWAY (`session.close()`). */
class Http2Drain implements Drain {
  readonly server: Http2Server;
  readonly kind: string;
  readonly #sessions = new Pending<Http2Session>();
  #draining = false;

  constructor(server: Http2Server) {
    this.server = server;
    this.kind = typeof (server as unknown as Probe).addContext === "function" ? "http2.Http2SecureServer" : "http2.Http2Server";
    server.prependListener("session", (session: Http2Session) => {
      this.#sessions.add(session);
      session.once("close", () => this.#sessions.delete(session));
      if (this.#draining) session.close();
    });
  }

  drain(): Promise<void> {
    this.#draining = true;
    for (const session of this.#sessions.items) session.close();
    return this.#sessions.whenEmpty();
  }

  force(): boolean {
    const cut = this.#sessions.items.size > 0;
    for (const session of this.#sessions.items) session.destroy();
    return cut;
  }
}
