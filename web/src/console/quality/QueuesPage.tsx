/** Placeholder: built by the quality pages' author. */
export function QueuesPage({ projectId }: { projectId: string }) {
  return <p className="muted">QueuesPage for {projectId}</p>;
}
