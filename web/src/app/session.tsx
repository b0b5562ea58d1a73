import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { can, type Permission } from '../../../src/core/access/permissions.js';
import type { Role } from '../../../src/core/types.js';
import { api, ApiError } from '../api/client.js';

/** Who is signed in, as `GET /auth/session` tells it. */
export interface SessionInfo {
  actor: string;
  role: Role;
  project_id: string | null;
  email: string | null;
  name?: string | null;
  issuer: string;
  expires_at: string;
  csrf_token: string;
}

interface SessionState {
  status: 'loading' | 'signed-out' | 'signed-in';
  session: SessionInfo | null;
  /** The permission table is the server's own (src/core/access): the UI hides what the server would refuse. */
  can: (permission: Permission) => boolean;
  refresh: () => Promise<void>;
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<SessionState['status']>('loading');
  const [session, setSession] = useState<SessionInfo | null>(null);

  const apply = useCallback((s: SessionInfo | null) => {
    setSession(s);
    api.setCsrf(s?.csrf_token ?? null);
    setStatus(s ? 'signed-in' : 'signed-out');
  }, []);

  const refresh = useCallback(async () => {
    try {
      apply(await api.get<SessionInfo>('/auth/session'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) apply(null);
      else throw err;
    }
  }, [apply]);

  useEffect(() => {
    api.onUnauthenticated = () => apply(null);
    void refresh().catch(() => apply(null));
    return () => {
      api.onUnauthenticated = null;
    };
  }, [apply, refresh]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      apply(await api.request<SessionInfo>('POST', '/auth/login', { email, password }));
    },
    [apply],
  );

  const signOut = useCallback(async () => {
    try {
      await api.post('/auth/logout');
    } finally {
      forgetLocalWork();
      apply(null);
    }
  }, [apply]);

  const value = useMemo<SessionState>(
    () => ({
      status,
      session,
      can: (p) => (session ? can(session.role, p) : false),
      refresh,
      signIn,
      signOut,
    }),
    [status, session, refresh, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in session; only for components rendered behind the sign-in gate. */
export function useSignedIn(): SessionInfo & { can: (p: Permission) => boolean } {
  const s = useSession();
  if (!s.session) throw new Error('useSignedIn without a session');
  return { ...s.session, can: s.can };
}

/**
 * Drafts and the held task keep item content in this browser's storage so that nothing typed
 * is lost; signing out on purpose removes them, so the next person at a shared computer does
 * not find them. (A session that merely expires keeps them, for the same person to go on.)
 */
function forgetLocalWork(): void {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith('tollgate')) localStorage.removeItem(key);
  } catch {
    // Storage disabled: nothing was kept.
  }
}
