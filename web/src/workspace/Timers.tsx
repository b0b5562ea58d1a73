import { useEffect, useState } from 'react';
import type { Schemas } from '../api/client.js';
import { formatCountdown, useNow } from './clock.js';
import type { Lease } from './use-claim-loop.js';

const LEASE_WARN_MS = 60_000;

/** Time left on the reviewer's lease, with a way to extend it by hand. */
export function LeaseTimer({
  expiresAt,
  lease,
  onExtend,
  onExpired,
}: {
  expiresAt: string | null;
  lease: Lease;
  onExtend: () => Promise<boolean>;
  onExpired: () => void;
}) {
  const now = useNow();
  const [extending, setExtending] = useState(false);
  const left = expiresAt === null ? Infinity : Date.parse(expiresAt) - now;
  const expired = lease === 'lost' || left <= 0;
  useEffect(() => {
    if (lease === 'held' && left <= 0) onExpired();
  }, [lease, left, onExpired]);
  const tone = expired ? 'bad' : left < LEASE_WARN_MS ? 'warn' : '';
  return (
    <div className="ws-lease row" data-testid="lease-timer" data-state={expired ? 'lost' : 'held'}>
      <span className={`badge ${tone}`} role="timer" aria-label={expired ? 'Lease lost' : `Lease: ${formatCountdown(left)} left`}>
        {expired ? 'Lease lost' : Number.isFinite(left) ? `Lease ${formatCountdown(left)}` : 'Lease held'}
      </span>
      {!expired && (
        <button
          type="button"
          className="ws-small"
          disabled={extending}
          onClick={() => {
            setExtending(true);
            void onExtend().finally(() => setExtending(false));
          }}
        >
          Extend
        </button>
      )}
      <span className="ws-sr" aria-live="polite">
        {expired ? 'Your lease on this task was lost.' : left < LEASE_WARN_MS ? 'Less than a minute left on your lease.' : ''}
      </span>
    </div>
  );
}

const HOLD_URGENT_MS = 60_000;

/** A caller is waiting on this item: how long until its hold times out, and what happens then. */
export function HoldCountdown({ item }: { item: Schemas['Item'] }) {
  const now = useNow();
  const hold = item.hold;
  if (!hold || item.decision.action !== 'hold') return null;
  const left = Date.parse(hold.deadline) - now;
  const onTimeout = item.decision.hold?.on_timeout;
  const over = left <= 0 || hold.escalated_at !== null;
  return (
    <div
      className={`ws-hold${left < HOLD_URGENT_MS ? ' ws-hold-urgent' : ''}`}
      data-testid="hold-countdown"
      role="timer"
      aria-label={over ? 'Hold timed out' : `Caller waiting: ${formatCountdown(left)} left`}
    >
      <strong>{over ? 'Hold timed out' : `Caller waiting · ${formatCountdown(left)}`}</strong>
      {onTimeout && <span> then {onTimeout === 'escalate' ? 'escalates to an expert' : `${onTimeout}s automatically`}</span>}
    </div>
  );
}
