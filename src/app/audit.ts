import type { AuditEventInput } from '../store/audit-repo.js';
import type { AppContext } from './context.js';

/** Builds an audit event stamped with the context's clock; written by the caller's transaction. */
export function auditEvent(ctx: AppContext, e: Omit<AuditEventInput, 'created_at'> & { created_at?: number }): AuditEventInput {
  return { ...e, created_at: e.created_at ?? ctx.clock() };
}
