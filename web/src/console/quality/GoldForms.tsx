import { useId, useState } from 'react';
import { api, ApiError } from '../../api/client.js';
import { ErrorNote } from '../../ui/feedback.js';
import type { GoldAnswer, Item, Verdict } from './types.js';
import { FieldError, fieldError, useAction } from './ui.js';

type Kind = 'verdict' | 'preference' | 'ranking';

interface Expected {
  kind: Kind;
  verdict: '' | Verdict;
  scores: string;
  winner: '' | 'a' | 'b' | 'tie';
  order: string;
  note: string;
}
const NO_ANSWER: Expected = { kind: 'verdict', verdict: '', scores: '', winner: '', order: '', note: '' };

/** A typed JSON mistake, shown beside the scores field before anything is sent. */
class LocalFieldError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

function errorAt(error: unknown, path: string): string | undefined {
  if (error instanceof LocalFieldError) return error.path === path ? error.message : undefined;
  return fieldError(error, path);
}

/** The request body's answer part, from what the form holds. */
function answerBody(e: Expected): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (e.kind === 'verdict') {
    if (e.verdict !== '') body['verdict'] = e.verdict;
    if (e.scores.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(e.scores);
      } catch {
        throw new LocalFieldError('scores', 'is not valid JSON');
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new LocalFieldError('scores', 'must be a JSON object, e.g. {"accuracy": 4}');
      body['scores'] = parsed;
    }
  } else if (e.kind === 'preference') {
    body['preference'] = { winner: e.winner };
  } else {
    body['ranking'] = { order: e.order.split(/[\s,>]+/).filter((s) => s !== '') };
  }
  if (e.note.trim() !== '') body['note'] = e.note.trim();
  return body;
}

/** The expected judgment: a verdict and scores, or a comparison's winner, or a ranking's order. */
function ExpectedFields({
  value,
  onChange,
  error,
  kinds,
}: {
  value: Expected;
  onChange: (e: Expected) => void;
  error: unknown;
  kinds: Kind[];
}) {
  const ids = {
    kind: useId(),
    verdict: useId(),
    verdictErr: useId(),
    scores: useId(),
    scoresErr: useId(),
    scoresHint: useId(),
    winner: useId(),
    winnerErr: useId(),
    order: useId(),
    orderErr: useId(),
    note: useId(),
    noteErr: useId(),
  };
  const set = (patch: Partial<Expected>) => onChange({ ...value, ...patch });
  const errs = {
    verdict: errorAt(error, 'verdict'),
    scores: errorAt(error, 'scores'),
    preference: errorAt(error, 'preference'),
    ranking: errorAt(error, 'ranking'),
    note: errorAt(error, 'note'),
  };
  const described = (err: string | undefined, errId: string, hint?: string) =>
    [hint, err ? errId : undefined].filter(Boolean).join(' ') || undefined;

  return (
    <>
      {kinds.length > 1 && (
        <div className="field">
          <label htmlFor={ids.kind}>Kind of item</label>
          <select id={ids.kind} value={value.kind} onChange={(e) => set({ kind: e.target.value as Kind })}>
            <option value="verdict">Review (verdict and scores)</option>
            <option value="preference">Comparison (preferred candidate)</option>
            <option value="ranking">Ranking (order of candidates)</option>
          </select>
        </div>
      )}
      {value.kind === 'verdict' && (
        <div className="grid-2">
          <div className="field">
            <label htmlFor={ids.verdict}>Expected verdict</label>
            <select
              id={ids.verdict}
              value={value.verdict}
              onChange={(e) => set({ verdict: e.target.value as Expected['verdict'] })}
              aria-invalid={errs.verdict ? true : undefined}
              aria-describedby={described(errs.verdict, ids.verdictErr)}
            >
              <option value="">None (scores only)</option>
              <option value="approve">approve</option>
              <option value="reject">reject</option>
              <option value="correct">correct</option>
            </select>
            <FieldError id={ids.verdictErr} message={errs.verdict} />
          </div>
          <div className="field">
            <label htmlFor={ids.scores}>Expected scores (JSON, optional)</label>
            <textarea
              id={ids.scores}
              className="q-textarea-short"
              value={value.scores}
              placeholder='{"accuracy": 4}'
              onChange={(e) => set({ scores: e.target.value })}
              aria-invalid={errs.scores ? true : undefined}
              aria-describedby={described(errs.scores, ids.scoresErr, ids.scoresHint)}
            />
            <span id={ids.scoresHint} className="muted q-small">
              Keys are the rubric’s criteria; each is checked against its scale.
            </span>
            <FieldError id={ids.scoresErr} message={errs.scores} />
          </div>
        </div>
      )}
      {value.kind === 'preference' && (
        <div className="field">
          <label htmlFor={ids.winner}>Expected winner</label>
          <select
            id={ids.winner}
            value={value.winner}
            onChange={(e) => set({ winner: e.target.value as Expected['winner'] })}
            required
            aria-invalid={errs.preference ? true : undefined}
            aria-describedby={described(errs.preference, ids.winnerErr)}
          >
            <option value="">Choose…</option>
            <option value="a">a</option>
            <option value="b">b</option>
            <option value="tie">tie</option>
          </select>
          <FieldError id={ids.winnerErr} message={errs.preference} />
        </div>
      )}
      {value.kind === 'ranking' && (
        <div className="field">
          <label htmlFor={ids.order}>Expected order (every candidate id, best first)</label>
          <input
            id={ids.order}
            value={value.order}
            onChange={(e) => set({ order: e.target.value })}
            required
            placeholder="c1, c3, c2"
            aria-invalid={errs.ranking ? true : undefined}
            aria-describedby={described(errs.ranking, ids.orderErr)}
          />
          <FieldError id={ids.orderErr} message={errs.ranking} />
        </div>
      )}
      <div className="field">
        <label htmlFor={ids.note}>Note: why this is the right answer (optional)</label>
        <textarea
          id={ids.note}
          className="q-textarea-short"
          value={value.note}
          maxLength={2000}
          onChange={(e) => set({ note: e.target.value })}
          aria-invalid={errs.note ? true : undefined}
          aria-describedby={described(errs.note, ids.noteErr)}
        />
        <FieldError id={ids.noteErr} message={errs.note} />
      </div>
    </>
  );
}

/** Writes a gold item from scratch: an input, an output and the judgment it deserves. */
export function NewGoldForm({ projectId, onSaved }: { projectId: string; onSaved: (message: string) => void }) {
  const [input, setInput] = useState('');
  const [output, setOutput] = useState('');
  const [expected, setExpected] = useState<Expected>(NO_ANSWER);
  const ids = { input: useId(), inputErr: useId(), output: useId(), outputErr: useId() };
  const save = useAction(async () => {
    const res = await api.post<{ item: Item; gold: GoldAnswer; created: boolean }>(`/v1/projects/${encodeURIComponent(projectId)}/gold`, {
      item: { input, output },
      ...answerBody(expected),
    });
    setInput('');
    setOutput('');
    setExpected(NO_ANSWER);
    onSaved(res.created ? `Gold item ${res.item.id} created.` : `Gold item ${res.item.id} already existed; its answer was updated.`);
  });
  const inputError = fieldError(save.error, 'item.input') ?? fieldError(save.error, 'item');
  const outputError = fieldError(save.error, 'item.output');

  return (
    <form
      data-testid="gold-new-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <div className="grid-2">
        <div className="field">
          <label htmlFor={ids.input}>Model input</label>
          <textarea
            id={ids.input}
            value={input}
            required
            onChange={(e) => setInput(e.target.value)}
            aria-invalid={inputError ? true : undefined}
            aria-describedby={inputError ? ids.inputErr : undefined}
          />
          <FieldError id={ids.inputErr} message={inputError} />
        </div>
        <div className="field">
          <label htmlFor={ids.output}>Model output</label>
          <textarea
            id={ids.output}
            value={output}
            required
            onChange={(e) => setOutput(e.target.value)}
            aria-invalid={outputError ? true : undefined}
            aria-describedby={outputError ? ids.outputErr : undefined}
          />
          <FieldError id={ids.outputErr} message={outputError} />
        </div>
      </div>
      <ExpectedFields value={expected} onChange={setExpected} error={save.error} kinds={['verdict']} />
      <ErrorNote error={save.error} />
      <button type="submit" className="primary" disabled={save.busy || input === '' || output === ''}>
        {save.busy ? 'Saving…' : 'Create gold item'}
      </button>
    </form>
  );
}

/** Makes an item already captured gold, or changes its expected answer. */
export function ExistingGoldForm({ onSaved }: { onSaved: (message: string) => void }) {
  const [itemId, setItemId] = useState('');
  const [expected, setExpected] = useState<Expected>(NO_ANSWER);
  const ids = { item: useId(), itemErr: useId() };
  const save = useAction(async () => {
    const id = itemId.trim();
    await api.put<GoldAnswer>(`/v1/items/${encodeURIComponent(id)}/gold`, answerBody(expected));
    setItemId('');
    setExpected(NO_ANSWER);
    onSaved(`Item ${id} is gold.`);
  });
  const itemError = save.error instanceof ApiError && save.error.status === 404 ? save.error.message : undefined;

  return (
    <form
      data-testid="gold-existing-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <div className="field">
        <label htmlFor={ids.item}>Item id</label>
        <input
          id={ids.item}
          value={itemId}
          required
          maxLength={100}
          onChange={(e) => setItemId(e.target.value)}
          aria-invalid={itemError ? true : undefined}
          aria-describedby={itemError ? ids.itemErr : undefined}
        />
        <FieldError id={ids.itemErr} message={itemError} />
      </div>
      <ExpectedFields value={expected} onChange={setExpected} error={save.error} kinds={['verdict', 'preference', 'ranking']} />
      <ErrorNote error={save.error} />
      <button type="submit" className="primary" disabled={save.busy || itemId.trim() === ''}>
        {save.busy ? 'Saving…' : 'Make gold'}
      </button>
    </form>
  );
}
