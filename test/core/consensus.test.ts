import { describe, expect, it } from 'vitest';
import { resolveByConsensus, type ConsensusJudgment } from '../../src/core/review/consensus.js';
import { validatePolicy } from '../../src/core/policy/policy-validate.js';
import type { Verdict } from '../../src/core/types.js';

const j = (reviewer: string, verdict: Verdict, at: number, extra: Partial<ConsensusJudgment> = {}): ConsensusJudgment => ({
  reviewer,
  verdict,
  scores: {},
  correction: verdict === 'correct' ? `fix by ${reviewer}` : null,
  created_at: at,
  ...extra,
});

describe('resolveByConsensus', () => {
  it('waits until the required judgments are in', () => {
    expect(resolveByConsensus({ rule: 'majority' }, 3, 'out', [j('a', 'approve', 1), j('b', 'approve', 2)])).toBeNull();
  });

  it('conservative: any rejection rejects, else the latest correction', () => {
    expect(
      resolveByConsensus({ rule: 'conservative' }, 3, 'out', [j('a', 'approve', 1), j('b', 'reject', 2), j('c', 'approve', 3)]),
    ).toEqual({
      kind: 'resolved',
      status: 'rejected',
      output: null,
      reason: '1 of 3 reviewer(s) rejected',
    });
    expect(resolveByConsensus({ rule: 'conservative' }, 2, 'out', [j('b', 'correct', 2), j('a', 'correct', 1)])).toMatchObject({
      status: 'corrected',
      output: 'fix by b',
    });
  });

  it('majority: the leading verdict wins, a tie goes to adjudication', () => {
    expect(resolveByConsensus({ rule: 'majority' }, 3, 'out', [j('a', 'approve', 1), j('b', 'reject', 2), j('c', 'approve', 3)])).toEqual({
      kind: 'resolved',
      status: 'approved',
      output: 'out',
      reason: 'majority: approve (reject 1, approve 2)',
    });
    expect(resolveByConsensus({ rule: 'majority' }, 2, 'out', [j('a', 'approve', 1), j('b', 'reject', 2)])).toEqual({
      kind: 'adjudicate',
      reason: 'split verdict (reject 1, approve 1)',
    });
  });

  it('unanimous: only agreement resolves', () => {
    expect(resolveByConsensus({ rule: 'unanimous' }, 2, 'out', [j('a', 'correct', 1), j('b', 'correct', 2)])).toMatchObject({
      status: 'corrected',
      output: 'fix by b',
    });
    expect(resolveByConsensus({ rule: 'unanimous' }, 2, 'out', [j('a', 'approve', 1), j('b', 'correct', 2)])).toMatchObject({
      kind: 'adjudicate',
    });
  });

  it('weighted: a reliable reviewer outweighs two unreliable ones; no record weighs a third', () => {
    const judgments = [j('expert', 'reject', 1), j('x', 'approve', 2), j('y', 'approve', 3)];
    const weights = new Map([
      ['expert', 0.9],
      ['x', 0.3],
      ['y', 0.3],
    ]);
    expect(resolveByConsensus({ rule: 'weighted' }, 3, 'out', judgments, weights)).toMatchObject({
      status: 'rejected',
      reason: 'weighted: reject (reject 0.90, approve 0.60)',
    });
    // Without records every vote weighs the same: a plain majority.
    expect(resolveByConsensus({ rule: 'weighted' }, 3, 'out', judgments)).toMatchObject({ status: 'approved' });
  });

  it('sends scores that lie too far apart to adjudication, whatever the verdicts', () => {
    const judgments = [j('a', 'approve', 1, { scores: { accuracy: 1 } }), j('b', 'approve', 2, { scores: { accuracy: 5 } })];
    expect(resolveByConsensus({ rule: 'majority', max_score_spread: { accuracy: 2 } }, 2, 'out', judgments)).toEqual({
      kind: 'adjudicate',
      reason: 'scores for accuracy range from 1 to 5, more than 2 apart',
    });
    expect(resolveByConsensus({ rule: 'majority', max_score_spread: { accuracy: 4 } }, 2, 'out', judgments)).toMatchObject({
      status: 'approved',
    });
  });

  it('is validated with the policy', () => {
    expect(validatePolicy({ rules: [], consensus: { rule: 'majority', max_score_spread: { accuracy: 1 } } }).consensus).toEqual({
      rule: 'majority',
      max_score_spread: { accuracy: 1 },
    });
    expect(() => validatePolicy({ rules: [], consensus: { rule: 'loudest', max_score_spread: { accuracy: -1 } } })).toThrow(
      expect.objectContaining({
        code: 'TG_INVALID_POLICY',
        details: {
          errors: [
            expect.objectContaining({ path: 'consensus.rule' }),
            expect.objectContaining({ path: 'consensus.max_score_spread.accuracy' }),
          ],
        },
      }),
    );
  });
});
