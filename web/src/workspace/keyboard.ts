import { useEffect, useRef } from 'react';

/**
 * Keyboard shortcuts for the workspace. A key is written as `KeyboardEvent.key`, optionally
 * prefixed by modifiers: `"a"`, `"?"`, `"Enter"`, `"mod+Enter"` (Ctrl or ⌘), `"alt+ArrowUp"`.
 * Single keys do not fire while the focus is in a text field (there they are typing); `mod+`
 * and `Escape` shortcuts do. No shortcut fires from inside an open dialog: a modal dialog
 * handles its own keys, so `a` in an escalation dialog never approves the task behind it.
 */
export type ShortcutMap = Record<string, (e: KeyboardEvent) => void>;

export interface ShortcutHelp {
  keys: string;
  description: string;
}

function inOpenDialog(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('dialog[open]') !== null;
}

function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button', 'submit', 'range'].includes(type);
}

export function keyOf(e: KeyboardEvent): string {
  const mods: string[] = [];
  if (e.ctrlKey || e.metaKey) mods.push('mod');
  if (e.altKey) mods.push('alt');
  // Shift is part of the key itself for printable characters ("?" is shift+/).
  if (e.shiftKey && e.key.length > 1) mods.push('shift');
  return [...mods, e.key].join('+');
}

/** Binds shortcuts while the component is mounted (and `enabled`); later bindings win over earlier ones. */
export function useShortcuts(map: ShortcutMap, enabled = true): void {
  const ref = useRef(map);
  ref.current = map;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing || inOpenDialog(e.target)) return;
      const key = keyOf(e);
      const handler = ref.current[key];
      if (!handler) return;
      const modified = key.startsWith('mod+') || key === 'Escape';
      if (!modified && typingIn(e.target)) return;
      e.preventDefault();
      handler(e);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
