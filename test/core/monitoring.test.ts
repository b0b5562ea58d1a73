import { describe, expect, it } from 'vitest';
import { evaluateDrift, MAX_DRIFT_CATEGORIES } from '../../src/core/monitoring/drift-check.js';
import {
  readMonitorSet,
  readMonitorSpec,
  type DriftMonitorSpec,
  type ErrorRateMonitorSpec,
  type MonitorSpec,
} from '../../src/core/monitoring/monitor-spec.js';
import {
  averageRunLength,
  bernoulliCusumChart,
  createDetector,
  defaultCusumThreshold,
  defaultPageHinkleyThreshold,
  pageHinkleyChart,
  restoreDetector,
  type DetectorParams,
} from '../../src/core/monitoring/sequential.js';
import { normalCdf, normalQuantile } from '../../src/core/stats/distributions/normal.js';
import { createRandom, type Random } from '../../src/core/stats/random.js';

function problemsOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toMatchObject({ code: 'TG_INVALID_MONITORS' });
    return (err as { details: { errors: { path: string; message: string }[] } }).details.errors;
  }
  throw new Error('expected a validation error');
}

const pathsOf = (fn: () => unknown): string[] => problemsOf(fn).map((p) => p.path);

function drift(raw: Record<string, unknown>): DriftMonitorSpec {
  const spec: MonitorSpec = readMonitorSpec({ name: 'm', kind: 'drift', ...raw });
  if (spec.kind !== 'drift') throw new Error('not a drift monitor');
  return spec;
}

function errorRate(raw: Record<string, unknown>): ErrorRateMonitorSpec {
  const spec: MonitorSpec = readMonitorSpec({ name: 'm', kind: 'error_rate', ...raw });
  if (spec.kind !== 'error_rate') throw new Error('not an error-rate monitor');
  return spec;
}

describe('readMonitorSpec', () => {
  it('fills every default of a drift monitor', () => {
    expect(readMonitorSpec({ name: 'confidence-drift', kind: 'drift', field: 'confidence' })).toEqual({
      name: 'confidence-drift',
      kind: 'drift',
      field: 'confidence',
      value_type: 'numeric',
      test: 'psi',
      threshold: 0.25,
      reference: { type: 'rolling', days: 7, gap_days: 0 },
      current_hours: 24,
      min_samples: 100,
      segment: null,
      boost: null,
    });
  });

  it('defaults the threshold by test and infers a metadata field’s type from a test that needs one', () => {
    expect(drift({ field: 'output.length', test: 'ks' }).threshold).toBe(0.01);
    expect(drift({ field: 'metadata.locale', test: 'chi_square' })).toMatchObject({ value_type: 'categorical', threshold: 0.01 });
    expect(drift({ field: 'metadata.tokens', test: 'ks' }).value_type).toBe('numeric');
    expect(drift({ field: 'metadata.locale', value_type: 'categorical' })).toMatchObject({ test: 'psi', threshold: 0.25 });
  });

  it('reports every problem with its path, unknown fields included', () => {
    const problems = problemsOf(() =>
      readMonitorSpec({
        name: 'Bad Name',
        kind: 'drift',
        field: 'metadata.',
        value_type: 'numeric',
        test: 'ks',
        threshold: 0.9,
        reference: { type: 'rolling', days: 0, weeks: 1 },
        current_hours: 1.5,
        min_samples: 0,
        segment: { field: 'input.text', value: '' },
        boost: { sample_rate: 2 },
        colour: 'red',
      }),
    );
    expect(problems.map((p) => p.path).sort()).toEqual(
      [
        'name',
        'colour',
        'field',
        'threshold',
        'reference.weeks',
        'reference.days',
        'current_hours',
        'min_samples',
        'segment.field',
        'segment.value',
        'boost.sample_rate',
      ].sort(),
    );
    expect(problems.find((p) => p.path === 'colour')?.message).toBe('unknown field');
    expect(problems.find((p) => p.path === 'threshold')?.message).toMatch(/above 0 and at most 0.5/);
  });

  it('refuses a test that does not suit the value type, and a metadata field of unknown type', () => {
    expect(pathsOf(() => drift({ field: 'confidence', value_type: 'categorical' }))).toEqual(['value_type']);
    expect(pathsOf(() => drift({ field: 'input.length', test: 'chi_square' }))).toEqual(['test']);
    expect(pathsOf(() => drift({ field: 'metadata.locale', value_type: 'categorical', test: 'ks' }))).toEqual(['test']);
    expect(problemsOf(() => drift({ field: 'metadata.locale' }))).toEqual([
      { path: 'value_type', message: 'is required for a metadata field: "numeric" or "categorical"' },
    ]);
    expect(pathsOf(() => drift({ field: 'model' }))).toEqual(['field']);
  });

  it('reads a fixed reference window, normalised to UTC, and refuses impossible ones', () => {
    expect(
      drift({ field: 'confidence', reference: { type: 'fixed', since: '2025-03-01', until: '2025-03-08T02:00:00+02:00' } }).reference,
    ).toEqual({
      type: 'fixed',
      since: '2025-03-01T00:00:00.000Z',
      until: '2025-03-08T00:00:00.000Z',
    });
    // 30 February passes Date.parse (it rolls over to March), a time without an offset is ambiguous.
    expect(
      pathsOf(() => drift({ field: 'confidence', reference: { type: 'fixed', since: '2025-02-30', until: '2025-03-08T10:00' } })),
    ).toEqual(['reference.since', 'reference.until']);
    expect(pathsOf(() => drift({ field: 'confidence', reference: { type: 'fixed', since: '2025-03-08', until: '2025-03-01' } }))).toEqual([
      'reference.until',
    ]);
    expect(pathsOf(() => drift({ field: 'confidence', reference: { type: 'weekly' } }))).toEqual(['reference.type']);
  });

  it('reads a segment and a boost with its default duration', () => {
    const spec = drift({ field: 'confidence', segment: { field: 'metadata.locale', value: 'de' }, boost: { sample_rate: 0.5 } });
    expect(spec.segment).toEqual({ field: 'metadata.locale', value: 'de' });
    expect(spec.boost).toEqual({ sample_rate: 0.5, hours: 24 });
  });

  it('fills an error-rate monitor’s threshold with the ARL₀ ≈ 1000 default of its detector', () => {
    expect(errorRate({ baseline_rate: 0.05, detect_rate: 0.1 })).toEqual({
      name: 'm',
      kind: 'error_rate',
      detector: 'cusum',
      baseline_rate: 0.05,
      detect_rate: 0.1,
      threshold: defaultCusumThreshold(0.05, 0.1),
      segment: null,
      boost: null,
    });
    expect(errorRate({ detector: 'page_hinkley', baseline_rate: 0.05, detect_rate: 0.1 }).threshold).toBe(
      defaultPageHinkleyThreshold(0.05, 0.1),
    );
    expect(errorRate({ baseline_rate: 0.05, detect_rate: 0.1, threshold: 4 }).threshold).toBe(4);
  });

  it('checks an error-rate monitor’s rates and refuses drift fields on it', () => {
    expect(pathsOf(() => errorRate({ baseline_rate: 0.1, detect_rate: 0.05 }))).toEqual(['detect_rate']);
    expect(pathsOf(() => errorRate({ detect_rate: 0.05, detector: 'ewma', threshold: 0 }))).toEqual([
      'detector',
      'baseline_rate',
      'threshold',
    ]);
    expect(pathsOf(() => errorRate({ baseline_rate: 0.05, detect_rate: 0.1, field: 'confidence' }))).toEqual(['field']);
    expect(pathsOf(() => readMonitorSpec({ name: 'm' }))).toEqual(['kind']);
    expect(pathsOf(() => readMonitorSpec([]))).toEqual(['']);
  });
});

describe('readMonitorSet', () => {
  it('prefixes paths with the monitor’s index and refuses duplicate names', () => {
    const problems = problemsOf(() =>
      readMonitorSet({
        monitors: [
          { name: 'a', kind: 'drift', field: 'confidence' },
          { name: 'a', kind: 'error_rate', baseline_rate: 0.05, detect_rate: 0.1 },
          { name: 'b', kind: 'drift', field: 'confidence', min_samples: -1 },
        ],
      }),
    );
    expect(problems).toEqual([
      { path: 'monitors[1].name', message: '"a" is used twice' },
      { path: 'monitors[2].min_samples', message: 'must be a whole number from 1 to 1000000' },
    ]);
  });

  it('returns the monitors with defaults, and refuses more than 50 and unknown top-level fields', () => {
    const set = readMonitorSet({ monitors: [{ name: 'a', kind: 'drift', field: 'confidence' }] });
    expect(set.monitors).toHaveLength(1);
    const many = Array.from({ length: 51 }, (_, i) => ({ name: `m${i}`, kind: 'drift', field: 'confidence' }));
    expect(pathsOf(() => readMonitorSet({ monitors: many, extra: true }))).toEqual(['extra', 'monitors']);
    expect(pathsOf(() => readMonitorSet({}))).toEqual(['']);
  });
});

function normalSample(random: Random, n: number, mean: number): number[] {
  // Inverse-CDF sampling; the half-step offset keeps u strictly inside (0, 1).
  return Array.from({ length: n }, () => mean + normalQuantile((random.nextUint32() + 0.5) / 4294967296));
}

describe('evaluateDrift', () => {
  const random = createRandom('monitoring-drift');
  const reference = normalSample(random, 1000, 0);
  const sameDistribution = normalSample(random, 1000, 0);
  const shifted = normalSample(random, 1000, 1);

  it('finds no drift between two samples of the same distribution', () => {
    const ks = evaluateDrift(drift({ field: 'confidence', test: 'ks' }), reference, sameDistribution);
    expect(ks).toMatchObject({ status: 'ok', test: 'ks', threshold: 0.01, reference_n: 1000, current_n: 1000 });
    expect(ks.p_value).toBeGreaterThan(0.01);
    const psi = evaluateDrift(drift({ field: 'confidence' }), reference, sameDistribution);
    expect(psi.status).toBe('ok');
    expect(psi.statistic).toBeLessThan(0.1);
    expect(psi.p_value).toBeNull();
  });

  it('detects a mean shift of one standard deviation with KS and PSI', () => {
    const ks = evaluateDrift(drift({ field: 'confidence', test: 'ks' }), reference, shifted);
    expect(ks.status).toBe('drift');
    expect(ks.p_value).toBeLessThan(1e-20);
    // Population D for N(0,1) against N(1,1): sup |Φ(x) − Φ(x − 1)| = 2Φ(½) − 1 = 0.383; the sampling sd of D is about 0.02.
    expect(Math.abs(ks.statistic! - (2 * normalCdf(0.5) - 1))).toBeLessThan(0.06);
    expect(ks.reason).toMatch(/^Kolmogorov–Smirnov D = 0\.\d+ \(exact\), p = .* ≤ threshold 0\.01$/);

    const psi = evaluateDrift(drift({ field: 'confidence' }), reference, shifted);
    expect(psi.status).toBe('drift');
    // Population PSI on the reference deciles z_k = Φ⁻¹(k/10): current shares Φ(z_k − 1) − Φ(z_{k−1} − 1).
    let expected = 0;
    for (let k = 1; k <= 10; k++) {
      const hi = k === 10 ? 1 : normalCdf(normalQuantile(k / 10) - 1);
      const lo = k === 1 ? 0 : normalCdf(normalQuantile((k - 1) / 10) - 1);
      expected += (hi - lo - 0.1) * Math.log((hi - lo) / 0.1);
    }
    expect(Math.abs(psi.statistic! - expected)).toBeLessThan(0.15);
    expect(psi.summary.reference).toMatchObject({ type: 'numeric', n: 1000, missing: 0 });
    expect(psi.summary.current.type === 'numeric' && psi.summary.current.mean! - 1).toBeCloseTo(0, 0);
  });

  it('detects a change of category shares with chi-square and PSI (hand-computed)', () => {
    const ref = [...Array<string>(800).fill('en'), ...Array<string>(200).fill('de')];
    const cur = [...Array<string>(500).fill('en'), ...Array<string>(500).fill('de')];
    // Column totals 1300 and 700 of 2000: expected 650 and 350 in each row, so
    // X² = 2·(150²/650 + 150²/350) = 197.80…, df = 1.
    const chi = evaluateDrift(drift({ field: 'metadata.locale', test: 'chi_square' }), ref, cur);
    expect(chi.status).toBe('drift');
    expect(chi.statistic).toBeCloseTo(2 * (22500 / 650 + 22500 / 350), 9);
    expect(chi.reason).toMatch(/df = 1/);
    expect(chi.summary.reference).toEqual({
      type: 'categorical',
      n: 1000,
      missing: 0,
      distinct: 2,
      top: [
        { value: 'en', share: 0.8 },
        { value: 'de', share: 0.2 },
      ],
    });
    // PSI = (0.5 − 0.8)·ln(0.5/0.8) + (0.5 − 0.2)·ln(0.5/0.2) = 0.4159…
    const psi = evaluateDrift(drift({ field: 'metadata.locale', value_type: 'categorical' }), ref, cur);
    expect(psi.status).toBe('drift');
    expect(psi.statistic).toBeCloseTo(-0.3 * Math.log(0.625) + 0.3 * Math.log(2.5), 12);
  });

  it('gives no verdict below min_samples', () => {
    const verdict = evaluateDrift(drift({ field: 'confidence', test: 'ks' }), reference.slice(0, 99), shifted);
    expect(verdict).toMatchObject({ status: 'insufficient', statistic: null, p_value: null, reference_n: 99, current_n: 1000 });
    expect(verdict.reason).toBe('reference has 99 values and current 1000; at least 100 in each are needed for a verdict');
  });

  it('counts values of the wrong type as missing and stringifies categories', () => {
    const noisy = [...reference.slice(0, 100), 'n/a', 'n/a'] as (number | string)[];
    const verdict = evaluateDrift(drift({ field: 'confidence', min_samples: 101 }), noisy, reference);
    expect(verdict).toMatchObject({ status: 'insufficient', reference_n: 100 });
    expect(verdict.summary.reference).toMatchObject({ n: 100, missing: 2 });
    const categories = evaluateDrift(drift({ field: 'metadata.tier', test: 'chi_square', min_samples: 1 }), [1, '1', 2], ['1', 2, 2]);
    expect(categories.summary.reference).toMatchObject({ distinct: 2, top: [{ value: '1', share: 2 / 3 }, { value: '2' }] });
  });

  it('pools rare categories so a high-cardinality field keeps usable cells', () => {
    const labels = (n: number, k: number) => Array.from({ length: n }, (_, i) => `user-${i % k}`);
    const verdict = evaluateDrift(drift({ field: 'metadata.user', test: 'chi_square' }), labels(3000, 60), labels(3000, 60));
    expect(verdict.status).toBe('ok');
    expect(verdict.reason).toContain(`df = ${MAX_DRIFT_CATEGORIES - 1}`);
    expect(verdict.statistic).toBe(0);
  });
});

const P0 = 0.05;
const P1 = 0.1;

interface Simulation {
  arl0: number;
  arl0Se: number;
  alarmedWithin500: number;
  meanDelay: number;
  falseAlarmsBeforeChange: number;
}

/**
 * In control: `streams` Bernoulli(p₀) streams each run to their first alarm. Out of control:
 * p₀ for 200 observations, then p₁; the delay counts observations from the change to the alarm,
 * over the streams that did not alarm before the change.
 */
function simulate(params: DetectorParams, seed: string, streams: number): Simulation {
  const random = createRandom(seed);
  const runLengths: number[] = [];
  for (let s = 0; s < streams; s++) {
    const detector = createDetector(params);
    let n = 1;
    while (!detector.update(random.nextFloat() < P0).alarm) n++;
    runLengths.push(n);
  }
  const arl0 = runLengths.reduce((a, b) => a + b, 0) / streams;
  const variance = runLengths.reduce((a, b) => a + (b - arl0) ** 2, 0) / (streams - 1);
  const delays: number[] = [];
  let falseAlarmsBeforeChange = 0;
  for (let s = 0; s < streams; s++) {
    const detector = createDetector(params);
    let early = false;
    for (let t = 0; t < 200 && !early; t++) early = detector.update(random.nextFloat() < P0).alarm;
    if (early) {
      falseAlarmsBeforeChange++;
      continue;
    }
    let delay = 1;
    while (!detector.update(random.nextFloat() < P1).alarm) delay++;
    delays.push(delay);
  }
  return {
    arl0,
    arl0Se: Math.sqrt(variance / streams),
    alarmedWithin500: runLengths.filter((n) => n <= 500).length / streams,
    meanDelay: delays.reduce((a, b) => a + b, 0) / delays.length,
    falseAlarmsBeforeChange,
  };
}

describe('CUSUM average run lengths (Markov chain, Brook & Evans 1972)', () => {
  it('matches the waiting time for a run of r errors (Feller 1968, §XIII.7)', () => {
    // With up = 1 and a down step of r, any non-error empties the statistic, so S ≥ r means r
    // errors in a row: expected wait (1 − p^r)/(q·p^r).
    for (const [p, r] of [
      [0.5, 2],
      [0.3, 3],
      [0.05, 2],
    ] as const) {
      expect(averageRunLength({ up: 1, down: r }, r, p)).toBeCloseTo((1 - p ** r) / ((1 - p) * p ** r), 6);
    }
    // A threshold at or below one error's increment alarms at the first error: ARL = 1/p.
    expect(averageRunLength(bernoulliCusumChart(P0, P1), Math.log(2), P0)).toBeCloseTo(20, 9);
  });

  it('derives h = 2.77 for p₀ = 0.05 → p₁ = 0.10, the smallest 3-digit h with ARL₀ ≥ 1000', () => {
    const chart = bernoulliCusumChart(P0, P1);
    const h = defaultCusumThreshold(P0, P1);
    expect(h).toBe(2.77);
    const arl0 = averageRunLength(chart, h, P0);
    expect(arl0).toBeGreaterThanOrEqual(1000);
    expect(arl0).toBeLessThan(1030);
    expect(averageRunLength(chart, h - 0.02, P0)).toBeLessThan(1000);
    // Out of control the same chart signals after about a hundred observations.
    expect(averageRunLength(chart, h, P1)).toBeGreaterThan(80);
    expect(averageRunLength(chart, h, P1)).toBeLessThan(120);
  });
});

describe('Bernoulli CUSUM detector', () => {
  it('accumulates the log-likelihood-ratio increments and restarts after an alarm (hand-computed)', () => {
    const detector = createDetector({ detector: 'cusum', baseline_rate: P0, detect_rate: P1, threshold: 1.5 });
    const up = Math.log(2);
    const down = Math.log(0.95 / 0.9);
    const steps = [true, false, false, true, true].map((e) => detector.update(e));
    expect(steps.map((s) => s.statistic)).toEqual(
      [up, up - down, up - 2 * down, 2 * up - 2 * down, 3 * up - 2 * down].map((v) => expect.closeTo(v, 12)),
    );
    expect(steps.map((s) => s.alarm)).toEqual([false, false, false, false, true]);
    expect(steps[4]!.change_after).toBe(0);
    expect(detector.state()).toEqual({ detector: 'cusum', statistic: 0, observations: 5, run_start: 5, alarms: 1 });
  });

  it('keeps false alarms at the designed rate on in-control data and detects a rise to p₁ quickly', () => {
    const h = defaultCusumThreshold(P0, P1);
    const designed = averageRunLength(bernoulliCusumChart(P0, P1), h, P0);
    const sim = simulate({ detector: 'cusum', baseline_rate: P0, detect_rate: P1, threshold: h }, 'cusum-false-alarms', 2000);
    console.info(
      `CUSUM h=${h}: ARL₀ chain ${designed.toFixed(0)}, simulated ${sim.arl0.toFixed(0)} ± ${sim.arl0Se.toFixed(0)}; ` +
        `alarmed within 500: ${(100 * sim.alarmedWithin500).toFixed(1)}%; mean delay after a change at 200: ${sim.meanDelay.toFixed(1)}`,
    );
    // The simulated in-control ARL agrees with the Markov chain and is not below the target.
    expect(Math.abs(sim.arl0 - designed)).toBeLessThan(4 * sim.arl0Se);
    expect(sim.arl0).toBeGreaterThan(1000 - 3 * sim.arl0Se);
    // Run lengths are close to geometric, so ARL₀ ≈ 1000 bounds the share of streams with a false
    // alarm within 500 observations by about 1 − (1 − 1/1000)^500 ≈ 39%.
    const bound = 1 - (1 - 1 / designed) ** 500;
    expect(sim.alarmedWithin500).toBeLessThan(bound + 3 * Math.sqrt((bound * (1 - bound)) / 2000));
    expect(sim.meanDelay).toBeLessThan(150);
  });
});

describe('Page–Hinkley detector', () => {
  it('equals m_t − M_t computed from the definition (Gama et al. 2014)', () => {
    const random = createRandom('page-hinkley-definition');
    const detector = createDetector({ detector: 'page_hinkley', baseline_rate: P0, detect_rate: P1, threshold: 1000 });
    const delta = (P1 - P0) / 2;
    const xs: number[] = [];
    for (let t = 1; t <= 400; t++) {
      const x = random.nextFloat() < (t > 200 ? 0.3 : P0) ? 1 : 0;
      xs.push(x);
      let m = 0;
      let minimum = 0;
      let sum = 0;
      xs.forEach((xi, i) => {
        sum += xi;
        m += xi - sum / (i + 1) - delta;
        minimum = Math.min(minimum, m);
      });
      expect(detector.update(x === 1).statistic).toBeCloseTo(m - minimum, 9);
    }
  });

  it('has few false alarms in control and detects a step change', () => {
    const lambda = defaultPageHinkleyThreshold(P0, P1);
    // Once its mean has settled, Page–Hinkley is a CUSUM with steps +0.925 / −0.075, for which λ gives ARL₀ ≈ 1000.
    const designed = averageRunLength(pageHinkleyChart(P0, P1), lambda, P0);
    expect(designed).toBeGreaterThanOrEqual(1000);
    expect(designed).toBeLessThan(1050);
    const sim = simulate({ detector: 'page_hinkley', baseline_rate: P0, detect_rate: P1, threshold: lambda }, 'ph-false-alarms', 2000);
    console.info(
      `Page–Hinkley λ=${lambda}: ARL₀ chain ${designed.toFixed(0)}, simulated ARL₀ ${sim.arl0.toFixed(0)} ± ${sim.arl0Se.toFixed(0)}; ` +
        `alarmed within 500: ${(100 * sim.alarmedWithin500).toFixed(1)}%; mean delay after a change at 200: ${sim.meanDelay.toFixed(1)}`,
    );
    expect(sim.arl0).toBeGreaterThan(1000 - 3 * sim.arl0Se);
    expect(sim.alarmedWithin500).toBeLessThan(0.4);
    expect(sim.meanDelay).toBeLessThan(150);
  });
});

describe('detector state', () => {
  for (const kind of ['cusum', 'page_hinkley'] as const) {
    it(`${kind}: continues identically after a JSON round trip`, () => {
      const params: DetectorParams = { detector: kind, baseline_rate: P0, detect_rate: P1, threshold: 2 };
      const random = createRandom(`round-trip-${kind}`);
      const stream = Array.from({ length: 1500 }, (_, t) => random.nextFloat() < (t < 700 ? P0 : 0.2));
      const original = createDetector(params);
      for (const e of stream.slice(0, 600)) original.update(e);
      const restored = restoreDetector(params, JSON.parse(JSON.stringify(original.state())));
      const a = stream.slice(600).map((e) => original.update(e));
      const b = stream.slice(600).map((e) => restored.update(e));
      expect(b).toEqual(a);
      expect(a.some((s) => s.alarm)).toBe(true);
      expect(restored.state()).toEqual(original.state());
    });
  }

  it('refuses a state of the other detector or with malformed numbers', () => {
    const cusum: DetectorParams = { detector: 'cusum', baseline_rate: P0, detect_rate: P1, threshold: 2 };
    const ph: DetectorParams = { ...cusum, detector: 'page_hinkley' };
    const state = createDetector(cusum).state();
    expect(() => restoreDetector(ph, state)).toThrow(expect.objectContaining({ code: 'TG_STATS_INVALID_INPUT' }));
    expect(() => restoreDetector(cusum, { ...state, statistic: -1 })).toThrow(/statistic/);
    expect(() => restoreDetector(cusum, { ...state, observations: 1.5 })).toThrow(/observations/);
    expect(() => createDetector({ ...cusum, detect_rate: 0.01 })).toThrow(/p1 must be greater than p0/);
  });
});
