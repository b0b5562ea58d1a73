/** Placeholder: built by the quality pages' author. */
export function GoldPage({ projectId }: { projectId: string }) {
  return <p className="muted">GoldPage for {projectId}</p>;
}
