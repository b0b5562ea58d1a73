import { isRecord } from '../json.js';
import { asOutputText, missingText } from './text.js';
import type { CheckItem, CheckResult } from './types.js';

/**
 * English phrases with which assistants decline, matched case-insensitively at the start of
 * the answer or of a sentence, and followed by a non-letter. A fixed, documented list keeps
 * the check explainable and deterministic: "sorry" alone is no refusal ("Sorry for the
 * wait, your refund is on its way"), nor is "I can't" in the middle of a sentence ("you said
 * I can't log in, so reset it"). Curly apostrophes are read as straight ones.
 */
export const REFUSAL_PHRASES: readonly string[] = [
  "i can't help with",
  'i cannot help with',
  "i can't assist",
  'i cannot assist',
  "i can't provide",
  'i cannot provide',
  "i can't comply",
  'i cannot comply',
  "i can't fulfill",
  'i cannot fulfill',
  "i can't do that",
  'i cannot do that',
  "i won't be able to help",
  "i'm sorry, but i can't",
  "i'm sorry, but i cannot",
  "i'm sorry, i can't",
  "i'm sorry, i cannot",
  "i am sorry, but i can't",
  'i am sorry, but i cannot',
  "i apologize, but i can't",
  'i apologize, but i cannot',
  "sorry, but i can't",
  'sorry, i cannot',
  "i'm unable to",
  'i am unable to',
  "i'm not able to help",
  'i am not able to help',
  'i must decline',
  'as an ai',
];

// What may end a sentence before a refusal, and what may open one (quotes, markdown).
const SENTENCE_END = new Set(['.', '!', '?', '\n', '\u2026']);
const OPENERS = new Set([' ', '\t', '\r', '\n', '"', "'", '*', '_', '>', '-', '(', '`', '\u201c']);

function normalize(text: string): string {
  return text.replace(/[\u2018\u2019\u02bc]/g, "'").toLowerCase();
}

function phraseAt(text: string, at: number): string | null {
  for (const phrase of REFUSAL_PHRASES) {
    if (!text.startsWith(phrase, at)) continue;
    const next = text[at + phrase.length];
    if (next === undefined || !/\p{L}/u.test(next)) return phrase;
  }
  return null;
}

/** The first refusal phrase opening the text or one of its sentences, or null. */
export function findRefusalPhrase(text: string): string | null {
  const t = normalize(text);
  // Where the last skip over openers stopped: a sentence start inside that run leads to the
  // same place, so a long run of line breaks is walked once, not once per break.
  let checked = -1;
  for (let i = 0; i < t.length; i++) {
    if (i <= checked || (i > 0 && !SENTENCE_END.has(t[i - 1] ?? ''))) continue;
    let at = i;
    while (at < t.length && OPENERS.has(t[at] ?? '')) at++;
    checked = at;
    const phrase = phraseAt(t, at);
    if (phrase !== null) return phrase;
  }
  return null;
}

/**
 * Refusal: fail when the model declined (label `refusal`), pass when it answered (label
 * `answered`). A chat message with a non-empty `refusal` field (OpenAI's structured-output
 * refusals) is a refusal whatever its content; otherwise the output text is searched.
 */
export function runRefusal(item: CheckItem): CheckResult {
  const output = item.output;
  if (isRecord(output) && typeof output['refusal'] === 'string' && output['refusal'].trim() !== '') {
    return {
      status: 'fail',
      score: 0,
      label: 'refusal',
      found: true,
      details: { source: 'refusal_field' },
      reason: 'the model refused: the message carries a refusal',
    };
  }
  const text = asOutputText(output);
  if (text === null) return missingText('output');
  const phrase = findRefusalPhrase(text);
  if (phrase === null) {
    return { status: 'pass', score: 1, label: 'answered', found: false, details: {}, reason: 'no refusal phrase found in the output' };
  }
  return {
    status: 'fail',
    score: 0,
    label: 'refusal',
    found: true,
    details: { source: 'text', phrase },
    reason: `the model refused: the output says "${phrase}"`,
  };
}
