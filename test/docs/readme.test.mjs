// The README and docs/ (its sub-folders too) as a reader follows them: every relative link leads
// to a file of the repository, every #anchor to a heading of the page it names; and the README's
// benchmark ratios are those of BENCHMARKS.md, the last full `npm run bench` (a new run that
// changes them fails here until the README says so too).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { repoRoot } from "../runtimes.mjs";

/** README.md and every page under docs/, its sub-folders (docs/recipes/) included. */
const pages = ["README.md", ...readdirSync(join(repoRoot, "docs"), { recursive: true }).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];
const text = (page) => readFileSync(join(repoRoot, page), "utf8");
/** Markdown without its code: links in a fenced block or a code span are not links. */
const prose = (markdown) => markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, "").replace(/`[^`\n]*`/g, "");

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading) => heading.toLowerCase().replace(/[^\p{L}\p{N}\- ]/gu, "").replace(/ /g, "-");
function anchors(page) {
  const headings = text(page).replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, "").match(/^#{1,6} .+$/gm) ?? [];
  return new Set(headings.map((line) => slug(line.replace(/^#+ /, ""))));
}

describe("README.md and docs/", () => {
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

  it("the README's benchmark ratios are the Node 20 and Node 24 ratios of a goal in BENCHMARKS.md", () => {
    const ratio = /\*\*×(\d+\.\d+)\*\*/;
    const goalsTable = /^## Goals\n[\s\S]*?\n(\|[\s\S]*?)\n\n/m.exec(text("BENCHMARKS.md"))[1].split("\n").slice(2);
    const measured = new Set(goalsTable.map((row) => row.split("|").slice(3, 5).map((cell) => ratio.exec(cell)?.[1]).join(" / ")));
    const performance = /^## Performance\n[\s\S]*?\n(\|[\s\S]*?)\n\n/m.exec(text("README.md"))[1].split("\n").slice(2);
    assert.ok(performance.length > 5, "README.md's Performance section has its table");
    for (const row of performance) {
      const [goal, node20, node24] = row.split("|").slice(1, 4).map((cell) => cell.trim());
      const pair = `${node20.replace("×", "")} / ${node24.replace("×", "")}`;
      assert.ok(measured.has(pair), `README.md: "${goal}" ${pair} is no goal's Node 20 / Node 24 ratio in BENCHMARKS.md`);
    }
  });
});
