// A small HTTP/1.1 client on raw sockets, so that a test sees exactly what the server does with
// each connection: the status, the headers (Connection: close or keep-alive), the bytes of the
// body, and whether the server closed the socket. And the same for HTTP/2 sessions.
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import http2 from "node:http2";

/** A keep-alive connection: `request(path)` sends one request and resolves with its response. */
export function connection(port, { tls = false } = {}) {
  const socket = tls ? tlsConnect({ port, host: "127.0.0.1", rejectUnauthorized: false }) : netConnect(port, "127.0.0.1");
  const state = { socket, closedByServer: false, error: undefined };
  let buffer = Buffer.alloc(0);
  let pending;
  socket.on("data", (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    pending?.();
  });
  socket.on("end", () => {
    state.closedByServer = true;
    pending?.();
  });
  socket.on("error", (error) => {
    state.error = error;
    pending?.();
  });
  state.closed = new Promise((resolve) => socket.on("close", resolve));
  state.opened = new Promise((resolve, reject) => {
    socket.once(tls ? "secureConnect" : "connect", resolve);
    socket.once("error", reject);
  });
  state.request = (path) =>
    new Promise((resolve, reject) => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
      pending = () => {
        const response = parse(buffer);
        if (response !== undefined) {
          buffer = buffer.subarray(response.length);
          pending = undefined;
          resolve(response);
        } else if (state.closedByServer || state.error) {
          pending = undefined;
          reject(state.error ?? new Error(`the server closed the connection before answering ${path} (${buffer.length} bytes received)`));
        }
      };
    });
  return state;
}

/** One complete response at the start of `buffer` (Content-Length or chunked), or undefined. */
function parse(buffer) {
  const end = buffer.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [statusLine, ...headerLines] = buffer.subarray(0, end).toString("latin1").split("\r\n");
  const headers = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(statusLine.split(" ")[1]);
  const start = end + 4;
  if (headers["content-length"] !== undefined) {
    const length = Number(headers["content-length"]);
    if (buffer.length < start + length) return undefined;
    return { status, headers, body: buffer.subarray(start, start + length).toString("utf8"), length: start + length };
  }
  if (headers["transfer-encoding"] === "chunked") {
    let offset = start;
    let body = "";
    for (;;) {
      const lineEnd = buffer.indexOf("\r\n", offset);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buffer.subarray(offset, lineEnd).toString("latin1"), 16);
      if (buffer.length < lineEnd + 2 + size + 2) return undefined;
      if (size === 0) return { status, headers, body, length: lineEnd + 4 };
      body += buffer.subarray(lineEnd + 2, lineEnd + 2 + size).toString("utf8");
      offset = lineEnd + 2 + size + 2;
    }
  }
  return { status, headers, body: "", length: start };
}

/**
 * What a request on a new connection gets: "refused" (ECONNREFUSED), "closed" (accepted by the
 * kernel while the listening socket was being closed, then reset or closed unanswered), or the
 * status it was answered with (a framework that is closing answers 503).
 */
export async function newConnection(port, { tls = false } = {}) {
  const fresh = connection(port, { tls });
  try {
    await fresh.opened;
  } catch (error) {
    return error.code === "ECONNREFUSED" ? "refused" : "closed";
  }
  try {
    return (await fresh.request("/fast")).status;
  } catch {
    return "closed";
  } finally {
    fresh.socket.destroy();
  }
}

/** An HTTP/2 session: `request(path)` resolves with { status, body }; `goaway` once the server sent one. */
export function session(port) {
  const client = http2.connect(`http://127.0.0.1:${port}`);
  const state = { client, goaway: false, error: undefined };
  client.on("goaway", () => (state.goaway = true));
  client.on("error", (error) => (state.error = error));
  state.closed = new Promise((resolve) => client.on("close", resolve));
  state.opened = new Promise((resolve, reject) => {
    client.once("connect", resolve);
    client.once("error", reject);
  });
  state.request = (path) =>
    new Promise((resolve, reject) => {
      const stream = client.request({ ":path": path });
      let status;
      let body = "";
      stream.setEncoding("utf8");
      stream.on("response", (headers) => (status = headers[":status"]));
      stream.on("data", (chunk) => (body += chunk));
      stream.on("end", () => resolve({ status, body }));
      stream.on("error", reject);
    });
  return state;
}
