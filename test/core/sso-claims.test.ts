import { describe, expect, it } from 'vitest';
import { claimAt, parseRoleMap, projectFromClaims, roleFromClaims } from '../../src/core/access/sso-claims.js';
import { loadConfig } from '../../src/config.js';
import { safeReturnPath } from '../../src/http/routes/auth.js';

describe('role mapping from claims', () => {
  it('parses a role map as JSON or as value=role pairs, and names a bad entry', () => {
    expect([...parseRoleMap('{"grp-a": "admin", "grp-r": "reviewer"}')]).toEqual([
      ['grp-a', 'admin'],
      ['grp-r', 'reviewer'],
    ]);
    // The last `=` splits a pair, so values may hold `=`; values with commas need the JSON form.
    expect([...parseRoleMap(' grp-a = admin , cn=Reviewers=reviewer ')]).toEqual([
      ['grp-a', 'admin'],
      ['cn=Reviewers', 'reviewer'],
    ]);
    expect([...parseRoleMap('{"cn=Reviewers,ou=groups": "reviewer"}')]).toEqual([['cn=Reviewers,ou=groups', 'reviewer']]);
    expect(() => parseRoleMap('grp-a=boss')).toThrow(/maps "grp-a" to "boss", which is not a role/);
    expect(() => parseRoleMap('{"grp-a": 3}')).toThrow(/not a role/);
    expect(() => parseRoleMap('[1]')).toThrow();
    expect(() => parseRoleMap('{')).toThrow(/not valid JSON/);
    expect(() => parseRoleMap('justaname')).toThrow(/must be "claim-value=role"/);
    expect(() => parseRoleMap(' , ')).toThrow(/maps nothing/);
  });

  it('reads a claim by its exact name first, then as a dotted path into nested claims', () => {
    const claims = { 'https://example.com/roles': ['manager'], realm_access: { roles: ['viewer'] }, a: { b: 'x' } };
    expect(claimAt(claims, 'https://example.com/roles')).toEqual(['manager']);
    expect(claimAt(claims, 'realm_access.roles')).toEqual(['viewer']);
    expect(claimAt(claims, 'a.b.c')).toBeUndefined();
    expect(claimAt(claims, 'missing')).toBeUndefined();
    expect(claimAt(claims, 'toString')).toBeUndefined();
  });

  it('picks the most privileged mapped role; unmapped values and non-strings count for nothing', () => {
    const map = parseRoleMap('grp-reviewers=reviewer,grp-admins=admin,grp-viewers=viewer');
    const rules = { claim: 'groups', map };
    expect(roleFromClaims({ groups: ['grp-viewers', 'grp-admins', 'grp-reviewers'] }, rules).role).toBe('admin');
    expect(roleFromClaims({ groups: 'grp-reviewers' }, rules).role).toBe('reviewer');
    expect(roleFromClaims({ groups: ['grp-x', 7, null] }, rules)).toEqual({ role: null, values: ['grp-x'] });
    expect(roleFromClaims({}, rules)).toEqual({ role: null, values: [] });
    // Without a map, the values must be role names, and a mapped name is not a role by itself.
    expect(roleFromClaims({ groups: ['expert', 'bogus'] }, { claim: 'groups', map: null }).role).toBe('expert');
    expect(roleFromClaims({ groups: ['admin'] }, rules).role).toBeNull();
  });

  it('confines users to the project in their claim, and refuses non-admins without one when the claim is configured', () => {
    expect(projectFromClaims({ p: 'P1' }, null, 'viewer')).toEqual({ ok: true, project_id: null });
    expect(projectFromClaims({ p: 'P1' }, 'p', 'admin')).toEqual({ ok: true, project_id: 'P1' });
    expect(projectFromClaims({ p: ['P1'] }, 'p', 'reviewer')).toEqual({ ok: true, project_id: 'P1' });
    expect(projectFromClaims({}, 'p', 'admin')).toEqual({ ok: true, project_id: null });
    expect(projectFromClaims({}, 'p', 'manager')).toMatchObject({ ok: false, reason: expect.stringContaining('names no project') });
    expect(projectFromClaims({ p: ['P1', 'P2'] }, 'p', 'admin')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('2 projects'),
    });
  });
});

describe('return_to', () => {
  it('keeps paths on this server and refuses anything a browser could take elsewhere', () => {
    expect(safeReturnPath('/')).toBe('/');
    expect(safeReturnPath('/console/items?status=pending#top')).toBe('/console/items?status=pending#top');
    expect(safeReturnPath('/a/../b')).toBe('/b');
    for (const bad of [
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      '\\\\evil',
      'evil',
      'javascript:alert(1)',
      '/\t/evil.example',
      '/\n/x',
      '',
    ])
      expect(safeReturnPath(bad), JSON.stringify(bad)).toBeNull();
  });
});

describe('single sign-on configuration', () => {
  const base = {
    TOLLGATE_OIDC_ISSUER: 'https://idp.example.com/realms/acme/',
    TOLLGATE_OIDC_CLIENT_ID: 'tollgate',
    TOLLGATE_PUBLIC_URL: 'https://tollgate.example.com/',
  };
  const sso = (env: Record<string, string>) => loadConfig(env, '/tmp').sso;

  it('is off without an issuer, with the default session lifetime', () => {
    expect(sso({})).toEqual({ oidc: null, sessionTtlSeconds: 8 * 3600, secureCookies: false });
  });

  it('reads the settings with their defaults', () => {
    const s = sso(base);
    expect(s.secureCookies).toBe(true);
    expect(s.oidc).toEqual({
      issuer: 'https://idp.example.com/realms/acme',
      clientId: 'tollgate',
      clientSecret: undefined,
      clientAuth: 'client_secret_basic',
      redirectUri: 'https://tollgate.example.com/auth/oidc/callback',
      scopes: 'openid email profile',
      roleClaim: 'tollgate_role',
      roleMap: null,
      projectClaim: null,
      allowInsecureRequests: false,
    });
    const full = sso({
      ...base,
      TOLLGATE_OIDC_CLIENT_SECRET: 's3cret',
      TOLLGATE_OIDC_CLIENT_AUTH: 'client_secret_post',
      TOLLGATE_OIDC_SCOPES: 'openid  groups',
      TOLLGATE_OIDC_ROLE_CLAIM: 'realm_access.roles',
      TOLLGATE_OIDC_ROLE_MAP: '{"g": "viewer"}',
      TOLLGATE_OIDC_PROJECT_CLAIM: 'project',
      TOLLGATE_SESSION_TTL_SECONDS: '3600',
    });
    expect(full.sessionTtlSeconds).toBe(3600);
    expect(full.oidc).toMatchObject({
      clientSecret: 's3cret',
      clientAuth: 'client_secret_post',
      scopes: 'openid groups',
      projectClaim: 'project',
    });
    expect([...full.oidc!.roleMap!]).toEqual([['g', 'viewer']]);
  });

  it('stops the start with a clear message on a bad value', () => {
    expect(() => sso({ ...base, TOLLGATE_OIDC_ISSUER: 'idp.example.com' })).toThrow(/TOLLGATE_OIDC_ISSUER must be an absolute URL/);
    expect(() => sso({ ...base, TOLLGATE_OIDC_ISSUER: 'http://idp.example.com' })).toThrow(/must be https/);
    expect(sso({ ...base, TOLLGATE_OIDC_ISSUER: 'http://127.0.0.1:9000' }).oidc?.allowInsecureRequests).toBe(true);
    expect(() => sso({ ...base, TOLLGATE_OIDC_CLIENT_ID: '' })).toThrow(/TOLLGATE_OIDC_CLIENT_ID must be set/);
    expect(() => sso({ ...base, TOLLGATE_PUBLIC_URL: '' })).toThrow(/TOLLGATE_PUBLIC_URL must be set/);
    expect(() => sso({ ...base, TOLLGATE_PUBLIC_URL: 'https://t.example.com/?x=1' })).toThrow(/no query/);
    expect(() => sso({ ...base, TOLLGATE_OIDC_SCOPES: 'email profile' })).toThrow(/must include "openid"/);
    expect(() => sso({ ...base, TOLLGATE_OIDC_ROLE_MAP: 'g=root' })).toThrow(/TOLLGATE_OIDC_ROLE_MAP maps "g" to "root"/);
    expect(() => sso({ ...base, TOLLGATE_OIDC_CLIENT_AUTH: 'private_key_jwt' })).toThrow(/TOLLGATE_OIDC_CLIENT_AUTH/);
    expect(() => sso({ ...base, TOLLGATE_SESSION_TTL_SECONDS: '10' })).toThrow(/TOLLGATE_SESSION_TTL_SECONDS must be an integer from 60/);
  });
});
