/** How figures read in the oversight report, the same in every format. */

export const count = (n: number): string => n.toLocaleString('en-US');

export const percent = (share: number | null): string => (share === null ? '—' : `${(Math.round(share * 1000) / 10).toFixed(1)}%`);

/** Durations people compare at a glance: seconds under two minutes, then minutes, hours, days. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 120) return s % 60 === 0 ? `${minutes} min` : `${minutes} min ${s % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** An ISO instant without milliseconds, as auditors read timestamps. */
export const instant = (iso: string | null): string => (iso === null ? '—' : iso.replace(/\.\d{3}Z$/, 'Z'));
