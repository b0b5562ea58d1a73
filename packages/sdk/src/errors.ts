import type { CaptureResult, Outcome, PendingOutcome } from './types.js';

/** Every error the SDK throws on its own account extends this (a caller's abort rethrows the signal's reason). */
export class TollgateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The server answered with an error status. `code` is the server's stable `TG_…` code (switch on
 * it); `details` is the error's `details` (e.g. `errors` with each failing field). A response that
 * is not a Tollgate error body (a proxy's error page) gets the code `TG_HTTP_<status>`.
 */
export class TollgateApiError extends TollgateError {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  /** `Retry-After` in milliseconds, when the server sent one (429, 503). */
  readonly retryAfterMs: number | null;
  /** How many times the request was sent before this answer (1 when it was not retried). */
  readonly attempts: number;
  /**
   * For `items.captureBatch`: the index, in the array you passed, of the item the server named in
   * `details.item_index` (that one counts within the failing chunk of up to 1,000).
   */
  readonly itemIndex: number | undefined;
  private readonly serverMessage: string;

  constructor(status: number, code: string, message: string, details: unknown, extra: ApiErrorExtra = {}) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
    this.details = details;
    this.serverMessage = message;
    this.retryAfterMs = extra.retryAfterMs ?? null;
    this.attempts = extra.attempts ?? 1;
    this.itemIndex = extra.itemIndex;
  }

  /** The same error, naming the failing item's index in the caller's whole array. */
  withItemIndex(itemIndex: number): TollgateApiError {
    const { retryAfterMs, attempts } = this;
    return new TollgateApiError(this.status, this.code, this.serverMessage, this.details, { retryAfterMs, attempts, itemIndex });
  }
}

export interface ApiErrorExtra {
  retryAfterMs?: number | null;
  attempts?: number;
  itemIndex?: number;
}

/** No answer from the server (connection refused or reset, DNS, the per-request timeout), after the retries allowed. */
export class TollgateConnectionError extends TollgateError {}

/**
 * `guard()`: people decided the output must not be used — rejected, withdrawn (its content was
 * erased before anyone decided), or timed out with the `reject` fallback. `outcome` says which.
 */
export class TollgateRejectedError extends TollgateError {
  readonly outcome: Outcome;
  readonly item: CaptureResult;

  constructor(item: CaptureResult, outcome: Outcome) {
    const why = outcome.status === 'timed_out' ? 'timed out (fallback: reject)' : outcome.status;
    super(`item ${item.id} was ${why}${outcome.reason ? `: ${outcome.reason}` : ''}`);
    this.outcome = outcome;
    this.item = item;
  }
}

/**
 * `guard()`: your own wait budget (`waitSeconds`, or the hold's deadline plus a grace period) ran
 * out while the item was still pending. The item stays held on the server: its outcome can still
 * be read later with `outcomes.get(error.itemId)`.
 */
export class TollgateTimeoutError extends TollgateError {
  readonly itemId: string;
  /** The capture's answer, when the wait came from `guard()`. */
  readonly item: CaptureResult | null;
  /** The last pending answer (with the hold's deadline), if the outcome was polled at all. */
  readonly pending: PendingOutcome | null;
  readonly waitedMs: number;

  constructor(itemId: string, item: CaptureResult | null, pending: PendingOutcome | null, waitedMs: number) {
    super(`item ${itemId} was still pending after ${Math.round(waitedMs / 1000)} s`);
    this.itemId = itemId;
    this.item = item;
    this.pending = pending;
    this.waitedMs = waitedMs;
  }
}
