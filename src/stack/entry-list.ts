/**
 * The storage of one stack's pending entries, oldest first, one array slot
 * each (see entry.ts). It knows how to keep them, not what they mean: what an
 * entry's targets are, it asks entry.ts.
 *
 * - Removal leaves a tombstone (`undefined`); tombstones on top are popped at
 *   once, and the array is compacted when they outnumber live entries, so
 *   every operation stays amortised O(1).
 * - `unregister` finds entries through an index of target → positions, built
 *   on its first use and caught up incrementally, so registration never pays
 *   for it.
 * - A record knows its own position (kept up to date by compaction), so a
 *   scope or a collected `adoptWeak` value leaves in O(1), without the index.
 */
import { isObject } from "./describe.js";
import { discard, functionTarget, holdsWeakly, matches, NO_TARGET, valueTarget, type Entry, type EntryRecord } from "./entry.js";

/** Below this many slots, tombstones are never compacted away (not worth it). */
const COMPACT_MIN_SLOTS = 64;

/** Positions of a target's entries: one number, or an ascending array once there are more. */
type Positions = number | number[];

/** A Map or a WeakMap from target to positions. */
interface PositionMap<K> {
  get(key: K): Positions | undefined;
  set(key: K, positions: Positions): unknown;
  delete(key: K): boolean;
}

/**
 * Target → positions: a Map for targets the slots hold strongly anyway (faster than a WeakMap, no
 * ephemerons to trace), a WeakMap for `adoptWeak` values, which it must not keep alive.
 */
interface TargetIndex {
  readonly strong: Map<unknown, Positions>;
  weak: WeakMap<object, Positions> | undefined;
}

export class EntryList {
  /** Called with true when the list gains its first entry, false when it loses its last. */
  onOccupancy: ((occupied: boolean) => void) | undefined;
  /** Pending entries, oldest first; `undefined` is a removed entry. */
  #slots: (Entry | undefined)[] = [];
  #size = 0;
  /** target → positions in #slots; undefined until the first `removeTarget`. */
  #index: TargetIndex | undefined = undefined;
  /** Slots below this position are in #index. */
  #indexedUpTo = 0;
  /** The largest #slots length since the array was last made afresh (see #afterRemoval). */
  #peak = 0;
  /** Tombstones outnumber live entries: compact before the next push. */
  #compactPending = false;
  /** Removes `adoptWeak` entries whose value was collected; created on first use. */
  #finalizer: FinalizationRegistry<EntryRecord> | undefined = undefined;

  constructor(onOccupancy?: (occupied: boolean) => void) {
    this.onOccupancy = onOccupancy;
  }

  /** Live (pending, not removed) entries. */
  get size(): number {
    return this.#size;
  }

  push(entry: Entry): void {
    if (this.#compactPending) this.#compact();
    const slots = this.#slots;
    if (typeof entry !== "function") entry.position = slots.length;
    slots.push(entry);
    if (this.#size++ === 0) this.onOccupancy?.(true);
  }

  /** The top live entry, left in place; undefined when the list is empty. */
  peek(): Entry | undefined {
    const slots = this.#slots;
    while (slots.length > 0 && slots[slots.length - 1] === undefined) slots.pop();
    if (this.#indexedUpTo > slots.length) this.#indexedUpTo = slots.length;
    return slots[slots.length - 1];
  }

  /** Takes the top live entry off the list; undefined when the list is empty. */
  pop(): Entry | undefined {
    const slots = this.#slots;
    while (slots.length > 0) {
      const entry = slots.pop();
      if (entry === undefined) continue;
      if (this.#indexedUpTo > slots.length) this.#indexedUpTo = slots.length;
      if (--this.#size === 0) this.#emptied();
      return entry;
    }
    return undefined;
  }

  /** Whether `record` is still pending in this list. */
  holds(record: EntryRecord): boolean {
    return this.#slots[record.position] === record;
  }

  /** Removes one record, if it is still pending here (a closed scope, a collected value). */
  removeRecord(record: EntryRecord): boolean {
    if (!this.holds(record)) return false;
    this.#slots[record.position] = undefined;
    this.#size--;
    this.#afterRemoval();
    return true;
  }

  /** Removes every pending entry `target` matches (entry.ts `matches`); returns whether any was. */
  removeTarget(target: unknown): boolean {
    if (this.#size === 0) return false;
    const slots = this.#slots;
    const index = this.#index !== undefined && this.#indexedUpTo === slots.length ? this.#index : this.#catchUpIndex();
    let removed = removeListed(slots, index.strong, target);
    if (index.weak !== undefined && isObject(target)) removed += removeListed(slots, index.weak, target);
    if (removed === 0) return false;
    this.#size -= removed;
    this.#afterRemoval();
    return true;
  }

  /** Drops every entry. */
  clear(): void {
    const wasOccupied = this.#size > 0;
    for (const entry of this.#slots) if (entry !== undefined) discard(entry);
    this.#slots = [];
    this.#size = 0;
    this.#peak = 0;
    this.#resetIndex();
    if (wasOccupied) this.onOccupancy?.(false);
  }

  /** Removes the entry when `value` is collected (adoptWeak). No unregister token: Bun's FinalizationRegistry is quadratic with them. */
  watch(record: EntryRecord, value: object): void {
    this.#finalizer ??= new FinalizationRegistry((collected) => this.removeRecord(collected));
    this.#finalizer.register(value, record);
  }

  #emptied(): void {
    // Every position the index holds is gone with the last entry.
    this.#resetIndex();
    this.onOccupancy?.(false);
  }

  #resetIndex(): void {
    this.#compactPending = false;
    this.#index = undefined;
    this.#indexedUpTo = 0;
  }

  /**
   * Catches the index up with the entries pushed since it was last used. The Map keeps targets of
   * entries gone by pop or collection: once they could outnumber the slots, it starts afresh.
   */
  #catchUpIndex(): TargetIndex {
    let index = (this.#index ??= { strong: new Map(), weak: undefined });
    const slots = this.#slots;
    if (index.strong.size > 2 * slots.length + COMPACT_MIN_SLOTS) {
      index = this.#index = { strong: new Map(), weak: index.weak };
      this.#indexedUpTo = 0;
    }
    for (let position = this.#indexedUpTo; position < slots.length; position++) {
      const entry = slots[position];
      if (entry === undefined) continue;
      if (typeof entry === "function") {
        if (index.strong.get(entry) === undefined) index.strong.set(entry, position);
        else addPosition(index.strong, entry, position);
        continue;
      }
      const fn = functionTarget(entry);
      if (fn !== NO_TARGET) addPosition(index.strong, fn, position);
      const value = valueTarget(entry);
      if (value === NO_TARGET) continue;
      if (holdsWeakly(entry)) addPosition((index.weak ??= new WeakMap()), value as object, position);
      else addPosition(index.strong, value, position);
    }
    this.#indexedUpTo = slots.length;
    if (slots.length > this.#peak) this.#peak = slots.length;
    return index;
  }

  /**
   * Pops tombstones off the top, then decides once whether to compact:
   * - at once when the list is empty, when tombstones are four times the live
   *   entries, or when it shrank to a quarter of its peak (a shortened array and
   *   the index's tables keep their capacity: 10^6 collected adoptWeak entries
   *   would otherwise hold tens of MB for good);
   * - at the next push when tombstones merely outnumber live entries, so that a
   *   run of `unregister` calls does not rebuild the index over and over.
   */
  #afterRemoval(): void {
    const slots = this.#slots;
    let length = slots.length;
    while (length > 0 && slots[length - 1] === undefined) length--;
    if (length !== slots.length) {
      slots.length = length;
      if (this.#indexedUpTo > length) this.#indexedUpTo = length;
    }
    const size = this.#size;
    const tombstones = length - size;
    const large = length >= COMPACT_MIN_SLOTS;
    if (size === 0 || (large && tombstones > 4 * size) || (this.#peak >= COMPACT_MIN_SLOTS && length < this.#peak / 4)) {
      this.#compact();
    } else if (large && tombstones > size) {
      this.#compactPending = true;
    }
    if (size === 0) this.onOccupancy?.(false);
  }

  /**
   * Removes the tombstones, keeping the order of live entries and each record's
   * position. The live ones go to a fresh array: shortening the old one would
   * keep its whole backing store.
   */
  #compact(): void {
    const live: Entry[] = [];
    for (const entry of this.#slots) {
      if (entry === undefined) continue;
      if (typeof entry !== "function") entry.position = live.length;
      live.push(entry);
    }
    this.#slots = live;
    this.#peak = live.length;
    this.#resetIndex();
  }
}

/** Removes the entries `map` lists for `target` that still match (a position may be stale), and the listing. */
function removeListed<K>(slots: (Entry | undefined)[], map: PositionMap<K>, target: K): number {
  const positions = map.get(target);
  if (positions === undefined) return 0;
  map.delete(target);
  if (typeof positions === "number") return removeAt(slots, positions, target);
  let removed = 0;
  for (const position of positions) removed += removeAt(slots, position, target);
  return removed;
}

function removeAt(slots: (Entry | undefined)[], position: number, target: unknown): number {
  const entry = slots[position];
  // A bare function is its own only target.
  if (entry === undefined || (typeof entry === "function" ? entry !== target : !matches(entry, target))) return 0;
  slots[position] = undefined;
  discard(entry);
  return 1;
}

function addPosition<K>(map: PositionMap<K>, target: K, position: number): void {
  const current = map.get(target);
  // Positions are indexed in increasing order, so one at or above `position` is
  // stale (its slot was popped and reused): drop it, keeping each list sorted and
  // no longer than the slots, however often slots are reused.
  if (current === undefined || (typeof current === "number" && current >= position)) map.set(target, position);
  else if (typeof current === "number") map.set(target, [current, position]);
  else {
    while (current.length > 0 && (current[current.length - 1] as number) >= position) current.pop();
    current.push(position);
  }
}
