import type { ItemInput, ItemKind, ItemOutput, JsonObject, JsonValue, OutcomeStatus, RoutingAction, Scores, Verdict } from '../types.js';

export const EXPORT_FORMATS = ['sft', 'preference', 'eval', 'judgments'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * TRL's two preference layouts: `conversational` (the prompt a list of chat messages, chosen and
 * rejected each one assistant message) and `standard` (three strings).
 */
export const PREFERENCE_STYLES = ['conversational', 'standard'] as const;
export type PreferenceStyle = (typeof PREFERENCE_STYLES)[number];

export const EXPORT_FILE_TYPES = ['jsonl', 'csv'] as const;
export type ExportFileType = (typeof EXPORT_FILE_TYPES)[number];

/** An item as the exports read it: its content, how it was routed and how it ended. */
export interface ExportItem {
  id: string;
  kind: ItemKind;
  external_id: string | null;
  input: ItemInput;
  output: ItemOutput;
  model: string | null;
  model_version: string | null;
  metadata: JsonObject;
  tags: string[];
  created_at: number;
  policy_version: number;
  /** The routing decision: `pass` items were never shown to a person. */
  action: RoutingAction;
  outcome: {
    status: OutcomeStatus;
    output: ItemOutput | null;
    decided_at: number | null;
    decided_by: string | null;
    /** On `timed_out`: the hold's fallback that was applied. */
    fallback: 'approve' | 'reject' | null;
  };
  /** Retention or an erasure emptied its content. */
  purged: boolean;
}

/** A judgment with the task it was made on. */
export interface ExportJudgment {
  id: string;
  task_id: string;
  item_id: string;
  reviewer: string;
  /** null on comparisons and rankings, whose judgment is `answer`. */
  verdict: Verdict | null;
  scores: Scores;
  answer: JsonValue | null;
  correction: ItemOutput | null;
  comment: string | null;
  time_spent_ms: number | null;
  created_at: number;
  rubric_version: number;
  guideline_version: number;
  queue: string;
  task_kind: string;
}

/** The export's filters and options, checked (see parseExportOptions). Times are epoch ms. */
export interface ExportOptions {
  since?: number;
  until?: number;
  model_version?: string;
  verdict?: Verdict;
  guideline_version?: number;
  queue?: string;
  min_agreement?: number;
  /** sft and eval: also items no person decided (passed by policy, or a hold's timeout). */
  include_unreviewed: boolean;
  style: PreferenceStyle;
  file: ExportFileType;
  /**
   * eval only: carry this evaluator's stored result on each case, and with `disagreements_only`
   * keep only the cases where it and people disagree: a set to evaluate the evaluator with.
   */
  evaluator?: { name: string; disagreements_only: boolean };
}

/** An evaluator's stored result on one item, as an eval case carries it. */
export interface ExportEvalResult {
  name: string;
  status: 'pass' | 'fail' | 'unknown';
  score: number | null;
  label: string | null;
  explanation: string | null;
  /** The evaluator set version that produced it. */
  version: number;
}

/** An outcome an item may have to be exported; `fallback` narrows a `timed_out` one. */
export interface OutcomeCase {
  kinds: ItemKind[];
  status: OutcomeStatus;
  fallback?: 'approve' | 'reject';
}

/**
 * Which items a format reads, as conditions the store can evaluate. The records themselves are
 * decided item by item (exportRecords); this only keeps the store from reading items that could
 * yield none.
 */
export interface ItemSelection {
  /** null: any kind and outcome. */
  outcomes: OutcomeCase[] | null;
  /** Leave out items the policy passed. */
  reviewed_only: boolean;
  /** Leave out items whose content retention or an erasure emptied. */
  exclude_purged: boolean;
  since?: number;
  until?: number;
  /** Review items of this model version; comparisons and rankings are checked by candidate later. */
  model_version?: string;
  /** Items with a task in this queue. */
  queue?: string;
  /** Items with at least one judgment (matching these, when given). */
  judged?: { verdict?: Verdict; guideline_version?: number };
  /** Items every judgment of which was made under this guideline version. */
  all_judged_under?: number;
  /**
   * Items this evaluator judged pass where the outcome is corrected or rejected, or fail where it
   * is approved (an unknown result disagrees with nothing).
   */
  evaluator_disagrees?: string;
}
