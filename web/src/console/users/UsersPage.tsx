import { useState, type ReactNode } from 'react';
import { Link } from 'wouter';
import { api } from '../../api/client.js';
import { useSignedIn } from '../../app/session.js';
import { Empty, ErrorNote, Loading } from '../../ui/feedback.js';
import { useLoad } from '../../ui/hooks.js';
import { RelTime } from '../shared/time.js';
import type { Project, User } from '../types.js';
import { CreateUserForm } from './CreateUserForm.js';
import { EditUserRow } from './EditUserRow.js';

/** People who sign in to the console: admins create them, set their role and scope, and disable them. */
export function UsersPage() {
  const { can } = useSignedIn();
  if (!can('keys:manage')) {
    return (
      <main className="page console">
        <h1>Users</h1>
        <p>Only admins manage users.</p>
        <Link href="/">Back to projects</Link>
      </main>
    );
  }
  return <UsersAdmin />;
}

function UsersAdmin() {
  const users = useLoad((signal) => api.get<{ users: User[] }>('/v1/users', { signal }), []);
  const projects = useLoad((signal) => api.get<{ projects: Project[] }>('/v1/projects', { signal }), []);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  const projectList = projects.data?.projects ?? [];
  const projectName = (id: string | null) => (id === null ? null : (projectList.find((p) => p.id === id)?.name ?? id));
  const list = [...(users.data?.users ?? [])].sort((a, b) => a.email.localeCompare(b.email));

  async function setDisabled(u: User, disabled: boolean) {
    setBusy(u.id);
    setError(undefined);
    setNotice(null);
    try {
      await api.patch(`/v1/users/${encodeURIComponent(u.id)}`, { disabled });
      setNotice(`${u.email} ${disabled ? 'disabled' : 'enabled'}.`);
      users.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  return (
    <main className="page console">
      <p className="console-crumbs">
        <Link href="/">Projects</Link> /
      </p>
      <div className="console-header row">
        <h1>Users</h1>
        <span className="spacer" />
        {!creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New user
          </button>
        )}
      </div>
      {creating && (
        <CreateUserForm
          projects={projectList}
          onCreated={(u) => {
            setCreating(false);
            setNotice(`${u.email} created.`);
            users.reload();
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {notice && (
        <p className="console-saved" role="status">
          {notice}
        </p>
      )}
      <ErrorNote error={error} />
      <ErrorNote error={users.error} />
      {users.loading && !users.data ? (
        <Loading label="Loading users" />
      ) : list.length === 0 && !users.error ? (
        <Empty>No users yet.</Empty>
      ) : (
        list.length > 0 && (
          <div className="table-scroll">
            <table className="dense" data-testid="users-table">
              <caption className="visually-hidden">Users</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Project</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last sign-in</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((u) => (
                  <UserRows
                    key={u.id}
                    user={u}
                    projectName={projectName(u.project_id)}
                    editing={editing === u.id}
                    busy={busy === u.id}
                    onEdit={() => setEditing(editing === u.id ? null : u.id)}
                    onToggle={() => void setDisabled(u, u.disabled_at === null)}
                    editRow={
                      <EditUserRow
                        user={u}
                        projects={projectList}
                        onSaved={(message) => {
                          setEditing(null);
                          setNotice(message);
                          users.reload();
                        }}
                        onCancel={() => setEditing(null)}
                      />
                    }
                  />
                ))}
              </tbody>
            </table>
          </div>
        )
      )}
    </main>
  );
}

function UserRows(props: {
  user: User;
  projectName: string | null;
  editing: boolean;
  busy: boolean;
  onEdit: () => void;
  onToggle: () => void;
  editRow: ReactNode;
}) {
  const u = props.user;
  const disabled = u.disabled_at !== null;
  return (
    <>
      <tr className={disabled ? 'user-disabled' : undefined}>
        <td>{u.email}</td>
        <td>{u.name ?? <span className="muted">—</span>}</td>
        <td>
          <span className="role-name">{u.role}</span>
        </td>
        <td>{props.projectName ?? <span className="muted">all projects</span>}</td>
        <td>
          {disabled ? (
            <span className="badge bad" title={u.disabled_at ?? undefined}>
              disabled
            </span>
          ) : (
            <span className="badge ok">active</span>
          )}
        </td>
        <td>
          <RelTime iso={u.last_sign_in_at} empty="never" />
        </td>
        <td>
          <RelTime iso={u.created_at} />
        </td>
        <td className="user-actions">
          <button type="button" onClick={props.onEdit} aria-expanded={props.editing} aria-label={`Edit ${u.email}`}>
            Edit
          </button>
          <button
            type="button"
            className={disabled ? undefined : 'danger'}
            disabled={props.busy}
            onClick={props.onToggle}
            aria-label={`${disabled ? 'Enable' : 'Disable'} ${u.email}`}
          >
            {disabled ? 'Enable' : 'Disable'}
          </button>
        </td>
      </tr>
      {props.editing && (
        <tr className="user-edit-row">
          <td colSpan={8}>{props.editRow}</td>
        </tr>
      )}
    </>
  );
}
