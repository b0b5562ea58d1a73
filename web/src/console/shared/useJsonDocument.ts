import { useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { api, ApiError } from '../../api/client.js';
import { useLocalDraft } from '../../ui/hooks.js';
import type { SaveWarning } from '../types.js';
import { checkJson, lineOfPath, type JsonCheck } from './json-locate.js';

export interface Problem {
  path: string;
  message: string;
  line: number | null;
}

interface ServerProblems {
  list: { path: string; message: string }[];
  summary: string;
}

export interface JsonDocument {
  text: string;
  setText: (text: string) => void;
  check: JsonCheck;
  dirty: boolean;
  discard: () => void;
  /** The server's field problems, placed on the lines they name in the current text. */
  problems: Problem[];
  problemSummary: string | null;
  markers: ReadonlyMap<number, string>;
  /** A failure that is not about the document's fields (network, permission, conflict). */
  failure: unknown;
  /** Takes any error from a call made with the document: 422s become problems, others a failure. */
  report: (err: unknown) => void;
  clearReport: () => void;
  save: () => Promise<void>;
  saving: boolean;
  /** The version the last save made here, with the server's warnings about it. */
  lastSaved: { version: number; warnings: SaveWarning[] } | null;
  textareaRef: RefObject<HTMLTextAreaElement | null>;
}

export function pretty(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * One versioned JSON document (policy or rubric) being edited: the draft survives reloads (kept
 * per base version, so a newer save elsewhere starts a fresh draft), syntax is checked as you
 * type, and the server's 422 problems are mapped back to lines.
 */
export function useJsonDocument(opts: { draftKey: string; base: unknown; savePath: string; onSaved: () => void }): JsonDocument {
  const baseText = useMemo(() => pretty(opts.base), [opts.base]);
  const [draft, setDraft, clearDraft] = useLocalDraft<string | null>(opts.draftKey, null);
  const text = draft ?? baseText;
  const check = useMemo(() => checkJson(text), [text]);
  const [server, setServer] = useState<ServerProblems | null>(null);
  const [failure, setFailure] = useState<unknown>(undefined);
  const [saving, setSaving] = useState(false);
  const [settlingFrom, setSettlingFrom] = useState<string | null>(null);
  // Should the reload after a save fail, the editor must not stay locked.
  useEffect(() => {
    if (settlingFrom === null) return;
    const id = window.setTimeout(() => setSettlingFrom(null), 10_000);
    return () => window.clearTimeout(id);
  }, [settlingFrom]);
  const [lastSaved, setLastSaved] = useState<{ version: number; warnings: SaveWarning[] } | null>(null);
  const textareaRef = useRef<HTMLTextAreaElement | null>(null);

  const problems = useMemo<Problem[]>(
    () =>
      (server?.list ?? []).map((p) => ({
        ...p,
        line: check.ok ? lineOfPath(check.lines, p.path) : null,
      })),
    [server, check],
  );

  const markers = useMemo(() => {
    const m = new Map<number, string>();
    if (!check.ok) m.set(check.line, check.message);
    for (const p of problems) {
      if (p.line === null) continue;
      const prior = m.get(p.line);
      m.set(p.line, prior ? `${prior}\n${p.path}: ${p.message}` : `${p.path}: ${p.message}`);
    }
    return m;
  }, [check, problems]);

  function report(err: unknown) {
    if (err instanceof ApiError && err.status === 422) {
      const list = [...err.fieldErrors()].map(([path, message]) => ({ path, message }));
      if (list.length > 0) {
        setServer({ list, summary: err.message });
        setFailure(undefined);
        return;
      }
    }
    setServer(null);
    setFailure(err);
  }

  function clearReport() {
    setServer(null);
    setFailure(undefined);
  }

  async function save() {
    if (!check.ok) return;
    setSaving(true);
    clearReport();
    setLastSaved(null);
    try {
      const saved = await api.put<{ version: number; warnings?: SaveWarning[] }>(opts.savePath, check.value);
      setLastSaved({ version: saved.version, warnings: saved.warnings ?? [] });
      setDraft(null);
      clearDraft();
      // Until the page has the new version, the draft key is still the old one: text typed now
      // would be filed under it and vanish when the new version arrives. Saving lasts until then.
      setSettlingFrom(opts.draftKey);
      opts.onSaved();
    } catch (err) {
      report(err);
    } finally {
      setSaving(false);
    }
  }

  return {
    text,
    setText: (t) => setDraft(t === baseText ? null : t),
    check,
    dirty: draft !== null && draft !== baseText,
    discard: () => {
      setDraft(null);
      clearDraft();
      clearReport();
    },
    problems,
    problemSummary: server?.summary ?? null,
    markers,
    failure,
    report,
    clearReport,
    save,
    saving: saving || (settlingFrom !== null && settlingFrom === opts.draftKey),
    lastSaved,
    textareaRef,
  };
}
