import { isRecord } from '../../../../src/core/json.js';
import type { Claim } from '../task-view.js';

/** One output of a comparison or ranking, as `item.output.candidates` carries it (ids `a`, `b`, `c`…). */
export interface CandidateEntry {
  id: string;
  output: unknown;
}

export function candidatesOf(claim: Claim): CandidateEntry[] {
  const output: unknown = claim.item.output;
  const list = isRecord(output) ? output['candidates'] : undefined;
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).flatMap((c) => (typeof c['id'] === 'string' ? [{ id: c['id'], output: c['output'] }] : []));
}

/** How a person names a candidate: "Candidate B". */
export function candidateName(id: string): string {
  return `Candidate ${id.toUpperCase()}`;
}
