import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.js';
import { useSession } from './session.js';

interface Methods {
  password: boolean;
  oidc: boolean;
}

export function SignIn() {
  const { signIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [methods, setMethods] = useState<Methods>({ password: true, oidc: false });

  useEffect(() => {
    api
      .get<Methods>('/auth/methods')
      .then(setMethods)
      .catch(() => undefined);
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'could not reach the server');
      setPassword('');
    } finally {
      setBusy(false);
    }
  }

  const returnTo = encodeURIComponent(location.pathname + location.search);
  return (
    <main className="signin" id="main">
      <form className="card signin-card" onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Tollgate</h1>
        {methods.password && (
          <>
            <label htmlFor="signin-email">Email</label>
            <input
              id="signin-email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              autoFocus
            />
            <label htmlFor="signin-password">Password</label>
            <input
              id="signin-password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            {error !== null && (
              <p className="error-note" role="alert">
                {error}
              </p>
            )}
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </>
        )}
        {methods.oidc && (
          <a className="button" href={`/auth/oidc/login?return_to=${returnTo}`}>
            Sign in with single sign-on
          </a>
        )}
      </form>
    </main>
  );
}
