/**
 * Supervisors that end a process with SIGKILL some time after their polite signal, and say how
 * long in the environment they give it. Only what can be read from inside the process is here:
 * Docker (`docker stop`, 10 s), Kubernetes (`terminationGracePeriodSeconds`, 30 s) and systemd
 * (`TimeoutStopSec`, 90 s) keep their deadline outside (docs/launchers.md).
 */

/** A kill deadline announced by the supervisor: SIGKILL comes `ms` after its signal. */
export interface KillDeadline {
  readonly ms: number;
  /** Who sends the SIGKILL, and the setting that says when, for the T7 line: `pm2`, `kill_timeout`. */
  readonly supervisor: string;
  readonly setting: string;
}

/** pm2's default `kill_timeout` (its constants.js: PM2_KILL_TIMEOUT in the daemon's environment, or 1600). */
const PM2_KILL_TIMEOUT_MS = 1600;

/**
 * The kill deadline of the supervisor this process runs under, from its environment (read by
 * `env`), or undefined when none is known. pm2 puts `pm_id` in every app's environment (fork and
 * cluster mode), and `kill_timeout` only when it was set (`--kill-timeout`, the ecosystem file).
 */
export function killDeadline(env: (name: string) => string | undefined): KillDeadline | undefined {
  if (env("pm_id") === undefined) return undefined;
  const ms = Number(env("kill_timeout") ?? env("PM2_KILL_TIMEOUT") ?? PM2_KILL_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? { ms, supervisor: "pm2", setting: "kill_timeout" } : undefined;
}
