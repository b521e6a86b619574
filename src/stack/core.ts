/**
 * The state of one stack, behind the public ExitStack: its entries, whether it
 * is disposed, the disposal loop in progress, and for a `scope()` child, where
 * it sits in its parent. disposal.ts runs the loops over it; exit-stack.ts
 * validates what goes in.
 */
import type { EntryRecord, Resource } from "./entry.js";
import { EntryList } from "./entry-list.js";
import type { Loop } from "./disposal.js";

/**
 * How a stack disposes a value better than its dispose method alone: given the value and the
 * dispose method read as the spec reads it (undefined when it has none), an adapter or undefined.
 * A plain ExitStack has none; the process registry's (src/resources/) passes to its scopes.
 */
export type UsePolicy = (value: object, method: unknown) => Resource | undefined;

export class StackCore {
  entries: EntryList = new EntryList();
  disposed = false;
  /** `use(null)` was called: spec DisposeResources then awaits once even if nothing else did. */
  needsAwait = false;
  /** The disposal loop in progress; published before it calls its first entry. */
  loop: Loop | undefined = undefined;
  /** For a `scope()` child: the list that holds it (it moves with `move()`), and its own entry there. */
  container: EntryList | undefined = undefined;
  ownEntry: EntryRecord | undefined = undefined;
  /** See {@link UsePolicy}; a `scope()` child takes its parent's. */
  policy: UsePolicy | undefined = undefined;
  /** What a method called once the stack is disposed says, if not the plain ExitStack's words. */
  disposedMessage: ((method: string) => string) | undefined = undefined;
}

/** A disposed scope leaves its parent once its disposal has settled (or at once, for `move()`). */
export function leaveParent(core: StackCore): void {
  const { container, ownEntry } = core;
  core.container = undefined;
  if (container !== undefined && ownEntry !== undefined) container.removeRecord(ownEntry);
}

/** Whether `child` is a pending `scope()` entry of `parent`. */
export function isScopeOf(child: StackCore, parent: StackCore): boolean {
  return child.container === parent.entries && child.ownEntry !== undefined && parent.entries.holds(child.ownEntry);
}
