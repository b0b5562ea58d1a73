import { isRecord } from '../../../../src/core/json.js';
import { isMessage, isToolCall, ToolCall, Transcript } from './Chat.js';
import { HighlightedContent, type Highlight } from './Highlight.js';
import { JsonBlock } from './Json.js';
import { ScrollRegion } from './ScrollRegion.js';
import { TextBlock } from './TextBlock.js';
import './render.css';

export { textOf } from './text.js';
export { JsonView } from './Json.js';
export { selectionOffsets } from './offsets.js';
export type { Highlight } from './Highlight.js';

/** Candidates of a comparison or ranking item (`output.candidates`), as the server stores them. */
function Candidates({ candidates }: { candidates: unknown[] }) {
  return (
    <ol className="tg-candidates">
      {candidates.map((c, i) => {
        const id = isRecord(c) && typeof c['id'] === 'string' ? c['id'] : String(i + 1);
        return (
          <li key={id}>
            <div className="tg-role">Candidate {id.toUpperCase()}</div>
            <Body value={isRecord(c) ? c['output'] : c} />
          </li>
        );
      })}
    </ol>
  );
}

function Body({ value }: { value: unknown }) {
  if (value === undefined || value === null) return <span className="tg-empty">(empty)</span>;
  if (typeof value === 'string') return <TextBlock text={value} />;
  if (Array.isArray(value)) return value.every(isMessage) ? <Transcript messages={value} /> : <JsonBlock value={value} />;
  if (!isRecord(value)) return <code>{JSON.stringify(value)}</code>;
  if (isMessage(value)) return <Transcript messages={[value]} />;
  const keys = Object.keys(value);
  if (Array.isArray(value['messages']) && value['messages'].every(isMessage)) return <Transcript messages={value['messages']} />;
  if (Array.isArray(value['candidates'])) return <Candidates candidates={value['candidates']} />;
  if (keys.length === 1 && typeof value['text'] === 'string') return <TextBlock text={value['text']} />;
  if (Array.isArray(value['tool_calls']))
    return (
      <>
        {(value['tool_calls'] as unknown[]).map((c, i) => (
          <ToolCall key={i} call={c} />
        ))}
      </>
    );
  if (isToolCall(value)) return <ToolCall call={value} />;
  return <JsonBlock value={value} />;
}

/**
 * An item's `input` or `output` as sent: text (Markdown when it looks like it), a chat
 * transcript by role, a tool call or any JSON, in a scrollable region named `label`. With
 * `highlight` (even empty) it shows the plain text that span offsets count in, with the spans
 * marked, so what is marked is exactly what the server stores.
 */
export function ContentView({
  value,
  label,
  highlight,
  className,
}: {
  value: unknown;
  label: string;
  highlight?: readonly Highlight[];
  className?: string;
}) {
  return (
    <ScrollRegion label={label} className={`tg-content${className ? ` ${className}` : ''}`}>
      {highlight ? <HighlightedContent value={value} spans={highlight} /> : <Body value={value} />}
    </ScrollRegion>
  );
}
