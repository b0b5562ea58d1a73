import { describe, expect, it } from 'vitest';
import { validateRubric, validateScores } from '../../src/core/rubric/index.js';

const RUBRIC = validateRubric({
  criteria: [
    {
      key: 'topic',
      label: 'Topic',
      scale: { type: 'labels', options: ['billing', { value: 'shipping', description: 'Where is my order' }] },
    },
    { key: 'issues', label: 'Issues', scale: { type: 'labels', options: ['made_up_policy', 'wrong_amount', 'rude'], multiple: true } },
    { key: 'evidence', label: 'Evidence', scale: { type: 'spans', target: 'output', labels: ['claim', 'amount'] } },
  ],
});
const TEXTS = { input: 'Refund me please', output: 'Refunded $800 to your card.' };

describe('labels and spans criteria', () => {
  it('normalise label options and keep descriptions', () => {
    expect(RUBRIC.criteria[0]?.scale).toEqual({
      type: 'labels',
      options: [{ value: 'billing' }, { value: 'shipping', description: 'Where is my order' }],
    });
    expect(RUBRIC.criteria[1]?.scale).toMatchObject({ multiple: true });
  });

  it('accept one label, a set of labels, and spans inside the text', () => {
    const scores = validateScores(
      RUBRIC,
      { topic: 'billing', issues: ['wrong_amount', 'rude'], evidence: [{ start: 9, end: 13, label: 'amount' }] },
      TEXTS,
    );
    expect(scores).toEqual({ topic: 'billing', issues: ['wrong_amount', 'rude'], evidence: [{ start: 9, end: 13, label: 'amount' }] });
    expect(TEXTS.output.slice(9, 13)).toBe('$800');
  });

  it('refuse an unknown label, a repeated one, and spans outside the text or unlabelled, all at once', () => {
    try {
      validateScores(RUBRIC, { topic: 'returns', issues: ['rude', 'rude'], evidence: [{ start: 20, end: 40, label: 'amount' }] }, TEXTS);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'TG_INVALID_JUDGMENT' });
      expect((err as { details: { errors: { path: string; message: string }[] } }).details.errors).toEqual([
        { path: 'scores.topic', message: 'must be one of "billing", "shipping", got "returns"' },
        { path: 'scores.issues', message: 'label "rude" is given twice' },
        { path: 'scores.evidence', message: 'span 0 ends at 40, past the end of the output text (27 characters)' },
      ]);
    }
    expect(() => validateScores(RUBRIC, { evidence: [{ start: 3, end: 3, label: 'claim' }] }, TEXTS)).toThrow(
      /end must be an integer greater than start/,
    );
    expect(() => validateScores(RUBRIC, { evidence: [{ start: 0, end: 3, label: 'tone' }] }, TEXTS)).toThrow(/unknown label "tone"/);
    expect(() => validateScores(RUBRIC, { issues: 'rude' }, TEXTS)).toThrow(/must be an array of labels/);
  });

  it('refuse label and span scales that cannot work, at save time', () => {
    expect(() =>
      validateRubric({
        criteria: [
          { key: 'a', label: 'A', scale: { type: 'labels', options: [] } },
          { key: 'b', label: 'B', scale: { type: 'spans', target: 'metadata', labels: ['x', 'x'] } },
        ],
      }),
    ).toThrow(expect.objectContaining({ code: 'TG_INVALID_RUBRIC' }));
  });
});
