import { describe, expect, it } from 'vitest';
import { CaptureCoalescer } from '../../src/app/capture-coalescer.js';

describe('CaptureCoalescer', () => {
  it('writes captures arriving in the same tick as one group per project, answering each caller', async () => {
    const calls: { projectId: string; items: string[] }[] = [];
    const c = new CaptureCoalescer<string, string>({
      maxGroup: 100,
      writeGroup: (projectId, entries) => {
        calls.push({ projectId, items: entries.map((e) => e.submission) });
        return Promise.resolve(entries.map((e) => `${projectId}:${e.submission}:${e.actor}`));
      },
    });
    const answers = await Promise.all([c.submit('p1', 'a', 'x'), c.submit('p2', 'b', 'y'), c.submit('p1', 'c', 'z')]);
    expect(answers).toEqual(['p1:x:a', 'p2:y:b', 'p1:z:c']);
    expect(calls).toEqual([
      { projectId: 'p1', items: ['x', 'z'] },
      { projectId: 'p2', items: ['y'] },
    ]);
    // A later tick is a new group.
    await c.submit('p1', 'a', 'w');
    expect(calls).toHaveLength(3);
  });

  it('splits groups at maxGroup', async () => {
    const sizes: number[] = [];
    const c = new CaptureCoalescer<number, number>({
      maxGroup: 4,
      writeGroup: (_p, entries) => {
        sizes.push(entries.length);
        return Promise.resolve(entries.map((e) => e.submission * 2));
      },
    });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => c.submit('p', 'a', i)));
    expect(answers).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('a failing capture does not sink its neighbours: the group is retried one by one', async () => {
    const c = new CaptureCoalescer<string, string>({
      maxGroup: 100,
      writeGroup: (_p, entries) =>
        entries.some((e) => e.submission === 'bad')
          ? Promise.reject(new Error('boom'))
          : Promise.resolve(entries.map((e) => e.submission.toUpperCase())),
    });
    const settled = await Promise.allSettled([c.submit('p', 'a', 'ok1'), c.submit('p', 'a', 'bad'), c.submit('p', 'a', 'ok2')]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(settled[0]).toMatchObject({ value: 'OK1' });
    expect(settled[1]).toMatchObject({ reason: new Error('boom') });
    expect(settled[2]).toMatchObject({ value: 'OK2' });
  });
});
