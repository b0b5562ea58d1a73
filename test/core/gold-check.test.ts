import { describe, expect, it } from 'vitest';
import { checkAgainstGold, readGoldAnswer, type GoldExpectation } from '../../src/core/review/gold-check.js';
import { drawsGold, pauseDue, readQuality, rollingAccuracy, scoreAttempt } from '../../src/core/review/quality.js';
import type { ConditionProblem } from '../../src/core/policy/condition-types.js';

const expect_ = (e: Partial<GoldExpectation>): GoldExpectation => ({ verdict: null, scores: {}, answer: null, ...e });
const given = (g: { verdict?: 'approve' | 'reject' | 'correct'; scores?: Record<string, never>; answer?: unknown }) => ({
  verdict: g.verdict ?? null,
  scores: g.scores ?? {},
  answer: (g.answer ?? null) as never,
});

describe('checking a judgment against gold', () => {
  it('is right only when every expected part matches, and says which missed', () => {
    const gold = expect_({ verdict: 'reject', scores: { accuracy: 2, topic: 'billing' } });
    expect(checkAgainstGold(gold, given({ verdict: 'reject', scores: { accuracy: 2, topic: 'billing' } as never }))).toEqual({
      correct: true,
      misses: [],
    });
    expect(checkAgainstGold(gold, given({ verdict: 'approve', scores: { accuracy: 3 } as never }))).toEqual({
      correct: false,
      misses: ['verdict', 'scores.accuracy', 'scores.topic'],
    });
    // Parts the gold answer does not give are not checked.
    expect(checkAgainstGold(expect_({ verdict: 'approve' }), given({ verdict: 'approve', scores: { accuracy: 1 } as never })).correct).toBe(
      true,
    );
  });

  it('compares several labels as a set', () => {
    const gold = expect_({ scores: { tags: ['refund', 'angry'] } });
    expect(checkAgainstGold(gold, given({ scores: { tags: ['angry', 'refund'] } as never })).correct).toBe(true);
    expect(checkAgainstGold(gold, given({ scores: { tags: ['angry'] } as never })).correct).toBe(false);
    expect(checkAgainstGold(gold, given({ scores: { tags: ['angry', 'refund', 'spam'] } as never })).correct).toBe(false);
  });

  it('matches spans one to one by label and an overlap of at least half their union', () => {
    const gold = expect_({
      scores: {
        pii: [
          { start: 10, end: 20, label: 'email' },
          { start: 30, end: 34, label: 'phone' },
        ],
      },
    });
    // [12, 22) against [10, 20): overlap 8, union 12 = 0.67; [30, 33) against [30, 34): 0.75.
    const close = {
      pii: [
        { start: 30, end: 33, label: 'phone' },
        { start: 12, end: 22, label: 'email' },
      ],
    };
    expect(checkAgainstGold(gold, given({ scores: close as never })).correct).toBe(true);
    // [15, 25): overlap 5, union 15 = 0.33, too far.
    const far = {
      pii: [
        { start: 15, end: 25, label: 'email' },
        { start: 30, end: 34, label: 'phone' },
      ],
    };
    expect(checkAgainstGold(gold, given({ scores: far as never })).misses).toEqual(['scores.pii']);
    const relabelled = {
      pii: [
        { start: 10, end: 20, label: 'phone' },
        { start: 30, end: 34, label: 'phone' },
      ],
    };
    expect(checkAgainstGold(gold, given({ scores: relabelled as never })).correct).toBe(false);
    const extra = { pii: [...close.pii, { start: 50, end: 60, label: 'email' }] };
    expect(checkAgainstGold(gold, given({ scores: extra as never })).correct).toBe(false);
  });

  it('checks the winner of a preference (not its strength) and the whole order of a ranking', () => {
    const pref = expect_({ answer: { winner: 'b' } });
    expect(checkAgainstGold(pref, given({ answer: { winner: 'b', strength: 'slight' } })).correct).toBe(true);
    expect(checkAgainstGold(pref, given({ answer: { winner: 'tie', strength: null } })).misses).toEqual(['preference.winner']);
    const rank = expect_({ answer: { order: ['c', 'a', 'b'] } });
    expect(checkAgainstGold(rank, given({ answer: { order: ['c', 'a', 'b'] } })).correct).toBe(true);
    expect(checkAgainstGold(rank, given({ answer: { order: ['c', 'b', 'a'] } })).misses).toEqual(['ranking.order']);
    expect(checkAgainstGold(rank, given({ answer: null })).correct).toBe(false);
  });

  it('reads expected preferences and rankings strictly', () => {
    expect(readGoldAnswer('compare', ['a', 'b'], { winner: 'tie' })).toEqual({ winner: 'tie' });
    expect(() => readGoldAnswer('compare', ['a', 'b'], { winner: 'c' })).toThrow(/preference.winner/);
    expect(() => readGoldAnswer('compare', ['a', 'b'], { winner: 'a', strength: 'clear' })).toThrow(/winner only/);
    expect(readGoldAnswer('rank', ['a', 'b', 'c'], { order: ['b', 'c', 'a'] })).toEqual({ order: ['b', 'c', 'a'] });
    expect(() => readGoldAnswer('rank', ['a', 'b', 'c'], { order: ['b', 'c'] })).toThrow(/leaves out a/);
    expect(() => readGoldAnswer('rank', ['a', 'b', 'c'], { order: ['b', 'c', 'z'] })).toThrow(/"z" is not a candidate/);
  });
});

describe('reviewer quality rules', () => {
  it('scores an attempt against its bound, and an attempt with nothing left to score is no pass', () => {
    expect(scoreAttempt([true, true, false], 0.66)).toEqual({ correct: 2, total: 3, accuracy: 2 / 3, passed: true });
    expect(scoreAttempt([true, false, false], 0.66).passed).toBe(false);
    expect(scoreAttempt([], 0).passed).toBe(false);
  });

  it('pauses on the rolling window only once enough gold was judged', () => {
    const rule = { below_accuracy: 0.7, window: 5, min_judgments: 4 };
    expect(pauseDue(rule, [false, false, false])).toBeNull();
    expect(pauseDue(rule, [false, false, false, true])).toEqual({ correct: 1, total: 4, accuracy: 0.25 });
    // Old misses slide out of the window: 4 of the last 5 right.
    expect(pauseDue(rule, [false, false, false, true, true, true, true, false])).toBeNull();
    expect(rollingAccuracy([true, false, true], 2)).toEqual({ correct: 1, total: 2, accuracy: 0.5 });
  });

  it('draws gold below the share only', () => {
    expect(drawsGold({ gold_share: 0.1 }, 0.05)).toBe(true);
    expect(drawsGold({ gold_share: 0.1 }, 0.1)).toBe(false);
    expect(drawsGold({ gold_share: 0 }, 0)).toBe(false);
    expect(drawsGold(undefined, 0)).toBe(false);
  });

  it('reads the quality section with defaults, and reports every problem with its path', () => {
    const ok: ConditionProblem[] = [];
    expect(readQuality({ gold_share: 0.05, pause: { below_accuracy: 0.7 } }, ok)).toEqual({
      gold_share: 0.05,
      pause: { below_accuracy: 0.7, window: 20, min_judgments: 10 },
    });
    expect(ok).toEqual([]);
    const problems: ConditionProblem[] = [];
    readQuality({ gold_share: -1, qualification: { items: ['x', 'x'], pass_accuracy: 2 }, extra: 1 }, problems);
    expect(problems.map((p) => p.path)).toEqual([
      'quality.extra',
      'quality.gold_share',
      'quality.qualification.items[1]',
      'quality.qualification.pass_accuracy',
    ]);
  });
});
