import type { ReactElement } from 'react';
import type { Schemas } from '../api/client.js';
import type { ShortcutHelp } from './keyboard.js';

/** What `POST /v1/projects/{id}/tasks/claim` answers (and `GET /v1/calibrations/{id}/next`, where it has the same parts). */
export interface Claim {
  task: Schemas['Task'];
  item: Schemas['Item'];
  rubric: { version: number; document: { criteria: Criterion[] } };
  escalation: unknown;
  guidelines: unknown;
  judgments: unknown[];
  assignment: unknown;
}

export interface Criterion {
  key: string;
  label?: string;
  description?: string;
  required?: boolean;
  scale:
    | { type: 'likert'; min: number; max: number; labels?: string[] }
    | { type: 'boolean' }
    | { type: 'categorical'; options: string[] }
    | { type: 'numeric'; min: number; max: number; step?: number }
    | { type: 'labels'; options: (string | { value: string; description?: string })[]; multiple?: boolean }
    | { type: 'spans'; target: 'input' | 'output'; labels: string[] };
}

/** The body of `POST /v1/tasks/{task_id}/judgments`. */
export type JudgmentBody = Record<string, unknown>;

/**
 * One kind of task view (review, compare, rank, adjudication). The workspace owns the claim,
 * the lease, the draft's persistence, submitting and the next task; a view renders the task and
 * edits its draft. Field errors from a 422 come keyed by the server's path (`scores.accuracy`,
 * `preference.winner`, …) and are shown beside the field they concern.
 */
export interface TaskViewProps<D> {
  claim: Claim;
  draft: D;
  setDraft: (next: D | ((old: D) => D)) => void;
  fieldErrors: ReadonlyMap<string, string>;
}

export interface TaskKind<D> {
  /** A fresh draft for a claim. */
  emptyDraft: (claim: Claim) => D;
  /** The judgment to submit, or a list of problems to show before sending anything. */
  toJudgment: (draft: D, claim: Claim) => { body: JudgmentBody } | { problems: Map<string, string> };
  View: (props: TaskViewProps<D>) => ReactElement;
  /** The view's own shortcuts, listed in the `?` sheet. */
  shortcuts: ShortcutHelp[];
}
