import { TollgateError } from '../errors.js';
import { isRecord } from '../json.js';

/** One published version of a project's reviewer guidelines. */
export interface GuidelineDocument {
  /** The guidelines themselves, in Markdown, as reviewers read them. */
  markdown: string;
  /** What changed and why: the record a manager leaves for reviewers and auditors. */
  change_note: string;
  /** Whether reviewers must recalibrate before their judgments count as current again. */
  requires_recalibration: boolean;
  /** The calibration session whose discussion motivated this version, if any. */
  calibration_session_id?: string;
}

export const MAX_GUIDELINE_BYTES = 256 * 1024;
export const MAX_CHANGE_NOTE_LENGTH = 2000;
const KEYS = new Set(['markdown', 'change_note', 'requires_recalibration', 'calibration_session_id']);

/** Checks a guideline version completely; every problem is reported at once (TG_INVALID_GUIDELINE). */
export function validateGuideline(doc: unknown): GuidelineDocument {
  const problems: { path: string; message: string }[] = [];
  if (!isRecord(doc)) {
    throw new TollgateError('TG_INVALID_GUIDELINE', 'guidelines must be an object with "markdown" and "change_note"', {
      errors: [{ path: '', message: 'must be an object' }],
    });
  }
  for (const key of Object.keys(doc)) if (!KEYS.has(key)) problems.push({ path: key, message: 'unknown field' });
  const { markdown, change_note: note, requires_recalibration: recalibrate = false, calibration_session_id: session } = doc;
  if (session !== undefined && (typeof session !== 'string' || session === ''))
    problems.push({ path: 'calibration_session_id', message: 'must be a session id' });
  if (typeof markdown !== 'string' || markdown.trim() === '')
    problems.push({ path: 'markdown', message: 'must be non-empty Markdown text' });
  else if (new TextEncoder().encode(markdown).length > MAX_GUIDELINE_BYTES) {
    problems.push({ path: 'markdown', message: `must be at most ${MAX_GUIDELINE_BYTES / 1024} KiB` });
  }
  if (typeof note !== 'string' || note.trim() === '') problems.push({ path: 'change_note', message: 'say what changed and why' });
  else if (note.length > MAX_CHANGE_NOTE_LENGTH)
    problems.push({ path: 'change_note', message: `must be at most ${MAX_CHANGE_NOTE_LENGTH} characters` });
  if (typeof recalibrate !== 'boolean') problems.push({ path: 'requires_recalibration', message: 'must be true or false' });
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new TollgateError(
      'TG_INVALID_GUIDELINE',
      `${first.path}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ''}`,
      {
        errors: problems,
      },
    );
  }
  return {
    markdown: markdown as string,
    change_note: (note as string).trim(),
    requires_recalibration: recalibrate as boolean,
    ...(typeof session === 'string' ? { calibration_session_id: session } : {}),
  };
}
