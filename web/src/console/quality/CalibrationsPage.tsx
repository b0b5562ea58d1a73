/** Placeholder: built by the quality pages' author. */
export function CalibrationsPage({ projectId }: { projectId: string }) {
  return <p className="muted">CalibrationsPage for {projectId}</p>;
}
