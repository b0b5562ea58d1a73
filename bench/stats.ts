import { performance } from 'node:perf_hooks';
import { createRandom, krippendorffAlpha, type Rating } from '../src/core/stats/index.js';

export interface AlphaRun {
  level: 'nominal' | 'interval';
  units: number;
  raters: number;
  ratings: number;
  /** Median of the timed runs, in milliseconds (the first, cold run is reported apart). */
  ms: number;
  coldMs: number;
  value: number;
}

export interface StatsResult {
  alpha: AlphaRun[];
}

/**
 * Reliability data shaped like a busy project's: every unit rated by `raters` reviewers, each
 * rating missing with probability `missing`; values near a per-unit truth so alpha is realistic.
 */
function reliabilityData(units: number, raters: number, missing: number, level: AlphaRun['level'], seed: string): Rating[] {
  const rng = createRandom(seed);
  const ratings: Rating[] = [];
  for (let u = 0; u < units; u++) {
    const truth = level === 'nominal' ? rng.nextInt(5) : 1 + rng.nextInt(100);
    for (let r = 0; r < raters; r++) {
      const missingHere = rng.nextFloat() < missing;
      let value: number | string | null = null;
      if (!missingHere) {
        if (level === 'nominal') value = rng.nextFloat() < 0.8 ? `c${truth}` : `c${rng.nextInt(5)}`;
        else value = Math.max(1, Math.min(100, truth + rng.nextInt(21) - 10));
      }
      ratings.push({ unit: `u${u}`, rater: `r${r}`, value });
    }
  }
  return ratings;
}

/** Krippendorff's alpha on 100,000 units × 5 raters with 10% missing (target: under 1 s). */
export function runStats(): StatsResult {
  const alpha: AlphaRun[] = [];
  for (const level of ['nominal', 'interval'] as const) {
    const data = reliabilityData(100_000, 5, 0.1, level, `bench-${level}`);
    const time = () => {
      const t0 = performance.now();
      const r = krippendorffAlpha(data, { level });
      return { ms: performance.now() - t0, value: r.value };
    };
    const cold = time();
    const warm = Array.from({ length: 5 }, time)
      .map((r) => r.ms)
      .sort((a, b) => a - b);
    alpha.push({ level, units: 100_000, raters: 5, ratings: data.length, ms: warm[2]!, coldMs: cold.ms, value: cold.value });
  }
  return { alpha };
}
