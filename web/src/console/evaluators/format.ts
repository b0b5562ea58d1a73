import { formatInterval, formatShare, formatStat } from '../quality/format.js';
import type { Estimate } from './types.js';

/** Kappa or alpha with its interval, e.g. "0.50 (−0.12 to 0.88)"; "—" when undefined. */
export function formatStatEstimate(e: Estimate | null | undefined): string {
  if (!e) return '—';
  return `${formatStat(e.value)} (${formatStat(e.low)} to ${formatStat(e.high)})`;
}

/** A share with its interval, e.g. "75% (41%–93%)". */
export function formatShareEstimate(e: Estimate | null | undefined): string {
  if (!e) return '—';
  return `${formatShare(e.value)} (${formatInterval({ low: e.low, high: e.high })})`;
}

/**
 * Landis and Koch's (1977) reading of kappa, which the trust rules' default min_kappa (0.6)
 * follows: above 0.6 substantial, 0.4–0.6 moderate, below that weak.
 */
export function kappaTone(kappa: number): { tone: 'ok' | 'warn' | 'bad'; reading: string } {
  if (kappa > 0.6) return { tone: 'ok', reading: kappa > 0.8 ? 'almost perfect' : 'substantial' };
  if (kappa > 0.4) return { tone: 'warn', reading: 'moderate' };
  return { tone: 'bad', reading: kappa > 0.2 ? 'fair' : kappa > 0 ? 'slight' : 'poor' };
}
