/**
 * Every failure a client can see has a stable code. Clients switch on `code`; people read
 * `message`. The HTTP adapter maps `status`; the CLI prints `code: message` and exits non-zero.
 */
export const ERROR_CODES = {
  TG_VALIDATION_FAILED: 400,
  TG_MALFORMED_JSON: 400,
  TG_UNSUPPORTED_MEDIA_TYPE: 415,
  TG_PAYLOAD_TOO_LARGE: 413,
  TG_UNAUTHENTICATED: 401,
  TG_FORBIDDEN: 403,
  /** A state-changing request authenticated by the session cookie without its `x-csrf-token`. */
  TG_CSRF_FAILED: 403,
  /** A single sign-on callback that could not be completed (unknown or used sign-in, state, code, ID token). */
  TG_SSO_FAILED: 401,
  /** Email and password sign-in refused: unknown email, wrong password or disabled user, deliberately not said which. */
  TG_INVALID_CREDENTIALS: 401,
  TG_REVIEWER_SUSPENDED: 403,
  TG_NOT_FOUND: 404,
  TG_PROJECT_NOT_FOUND: 404,
  TG_ITEM_NOT_FOUND: 404,
  TG_TASK_NOT_FOUND: 404,
  TG_ROUTE_NOT_FOUND: 404,
  TG_INVALID_POLICY: 422,
  TG_INVALID_RUBRIC: 422,
  TG_INVALID_JUDGMENT: 422,
  TG_INVALID_GUIDELINE: 422,
  TG_INVALID_DATA_PROTECTION: 422,
  /** An evaluator set (checks and judge models, see docs/evaluators.md) that cannot be used. */
  TG_INVALID_EVALUATORS: 422,
  /** A monitor set (drift and error-rate monitors, see docs/monitoring.md) that cannot be used. */
  TG_INVALID_MONITORS: 422,
  TG_INVALID_CURSOR: 400,
  TG_BATCH_TOO_LARGE: 413,
  TG_TASK_NOT_LEASED: 409,
  TG_TASK_LEASE_EXPIRED: 409,
  TG_TASK_NOT_LEASE_HOLDER: 409,
  TG_TASK_ALREADY_DONE: 409,
  TG_ITEM_ALREADY_DECIDED: 409,
  TG_TASK_ESCALATED: 409,
  TG_CONFLICT: 409,
  TG_USER_EXISTS: 409,
  TG_RATE_LIMITED: 429,
  TG_STATS_INVALID_INPUT: 422,
  TG_STATS_UNDEFINED: 422,
  TG_INTERNAL: 500,
  TG_STORE_UNAVAILABLE: 503,
  /** The identity provider did not answer (discovery or token exchange). */
  TG_SSO_UNAVAILABLE: 503,
  TG_ENCRYPTION_UNAVAILABLE: 503,
  /** The OpenAI-compatible proxy (see docs/proxy.md): settings refused, absent, or unusable on this server. */
  TG_INVALID_PROXY_SETTINGS: 422,
  TG_PROXY_NOT_CONFIGURED: 404,
  TG_PROXY_CREDENTIAL_MISSING: 500,
  /** The proxy's upstream could not be reached, broke off, or gave no usable answer. */
  TG_UPSTREAM_UNAVAILABLE: 502,
  TG_UPSTREAM_TIMEOUT: 504,
  /** A judge model's endpoint names a credential this server does not have or allow. */
  TG_JUDGE_CREDENTIAL_MISSING: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TollgateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'TollgateError';
    this.code = code;
    this.status = ERROR_CODES[code];
    this.details = details;
  }
}

export function isTollgateError(err: unknown): err is TollgateError {
  return err instanceof TollgateError;
}
