import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareLabels, type LabelJudgment, majorityVote, type TieRule } from '../../../src/core/stats/aggregation/majority-vote.js';

const j = (item: string, reviewer: string, label: LabelJudgment['label']): LabelJudgment => ({ item, reviewer, label });

const judgmentsArb = fc.array(
  fc.record({
    item: fc.constantFrom('i1', 'i2', 'i3', 'i4'),
    reviewer: fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5'),
    label: fc.constantFrom('a', 'b', 'c'),
  }),
  { minLength: 1, maxLength: 40 },
);

describe('majorityVote', () => {
  it('picks the most frequent label with counts and share (hand-computed)', () => {
    const result = majorityVote([j('x', 'r1', 'spam'), j('x', 'r2', 'spam'), j('x', 'r3', 'ham'), j('y', 'r1', 'ham')]);
    expect(result).toEqual([
      {
        item: 'x',
        label: 'spam',
        labels: ['spam'],
        tied: [],
        votes: [
          { label: 'ham', count: 1 },
          { label: 'spam', count: 2 },
        ],
        total: 3,
        share: 2 / 3,
      },
      { item: 'y', label: 'ham', labels: ['ham'], tied: [], votes: [{ label: 'ham', count: 1 }], total: 1, share: 1 },
    ]);
  });

  it("handles ties explicitly: 'none' (default), 'lowest', 'all'", () => {
    const input = [j('x', 'r1', 'b'), j('x', 'r2', 'a'), j('x', 'r3', 'c'), j('x', 'r4', 'b'), j('x', 'r5', 'a')];
    const none = majorityVote(input)[0];
    expect(none).toMatchObject({ label: null, labels: [], tied: ['a', 'b'], share: 0.4, total: 5 });
    const lowest = majorityVote(input, { ties: 'lowest' })[0];
    expect(lowest).toMatchObject({ label: 'a', labels: ['a'], tied: ['a', 'b'] });
    const all = majorityVote(input, { ties: 'all' })[0];
    expect(all).toMatchObject({ label: null, labels: ['a', 'b'], tied: ['a', 'b'] });
  });

  it("'lowest' follows the supplied category order", () => {
    const input = [j('x', 'r1', 'approve'), j('x', 'r2', 'reject')];
    expect(majorityVote(input, { ties: 'lowest', categories: ['reject', 'approve'] })[0]?.label).toBe('reject');
    expect(majorityVote(input, { ties: 'lowest' })[0]?.label).toBe('approve');
  });

  it('keeps label types apart and orders booleans, numbers, strings', () => {
    const result = majorityVote([j('x', 'r1', 1), j('x', 'r2', '1'), j('x', 'r3', true), j('x', 'r4', 1)]);
    expect(result[0]?.label).toBe(1);
    expect(result[0]?.votes).toEqual([
      { label: true, count: 1 },
      { label: 1, count: 2 },
      { label: '1', count: 1 },
    ]);
    expect([3, 'b', false, 10, 'a', true].sort(compareLabels)).toEqual([false, true, 3, 10, 'a', 'b']);
  });

  it('counts repeated judgments by the same reviewer as separate votes', () => {
    const result = majorityVote([j('x', 'r1', 'a'), j('x', 'r1', 'a'), j('x', 'r2', 'b')]);
    expect(result[0]).toMatchObject({ label: 'a', total: 3 });
  });

  it('a single label only: every item gets it with share 1', () => {
    const result = majorityVote([j('x', 'r1', 'ok'), j('y', 'r2', 'ok'), j('y', 'r3', 'ok')]);
    expect(result.map((r) => [r.item, r.label, r.share])).toEqual([
      ['x', 'ok', 1],
      ['y', 'ok', 1],
    ]);
  });

  it('is invariant to input order (property)', () => {
    fc.assert(
      fc.property(
        judgmentsArb.chain((js) => fc.tuple(fc.constant(js), fc.shuffledSubarray(js, { minLength: js.length, maxLength: js.length }))),
        fc.constantFrom<TieRule>('none', 'lowest', 'all'),
        ([a, b], ties) => {
          expect(majorityVote(b, { ties })).toEqual(majorityVote(a, { ties }));
        },
      ),
    );
  });

  it('relabelling the categories maps the result (property)', () => {
    const perms = fc.constantFrom(['a', 'b', 'c'], ['a', 'c', 'b'], ['b', 'a', 'c'], ['b', 'c', 'a'], ['c', 'a', 'b'], ['c', 'b', 'a']);
    fc.assert(
      fc.property(judgmentsArb, perms, fc.constantFrom<TieRule>('none', 'lowest', 'all'), (js, perm, ties) => {
        const to = (l: unknown): string => `L-${perm[['a', 'b', 'c'].indexOf(l as string)]}`;
        const order = ['a', 'b', 'c'];
        const before = majorityVote(js, { ties, categories: order });
        // The category order is mapped too, so 'lowest' must pick the image of the same label.
        const after = majorityVote(
          js.map((x) => ({ ...x, label: to(x.label) })),
          { ties, categories: order.map(to) },
        );
        expect(after.map((r) => r.label)).toEqual(before.map((r) => (r.label === null ? null : to(r.label))));
        expect(after.map((r) => r.labels)).toEqual(before.map((r) => r.labels.map(to)));
        expect(after.map((r) => r.tied)).toEqual(before.map((r) => r.tied.map(to)));
        expect(after.map((r) => r.share)).toEqual(before.map((r) => r.share));
        expect(after.map((r) => r.votes)).toEqual(before.map((r) => r.votes.map((v) => ({ label: to(v.label), count: v.count }))));
      }),
    );
  });

  it('throws TG_STATS_UNDEFINED for no judgments and TG_STATS_INVALID_INPUT for malformed input', () => {
    expect(() => majorityVote([])).toThrow(expect.objectContaining({ code: 'TG_STATS_UNDEFINED' }));
    const invalid = expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' });
    expect(() => majorityVote([j('x', 'r1', Number.NaN)])).toThrow(invalid);
    expect(() => majorityVote([{ item: 'x', reviewer: 'r1', label: null } as unknown as LabelJudgment])).toThrow(invalid);
    expect(() => majorityVote([j('x', 'r1', 'a')], { categories: ['b'] })).toThrow(invalid);
    expect(() => majorityVote([j('x', 'r1', 'a')], { categories: ['a', 'a'] })).toThrow(invalid);
    expect(() => majorityVote([j('x', 'r1', 'a')], { ties: 'random' as 'none' })).toThrow(invalid);
  });
});
