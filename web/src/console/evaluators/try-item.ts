import type { ItemInput } from './types.js';

export interface TryFields {
  input: string;
  output: string;
  outputIsJson: boolean;
  metadata: string;
}

export type ItemRead = { ok: true; item: ItemInput } | { ok: false; field: 'output' | 'metadata'; message: string };

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The item the form describes, as the capture API takes it; or which field is not right and why. */
export function readTryItem(f: TryFields): ItemRead {
  let output: ItemInput['output'] = f.output;
  if (f.outputIsJson) {
    const parsed = parseObject(f.output);
    if (!parsed) return { ok: false, field: 'output', message: 'The output must be a JSON object, or untick “Output is JSON”.' };
    output = parsed;
  }
  if (f.metadata.trim() === '') return { ok: true, item: { input: f.input, output } };
  const metadata = parseObject(f.metadata);
  if (!metadata) return { ok: false, field: 'metadata', message: 'Metadata must be a JSON object, e.g. {"reference": "…"}.' };
  return { ok: true, item: { input: f.input, output, metadata } };
}
