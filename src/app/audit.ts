import { createHash } from 'node:crypto';
import type { AuditEventInput } from '../store/audit-repo.js';
import type { AppContext } from './context.js';

/** Builds an audit event stamped with the context's clock; written by the caller's transaction. */
export function auditEvent(ctx: AppContext, e: Omit<AuditEventInput, 'created_at'> & { created_at?: number }): AuditEventInput {
  return { ...e, created_at: e.created_at ?? ctx.clock() };
}

/** For free text the trail must vouch for without holding: what a reviewer wrote about an item. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
