import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, type Schemas } from '../api/client.js';
import type { Claim } from './task-view.js';

export type Lease = 'held' | 'lost';

export type ClaimState =
  | { phase: 'claiming' }
  | { phase: 'task'; claim: Claim; lease: Lease }
  | { phase: 'empty'; checkedAt: number }
  | { phase: 'error'; error: Error };

/** Answers that mean the task is no longer ours to judge. */
const LOST_CODES = new Set([
  'TG_TASK_LEASE_EXPIRED',
  'TG_TASK_NOT_LEASE_HOLDER',
  'TG_TASK_NOT_LEASED',
  'TG_TASK_ALREADY_DONE',
  'TG_TASK_ESCALATED',
]);

export function meansLeaseLost(err: unknown): boolean {
  return err instanceof ApiError && LOST_CODES.has(err.code);
}

const POLL_MS = 10_000;

function readHeld(key: string): Claim | null {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? null : (JSON.parse(raw) as Claim);
  } catch {
    return null;
  }
}

function writeHeld(key: string, claim: Claim | null): void {
  try {
    if (claim === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(claim));
  } catch {
    // Without storage a reload claims afresh; the old lease then simply runs out.
  }
}

/**
 * One reviewer's work loop in a project: hold at most one task at a time, claim the next only
 * once the current one is submitted, skipped or escalated, and poll an empty queue. The held
 * claim is remembered per reviewer and project, so a reload resumes the same task (and its
 * draft) instead of leaving a lease behind and taking a second one.
 */
export function useClaimLoop(projectId: string, queue: string, actor: string) {
  const heldKey = `tollgate.workspace.held.${actor}.${projectId}`;
  const [state, setState] = useState<ClaimState>({ phase: 'claiming' });
  const busy = useRef(false);
  const started = useRef(false);

  const claimNext = useCallback(
    async (opts: { quiet?: boolean } = {}) => {
      if (busy.current) return;
      busy.current = true;
      if (!opts.quiet) setState({ phase: 'claiming' });
      try {
        const claim = await api.post<Claim | null>(
          `/v1/projects/${encodeURIComponent(projectId)}/tasks/claim`,
          queue === '*' ? {} : { queue },
        );
        writeHeld(heldKey, claim);
        setState(claim ? { phase: 'task', claim, lease: 'held' } : { phase: 'empty', checkedAt: Date.now() });
      } catch (err) {
        if (!opts.quiet) setState({ phase: 'error', error: err instanceof Error ? err : new Error(String(err)) });
      } finally {
        busy.current = false;
      }
    },
    [projectId, queue, heldKey],
  );

  // Strict mode runs effects twice; the ref keeps that from claiming two tasks.
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const held = readHeld(heldKey);
    const expires = held?.task.lease_expires_at ? Date.parse(held.task.lease_expires_at) : 0;
    if (!held || expires < Date.now() + 5_000) {
      writeHeld(heldKey, null);
      void claimNext();
      return;
    }
    api
      .post<Schemas['Task']>(`/v1/tasks/${encodeURIComponent(held.task.id)}/renew`, {})
      .then((task) => {
        const claim = { ...held, task };
        writeHeld(heldKey, claim);
        setState({ phase: 'task', claim, lease: 'held' });
      })
      .catch(() => {
        writeHeld(heldKey, null);
        void claimNext();
      });
  }, [heldKey, claimNext]);

  useEffect(() => {
    if (state.phase !== 'empty') return;
    const id = window.setInterval(() => {
      if (document.visibilityState === 'visible') void claimNext({ quiet: true });
    }, POLL_MS);
    return () => window.clearInterval(id);
  }, [state.phase, claimNext]);

  const current = state.phase === 'task' ? state.claim : null;

  const markLost = useCallback(
    (taskId: string) => {
      writeHeld(heldKey, null);
      setState((s) => (s.phase === 'task' && s.claim.task.id === taskId ? { ...s, lease: 'lost' } : s));
    },
    [heldKey],
  );

  const renew = useCallback(async (): Promise<boolean> => {
    if (!current) return false;
    try {
      const task = await api.post<Schemas['Task']>(`/v1/tasks/${encodeURIComponent(current.task.id)}/renew`, {});
      const claim = { ...current, task };
      writeHeld(heldKey, claim);
      setState((s) => (s.phase === 'task' && s.claim.task.id === task.id ? { phase: 'task', claim, lease: 'held' } : s));
      return true;
    } catch (err) {
      if (meansLeaseLost(err)) markLost(current.task.id);
      return false;
    }
  }, [current, heldKey, markLost]);

  /** The current task is done with (submitted or escalated): forget it and take the next. */
  const finished = useCallback(() => {
    writeHeld(heldKey, null);
    void claimNext();
  }, [heldKey, claimNext]);

  /** Give the current task back to the queue (when leaving the workspace, or skipping it). */
  const giveBack = useCallback(async () => {
    if (!current) return;
    try {
      await api.post(`/v1/tasks/${encodeURIComponent(current.task.id)}/release`);
    } catch (err) {
      // A lease that already ran out has nothing to give back.
      if (!meansLeaseLost(err)) throw err;
    }
    writeHeld(heldKey, null);
  }, [current, heldKey]);

  const skip = useCallback(async () => {
    await giveBack();
    finished();
  }, [giveBack, finished]);

  return { state, claimNext, renew, markLost, finished, giveBack, skip };
}
