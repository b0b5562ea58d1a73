import type { Criterion } from '../task-view.js';
import { SpanPicker, type Selection } from './SpanPicker.js';
import { choicesOf, criterionName, labelOptions, toggled, type ScoreDraft, type Span } from './review-draft.js';

interface Props {
  criterion: Criterion;
  value: ScoreDraft | undefined;
  onChange: (v: ScoreDraft | undefined) => void;
  active: boolean;
  onActivate: () => void;
  error: string | undefined;
  /** The text a spans criterion marks (its target's text as policies see it). */
  spanText: string;
  spanSelection: { current: Selection | null };
}

/** Choice scales with more options than number keys read better as a list box. */
const MAX_BUTTONS = 9;

/** One rubric criterion, with the control its scale calls for. */
export function CriterionField({ criterion: c, value, onChange, active, onActivate, error, spanText, spanSelection }: Props) {
  const name = criterionName(c);
  const headId = `crit-${c.key}`;
  const errId = `crit-err-${c.key}`;
  return (
    <section
      className="ws-criterion"
      role="group"
      aria-labelledby={headId}
      aria-describedby={error ? errId : undefined}
      aria-current={active ? 'true' : undefined}
      data-active={active ? 'true' : undefined}
      data-testid={`criterion-${c.key}`}
      tabIndex={-1}
      onFocus={onActivate}
      onPointerDown={onActivate}
    >
      <div className="ws-criterion-head">
        <span id={headId} className="ws-criterion-name">
          {name}
          {c.required === true && (
            <>
              <span className="ws-required" aria-hidden="true">
                *
              </span>
              <span className="ws-sr"> (required)</span>
            </>
          )}
        </span>
        {c.description && <span className="ws-criterion-desc muted">{c.description}</span>}
      </div>
      <Control c={c} name={name} value={value} onChange={onChange} error={error} spanText={spanText} spanSelection={spanSelection} />
      {error && (
        <div id={errId} className="field-error">
          {error}
        </div>
      )}
    </section>
  );
}

function Control({
  c,
  name,
  value,
  onChange,
  error,
  spanText,
  spanSelection,
}: {
  c: Criterion;
  name: string;
  value: ScoreDraft | undefined;
  onChange: (v: ScoreDraft | undefined) => void;
  error: string | undefined;
  spanText: string;
  spanSelection: { current: Selection | null };
}) {
  const s = c.scale;
  if (s.type === 'numeric') {
    return (
      <input
        type="number"
        className="ws-number"
        min={s.min}
        max={s.max}
        step={s.step ?? 'any'}
        value={typeof value === 'number' || typeof value === 'string' ? value : ''}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
        aria-label={name}
        aria-invalid={error !== undefined}
      />
    );
  }
  if (s.type === 'spans') {
    return (
      <SpanPicker
        criterion={{ ...c, scale: s }}
        text={spanText}
        spans={Array.isArray(value) ? (value as Span[]) : []}
        onChange={(spans) => onChange(spans.length === 0 ? undefined : spans)}
        selection={spanSelection}
        error={error}
      />
    );
  }
  const multiple = s.type === 'labels' && s.multiple === true;
  const choices = choicesOf(c);
  const descriptions = new Map(labelOptions(c).map((o) => [o.value, o.description]));
  const likertLabels = s.type === 'likert' ? s.labels : undefined;

  if (choices.length > MAX_BUTTONS && !multiple && s.type !== 'likert') {
    return (
      <select
        value={typeof value === 'string' ? value : ''}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
        aria-label={name}
        aria-invalid={error !== undefined}
      >
        <option value="">—</option>
        {choices.map((ch) => (
          <option key={ch.name} value={ch.name}>
            {ch.name}
          </option>
        ))}
      </select>
    );
  }

  return (
    <div className={`ws-choices${s.type === 'likert' ? ' ws-likert' : ''}`}>
      {choices.map((ch, i) => {
        const pressed = multiple ? Array.isArray(value) && (value as string[]).includes(ch.value as string) : value === ch.value;
        const caption = likertLabels?.[i];
        const description = descriptions.get(ch.name);
        return (
          <button
            key={ch.name}
            type="button"
            className="ws-choice"
            aria-pressed={pressed}
            aria-label={caption ? `${name} ${ch.name}: ${caption}` : `${name} ${ch.name}`}
            title={description ?? caption}
            onClick={() => {
              if (multiple) onChange(toggled(Array.isArray(value) ? (value as string[]) : [], ch.value as string));
              else onChange(pressed ? undefined : ch.value);
            }}
          >
            <span className="ws-choice-main">{ch.name}</span>
            {caption && <span className="ws-choice-caption">{caption}</span>}
          </button>
        );
      })}
    </div>
  );
}
