// The runnable programs of docs/*.md and their transcripts, as docs/README.md describes them:
// a fenced block whose info string names a role after the language (```js before, ```py before,
// ```js after-sigterm, ```js signal-taken-over) is a program; the next fenced block is its transcript, a ```text block whose first line is the
// command (`$ [NAME=value …] node|python3 [flags] <role>.<ext>`), whose last line says how the
// process ended, and whose lines between are what a terminal shows (stdout and stderr, merged).
// This module extracts them and compares a run with its transcript; guides.test.mjs runs them.

/** How a transcript says the process ended: `[exit code 1]`, `[killed by SIGTERM]`, `[still running 1 s later]`. */
const END = /^\[(?:exit code (?<code>\d+)|killed by (?<signal>SIG[A-Z0-9]+)|still running (?<seconds>\d+) s later)\]$/;
const ROLE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** The runtimes a JavaScript program runs on unless its info string says `only=…`. */
const DEFAULT_RUNTIMES = ["node20", "node24", "bun", "deno"];

/** Every fenced block of a markdown text: { info, code, line } (line: 1-based, of the opening fence). */
export function fencedBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const open = /^(`{3,})(.*)$/.exec(lines[index]);
    if (!open) continue;
    const start = index;
    const body = [];
    while (++index < lines.length && lines[index] !== open[1]) body.push(lines[index]);
    blocks.push({ info: open[2].trim(), code: body.length ? `${body.join("\n")}\n` : "", line: start + 1 });
  }
  return blocks;
}

/** `$ ATEXIT_TRACE=1 node --expose-gc app.mjs` → { env, command: "node", flags, file }. */
function parseCommand(line, where) {
  const words = line.replace(/^\$ /, "").split(/\s+/);
  const env = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? "")) {
    const [name, ...value] = words.shift().split("=");
    env[name] = value.join("=");
  }
  const [command, ...rest] = words;
  const file = rest.pop();
  if (!line.startsWith("$ ") || !["node", "python3"].includes(command) || !file) {
    throw new Error(`${where}: a transcript starts with "$ [NAME=value …] node|python3 [flags] <file>", got ${JSON.stringify(line)}`);
  }
  return { env, command, flags: rest, file };
}

/**
 * The runnable programs of one markdown file: { role, file, code, command, runtimes, expected,
 * end, line }. Throws, naming the line, on a program without a well-formed transcript.
 */
export function runnablePrograms(markdown, docName) {
  const blocks = fencedBlocks(markdown);
  const programs = [];
  blocks.forEach((block, index) => {
    const [lang, role, ...options] = block.info.split(/\s+/);
    if (!ROLE.test(role ?? "") || !["js", "py"].includes(lang)) return;
    const where = `${docName}:${block.line}`;
    const transcript = blocks[index + 1];
    if (transcript?.info !== "text") throw new Error(`${where}: the program "${role}" needs a \`\`\`text transcript right after it`);
    const lines = transcript.code.replace(/\n$/, "").split("\n");
    const command = parseCommand(lines[0], `${docName}:${transcript.line}`);
    const end = END.exec(lines.at(-1))?.groups;
    if (!end) throw new Error(`${docName}:${transcript.line}: a transcript ends with [exit code N], [killed by SIGNAL] or [still running N s later]`);
    if (!command.file.startsWith(`${role}.`)) throw new Error(`${where}: the command runs ${command.file}, the program is "${role}"`);
    const only = options.find((option) => option.startsWith("only="))?.slice("only=".length).split(",");
    programs.push({
      role,
      file: command.file,
      code: block.code,
      command,
      runtimes: command.command === "python3" ? ["python3"] : (only ?? DEFAULT_RUNTIMES),
      expected: lines.slice(1, -1),
      end: end.code !== undefined ? { code: Number(end.code) } : end.signal ? { signal: end.signal } : { stillRunningSeconds: Number(end.seconds) },
      line: block.line,
    });
  });
  return programs;
}

// ---------------------------------------------------------------------------------------------
// Comparing what a run printed with a transcript

/** Trace timings (`12.3 ms`) vary from run to run: both sides are compared with them blanked. */
const blankTimings = (line) => line.replace(/\b\d+\.\d ms\b/g, "#.# ms");

/** A transcript line as a matcher: `…` inside a line stands for any text. */
function lineMatcher(expected) {
  const pattern = blankTimings(expected).split("…").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*?");
  return new RegExp(`^${pattern}$`);
}

/**
 * Whether `actual` lines match the transcript's `expected` lines: each line matches its
 * counterpart, and a line that is only `…` stands for any number of lines, none of which may
 * be an `atexit:` line (every diagnostic must be in the transcript).
 */
export function matchesTranscript(expected, actual) {
  const matchers = expected.map((line) => (line === "…" ? "any" : lineMatcher(line)));
  const lines = actual.map(blankTimings);
  const memo = new Map();
  const match = (i, j) => {
    const key = i * (lines.length + 1) + j;
    if (memo.has(key)) return memo.get(key);
    let result;
    if (i === matchers.length) result = j === lines.length;
    else if (matchers[i] === "any") result = match(i + 1, j) || (j < lines.length && !lines[j].startsWith("atexit:") && match(i, j + 1));
    else result = j < lines.length && matchers[i].test(lines[j]) && match(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

/** A run written the way a transcript is, to paste into the doc when the program changed on purpose. */
export function asTranscript(program, run) {
  const { env, command, flags, file } = program.command;
  const head = `$ ${[...Object.entries(env).map(([name, value]) => `${name}=${value}`), command, ...flags, file].join(" ")}`;
  const end = run.stillRunning ? `[still running ${program.end.stillRunningSeconds} s later]` : run.signal ? `[killed by ${run.signal}]` : `[exit code ${run.code}]`;
  return [head, ...run.lines, end].join("\n");
}
