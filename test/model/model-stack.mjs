// The stack the process model disposes: entries in an array, the last one on top; a scope is
// one entry of its parent holding a stack of its own (SPEC §2.1). Program entries are data
// shared between predictions, so each push wraps them and nothing here mutates them.
export class ModelStack {
  #entries = [];

  /** Pushes a program entry; a scope brings its children, registered on it in order. */
  push(entry) {
    if (entry.kind !== "scope") {
      this.#entries.push(entry);
      return;
    }
    const scope = new ModelStack();
    for (const child of entry.children ?? []) scope.push(child);
    this.#entries.push({ ...entry, scope });
  }

  /** Takes the top entry off (a scope's wrapper carries `scope`); undefined when empty. */
  pop() {
    return this.#entries.pop();
  }

  /** Pending entries of this stack; a scope counts 1 (its own entries count in it). */
  get size() {
    return this.#entries.length;
  }
}
