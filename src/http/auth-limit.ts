import { createHash } from 'node:crypto';

/**
 * Failed authentications, counted per client address and per presented key over a sliding
 * minute. Past the limit, that address (or that key, from anywhere) is refused before its key
 * is even looked at, so guessing is slowed and a flood of bad keys costs no store lookups.
 * Per server: with several servers behind a balancer, each enforces its own count.
 */
export class AuthFailureLimiter {
  readonly #failures = new Map<string, number[]>();

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the caller may try again, or 0 when it may try now. */
  retryAfter(ip: string, key: string | undefined): number {
    if (this.perMinute <= 0) return 0;
    const t = this.now();
    let wait = 0;
    for (const id of this.#ids(ip, key)) {
      const recent = this.#recent(id, t);
      if (recent.length >= this.perMinute) wait = Math.max(wait, Math.ceil((recent[0]! + WINDOW_MS - t) / 1000));
    }
    return wait;
  }

  fail(ip: string, key: string | undefined): void {
    if (this.perMinute <= 0) return;
    const t = this.now();
    if (this.#failures.size > MAX_TRACKED) this.#failures.clear();
    for (const id of this.#ids(ip, key)) this.#failures.set(id, [...this.#recent(id, t), t]);
  }

  #ids(ip: string, key: string | undefined): string[] {
    // Keys are tracked by a hash prefix: the limiter holds no usable secret.
    return key === undefined ? [`ip:${ip}`] : [`ip:${ip}`, `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`];
  }

  #recent(id: string, t: number): number[] {
    return (this.#failures.get(id) ?? []).filter((at) => at > t - WINDOW_MS);
  }
}

const WINDOW_MS = 60_000;
const MAX_TRACKED = 100_000;
