import { useEffect, useRef, useState } from 'react';

/** The current time, re-rendering every `everyMs`. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(id);
  }, [everyMs]);
  return now;
}

/** `m:ss`, or `h:mm:ss` past an hour; never negative. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "3 min", "2 h", "5 d": the age of the oldest waiting task. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

const RENEW_BELOW_MS = 4 * 60_000;
const ACTIVE_WITHIN_MS = 3 * 60_000;
const CHECK_EVERY_MS = 15_000;

/**
 * Renews a lease while someone is actually working on it: the page is visible and there was a
 * key, pointer or input event lately. An idle reviewer's lease runs out, so the task goes back
 * to the queue instead of sitting in an abandoned tab.
 */
export function useAutoRenew(expiresAt: string | null, enabled: boolean, renew: () => Promise<boolean>): void {
  const lastActive = useRef(Date.now());
  const renewRef = useRef(renew);
  renewRef.current = renew;
  useEffect(() => {
    const mark = () => {
      lastActive.current = Date.now();
    };
    const events = ['keydown', 'pointerdown', 'input', 'wheel'] as const;
    for (const e of events) window.addEventListener(e, mark, { passive: true, capture: true });
    return () => {
      for (const e of events) window.removeEventListener(e, mark, { capture: true });
    };
  }, []);
  useEffect(() => {
    if (!enabled || expiresAt === null) return;
    const expires = Date.parse(expiresAt);
    const check = () => {
      const now = Date.now();
      if (document.visibilityState !== 'visible') return;
      if (now - lastActive.current > ACTIVE_WITHIN_MS) return;
      if (expires - now > RENEW_BELOW_MS || expires <= now) return;
      void renewRef.current();
    };
    const id = window.setInterval(check, CHECK_EVERY_MS);
    document.addEventListener('visibilitychange', check);
    return () => {
      window.clearInterval(id);
      document.removeEventListener('visibilitychange', check);
    };
  }, [expiresAt, enabled]);
}
