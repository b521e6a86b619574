/**
 * HTTP servers handed to `use()`, drained the way a service behind a load
 * balancer must be (docs/services.md): `server.close()` alone stops
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
 * - a server that is not listening yet (`listen()` binds a moment later) is
 *   closed as soon as it listens; one that never will (never listened,
 *   EADDRINUSE, closed by the application) counts as closed.
 *
 * Node's own servers only (node-own.ts): `http.Server`, `https.Server`
 * (Express's `app.listen()` returns one), the `http2` servers. A value whose own
 * dispose method runs (a Fastify instance: its `close()`, so its hooks run)
 * gets the Node server it holds in `server` drained alongside. What the drain
 * attaches to the server comes off when the entry is disposed or removed.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Http2Server, Http2Session } from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { resourceName } from "../stack/describe.js";
import type { Resource } from "../stack/entry.js";
import { forceAfter, graceMs } from "./grace.js";
import { isNodesOwn, looksLikeServer, type Probe } from "./node-own.js";

type AnyServer = Server | Http2Server;

/** Node's HTTP/1 server API: http.Server, https.Server (closeIdleConnections since Node 18.2). */
function isHttp1Server(value: Probe): value is Probe & Server {
  return typeof value.closeIdleConnections === "function" && typeof value.closeAllConnections === "function" && looksLikeServer(value);
}

/** Http2Server, Http2SecureServer: `updateSettings` is theirs alone. */
function isHttp2Server(value: Probe): value is Probe & Http2Server {
  return typeof value.updateSettings === "function" && looksLikeServer(value);
}

/** The drain for one of Node's own HTTP servers (`method`: its dispose method, as read), or undefined. */
function drainOf(value: Probe, method: unknown): Drain | undefined {
  if (!looksLikeServer(value) || !isNodesOwn("server", method)) return undefined;
  if (isHttp1Server(value)) return new Http1Drain(value);
  if (isHttp2Server(value)) return new Http2Drain(value);
  return undefined;
}

/** A Fastify instance, for its name: a `server`, a `close()` that runs its onClose hooks, and its own hook API. */
function isFastify(value: Probe): boolean {
  return typeof value.addHook === "function" && typeof value.inject === "function";
}

/**
 * The adapter for `value` with its dispose method `method`: one of Node's own HTTP servers, or a
 * value whose own method runs while the Node server in its `server` is drained; else undefined.
 */
export function httpResource(value: object, method: unknown): Resource | undefined {
  const probe = value as Probe;
  const own = drainOf(probe, method);
  if (own !== undefined) return serverResource(value, own);
  const server = typeof method === "function" ? probe.server : undefined;
  if (typeof server !== "object" || server === null) return undefined;
  const drain = drainOf(server as Probe, (server as Probe)[Symbol.asyncDispose as never]);
  if (drain === undefined) return undefined;
  const kind = isFastify(probe) ? "Fastify instance" : resourceName(value);
  // Closed with the method the application (or its framework) wrote, whether it listened or not: its hooks must run.
  return serverResource(value, drain, { kind, close: () => (method as () => unknown).call(value) });
}

/** How the socket side of a drain is done, for one kind of server. */
interface Drain {
  readonly server: AnyServer;
  readonly kind: string;
  /** Starts draining every connection; resolves when the last one tracked has ended. */
  drain(): Promise<void>;
  /** Destroys every connection still open. Returns whether any response was cut. */
  force(): boolean;
  /** Takes off the listener it put on the server. */
  release(): void;
}

/** A framework around the server, closed its own way (Fastify). */
interface Owner {
  readonly kind: string;
  close(): unknown;
}

/** How long a server that is not listening yet is given to finish binding (its address lookup: a turn for an IP, the resolver's time for a name). */
const BIND_WAIT_MS = 100;

function serverResource(target: object, drain: Drain, owner?: Owner): Resource {
  const { server } = drain;
  const kind = owner?.kind ?? drain.kind;
  const close = (): Promise<unknown> | undefined => (owner !== undefined ? Promise.resolve(owner.close()) : closeServer(server));
  // The last address seen: a stuck server is named by where it listened, closed as it is by then.
  let address = addressOf(server);
  return {
    target,
    name: () => {
      address = addressOf(server) ?? address;
      return address === undefined ? `${kind} (not listening)` : `${kind} ${address}`;
    },
    async dispose({ timeLeft }) {
      address = addressOf(server) ?? address;
      const cancel = forceAfter(graceMs(timeLeft, Infinity), () => drain.force());
      try {
        await Promise.all([close(), drain.drain()]);
      } finally {
        cancel();
        drain.release();
      }
    },
    disposeNow() {
      close()?.then(undefined, () => {});
      // Responses in flight are cut; a framework's close hooks cannot run now.
      const cut = drain.force() || owner !== undefined;
      drain.release();
      return cut;
    },
    release: () => drain.release(),
  };
}

/**
 * `server.close()` as a promise. A server that is not listening may be about to (`listen()` binds
 * a moment later): it is closed as soon as it listens, waited for a little, and otherwise counts
 * as closed, as one that stopped meanwhile does.
 */
function closeServer(server: AnyServer): Promise<void> {
  if (!server.listening) return closeWhenListening(server);
  return new Promise((resolve, reject) => {
    server.close((error?: Error) => {
      if (error === undefined || (error as NodeJS.ErrnoException).code === "ERR_SERVER_NOT_RUNNING") resolve();
      else reject(error);
    });
  });
}

/**
 * A server disposed before it listens is never left to start afterwards: whenever it does listen,
 * it is closed at once (that listener stays: it is what keeps the server closed). The dispose
 * waits for that for BIND_WAIT_MS, so that a `listen()` just called is closed before it ends.
 */
function closeWhenListening(server: AnyServer): Promise<void> {
  return new Promise((resolve) => {
    const waited = setTimeout(resolve, BIND_WAIT_MS);
    waited.unref?.();
    server.once("listening", () => {
      clearTimeout(waited);
      server.close(() => resolve());
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
  readonly #onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    if (this.#draining) return this.#follow(response);
    const { socket } = request;
    if (!this.#latest.has(socket)) socket.once("close", () => this.#latest.delete(socket));
    this.#latest.set(socket, response);
  };

  constructor(server: Server) {
    this.server = server;
    this.kind = typeof (server as unknown as Probe).addContext === "function" ? "https.Server" : "http.Server";
    server.prependListener("request", this.#onRequest);
  }

  release(): void {
    this.server.removeListener("request", this.#onRequest);
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
  readonly #onSession = (session: Http2Session): void => {
    this.#sessions.add(session);
    session.once("close", () => this.#sessions.delete(session));
    if (this.#draining) session.close();
  };

  constructor(server: Http2Server) {
    this.server = server;
    this.kind = typeof (server as unknown as Probe).addContext === "function" ? "http2.Http2SecureServer" : "http2.Http2Server";
    server.prependListener("session", this.#onSession);
  }

  release(): void {
    this.server.removeListener("session", this.#onSession);
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
