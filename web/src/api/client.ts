import type { components, paths } from '../../../packages/sdk/src/generated/openapi.js';

/** Schemas of the public API, as generated from docs/openapi.json (the same ones the server validates with). */
export type Schemas = components['schemas'];
export type { paths };

/** An error answer of the API: `{error: {code, message, details}}`, with the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Field-level problems (`details.errors: [{path, message}]`) keyed by path, for showing beside fields. */
  fieldErrors(): Map<string, string> {
    const out = new Map<string, string>();
    const list = this.details?.['errors'];
    if (Array.isArray(list)) {
      for (const e of list) {
        if (e && typeof e === 'object' && typeof (e as { path?: unknown }).path === 'string') {
          const { path, message } = e as { path: string; message?: unknown };
          out.set(path, typeof message === 'string' ? message : 'invalid');
        }
      }
    }
    return out;
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The console's only way to the server: same origin, the HttpOnly session cookie, and the
 * session's CSRF token on every state-changing call. A 401 tells the app to show the sign-in page.
 */
export class Api {
  #csrf: string | null = null;
  onUnauthenticated: (() => void) | null = null;

  setCsrf(token: string | null): void {
    this.#csrf = token;
  }

  async request<T>(method: string, path: string, body?: unknown, init?: { signal?: AbortSignal }): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (!SAFE.has(method) && this.#csrf !== null) headers['x-csrf-token'] = this.#csrf;
    const res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? null : JSON.stringify(body),
      signal: init?.signal ?? null,
    });
    if (res.status === 204) return null as T;
    const text = await res.text();
    const parsed: unknown = text === '' ? null : safeJson(text);
    if (!res.ok) {
      const err = readError(res.status, parsed);
      if (res.status === 401 && !path.startsWith('/auth/')) this.onUnauthenticated?.();
      throw err;
    }
    return parsed as T;
  }

  get<T>(path: string, init?: { signal?: AbortSignal }): Promise<T> {
    return this.request<T>('GET', path, undefined, init);
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {});
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }
  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function readError(status: number, body: unknown): ApiError {
  if (body && typeof body === 'object' && 'error' in body) {
    const e = (body as { error: { code?: unknown; message?: unknown; details?: unknown } }).error;
    return new ApiError(
      status,
      typeof e.code === 'string' ? e.code : `HTTP_${status}`,
      typeof e.message === 'string' ? e.message : `request failed (${status})`,
      e.details && typeof e.details === 'object' ? (e.details as Record<string, unknown>) : undefined,
    );
  }
  return new ApiError(
    status,
    `HTTP_${status}`,
    typeof body === 'string' && body !== '' ? body.slice(0, 300) : `request failed (${status})`,
    undefined,
  );
}

/** Builds a query string from defined values only. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

export const api = new Api();
