import { ROLES, type Role } from '../types.js';

/**
 * Single sign-on: how an identity provider's claims become a Tollgate role and project scope.
 * Pure, so the rules can be read and tested whole; the OpenID Connect exchange that produces
 * the (validated) claims lives in the app layer.
 */

/** IdP claim value → Tollgate role, from `TOLLGATE_OIDC_ROLE_MAP`. */
export type RoleMap = ReadonlyMap<string, Role>;

const isRole = (v: string): v is Role => (ROLES as readonly string[]).includes(v);

/**
 * `{"grp-reviewers": "reviewer", …}` (a JSON object) or `grp-reviewers=reviewer,grp-admins=admin`.
 * Throws an Error naming the bad entry; several claim values may map to one role.
 */
export function parseRoleMap(raw: string): RoleMap {
  const text = raw.trim();
  const pairs: [string, unknown][] = [];
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('must be a JSON object of claim value → role');
    pairs.push(...Object.entries(parsed));
  } else {
    for (const part of text.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.lastIndexOf('=');
      if (eq <= 0) throw new Error(`entry "${part.trim()}" must be "claim-value=role"`);
      pairs.push([part.slice(0, eq).trim(), part.slice(eq + 1).trim()]);
    }
  }
  if (pairs.length === 0) throw new Error('maps nothing');
  const map = new Map<string, Role>();
  for (const [from, to] of pairs) {
    if (from === '') throw new Error('has an empty claim value');
    if (typeof to !== 'string' || !isRole(to))
      throw new Error(`maps "${from}" to ${JSON.stringify(to)}, which is not a role (${ROLES.join(', ')})`);
    map.set(from, to);
  }
  return map;
}

/**
 * The claim at `path`: the claim of that exact name first (namespaced claims such as
 * `https://example.com/roles` contain dots), else a walk down nested objects
 * (`realm_access.roles`).
 */
export function claimAt(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let at: unknown = claims;
  for (const seg of path.split('.')) {
    if (typeof at !== 'object' || at === null || Array.isArray(at) || !Object.hasOwn(at, seg)) return undefined;
    at = (at as Record<string, unknown>)[seg];
  }
  return at;
}

/** A claim as a list of strings: a string, or the strings of an array; anything else is none. */
export function claimStrings(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  return [];
}

export interface RoleClaimRules {
  /** Claim name or dotted path. */
  claim: string;
  /** Claim value → role; null: the claim values must be Tollgate role names. */
  map: RoleMap | null;
}

/**
 * The most privileged role the claim's values map to (in the order of `ROLES`, admin first),
 * or null when none maps: such a user is refused sign-in. `values` is what the claim held.
 */
export function roleFromClaims(claims: Readonly<Record<string, unknown>>, rules: RoleClaimRules): { role: Role | null; values: string[] } {
  const values = claimStrings(claimAt(claims, rules.claim));
  let best: Role | null = null;
  for (const v of values) {
    const role = rules.map === null ? (isRole(v) ? v : undefined) : rules.map.get(v);
    if (role !== undefined && (best === null || ROLES.indexOf(role) < ROLES.indexOf(best))) best = role;
  }
  return { role: best, values };
}

export type ProjectScope = { ok: true; project_id: string | null } | { ok: false; reason: string };

/**
 * The project a signed-in user is confined to.
 * - No project claim configured: none; the role alone limits the user, like an unscoped key.
 * - Configured and present (a string, or an array of exactly one): that project, whatever the role.
 * - Configured and absent: admins are global; anyone else is refused, since the operator said
 *   users are confined to projects and a missing claim must not widen access to all of them.
 * - Several projects: refused (a session, like a key, has one scope).
 */
export function projectFromClaims(claims: Readonly<Record<string, unknown>>, claim: string | null, role: Role): ProjectScope {
  if (claim === null) return { ok: true, project_id: null };
  const values = claimStrings(claimAt(claims, claim));
  if (values.length > 1) return { ok: false, reason: `claim "${claim}" names ${values.length} projects; a session is confined to one` };
  const only = values[0];
  if (only !== undefined) return { ok: true, project_id: only };
  if (role === 'admin') return { ok: true, project_id: null };
  return { ok: false, reason: `claim "${claim}" names no project, and only admins may sign in without one` };
}
