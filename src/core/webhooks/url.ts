/** Longer than any endpoint needs; short enough that a URL is never a payload of its own. */
export const MAX_WEBHOOK_URL_LENGTH = 2000;

/**
 * Checks a webhook or callback URL and returns it as it will be requested (normalised), or a
 * problem in words. Only http(s); no credentials, which would sit in the store and the delivery
 * log in clear (put a token in the path or query instead, or verify the signature); no fragment,
 * which is never sent and would only mislead.
 */
export function checkWebhookUrl(raw: string): { url: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'must be an absolute http:// or https:// URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'must be an http:// or https:// URL' };
  if (url.username !== '' || url.password !== '') return { problem: 'must not hold credentials (user:password@)' };
  if (url.hostname === '') return { problem: 'must name a host' };
  if (url.hash !== '') return { problem: 'must have no #fragment' };
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH) return { problem: `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` };
  return { url: url.href };
}

/** What the audit trail keeps of a URL: its origin and a digest, since paths and queries often carry tokens. */
export function urlOrigin(url: string): string {
  return new URL(url).origin;
}
