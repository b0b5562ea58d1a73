import { diffLines, diffWords, type ChangeObject } from 'diff';
import { useMemo, type ReactNode } from 'react';

const CONTEXT_LINES = 3;

interface Props {
  before: string;
  after: string;
  mode?: 'lines' | 'words';
  label: string;
  testId?: string;
}

/** Two texts' difference as <ins>/<del>; long unchanged stretches fold to a count so changes stand out. */
export function DiffView({ before, after, mode = 'lines', label, testId }: Props) {
  const parts = useMemo(() => (mode === 'lines' ? diffLines(before, after) : diffWords(before, after)), [before, after, mode]);
  const added = count(parts, 'added', mode);
  const removed = count(parts, 'removed', mode);
  const unit = mode === 'lines' ? 'line' : 'word';
  return (
    <figure className="console-diff" data-testid={testId} aria-label={label}>
      <figcaption className="muted">
        {added === 0 && removed === 0 ? (
          'No differences.'
        ) : (
          <>
            <span className="diff-added">
              +{added} {unit}
              {added === 1 ? '' : 's'}
            </span>{' '}
            <span className="diff-removed">
              −{removed} {unit}
              {removed === 1 ? '' : 's'}
            </span>
          </>
        )}
      </figcaption>
      <pre className="diff">{parts.map((p, i) => renderPart(p, i, mode, i === 0, i === parts.length - 1))}</pre>
    </figure>
  );
}

function count(parts: ChangeObject<string>[], kind: 'added' | 'removed', mode: 'lines' | 'words'): number {
  let n = 0;
  for (const p of parts) {
    if (!p[kind]) continue;
    n += mode === 'lines' ? (p.count ?? p.value.split('\n').length - 1) : p.value.trim().split(/\s+/).filter(Boolean).length;
  }
  return n;
}

function renderPart(p: ChangeObject<string>, key: number, mode: 'lines' | 'words', first: boolean, last: boolean): ReactNode {
  if (p.added) return <ins key={key}>{p.value}</ins>;
  if (p.removed) return <del key={key}>{p.value}</del>;
  if (mode !== 'lines') return <span key={key}>{p.value}</span>;
  const lines = p.value.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const keepHead = first ? 0 : CONTEXT_LINES;
  const keepTail = last ? 0 : CONTEXT_LINES;
  if (lines.length <= keepHead + keepTail + 1) return <span key={key}>{p.value}</span>;
  const hidden = lines.length - keepHead - keepTail;
  const head = lines
    .slice(0, keepHead)
    .map((l) => `${l}\n`)
    .join('');
  const tail = lines
    .slice(lines.length - keepTail)
    .map((l) => `${l}\n`)
    .join('');
  return (
    <span key={key}>
      {head}
      <span className="diff-fold">
        ⋯ {hidden} unchanged line{hidden === 1 ? '' : 's'}
        {'\n'}
      </span>
      {tail}
    </span>
  );
}
