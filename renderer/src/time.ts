/**
 * The one way panels show a moment: the date, the time to the second and the time zone it is
 * written in ("2 Dec 2026, 18:30:05 UTC"), so times read the same on every panel and can be
 * compared with the audit file's UTC.
 */
const FORMAT = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
  timeZoneName: 'short',
});

export function formatTime(iso: string | null | undefined, never = 'never'): string {
  if (!iso) return never;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : FORMAT.format(t);
}
