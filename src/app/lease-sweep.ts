/** How stale, at most, the claim path lets a project's expired leases get (in clock ms). */
export const SWEEP_INTERVAL_MS = 1000;

const MAX_PROJECTS = 10_000;

interface ProjectSweep {
  /** The clock time from which the next claim sweeps again. */
  dueAt: number;
  running: Promise<void> | undefined;
}

export interface SweepOutcome {
  /** The project still has expired leases (the sweep took a bounded batch). */
  more: boolean;
  /** The earliest lease of the project still running after the sweep, or null. */
  nextExpiry: number | null;
}

/**
 * Decides when a claim first returns the project's expired leases to the queue. Sweeping before
 * every claim cost a transaction per claim; sweeping once per interval of the context's clock
 * would let a lease that expired just after a sweep linger, which a reviewer (or a test moving
 * the clock by hand) would see as a task that cannot be claimed. So a sweep is due one interval
 * after the last one, or as soon as the earliest lease known to be running at the last sweep
 * expires, whichever comes first. A lease taken after a sweep runs at least MIN_LEASE_SECONDS,
 * longer than the interval, so it cannot expire before the interval ends.
 *
 * Per process, like any cache here; the server's periodic sweeper covers idle projects.
 */
export class LeaseSweepThrottle {
  readonly #projects = new Map<string, ProjectSweep>();

  /** Runs `sweep` if it is due; claims arriving while it runs wait for it rather than start another. */
  async sweepIfDue(projectId: string, now: number, sweep: (now: number) => Promise<SweepOutcome>): Promise<void> {
    const state = this.#projects.get(projectId);
    if (state?.running) return state.running;
    if (state && now < state.dueAt) return;
    const running = sweep(now).then(
      (out) => {
        const dueAt = out.more ? now : Math.min(now + SWEEP_INTERVAL_MS, out.nextExpiry ?? Infinity);
        this.#projects.set(projectId, { dueAt, running: undefined });
      },
      (err: unknown) => {
        // Not remembered as done, so the next claim tries again.
        this.#projects.delete(projectId);
        throw err;
      },
    );
    if (!state && this.#projects.size >= MAX_PROJECTS) this.#projects.clear();
    this.#projects.set(projectId, { dueAt: state?.dueAt ?? now, running });
    return running;
  }
}
