/**
 * Series colours: told apart by hue and lightness (safe for the common colour-vision
 * deficiencies) and at least 3:1 against the white plot, with dash patterns for the key series so
 * no reading depends on colour alone.
 */
export const INK = '#1b1f27';
export const MUTED = '#545d6b';
export const GRID = '#e3e6eb';

export const SERIES_COLOURS = ['#0b5cad', '#b35900', '#00727a', '#7b3fa0', '#a3336e', '#1d7a4a', '#b3262f', '#5b6472'] as const;
export const DASHES: readonly number[][] = [[], [8, 4], [2, 3], [10, 4, 2, 4]];

export function colourAt(i: number): string {
  return SERIES_COLOURS[i % SERIES_COLOURS.length] ?? INK;
}

/** Dashes cycle alongside colours, so neighbouring series differ in both. */
export function dashAt(i: number): number[] {
  return DASHES[i % DASHES.length] ?? [];
}

export const DECISION_COLOURS = {
  approved: '#1b6fb5',
  corrected: '#d98c00',
  rejected: '#b3262f',
  timed_out: '#737b87',
} as const;

export const QUALITY_COLOURS = {
  error: '#0b5cad',
  band: 'rgba(11, 92, 173, 0.16)',
  naive: '#7b3fa0',
  approval: '#1d7a4a',
  correction: '#b35900',
  rejection: '#b3262f',
} as const;
