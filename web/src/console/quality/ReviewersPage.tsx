/** Placeholder: built by the quality pages' author. */
export function ReviewersPage({ projectId }: { projectId: string }) {
  return <p className="muted">ReviewersPage for {projectId}</p>;
}
