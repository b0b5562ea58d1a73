import type { FastifyReply, FastifyRequest } from 'fastify';

/** The browser session: HttpOnly, SameSite=Lax, Path=/, Secure when the public URL is https. */
export const SESSION_COOKIE = 'tollgate_session';
/** A sign-in in flight, from the redirect to the identity provider until its callback. */
export const LOGIN_COOKIE = 'tollgate_oidc_login';
export const LOGIN_COOKIE_PATH = '/auth/oidc';

/** The value of one cookie of the request, or undefined (the first one wins if repeated). */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

export interface CookieOptions {
  path: string;
  secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
}

/**
 * Adds a Set-Cookie. Every cookie Tollgate sets is HttpOnly (no script reads it) and
 * SameSite=Lax (not sent on cross-site subrequests or form posts; the provider's redirect back
 * to the callback is a top-level navigation, which Lax allows).
 */
export function setCookie(reply: FastifyReply, name: string, value: string, opts: CookieOptions): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${opts.path}`, `Max-Age=${opts.maxAge}`, 'HttpOnly', 'SameSite=Lax'];
  if (opts.maxAge === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (opts.secure) parts.push('Secure');
  // Fastify appends each Set-Cookie to those already set.
  void reply.header('set-cookie', parts.join('; '));
}
