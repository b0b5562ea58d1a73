import type { PiiScanner } from '../pii/index.js';
import type { ItemInput, ItemOutput, JsonObject } from '../types.js';
import type { RedactableField } from './settings.js';

export interface ItemPayload {
  input: ItemInput;
  output: ItemOutput;
  metadata: JsonObject;
}

export interface RedactedPayload {
  payload: ItemPayload;
  /** Replacements per detector; empty when the scan found nothing. */
  counts: Record<string, number>;
}

/**
 * Redacts the chosen parts of an item before anything is stored or routed: policies decide on
 * the redacted text, so a backtest replaying stored items sees exactly what the router saw.
 */
export function redactPayload(scanner: PiiScanner, fields: readonly RedactableField[], p: ItemPayload): RedactedPayload {
  const counts: Record<string, number> = {};
  const take = <T>(field: RedactableField, value: T): T => {
    if (!fields.includes(field)) return value;
    const r = scanner.redactJson(value as never);
    for (const [detector, n] of Object.entries(r.counts)) counts[detector] = (counts[detector] ?? 0) + n;
    return r.value as T;
  };
  return {
    payload: { input: take('input', p.input), output: take('output', p.output), metadata: take('metadata', p.metadata) },
    counts,
  };
}
