import type { ShortcutHelp } from './keyboard.js';
import { Modal } from './Modal.js';

export const WORKSPACE_SHORTCUTS: ShortcutHelp[] = [
  { keys: 'mod+Enter', description: 'Submit the judgment' },
  { keys: 's', description: 'Skip: give the task back and take the next' },
  { keys: 'x', description: 'Escalate to an expert' },
  { keys: 'g', description: 'Show or hide the guidelines' },
  { keys: '?', description: 'Show or hide this list' },
  { keys: 'Escape', description: 'Close a dialog or panel; leave a text field' },
];

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

function keyLabel(keys: string): string {
  return keys.replace('mod+', isMac ? '⌘ ' : 'Ctrl ');
}

export function ShortcutSheet({ open, onClose, taskShortcuts }: { open: boolean; onClose: () => void; taskShortcuts: ShortcutHelp[] }) {
  return (
    <Modal
      open={open}
      onClose={onClose}
      title="Keyboard shortcuts"
      testId="shortcut-sheet"
      onKeyDown={(e) => {
        if (e.key === '?') {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <div className="ws-sheet">
        <ShortcutTable caption="This task" list={taskShortcuts} />
        <ShortcutTable caption="Workspace" list={WORKSPACE_SHORTCUTS} />
      </div>
    </Modal>
  );
}

function ShortcutTable({ caption, list }: { caption: string; list: ShortcutHelp[] }) {
  if (list.length === 0) return null;
  return (
    <table className="ws-keys">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Keys</th>
          <th scope="col">Does</th>
        </tr>
      </thead>
      <tbody>
        {list.map((s) => (
          <tr key={s.keys + s.description}>
            <td>
              <kbd>{keyLabel(s.keys)}</kbd>
            </td>
            <td>{s.description}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
