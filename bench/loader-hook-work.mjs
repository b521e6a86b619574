// The loader hook's own work for modules that need no rewrite, timed in one process (run by
// bench/loader.mjs): what register.ts's load hook does after Node's nextLoad, for every module
// of an app, many times over, in CPU time. The modules say "no using here": the word sends
// them down the string path (decoded, pre-filtered), which never reaches the parser.
//   node bench/loader-hook-work.mjs <modules directory> <count>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { loaderScope } from "../dist/scope.js";
import { createTransform } from "../dist/transform-core.js";

const [dir, count] = process.argv.slice(2);
const scope = loaderScope(new URL("../dist/", import.meta.url).href, createTransform(() => {
  throw new Error("the parser was called: a module needed more than the pre-filter");
}));
const modules = Array.from({ length: Number(count) }, (_, index) => {
  const path = join(dir, `m${index}.mjs`);
  return { url: pathToFileURL(path).href, source: readFileSync(path) };
});

function work() {
  for (const { url, source } of modules) {
    if (!scope.wants(url, "module")) continue;
    const bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    if (!scope.mayNeedRewrite(bytes)) continue;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
    if (scope.rewrite(text, url, scope.formatOf(url, "module")).changed) throw new Error(`${url} was rewritten`);
  }
}

work();
const rounds = 20;
const cpu = process.cpuUsage();
for (let round = 0; round < rounds; round += 1) work();
const used = process.cpuUsage(cpu);
console.log(JSON.stringify((used.user + used.system) / (rounds * modules.length)));
