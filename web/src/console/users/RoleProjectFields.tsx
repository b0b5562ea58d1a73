import { ROLES, type Project, type UserRole } from '../types.js';

const ROLE_HINTS: Record<UserRole, string> = {
  admin: 'everything, including users and keys',
  manager: 'configures projects and assesses reviewers',
  expert: 'reviews and adjudicates disagreements',
  reviewer: 'reviews items',
  viewer: 'reads projects and statistics',
};

/** Role and project scope, shared by the create and edit forms. */
export function RoleProjectFields(props: {
  idBase: string;
  role: UserRole;
  projectId: string | null;
  projects: Project[];
  onRole: (r: UserRole) => void;
  onProject: (p: string | null) => void;
}) {
  return (
    <>
      <div className="field">
        <label htmlFor={`${props.idBase}-role`}>Role</label>
        <select id={`${props.idBase}-role`} value={props.role} onChange={(e) => props.onRole(e.target.value as UserRole)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r} — {ROLE_HINTS[r]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${props.idBase}-project`}>Project</label>
        <select
          id={`${props.idBase}-project`}
          value={props.projectId ?? ''}
          onChange={(e) => props.onProject(e.target.value === '' ? null : e.target.value)}
        >
          <option value="">All projects</option>
          {props.projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
          {props.projectId !== null && !props.projects.some((p) => p.id === props.projectId) && (
            <option value={props.projectId}>{props.projectId}</option>
          )}
        </select>
      </div>
    </>
  );
}

export const MIN_PASSWORD = 12;
