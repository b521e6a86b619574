// The terminal sessions of docs/launchers.md, as docs/README.md describes them: the files a
// session runs are fenced blocks whose info string names them (```js file=app.mjs,
// ```json file=package.json); a session is a ```text session block (```text session only=bun
// narrows its runtimes; the default is Node 20 and Node 24): one or more commands, each a line
// starting with `$ `, run one after the other in a shell, each followed by what the terminal
// shows (stdout and stderr, merged; `…` as in the guides' transcripts), with what the person at
// the terminal does between them written in square brackets:
//   [Ctrl-C]                   SIGINT to the foreground process group (the command's)
//   [SIGTERM to npm]           the signal to the command's own process (the group's leader)
//   [app.mjs changed]          the file's time is changed, as `touch` does (a watcher restarts the app)
// and, last, how the last command ended: [exit code N] or [killed by SIGNAL].
// This module extracts them; launchers.test.mjs runs them.
import { fencedBlocks } from "./transcripts.mjs";

const END = /^\[(?:exit code (?<code>\d+)|killed by (?<signal>SIG[A-Z0-9]+))\]$/;
const EVENTS = [
  { pattern: /^\[Ctrl-C\]$/, event: () => ({ kind: "signal", signal: "SIGINT", target: "group" }) },
  { pattern: /^\[(SIG[A-Z0-9]+) to \S+\]$/, event: (match) => ({ kind: "signal", signal: match[1], target: "leader" }) },
  { pattern: /^\[(\S+) changed\]$/, event: (match) => ({ kind: "change", file: match[1] }) },
];
const DEFAULT_RUNTIMES = ["node20", "node24"];

/**
 * The sessions of one markdown file: { commands: [{ command, steps }], files (name → text at that
 * point of the page), end, runtimes, line }, where each step is { output: line } or { event }.
 * Throws, naming the line, on a malformed session.
 */
export function terminalSessions(markdown, docName) {
  const files = new Map();
  const sessions = [];
  for (const block of fencedBlocks(markdown)) {
    const [lang, ...options] = block.info.split(/\s+/);
    const file = options.find((option) => option.startsWith("file="))?.slice("file=".length);
    if (file) {
      files.set(file, block.code);
      continue;
    }
    if (lang !== "text" || options[0] !== "session") continue;
    const where = `${docName}:${block.line}`;
    const lines = block.code.replace(/\n$/, "").split("\n");
    const end = END.exec(lines.at(-1) ?? "")?.groups;
    if (!end) throw new Error(`${where}: a session ends with [exit code N] or [killed by SIGNAL]`);
    if (!lines[0]?.startsWith("$ ")) throw new Error(`${where}: a session starts with a command ("$ …")`);
    const commands = [];
    for (const line of lines.slice(0, -1)) {
      if (line.startsWith("$ ")) {
        commands.push({ command: line.slice(2), steps: [] });
        continue;
      }
      const known = EVENTS.map(({ pattern, event }) => ({ match: pattern.exec(line), event })).find(({ match }) => match);
      if (!known && /^\[.*\]$/.test(line)) throw new Error(`${where}: unknown event ${line}`);
      commands.at(-1).steps.push(known ? { event: known.event(known.match) } : { output: line });
    }
    const only = options.find((option) => option.startsWith("only="))?.slice("only=".length).split(",");
    sessions.push({
      commands,
      files: new Map(files),
      end: end.code !== undefined ? { code: Number(end.code), signal: null } : { code: null, signal: end.signal },
      runtimes: only ?? DEFAULT_RUNTIMES,
      line: block.line,
    });
  }
  return sessions;
}
