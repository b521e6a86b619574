// Every minimal counterexample the generated programs found (test/exit/generated-programs.mjs),
// kept as a permanent row even when it fails today: `npm test` runs each on every runtime and
// compares it with the process model. A row: { name (what it shows, as a sentence), found (the
// seed and runtime that found it, and the version it failed on), program (test/model/process-model.mjs
// format) }. Add a row for each counterexample `npm run test:chaos` prints ("As data: …").
export const counterexamples = [
  {
    name: "the reactions of atexit.exiting run before the first entry of an atexit.exit() sequence",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"registerArgs","outcome":"return","actions":[{"atexitExit":0}]}],"trigger":{"kind":"explicit"},"timeout":3000,"observe":true},
  },
  {
    name: "atexit.exit(0) inside an entry of a nested scope during process.exit(1) makes the exit code 0",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"scope","children":[{"id":"e2","kind":"scope","children":[{"id":"e3","kind":"register","outcome":"return","actions":[{"atexitExit":0}],"anonymous":true}]}]},{"id":"e4","kind":"register","outcome":"return"}],"trigger":{"kind":"exit","code":1},"timeout":3000},
  },
  {
    name: "a SIGINT while the drain sequence waits on an entry lets the sequence finish (the entry it registered runs and fails), then the process dies by SIGINT",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"register","outcome":"ack","actions":[{"register":{"id":"e2","kind":"defer","outcome":"reject"}}]}],"trigger":{"kind":"drain"},"signals":[{"signal":"SIGINT","at":"e1"}],"timeout":1000},
  },
  {
    name: "a failing adoptWeak entry registered during an uncaught-error sequence is reported as itself, and the entries below it still run",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"useAsync","outcome":"return","actions":[{"register":{"id":"e2","kind":"register","outcome":"return"}},{"register":{"id":"e3","kind":"adoptWeak","outcome":"reject","value":"object"}}],"value":"instance"},{"id":"e4","kind":"register","outcome":"delay","actions":[{"atexitExit":0}]}],"trigger":{"kind":"error","how":"throw"},"timeout":3000},
  },
  {
    name: "a SIGINT during an atexit.exit() sequence, while an entry registered by another waits, lets it finish (trace on), then the process dies by SIGINT",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"useAsync","outcome":"return","actions":[{"register":{"id":"e2","kind":"defer","outcome":"ack"}}],"value":"instance"}],"trigger":{"kind":"explicit"},"signals":[{"signal":"SIGINT","at":"e2"}],"timeout":1000,"trace":true},
  },
  {
    name: "a SIGINT during an unhandled-rejection sequence with failing adoptWeak entries in and out of scopes: every entry runs, the hang is cut at the timeout, the process dies by SIGINT",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"scope","children":[{"id":"e2","kind":"register","outcome":"return","actions":[{"register":{"id":"e3","kind":"adoptWeak","outcome":"hang","value":"instance"}}]}]},{"id":"e4","kind":"useSync","outcome":"reject","actions":[{"register":{"id":"e5","kind":"register","outcome":"reject"}}],"value":"instance"},{"id":"e6","kind":"adoptWeak","outcome":"reject","actions":[{"register":{"id":"e7","kind":"adopt","outcome":"delay","value":"instance"}}],"value":"object"}],"trigger":{"kind":"error","how":"reject"},"signals":[{"signal":"SIGINT","at":"e3"}],"timeout":1000,"trace":true},
  },
  {
    name: "with the trace on, process.exit() traces a successful adoptWeak entry as ok, between the started and finished lines",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"adoptWeak","outcome":"return","value":"instance"}],"trigger":{"kind":"exit"},"timeout":3000,"trace":true},
  },
  {
    name: "failing adoptWeak entries registered during an unhandled-rejection sequence, with atexit.exit(5) in an entry: every entry runs, exit code 5",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"scope","children":[{"id":"e2","kind":"adoptWeak","outcome":"return","actions":[{"register":{"id":"e3","kind":"register","outcome":"return"}},{"register":{"id":"e4","kind":"adoptWeak","outcome":"throw","value":"instance"}}],"value":"instance"}]},{"id":"e5","kind":"defer","outcome":"delay","actions":[{"register":{"id":"e6","kind":"register","outcome":"reject"}},{"atexitExit":5}],"anonymous":true}],"trigger":{"kind":"error","how":"reject"},"timeout":3000,"observe":true},
  },
  {
    name: "with the trace on, atexit.exit() traces a successful adoptWeak entry as ok",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"adoptWeak","outcome":"return","value":"instance"}],"trigger":{"kind":"explicit"},"timeout":3000,"exitCode":1,"trace":true},
  },
  {
    name: "an entry hanging past the timeout of a drain sequence is named, and the entry it registered is still called",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"register","outcome":"hang","actions":[{"register":{"id":"e2","kind":"register","outcome":"return"}}]}],"trigger":{"kind":"drain"},"timeout":1000,"exitCode":0,"trace":true},
  },
  {
    name: "atexit.exit(0) inside a scope's entry during process.exit(1), with the trace on: exit code 0 and every line in order",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"scope","children":[{"id":"e2","kind":"registerArgs","outcome":"exitLater","actions":[{"atexitExit":0}],"exitCode":0}]},{"id":"e3","kind":"defer","outcome":"throw","anonymous":true}],"trigger":{"kind":"exit","code":1},"timeout":1000,"trace":true},
  },
  {
    name: "a hang past the timeout of a SIGHUP sequence, with failing entries in nested scopes: everything not yet run is called, innermost scope first",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"scope","children":[{"id":"e2","kind":"register","outcome":"return","actions":[{"register":{"id":"e3","kind":"adoptWeak","outcome":"throw","value":"instance"}}]},{"id":"e4","kind":"useSync","outcome":"hang","actions":[{"register":{"id":"e5","kind":"useAsync","outcome":"reject","value":"instance"}}],"value":"instance"}]},{"id":"e6","kind":"useAsync","outcome":"delay","actions":[{"register":{"id":"e7","kind":"adopt","outcome":"reject","value":"instance"}},{"register":{"id":"e8","kind":"useAsync","outcome":"reject","value":"object"}}],"value":"object"},{"id":"e9","kind":"scope","children":[{"id":"e10","kind":"defer","outcome":"delay","actions":[{"register":{"id":"e11","kind":"useSync","outcome":"return","value":"object"}}]},{"id":"e12","kind":"register","outcome":"hang","actions":[{"register":{"id":"e13","kind":"useSync","outcome":"hang","value":"instance"}},{"register":{"id":"e14","kind":"defer","outcome":"reject"}}]},{"id":"e15","kind":"useAsync","outcome":"throw","value":"object"}]}],"trigger":{"kind":"signal","signal":"SIGHUP"},"timeout":1000},
  },
  {
    name: "with the trace on, process.exit() writes the started and finished lines around its entries",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"register","outcome":"return"}],"trigger":{"kind":"exit"},"timeout":3000,"trace":true},
  },
  {
    name: "a hang past the timeout of an uncaught-error sequence: the hanging entry it registered is called and counted",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"register","outcome":"hang","actions":[{"register":{"id":"e2","kind":"register","outcome":"hang"}}]},{"id":"e3","kind":"register","outcome":"return"}],"trigger":{"kind":"error","how":"throw"},"timeout":1000},
  },
  {
    name: "an uncaught error from a timer during an atexit.exit() sequence is reported while its entry runs; a SIGINT then lets the sequence finish, and the process dies by SIGINT",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"useAsync","outcome":"throwLater","actions":[{"register":{"id":"e2","kind":"adopt","outcome":"ack","anonymous":true,"value":"instance"}},{"atexitExit":0}],"value":"instance"},{"id":"e3","kind":"adoptWeak","outcome":"return","value":"instance"}],"trigger":{"kind":"explicit"},"signals":[{"signal":"SIGINT","at":"e2"}],"timeout":1000,"exitCode":0,"trace":true},
  },
  {
    name: "an async entry registered during an uncaught-error sequence that hangs past the timeout is named and counted",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"registerArgs","outcome":"return","actions":[{"register":{"id":"e2","kind":"useAsync","outcome":"hang","value":"instance"}}]}],"trigger":{"kind":"error","how":"throw"},"timeout":1000,"exitCode":0},
  },
  {
    name: "atexit.exit(0) inside a scope's hanging entry during process.exit(1): exit code 0, the hang traced as unfinished",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"scope","children":[{"id":"e2","kind":"defer","outcome":"hang","actions":[{"atexitExit":0}]}]},{"id":"e3","kind":"register","outcome":"return"}],"trigger":{"kind":"exit","code":1},"timeout":1000,"trace":true},
  },
  {
    name: "process.exit() from a timer while an entry hangs in an atexit.exit() sequence, then atexit.exit(1) in a later entry: exit code 1",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"register","outcome":"return","actions":[{"atexitExit":1}]},{"id":"e2","kind":"register","outcome":"return","actions":[{"register":{"id":"e3","kind":"adopt","outcome":"exitLater","value":"instance","exitCode":0}}]},{"id":"e4","kind":"adoptWeak","outcome":"return","value":"instance"},{"id":"e5","kind":"register","outcome":"return"}],"trigger":{"kind":"explicit"},"timeout":1000,"exitCode":0,"trace":true},
  },
  {
    name: "two entries that call process.exit() from timers while they hang: the first ends the sequence; the reactions of atexit.exiting run before the first entry",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"register","outcome":"exitLater","actions":[{"register":{"id":"e2","kind":"register","outcome":"exitLater","exitCode":0}},{"atexitExit":0}],"exitCode":0}],"trigger":{"kind":"explicit"},"timeout":1000,"observe":true,"trace":true},
  },
  {
    name: "process.exit(8) inside an entry during process.exit(1), with a failing adoptWeak entry: every entry runs once, exit code 8",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"adoptWeak","outcome":"throw","actions":[{"register":{"id":"e2","kind":"register","outcome":"hang","anonymous":true}}],"value":"instance"},{"id":"e3","kind":"useAsync","outcome":"return","actions":[{"processExit":8}],"value":"instance"},{"id":"e4","kind":"registerArgs","outcome":"throw"},{"id":"e5","kind":"defer","outcome":"delay","actions":[{"register":{"id":"e6","kind":"defer","outcome":"return"}}]},{"id":"e7","kind":"registerArgs","outcome":"return","actions":[{"register":{"id":"e8","kind":"defer","outcome":"delay"}},{"register":{"id":"e9","kind":"useSync","outcome":"reject","value":"object"}}]},{"id":"e10","kind":"useAsync","outcome":"reject","actions":[{"register":{"id":"e11","kind":"useAsync","outcome":"delay","value":"instance"}},{"register":{"id":"e12","kind":"register","outcome":"hang"}}],"value":"object"}],"trigger":{"kind":"exit","code":1},"timeout":1000,"observe":true},
  },
  {
    name: "process.exit() with a failing adoptWeak entry reports the entry's own error, and process.exit() does not return",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"adoptWeak","outcome":"throw","value":"instance"}],"trigger":{"kind":"exit"},"timeout":3000,"exitCode":0,"observe":true},
  },
  {
    name: "process.exit(0) inside an entry during an uncaught-error sequence: the caller is traced ok and not counted, the hanging entry it registered is",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"useAsync","outcome":"return","actions":[{"register":{"id":"e2","kind":"register","outcome":"exitLater","exitCode":0}},{"processExit":0}],"value":"instance","exitCode":0},{"id":"e3","kind":"register","outcome":"return"}],"trigger":{"kind":"error","how":"throw"},"timeout":1000,"trace":true},
  },
  {
    name: "a SIGINT while an entry registered during the drain sequence hangs: the sequence goes on until the timeout names that entry",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"defer","outcome":"return","actions":[{"register":{"id":"e2","kind":"defer","outcome":"hang","anonymous":true}}]}],"trigger":{"kind":"drain"},"signals":[{"signal":"SIGINT","at":"e2"}],"timeout":1000,"trace":true},
  },
  {
    name: "an entry registered during an uncaught-error sequence calls process.exit() from a timer; atexit.exit(0) below it sets the code; the reactions of atexit.exiting come first",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"register","outcome":"return","actions":[{"atexitExit":0}]},{"id":"e2","kind":"useAsync","outcome":"return","actions":[{"register":{"id":"e3","kind":"defer","outcome":"exitLater","exitCode":1}}],"value":"instance"},{"id":"e4","kind":"register","outcome":"return"}],"trigger":{"kind":"error","how":"throw"},"timeout":1000,"observe":true},
  },
  {
    name: "atexit.exit() with a failing adoptWeak entry: its error is reported as its own, and the entry below still runs",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"adoptWeak","outcome":"throw","value":"instance"},{"id":"e2","kind":"register","outcome":"return"}],"trigger":{"kind":"explicit"},"timeout":3000},
  },
  {
    name: "atexit.exit(0) inside adoptWeak entries during process.exit(1): exit code 0, the failure reported as the entry's own",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"adoptWeak","outcome":"throw","actions":[{"atexitExit":0}],"value":"instance"},{"id":"e2","kind":"adoptWeak","outcome":"return","actions":[{"atexitExit":0}],"value":"instance"}],"trigger":{"kind":"exit","code":1},"timeout":3000},
  },
  {
    name: "atexit.exit() with a failing adoptWeak entry and atexit.exit(0) below it: the reactions of atexit.exiting come first, the failure is the entry's own",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"adoptWeak","outcome":"throw","value":"instance"},{"id":"e2","kind":"register","outcome":"return","actions":[{"atexitExit":0}]}],"trigger":{"kind":"explicit"},"timeout":3000,"observe":true},
  },
  {
    name: "during a SIGINT sequence, an entry registered by another that calls process.exit() from a timer while it hangs is traced unfinished",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"register","outcome":"return","actions":[{"register":{"id":"e2","kind":"defer","outcome":"exitLater","exitCode":0}}]}],"trigger":{"kind":"signal","signal":"SIGINT"},"timeout":1000,"exitCode":0,"trace":true},
  },
  {
    name: "a SIGINT during an atexit.exit() sequence while an entry waits lets it finish, then the process dies by SIGINT",
    found: "seed 11 on node20, atexit 0.1.0",
    program: {"entries":[{"id":"e1","kind":"register","outcome":"ack"}],"trigger":{"kind":"explicit"},"signals":[{"signal":"SIGINT","at":"e1"}],"timeout":1000},
  },

  {
    name: "atexit.exit(0) inside an entry of an uncaught-error sequence makes the exit code 0, though another entry failed (the README's failure rule is T1's and T2's)",
    found: "seed 12 on node20, atexit 0.2.0: the model had applied the T1/T2 failure rule to T6",
    program: {"entries":[{"id":"e1","kind":"useAsync","outcome":"return","actions":[{"register":{"id":"e2","kind":"defer","outcome":"throw"}},{"atexitExit":0}],"value":"instance"}],"trigger":{"kind":"error","how":"throw"},"timeout":3000},
  },
  {
    name: "a SIGHUP while an entry of an uncaught-error sequence waits lets the sequence finish, then the process dies by SIGHUP (on Deno, 1 child in 100 to 200 under load exited 0: the re-raised signal was dropped)",
    found: "the npm test sample (seed 20261201) on deno, atexit 0.2.0, shrunk by hand",
    program: {"entries":[{"id":"e1","kind":"register","outcome":"return"},{"id":"e2","kind":"register","outcome":"ack"}],"trigger":{"kind":"error","how":"throw"},"signals":[{"signal":"SIGHUP","at":"e2"}],"timeout":3000,"trace":true},
  },
  {
    name: "atexit.exit(0) from an atexit.signal listener as a SIGINT sequence starts only sets the code: one sequence, traced once, and the process dies by SIGINT",
    found: "seed 20261201 on node20, atexit 0.2.0 before the fix, in the first program once the generator wrote abort listeners (a review had found it by hand)",
    program: {"entries":[{"id":"e1","kind":"register","outcome":"return"}],"trigger":{"kind":"signal","signal":"SIGINT"},"timeout":3000,"onAbort":0,"trace":true},
  },
];
