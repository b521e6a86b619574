// The README, CHANGELOG.md and docs/ (its sub-folders too) as a reader follows them: every
// relative link leads to a file of the repository, every #anchor to a heading of the page it
// names; every page of docs/ is reachable from docs/README.md, the index; and every table of
// ratios to the best peer ("| atexit ÷ the best peer |", in the README or docs/) holds the
// Node 20 and Node 24 ratios of a goal of BENCHMARKS.md, the last full `npm run bench` (a new
// run that changes them fails here until the page says so too).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { repoRoot } from "../runtimes.mjs";

/** Every page under docs/, its sub-folders (docs/recipes/) included. */
const docPages = readdirSync(join(repoRoot, "docs"), { recursive: true })
  .filter((name) => name.endsWith(".md"))
  .map((name) => `docs/${name}`);
const pages = ["README.md", "CHANGELOG.md", ...docPages];
const text = (page) => readFileSync(join(repoRoot, page), "utf8");
/** Markdown without its code: links in a fenced block or a code span are not links. */
const prose = (markdown) => markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, "").replace(/`[^`\n]*`/g, "");

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading) => heading.toLowerCase().replace(/[^\p{L}\p{N}\- ]/gu, "").replace(/ /g, "-");
function anchors(page) {
  const headings = text(page).replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, "").match(/^#{1,6} .+$/gm) ?? [];
  return new Set(headings.map((line) => slug(line.replace(/^#+ /, ""))));
}

/** The relative links of a page, as repository paths ("docs/services.md"), anchors dropped. */
function linkedFiles(page) {
  return [...prose(text(page)).matchAll(/\]\(([^)\s]+)\)/g)]
    .map(([, target]) => target.split("#")[0])
    .filter((path) => path !== "" && !/^[a-z]+:/.test(path))
    .map((path) => relative(repoRoot, join(repoRoot, dirname(page), path)));
}

describe("README.md, CHANGELOG.md and docs/", () => {
  for (const page of pages) {
    it(`${page}: every relative link and anchor leads somewhere`, () => {
      const broken = [];
      for (const [, target] of prose(text(page)).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [path, anchor] = target.split("#");
        const file = path === "" ? page : relative(repoRoot, join(repoRoot, dirname(page), path));
        if (!existsSync(join(repoRoot, file))) broken.push(`${target}: no file ${file}`);
        else if (anchor !== undefined && file.endsWith(".md") && !anchors(file).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${file}`);
      }
      assert.deepEqual(broken, []);
    });
  }

  it("every page of docs/ is reachable from docs/README.md, the index (or from a page it links to)", () => {
    const reached = new Set(["docs/README.md"]);
    const queue = ["docs/README.md"];
    while (queue.length > 0) {
      for (const file of linkedFiles(queue.shift())) {
        if (file.startsWith("docs/") && file.endsWith(".md") && !reached.has(file) && existsSync(join(repoRoot, file))) {
          reached.add(file);
          queue.push(file);
        }
      }
    }
    assert.deepEqual(docPages.filter((page) => !reached.has(page)), []);
  });

  it("every table of ratios to the best peer holds the Node 20 and Node 24 ratios of a goal in BENCHMARKS.md", () => {
    const ratio = /\*\*×(\d+\.\d+)\*\*/;
    const goalsTable = /^## Goals\n[\s\S]*?\n(\|[\s\S]*?)\n\n/m.exec(text("BENCHMARKS.md"))[1].split("\n").slice(2);
    const measured = new Set(goalsTable.map((row) => row.split("|").slice(3, 5).map((cell) => ratio.exec(cell)?.[1]).join(" / ")));
    assert.ok(measured.size > 5, "BENCHMARKS.md has its Goals table");
    const wrong = [];
    let rows = 0;
    for (const page of pages) {
      for (const [table] of prose(text(page)).matchAll(/^\| atexit ÷ the best peer \|.*\n(?:\|.*(?:\n|$))+/gm)) {
        for (const row of table.trimEnd().split("\n").slice(2)) {
          const [goal, node20, node24] = row.split("|").slice(1, 4).map((cell) => cell.trim());
          const pair = `${node20.replace("×", "")} / ${node24.replace("×", "")}`;
          rows++;
          if (!measured.has(pair)) wrong.push(`${page}: "${goal}" ${pair} is no goal's Node 20 / Node 24 ratio in BENCHMARKS.md`);
        }
      }
    }
    assert.ok(rows > 0, "the README or docs/ shows ratios to the best peer (docs/performance.md does)");
    assert.deepEqual(wrong, []);
  });
});
