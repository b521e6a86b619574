// The part of proper-lockfile's API that examples/temp-files.ts uses (it ships no types, and
// @types/proper-lockfile would be a devDependency for two functions).
declare module "proper-lockfile" {
  /** Locks `file` (a `<file>.lock` directory beside it); resolves with the release function. */
  export function lock(file: string): Promise<() => Promise<void>>;
  export function unlockSync(file: string): void;
}
