import { useId, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client.js';
import { ErrorNote } from '../../ui/feedback.js';
import type { Project, User, UserRole } from '../types.js';
import { MIN_PASSWORD, RoleProjectFields } from './RoleProjectFields.js';

export function CreateUserForm(props: { projects: Project[]; onCreated: (u: User) => void; onCancel: () => void }) {
  const id = useId();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<UserRole>('reviewer');
  const [projectId, setProjectId] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [fieldErrors, setFieldErrors] = useState<Map<string, string>>(new Map());
  const shortPassword = password.length > 0 && password.length < MIN_PASSWORD;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (password.length < MIN_PASSWORD) return;
    setBusy(true);
    setError(undefined);
    setFieldErrors(new Map());
    try {
      const body: Record<string, unknown> = { email: email.trim(), role, project_id: projectId, password };
      if (name.trim() !== '') body['name'] = name.trim();
      props.onCreated(await api.post<User>('/v1/users', body));
    } catch (err) {
      if (err instanceof ApiError) setFieldErrors(err.fieldErrors());
      setError(err);
      setBusy(false);
    }
  }

  const fe = (path: string) => fieldErrors.get(path) ?? fieldErrors.get(`/${path}`);

  return (
    <form className="card console-section" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>New user</h2>
      <div className="user-form-grid">
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            required
            autoComplete="off"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            autoFocus
          />
          {fe('email') && <span className="field-error">{fe('email')}</span>}
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name (optional)</label>
          <input id={`${id}-name`} autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <RoleProjectFields
          idBase={id}
          role={role}
          projectId={projectId}
          projects={props.projects}
          onRole={setRole}
          onProject={setProjectId}
        />
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            type="password"
            required
            minLength={MIN_PASSWORD}
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-describedby={`${id}-password-hint`}
            aria-invalid={shortPassword ? true : undefined}
          />
          <span id={`${id}-password-hint`} className={shortPassword ? 'field-error' : 'muted console-hint'}>
            At least {MIN_PASSWORD} characters{shortPassword ? ` (${password.length} so far)` : ''}.
          </span>
          {fe('password') && <span className="field-error">{fe('password')}</span>}
        </div>
      </div>
      <ErrorNote error={error} />
      <div className="row console-actions">
        <button type="submit" className="primary" disabled={busy || email.trim() === '' || password.length < MIN_PASSWORD}>
          {busy ? 'Creating…' : 'Create user'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
