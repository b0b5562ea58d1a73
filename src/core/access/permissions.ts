import { TollgateError } from '../errors.js';
import type { Principal, Role } from '../types.js';

export const PERMISSIONS = [
  'keys:manage',
  'projects:create',
  'projects:read',
  'projects:configure',
  'items:create',
  'items:read',
  // Reading an item as sent, before redaction: admins by default; a project's
  // redaction.original_roles names who else (or who instead) may.
  'items:read_original',
  'outcomes:read',
  'tasks:work',
  'tasks:expert',
  'audit:read',
  'stats:read',
  'reviewers:assess',
  'data:erase',
  // Training and evaluation exports: every item's content and every judgment, comments included.
  'data:export',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = ['projects:read', 'items:read', 'outcomes:read'];
const WORK: Permission[] = [...READ, 'tasks:work'];

/**
 * Least privilege, as one table so it can be read and tested whole. `ingest` keys sit in
 * front of production models and may only send items; `viewer` reads, quality figures included;
 * `reviewer` and `expert` work tasks and see no statistics on their peers (aggregates would
 * show them how others judged); `manager` configures projects and assesses reviewers; only
 * `admin` mints keys.
 */
export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  // The caller that sent an item waits for its outcome (holds), so ingest reads outcomes too.
  ingest: new Set<Permission>(['items:create', 'outcomes:read']),
  viewer: new Set<Permission>([...READ, 'stats:read']),
  reviewer: new Set<Permission>(WORK),
  expert: new Set<Permission>([...WORK, 'tasks:expert']),
  manager: new Set<Permission>([
    ...WORK,
    'tasks:expert',
    'projects:create',
    'projects:configure',
    'items:create',
    'audit:read',
    'stats:read',
    'reviewers:assess',
    'data:erase',
    'data:export',
  ]),
  admin: new Set<Permission>(PERMISSIONS),
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

export function assertCan(principal: Principal, permission: Permission): void {
  if (!can(principal.role, permission)) {
    throw new TollgateError('TG_FORBIDDEN', `role "${principal.role}" may not ${describe(permission)}`, { permission });
  }
}

/**
 * The front line: roles that work tasks but do not assess reviewers (`reviewer`, `expert`). They
 * read blind (their own work only) and are held to a standing (qualification, pause); managers
 * and admins, who set the standard, are neither.
 */
export function isFrontline(role: Role): boolean {
  return can(role, 'tasks:work') && !can(role, 'reviewers:assess');
}

/** A project-scoped key sees only its project; to it, others do not exist. */
export function canSeeProject(principal: Principal, projectId: string): boolean {
  return principal.project_id === null || principal.project_id === projectId;
}

function describe(permission: Permission): string {
  const [subject, verb] = permission.split(':') as [string, string];
  return `${verb} ${subject}`;
}
