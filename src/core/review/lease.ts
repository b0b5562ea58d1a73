import { TollgateError } from '../errors.js';
import type { TaskStatus } from '../types.js';

/** Default and maximum time a reviewer holds a claimed task before it returns to the queue. */
export const DEFAULT_LEASE_SECONDS = 600;
export const MAX_LEASE_SECONDS = 3600;
export const MIN_LEASE_SECONDS = 10;

export interface LeaseView {
  id: string;
  status: TaskStatus;
  lease_owner: string | null;
  lease_expires_at: number | null;
}

/**
 * Only the current lease holder may act on a task, and only before the lease runs out. A
 * late writer gets a precise reason so a client can tell "too slow" from "not yours".
 */
export function assertLeaseHeld(task: LeaseView, actor: string, now: number): void {
  if (task.status === 'done') throw new TollgateError('TG_TASK_ALREADY_DONE', `task ${task.id} is already done`);
  if (task.status === 'escalated') {
    throw new TollgateError('TG_TASK_ESCALATED', `task ${task.id} was escalated to the experts; an expert's judgment decides the item`);
  }
  if (task.status === 'cancelled' || task.status === 'expired') {
    throw new TollgateError('TG_TASK_NOT_LEASED', `task ${task.id} is ${task.status}`);
  }
  const expired = task.lease_expires_at !== null && task.lease_expires_at <= now;
  if (task.lease_owner === actor && (task.status === 'pending' || expired)) {
    throw new TollgateError('TG_TASK_LEASE_EXPIRED', `your lease on task ${task.id} expired; claim a task again`, {
      lease_expired_at: task.lease_expires_at === null ? null : new Date(task.lease_expires_at).toISOString(),
    });
  }
  if (task.status !== 'claimed' || task.lease_owner !== actor) {
    throw new TollgateError('TG_TASK_NOT_LEASE_HOLDER', `task ${task.id} is not leased to you`);
  }
  if (expired) {
    throw new TollgateError('TG_TASK_LEASE_EXPIRED', `your lease on task ${task.id} expired; claim a task again`);
  }
}

export function leaseSeconds(requested: number | undefined): number {
  if (requested === undefined) return DEFAULT_LEASE_SECONDS;
  return Math.min(MAX_LEASE_SECONDS, Math.max(MIN_LEASE_SECONDS, Math.floor(requested)));
}
