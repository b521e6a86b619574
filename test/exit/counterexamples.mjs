// Every minimal counterexample the generated programs found (test/exit/generated-programs.mjs),
// kept as a permanent row even when it fails today: `npm test` runs each on every runtime and
// compares it with the process model. A row: { name (what it shows, as a sentence), found (the
// seed and runtime that found it), program (test/model/process-model.mjs format) }.
export const counterexamples = [];
