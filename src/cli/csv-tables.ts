import { parse } from 'csv-parse/sync';
import type { Rating, RatingValue } from '../core/stats/ratings.js';
import { CliError } from './cli-error.js';

/** Exit status for input the statistics commands cannot use, as `tollgate agreement` promises. */
export const BAD_INPUT_EXIT = 2;

export const badInput = (message: string): CliError => new CliError(message, BAD_INPUT_EXIT);

/**
 * A CSV file with a header row that must name `columns` (in any order; other columns are
 * ignored). Rows come back keyed by column name, with their line number for messages.
 */
export function parseCsvTable(text: string, source: string, columns: readonly string[]): { line: number; cells: Record<string, string> }[] {
  let records: string[][];
  try {
    const rows: string[][] = parse(text, { skip_empty_lines: true, relax_column_count: false, trim: true });
    records = rows;
  } catch (err) {
    throw badInput(`${source}: not valid CSV: ${err instanceof Error ? err.message : String(err)}`);
  }
  const [header, ...rows] = records;
  if (header === undefined) throw badInput(`${source}: empty file; expected a header row "${columns.join(',')}"`);
  const names = header.map((h) => h.toLowerCase());
  const missing = columns.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    throw badInput(
      `${source}: the header row must name ${columns.map((c) => `"${c}"`).join(', ')}; missing ${missing.join(', ')} (found "${header.join(',')}")`,
    );
  }
  if (rows.length === 0) throw badInput(`${source}: no data rows after the header`);
  const index = Object.fromEntries(columns.map((c) => [c, names.indexOf(c)]));
  return rows.map((row, i) => ({
    line: i + 2,
    cells: Object.fromEntries(columns.map((c) => [c, row[index[c] ?? -1] ?? ''])),
  }));
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Values are numbers when every non-empty value in the column is one, and text otherwise, so
 * "1" and "1.0" are the same rating in a numeric file; an empty cell is a missing rating.
 */
export function typedValues(raw: readonly string[]): (RatingValue | null)[] {
  const present = raw.filter((v) => v !== '');
  const numeric = present.length > 0 && present.every((v) => NUMBER.test(v));
  return raw.map((v) => (v === '' ? null : numeric ? Number(v) : v));
}

/** Reliability data in the long form `unit,rater,value`, values still as written. */
export function ratingRowsFromCsv(text: string, source: string): { unit: string; rater: string; raw: string }[] {
  const rows = parseCsvTable(text, source, ['unit', 'rater', 'value']);
  return rows.map(({ line, cells }) => {
    if (cells.unit === '') throw badInput(`${source}:${line}: empty unit`);
    if (cells.rater === '') throw badInput(`${source}:${line}: empty rater`);
    return { unit: cells.unit ?? '', rater: cells.rater ?? '', raw: cells.value ?? '' };
  });
}

/** Reliability data in the long form `unit,rater,value`: one rating a row. */
export function ratingsFromCsv(text: string, source: string): Rating[] {
  const rows = ratingRowsFromCsv(text, source);
  const values = typedValues(rows.map((r) => r.raw));
  return rows.map((r, i) => ({ unit: r.unit, rater: r.rater, value: values[i] ?? null }));
}

/**
 * Types the values of several files as one column, so "1" in one file and "1" in another are
 * the same category whether or not the other file also holds text.
 */
export function typedTogether(columns: readonly (readonly string[])[]): (RatingValue | null)[][] {
  const all = typedValues(columns.flat());
  const out: (RatingValue | null)[][] = [];
  let at = 0;
  for (const column of columns) {
    out.push(all.slice(at, at + column.length));
    at += column.length;
  }
  return out;
}
