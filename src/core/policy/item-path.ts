import { isRecord } from '../json.js';
import type { ChatMessage, ItemFacts, ItemInput, ItemOutput, JsonValue } from '../types.js';

/** Item fields a policy path may start with. */
export const PATH_ROOTS = [
  'id',
  'input',
  'output',
  'model',
  'model_version',
  'confidence',
  'metadata',
  'tags',
  'external_id',
  'evals',
  'novelty',
] as const;

const ROOTS: ReadonlySet<string> = new Set(PATH_ROOTS);
// Scalars have nothing to descend into, so a nested path under them can only be a typo.
const SCALAR_ROOTS: ReadonlySet<string> = new Set(['id', 'model', 'model_version', 'confidence', 'external_id', 'novelty']);
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

type VirtualField = 'input.text' | 'input.length' | 'output.text' | 'output.length';
const VIRTUAL_FIELDS: ReadonlySet<string> = new Set(['input.text', 'input.length', 'output.text', 'output.length']);

/** A path split once, so evaluation never re-parses it. */
export interface CompiledPath {
  readonly path: string;
  readonly root: string;
  readonly rest: readonly string[];
  readonly virtual: VirtualField | null;
}

function isVirtualField(path: string): path is VirtualField {
  return VIRTUAL_FIELDS.has(path);
}

export function compilePath(path: string): CompiledPath {
  const [root = '', ...rest] = path.split('.');
  return { path, root, rest, virtual: isVirtualField(path) ? path : null };
}

/**
 * Why a path can never address anything, or null when it is well formed. Unknown roots are
 * refused because a misspelt field would otherwise silently never match.
 */
export function pathProblem(path: string): string | null {
  if (path === '') return 'path must not be empty';
  const segments = path.split('.');
  if (segments.includes('')) return `path "${path}" has an empty segment`;
  const root = segments[0] ?? '';
  if (!ROOTS.has(root)) return `unknown field "${root}" (expected one of ${PATH_ROOTS.join(', ')})`;
  if (SCALAR_ROOTS.has(root) && segments.length > 1) return `"${root}" has no nested fields`;
  return null;
}

/** Text of a message `content`: a string, or the `{type:'text'}` parts of a multi-part content. */
function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const texts: string[] = [];
  for (const part of content) {
    if (!isRecord(part) || part['type'] !== 'text') continue;
    const text = part['text'];
    if (typeof text === 'string') texts.push(text);
  }
  return texts.length > 0 ? texts.join('\n') : null;
}

/** The text policies see as `input.text`: chat message texts joined by newlines. Span offsets count in it. */
export function inputText(input: ItemInput): string {
  if (typeof input === 'string') return input;
  const texts: string[] = [];
  for (const message of input) {
    // Tool-call-only messages carry no text; skipping them avoids blank lines in the join.
    const text = isRecord(message) ? contentText(message['content']) : null;
    if (text !== null) texts.push(text);
  }
  return texts.join('\n');
}

/** The text policies see as `output.text`. Span offsets count in it. */
export function outputText(output: ItemOutput): string {
  if (typeof output === 'string') return output;
  if (typeof output['role'] === 'string') return contentText(output['content']) ?? '';
  return JSON.stringify(output);
}

type Traversable = JsonValue | ChatMessage | ChatMessage[] | undefined;

function child(value: Traversable, segment: string): Traversable {
  if (Array.isArray(value)) return ARRAY_INDEX.test(segment) ? value[Number(segment)] : undefined;
  // Own properties only: `constructor` or `__proto__` must not reach the prototype.
  if (typeof value === 'object' && value !== null) return Object.hasOwn(value, segment) ? value[segment] : undefined;
  return undefined;
}

/**
 * One item as policies see it. Virtual text fields are computed on first use and cached, so
 * a policy that never looks at `output.text` never pays for serializing a large output.
 */
export class FactsView {
  readonly facts: ItemFacts;
  #inputText: string | undefined;
  #outputText: string | undefined;

  constructor(facts: ItemFacts) {
    this.facts = facts;
  }

  inputText(): string {
    return (this.#inputText ??= inputText(this.facts.input));
  }

  outputText(): string {
    return (this.#outputText ??= outputText(this.facts.output));
  }

  resolve(path: CompiledPath): JsonValue | undefined {
    switch (path.virtual) {
      case 'input.text':
        return this.inputText();
      case 'input.length':
        return this.inputText().length;
      case 'output.text':
        return this.outputText();
      case 'output.length':
        return this.outputText().length;
      case null:
        break;
    }
    let value = this.rootValue(path.root);
    for (const segment of path.rest) {
      if (value === undefined) return undefined;
      value = child(value, segment);
    }
    // Chat messages are parsed JSON: their `| undefined` fields are absent, never undefined.
    return value as JsonValue | undefined;
  }

  private rootValue(root: string): Traversable {
    const facts = this.facts;
    switch (root) {
      case 'id':
        return facts.id;
      case 'input':
        return facts.input;
      case 'output':
        return facts.output;
      case 'model':
        return facts.model;
      case 'model_version':
        return facts.model_version;
      case 'confidence':
        return facts.confidence;
      case 'metadata':
        return facts.metadata;
      case 'tags':
        return facts.tags;
      case 'external_id':
        return facts.external_id;
      case 'novelty':
        return facts.novelty ?? null;
      case 'evals':
        // Evaluator results (`evals.pii.found`); absent for items captured without evaluators.
        return facts.evals;
      default:
        return undefined;
    }
  }
}

/** Lets callers that evaluate several conditions share one view and its cached texts. */
export function asFactsView(facts: ItemFacts | FactsView): FactsView {
  return facts instanceof FactsView ? facts : new FactsView(facts);
}

/** The value at `path` in an item, or undefined when nothing is there. */
export function resolvePath(facts: ItemFacts, path: string): JsonValue | undefined {
  return new FactsView(facts).resolve(compilePath(path));
}
