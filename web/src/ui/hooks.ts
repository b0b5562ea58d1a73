import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError } from '../api/client.js';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads something when its dependencies change; a newer load wins over a slower older one. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    loadRef
      .current(ctl.signal)
      .then((d) => {
        if (ctl.signal.aborted) return;
        setData(d);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (ctl.signal.aborted) return;
        setError(e instanceof Error ? e : new Error(String(e)));
      })
      .finally(() => {
        if (!ctl.signal.aborted) setLoading(false);
      });
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** Persists a value in localStorage under a key (drafts survive errors, expired leases and reloads). */
export function useLocalDraft<T>(key: string | null, initial: T): [T, (v: T | ((old: T) => T)) => void, () => void] {
  const read = useCallback((): T => {
    if (key === null) return initial;
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? initial : (JSON.parse(raw) as T);
    } catch {
      return initial;
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  const [value, setValue] = useState<T>(read);
  useEffect(() => setValue(read()), [read]);
  const set = useCallback(
    (v: T | ((old: T) => T)) => {
      setValue((old) => {
        const next = typeof v === 'function' ? (v as (o: T) => T)(old) : v;
        if (key !== null) {
          try {
            localStorage.setItem(key, JSON.stringify(next));
          } catch {
            // A full or disabled storage only costs the draft's persistence.
          }
        }
        return next;
      });
    },
    [key],
  );
  const clear = useCallback(() => {
    if (key !== null) localStorage.removeItem(key);
  }, [key]);
  return [value, set, clear];
}
