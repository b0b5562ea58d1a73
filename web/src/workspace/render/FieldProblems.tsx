/** A server (or pre-flight) problem shown beside the control it concerns. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (message === undefined) return null;
  return (
    <div id={id} className="field-error" role="alert">
      {message}
    </div>
  );
}

/**
 * Problems whose field has no control in the view (a required rubric score, an index inside a
 * list): listed rather than dropped, so a refused judgment always says why.
 */
export function OtherProblems({ errors, shown }: { errors: ReadonlyMap<string, string>; shown: (path: string) => boolean }) {
  const rest = [...errors].filter(([path]) => !shown(path));
  if (rest.length === 0) return null;
  return (
    <div className="field-error" role="alert">
      <ul>
        {rest.map(([path, message]) => (
          <li key={path}>
            <code>{path}</code>: {message}
          </li>
        ))}
      </ul>
    </div>
  );
}
