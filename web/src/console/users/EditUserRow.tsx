import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import { ErrorNote } from '../../ui/feedback.js';
import type { Project, User, UserRole } from '../types.js';
import { MIN_PASSWORD, RoleProjectFields } from './RoleProjectFields.js';

/** Changes one user: only the fields that differ are sent, and a password only when one is typed. */
export function EditUserRow(props: { user: User; projects: Project[]; onSaved: (message: string) => void; onCancel: () => void }) {
  const u = props.user;
  const id = useId();
  const [name, setName] = useState(u.name ?? '');
  const [role, setRole] = useState<UserRole>(u.role);
  const [projectId, setProjectId] = useState<string | null>(u.project_id);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const patch: Record<string, unknown> = {};
  if (name.trim() !== (u.name ?? '')) patch['name'] = name.trim();
  if (role !== u.role) patch['role'] = role;
  if (projectId !== u.project_id) patch['project_id'] = projectId;
  if (password !== '') patch['password'] = password;
  const shortPassword = password !== '' && password.length < MIN_PASSWORD;
  const changed = Object.keys(patch).length > 0;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!changed || shortPassword) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.patch<User>(`/v1/users/${encodeURIComponent(u.id)}`, patch);
      props.onSaved(`${u.email} updated${patch['password'] !== undefined ? ' (new password set)' : ''}.`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} aria-label={`Edit ${u.email}`} className="user-edit">
      <div className="user-form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
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
          <label htmlFor={`${id}-password`}>New password (optional)</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="new-password"
            minLength={MIN_PASSWORD}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={shortPassword ? true : undefined}
            aria-describedby={`${id}-password-hint`}
          />
          <span id={`${id}-password-hint`} className={shortPassword ? 'field-error' : 'muted console-hint'}>
            Leave empty to keep the current one; at least {MIN_PASSWORD} characters.
          </span>
        </div>
      </div>
      <ErrorNote error={error} />
      <div className="row console-actions">
        <button type="submit" className="primary" disabled={busy || !changed || shortPassword}>
          {busy ? 'Saving…' : 'Save changes'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
