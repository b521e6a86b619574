// The seed: Python's atexit example, line for line, on atexit.
//
//   import atexit
//   def aa_atexit(): print("atexit of this aa called")
//   atexit.register(aa_atexit)
//   class BB:
//       def __init__(self): atexit.register(self.hh)
//       def hh(self): print("atexit of bb called")
//       def bb(self): print("bb called"); CC()
//   class CC:
//       def __init__(self): atexit.register(self.gg)
//       def gg(self): print("atexit of cc called")
//   BB().bb()
//
//   npm run example -- seed        (npm start runs it first)
//
// What it prints, as Python does: the handlers run when the program ends, last registered first.
//
//   bb called
//   atexit of cc called
//   atexit of bb called
//   atexit of this aa called
//   [exit code 0]
import atexit from "atexit";

function aa_atexit(): void {
  console.log("atexit of this aa called");
}
atexit.register(aa_atexit);

class BB {
  constructor() {
    atexit.register(() => this.hh());
  }
  hh(): void {
    console.log("atexit of bb called");
  }
  bb(): void {
    console.log("bb called");
    new CC();
  }
}

class CC {
  constructor() {
    atexit.register(() => this.gg());
  }
  gg(): void {
    console.log("atexit of cc called");
  }
}

new BB().bb();
