const TONE = { pass: 'ok', fail: 'bad', unknown: 'warn' } as const;

/** An evaluator's verdict on an item; the word carries the meaning, the colour only helps. */
export function StatusBadge({ status }: { status: 'pass' | 'fail' | 'unknown' }) {
  return <span className={`badge ${TONE[status]}`}>{status}</span>;
}
