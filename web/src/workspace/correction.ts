import { isRecord } from './claim-parts.js';

/**
 * A correction is edited as text whatever the output's shape: plain text as is, a chat message
 * by its content, a tool call or other JSON object pretty-printed. Submitting turns the text
 * back into the output's own shape, because the judgment's `correction` replaces the output.
 */
export type OutputShape = 'text' | 'message' | 'json';

export function outputShape(output: unknown): OutputShape {
  if (typeof output === 'string') return 'text';
  if (isRecord(output) && typeof output['role'] === 'string' && typeof output['content'] === 'string') return 'message';
  return 'json';
}

export function editableText(output: unknown): string {
  switch (outputShape(output)) {
    case 'text':
      return output as string;
    case 'message':
      return (output as { content: string }).content;
    case 'json':
      return JSON.stringify(output ?? null, null, 2);
  }
}

export function correctionValue(output: unknown, text: string): { value: string | Record<string, unknown> } | { problem: string } {
  switch (outputShape(output)) {
    case 'text':
      return { value: text };
    case 'message':
      return { value: { ...(output as Record<string, unknown>), content: text } };
    case 'json': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        return { problem: `not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
      }
      return isRecord(parsed) ? { value: parsed } : { problem: 'must be a JSON object, like the original output' };
    }
  }
}
