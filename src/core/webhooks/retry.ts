/**
 * When a failed delivery is tried again: after 5 s, 30 s, 2 min, 10 min, 1 h, 3 h, 6 h, 12 h and
 * 24 h, each stretched or shrunk by up to a fifth at random so that deliveries that failed
 * together (an endpoint that was down) do not all come back at the same instant. Ten attempts
 * over about two days, then the delivery is `failed` (it can still be replayed).
 */
export const RETRY_DELAYS_MS: readonly number[] = [5, 30, 120, 600, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600].map((s) => s * 1000);

export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

const JITTER = 0.2;

/** The wait before the next attempt, after `attemptsMade` attempts (1 or more) failed; `random` in [0, 1). */
export function retryDelayMs(attemptsMade: number, random: number): number {
  const base = RETRY_DELAYS_MS[Math.min(Math.max(attemptsMade, 1), RETRY_DELAYS_MS.length) - 1]!;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random));
}

/**
 * A webhook is paused once it has failed this many attempts in a row, over at least a day: an
 * endpoint that is gone, not one that was down for a deploy. Any success ends the run.
 */
export const PAUSE_AFTER_FAILURES = 10;
export const PAUSE_AFTER_MS = 24 * 3600 * 1000;

export function shouldPause(failureStreak: number, failingSince: number | null, now: number): boolean {
  return failureStreak >= PAUSE_AFTER_FAILURES && failingSince !== null && now - failingSince >= PAUSE_AFTER_MS;
}
