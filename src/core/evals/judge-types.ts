/**
 * A judge model: an OpenAI-compatible chat endpoint asked to score one rubric criterion of an
 * output, answering in a strict JSON shape. Stored in the shape `readEvaluatorSet` returns
 * (every default filled in), so a stored judge means the same after defaults change.
 */
export interface JudgeSpec {
  /** Absolute http(s) base URL of the API, e.g. `http://127.0.0.1:8000/v1`; calls go to `{endpoint}/chat/completions`. */
  endpoint: string;
  model: string;
  /** The server environment variable holding the endpoint's key (same allowlist as the proxy's); null for keyless endpoints. */
  api_key_env: string | null;
  /** The rubric criterion the judge scores: its label, description and scale go into the prompt, and agreement is measured on it. */
  criterion: string;
  /** A prompt template with {{placeholders}}; null uses the built-in template. */
  prompt: string | null;
  /** A score at or above this passes; below it fails. */
  pass_at: number;
  /** One attempt's limit. */
  timeout_ms: number;
  /** Further attempts after a transient failure (network error, HTTP 408, 429, 5xx). */
  retries: number;
  /** Requests in flight at once, per evaluator, per server. */
  concurrency: number;
  max_tokens: number;
  temperature: number;
  /** Price per million tokens, to count spend against `daily_budget`; null when the endpoint costs nothing. */
  price: { input_per_million: number; output_per_million: number } | null;
  /** Spend allowed per UTC day, in the unit of `price`; once reached, the judge answers unknown until the next day. */
  daily_budget: number | null;
  /** Reuse the answer to an identical request (same endpoint, model, messages and settings). */
  cache: boolean;
}

/** What a judge's answer means once parsed: a score on the criterion's scale, or why there is none. */
export type JudgeAnswer = { ok: true; score: number; label: string | null; explanation: string } | { ok: false; reason: string };

export interface ChatMessageOut {
  role: 'system' | 'user';
  content: string;
}
