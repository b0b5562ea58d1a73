import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAllMonitors } from '../../src/app/monitor-service.js';
import { testApi, type TestApi } from '../support/http.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { createRandom } from '../../src/core/stats/random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(DIALECTS)('monitoring (%s)', (dialect) => {
  let t: TestStore;
  let api: TestApi;
  let manager: string;
  let projectId: string;

  const createProject = async (policy: unknown) => {
    const res = await api.call('POST', '/v1/projects', manager, { name: 'Watched', policy });
    expect(res.statusCode, res.body).toBe(201);
    projectId = res.json().id;
  };
  const batch = async (items: Record<string, unknown>[]) => {
    for (let i = 0; i < items.length; i += 500) {
      const res = await api.call('POST', `/v1/projects/${projectId}/items/batch`, manager, { items: items.slice(i, i + 500) });
      expect(res.statusCode, res.body).toBe(200);
    }
  };
  const saveMonitors = async (monitors: unknown[]) => {
    const res = await api.call('PUT', `/v1/projects/${projectId}/monitors`, manager, { monitors });
    expect([200, 201], res.body).toContain(res.statusCode);
    return res.json();
  };
  const run = async () => {
    const res = await api.call('POST', `/v1/projects/${projectId}/monitors/run`, manager);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().runs as {
      monitor: string;
      status: string;
      alert_id: string | null;
      opened: boolean;
      evidence: Record<string, unknown>;
    }[];
  };

  beforeEach(async () => {
    t = await openTestStore(dialect);
    api = await testApi(t.ctx);
    manager = await api.key('manager');
  });
  afterEach(async () => {
    await api.app.close();
    await t.close();
  });

  it('refuses monitors that cannot work, with every problem, and versions the ones that can', async () => {
    await createProject({ rules: [] });
    const bad = await api.call('PUT', `/v1/projects/${projectId}/monitors`, manager, {
      monitors: [
        { name: 'conf', kind: 'drift', field: 'confidence', test: 'chi_square' },
        { name: 'err', kind: 'error_rate', detector: 'cusum', baseline_rate: 0.2, detect_rate: 0.1 },
      ],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('TG_INVALID_MONITORS');
    expect(bad.json().error.details.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['monitors[0].test', 'monitors[1].detect_rate']),
    );
    const saved = await saveMonitors([{ name: 'err', kind: 'error_rate', detector: 'cusum', baseline_rate: 0.05, detect_rate: 0.1 }]);
    expect(saved).toMatchObject({ version: 1, monitors: [{ name: 'err', threshold: 2.77, segment: null, boost: null }] });
    expect((await api.call('PUT', `/v1/projects/${projectId}/monitors`, manager, { monitors: saved.monitors })).statusCode).toBe(200);
    expect((await api.call('GET', `/v1/projects/${projectId}/monitors/versions`, manager)).json().versions).toHaveLength(1);
  });

  it('detects a confidence drift, opens one deduplicated alert with its evidence and webhook, and boosts review sampling until resolved', async () => {
    await createProject({ rules: [{ name: 'low', when: { confidence: { lt: 0.2 } }, action: 'review' }] });
    await saveMonitors([
      {
        name: 'confidence-drift',
        kind: 'drift',
        field: 'confidence',
        test: 'ks',
        reference: { type: 'rolling', days: 3 },
        current_hours: 12,
        min_samples: 50,
        segment: { field: 'metadata.locale', value: 'de' },
        boost: { sample_rate: 1, hours: 6 },
      },
    ]);
    const random = createRandom('drift');
    const rnd = () => random.nextFloat();
    const item = (mean: number, locale: string) => ({
      input: 'q',
      output: 'a',
      confidence: Math.min(0.99, Math.max(0.21, mean + (rnd() - 0.5) * 0.2)),
      metadata: { locale },
    });
    // Two days of normal traffic, then half a day in which German confidence sinks.
    await batch(Array.from({ length: 300 }, (_, i) => item(0.85, i % 2 === 0 ? 'de' : 'en')));
    t.clock.advance(2 * DAY);
    expect((await run())[0]).toMatchObject({ status: 'insufficient', alert_id: null });
    await batch([...Array.from({ length: 150 }, () => item(0.5, 'de')), ...Array.from({ length: 150 }, () => item(0.85, 'en'))]);
    const [first] = await run();
    expect(first).toMatchObject({ monitor: 'confidence-drift', status: 'drift', opened: true });
    expect(first!.evidence).toMatchObject({
      test: 'ks',
      field: 'confidence',
      reference_n: 150,
      current_n: 150,
      segment: { field: 'metadata.locale', value: 'de' },
    });
    expect(first!.evidence['p_value']).toBeLessThan(0.01);
    const again = await run();
    expect(again[0]).toMatchObject({ status: 'drift', opened: false, alert_id: first!.alert_id });

    const alerts = (await api.call('GET', `/v1/projects/${projectId}/alerts`, manager)).json().alerts;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ status: 'open', occurrences: 2, kind: 'drift' });
    const audit = (await api.call('GET', `/v1/projects/${projectId}/audit?action=alert.opened`, manager)).json().events;
    expect(audit).toHaveLength(1);

    // The boost: German items the policy would pass now go to review; English ones do not.
    const de = (await api.call('POST', `/v1/projects/${projectId}/items`, manager, item(0.9, 'de'))).json();
    expect(de.decision).toMatchObject({ action: 'review' });
    expect(de.decision.matched_rules.at(-1)).toMatchObject({ name: 'boost:confidence-drift', sampled: true });
    const en = (await api.call('POST', `/v1/projects/${projectId}/items`, manager, item(0.9, 'en'))).json();
    expect(en.decision.action).toBe('pass');

    const ack = await api.call('POST', `/v1/alerts/${first!.alert_id}/acknowledge`, manager, { note: 'looking at the German model' });
    expect(ack.json()).toMatchObject({ status: 'acknowledged', note: 'looking at the German model' });
    const resolved = await api.call('POST', `/v1/alerts/${first!.alert_id}/resolve`, manager, {});
    expect(resolved.json().status).toBe('resolved');
    expect((await api.call('POST', `/v1/alerts/${first!.alert_id}/resolve`, manager, {})).statusCode).toBe(409);
    const view = (await api.call('GET', `/v1/alerts/${first!.alert_id}`, manager)).json();
    expect(view.boosts[0].ended_at).not.toBeNull();
    t.clock.advance(2000);
    const after = (await api.call('POST', `/v1/projects/${projectId}/items`, manager, item(0.9, 'de'))).json();
    expect(after.decision.action).toBe('pass');
    // Still drifting: a new alert opens, since the last one was resolved.
    expect((await run())[0]).toMatchObject({ opened: true });
  });

  it('catches a rise in the error rate people find with CUSUM, and alerts once', async () => {
    await createProject({ default_action: 'review', rules: [] });
    await saveMonitors([{ name: 'errors', kind: 'error_rate', detector: 'cusum', baseline_rate: 0.05, detect_rate: 0.2 }]);
    const reviewer = await api.key('reviewer', projectId);
    const random = createRandom('errors');
    const rnd = () => random.nextFloat();
    const judgeAll = async (errorRate: number) => {
      for (;;) {
        const claim = await api.call('POST', `/v1/projects/${projectId}/tasks/claim`, reviewer, {});
        if (claim.statusCode !== 200 || !claim.json().task) break;
        const verdict = rnd() < errorRate ? 'reject' : 'approve';
        expect((await api.call('POST', `/v1/tasks/${claim.json().task.id}/judgments`, reviewer, { verdict })).statusCode).toBe(201);
      }
    };
    await run(); // starts the detector: it watches outcomes decided from now on
    t.clock.advance(1000);
    await batch(Array.from({ length: 120 }, () => ({ input: 'q', output: 'a' })));
    await judgeAll(0.02);
    expect((await runAllMonitors(t.ctx, new Set(['error_rate'])))[0]).toMatchObject({ status: 'ok' });
    await batch(Array.from({ length: 120 }, () => ({ input: 'q', output: 'a' })));
    await judgeAll(0.4);
    const [degraded] = await runAllMonitors(t.ctx, new Set(['error_rate']));
    expect(degraded).toMatchObject({ monitor: 'errors', status: 'alarm', opened: true });
    expect(degraded!.evidence).toMatchObject({ detector: 'cusum', baseline_rate: 0.05 });
    expect(degraded!.evidence['change_after_observation']).toBeGreaterThanOrEqual(100);
    expect((await api.call('GET', `/v1/projects/${projectId}/alerts?status=open`, manager)).json().alerts).toHaveLength(1);
  });
});
