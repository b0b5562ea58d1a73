import type { ReactNode } from 'react';
import { isRecord } from '../../../../src/core/json.js';
import { JsonBlock } from './Json.js';
import { TextBlock } from './TextBlock.js';

type Message = Record<string, unknown> & { role: string };

const KNOWN_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
// Fields rendered on their own; anything else a message carries is shown folded as JSON.
const SHOWN_FIELDS = new Set([
  'role',
  'content',
  'name',
  'tool_calls',
  'tool_call_id',
  'function_call',
  'refusal',
  'reasoning',
  'reasoning_content',
]);

export function isMessage(value: unknown): value is Message {
  return isRecord(value) && typeof value['role'] === 'string';
}

/** A CSS-safe role class: unknown roles share one neutral look. */
export function roleClass(role: string): string {
  const r = role.toLowerCase();
  if (r === 'developer') return 'tg-role-system';
  if (r === 'function') return 'tg-role-tool';
  return KNOWN_ROLES.has(r) ? `tg-role-${r}` : 'tg-role-other';
}

/** The head of a message: its role, and who or which call it speaks for. */
export function RoleLabel({ message, at }: { message: Message; at?: number }) {
  const role = String(message['role']);
  const name = typeof message['name'] === 'string' ? message['name'] : null;
  const callId = typeof message['tool_call_id'] === 'string' ? message['tool_call_id'] : null;
  return (
    <div className="tg-role" data-at={at}>
      <span className="tg-role-name">{role}</span>
      {name !== null && <span className="muted"> · {name}</span>}
      {callId !== null && <span className="muted"> · answers {callId}</span>}
    </div>
  );
}

function parseArguments(args: unknown): unknown {
  if (typeof args !== 'string') return args;
  try {
    return JSON.parse(args) as unknown;
  } catch {
    // Models do emit invalid JSON arguments; the reviewer needs to see them as they were.
    return args;
  }
}

/** One tool call, OpenAI-style `{id, type, function: {name, arguments}}` or a bare `{name, arguments}`. */
export function ToolCall({ call }: { call: unknown }) {
  if (!isRecord(call)) return <JsonBlock value={call} summary="Tool call" />;
  const fn = isRecord(call['function']) ? call['function'] : call;
  const name = typeof fn['name'] === 'string' ? fn['name'] : '(unnamed)';
  const id = typeof call['id'] === 'string' ? call['id'] : null;
  const args = parseArguments(fn['arguments'] ?? fn['parameters'] ?? fn['input']);
  return (
    <div className="tg-tool">
      <div className="tg-tool-head">
        <span>Tool call</span> <code>{name}</code>
        {id !== null && <span className="muted"> · {id}</span>}
      </div>
      {typeof args === 'string' ? (
        <pre className="tg-json">{args}</pre>
      ) : (
        args !== undefined && <JsonBlock value={args} summary={`Arguments of ${name}`} />
      )}
    </div>
  );
}

/** Whether an object is itself a tool call (an output that calls a tool rather than answering). */
export function isToolCall(value: Record<string, unknown>): boolean {
  if (isRecord(value['function']) && typeof value['function']['name'] === 'string') return true;
  return typeof value['name'] === 'string' && ('arguments' in value || 'parameters' in value || 'input' in value);
}

function Part({ part }: { part: unknown }) {
  if (typeof part === 'string') return <TextBlock text={part} />;
  if (!isRecord(part)) return <JsonBlock value={part} />;
  if (part['type'] === 'text' && typeof part['text'] === 'string') return <TextBlock text={part['text']} />;
  const type = typeof part['type'] === 'string' ? part['type'] : 'part';
  const inner = part[type];
  // Media is never loaded (privacy, and the console's CSP): its kind and address are enough to judge by.
  const url = isRecord(inner) && typeof inner['url'] === 'string' ? inner['url'] : null;
  return (
    <div className="tg-part">
      <span className="badge">{type}</span>{' '}
      {url !== null ? (
        <code className="tg-url">{url.startsWith('data:') ? `${url.slice(0, 40)}…` : url}</code>
      ) : (
        <JsonBlock value={part} open={false} />
      )}
    </div>
  );
}

/** A message's content: text, or an array of parts (text, images, audio…). */
export function MessageContent({ content }: { content: unknown }) {
  if (content === undefined || content === null) return null;
  if (typeof content === 'string') return <TextBlock text={content} />;
  if (Array.isArray(content))
    return (
      <>
        {(content as unknown[]).map((p, i) => (
          <Part key={i} part={p} />
        ))}
      </>
    );
  return <JsonBlock value={content} />;
}

/** Everything of a message besides its text: tool calls, refusals, reasoning, extra fields. */
export function MessageExtras({ message }: { message: Message }) {
  const out: ReactNode[] = [];
  const calls = message['tool_calls'];
  if (Array.isArray(calls)) (calls as unknown[]).forEach((c, i) => out.push(<ToolCall key={`call-${i}`} call={c} />));
  if (message['function_call'] !== undefined) out.push(<ToolCall key="function_call" call={message['function_call']} />);
  if (typeof message['refusal'] === 'string')
    out.push(
      <div key="refusal" className="tg-refusal">
        <span className="badge bad">refusal</span> {message['refusal']}
      </div>,
    );
  const reasoning = message['reasoning_content'] ?? message['reasoning'];
  if (reasoning !== undefined && reasoning !== null)
    out.push(
      <details key="reasoning" className="tg-fold">
        <summary>Reasoning</summary>
        {typeof reasoning === 'string' ? <div className="tg-plain">{reasoning}</div> : <JsonBlock value={reasoning} />}
      </details>,
    );
  const rest = Object.fromEntries(Object.entries(message).filter(([k]) => !SHOWN_FIELDS.has(k)));
  if (Object.keys(rest).length > 0)
    out.push(
      <details key="rest" className="tg-fold">
        <summary>Other fields</summary>
        <JsonBlock value={rest} />
      </details>,
    );
  return <>{out}</>;
}

/** A chat transcript, one visually distinct block per role. */
export function Transcript({ messages }: { messages: readonly unknown[] }) {
  return (
    <ol className="tg-chat">
      {messages.map((m, i) =>
        isMessage(m) ? (
          <li key={i} className={`tg-msg ${roleClass(String(m['role']))}`}>
            <RoleLabel message={m} />
            <MessageContent content={m['content']} />
            <MessageExtras message={m} />
          </li>
        ) : (
          <li key={i} className="tg-msg tg-role-other">
            <JsonBlock value={m} />
          </li>
        ),
      )}
    </ol>
  );
}
