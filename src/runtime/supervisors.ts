/**
 * Supervisors whose SIGKILL deadline can be read from inside the process. Docker, Kubernetes and
 * systemd keep theirs outside (docs/launchers.md).
 */

/** A kill deadline announced by the supervisor: SIGKILL comes `ms` after its signal. */
export interface KillDeadline {
  readonly ms: number;
  /** For the T7 line: `pm2`, `kill_timeout`. */
  readonly supervisor: string;
  readonly setting: string;
}

/** pm2's default `kill_timeout` (constants.js). */
const PM2_KILL_TIMEOUT_MS = 1600;

/** pm2 sets `pm_id` for every app (fork and cluster), `kill_timeout` only when it was set. */
export function killDeadline(env: (name: string) => string | undefined): KillDeadline | undefined {
  if (env("pm_id") === undefined) return undefined;
  const ms = Number(env("kill_timeout") ?? env("PM2_KILL_TIMEOUT") ?? PM2_KILL_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? { ms, supervisor: "pm2", setting: "kill_timeout" } : undefined;
}
