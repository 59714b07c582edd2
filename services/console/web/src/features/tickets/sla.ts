// Which SLA clock a ticket is on and how urgent it is, for the badge. The server decides
// breaches (sla_breaches); this only counts down to the due times it computed.
import type { Ticket } from '../../api/types';

export type SlaLevel = 'ok' | 'warning' | 'breached' | 'none';

export interface SlaState {
  level: SlaLevel;
  clock: 'first_response' | 'resolution' | null;
  dueAt: string | null;
  remainingS: number | null;
}

const DONE = new Set(['solved', 'closed']);

export function slaState(t: Pick<Ticket, 'status' | 'first_response_at' | 'first_response_due_at' | 'resolution_due_at' | 'sla_breaches' | 'sla'>, now: number): SlaState {
  if (DONE.has(t.status)) return { level: 'none', clock: null, dueAt: null, remainingS: null };
  const onFirst = !t.first_response_at && t.first_response_due_at;
  const clock = onFirst ? 'first_response' : t.resolution_due_at ? 'resolution' : null;
  const dueAt = clock === 'first_response' ? t.first_response_due_at : clock === 'resolution' ? t.resolution_due_at : null;
  if (!clock || !dueAt) {
    return { level: t.sla_breaches?.length ? 'breached' : 'none', clock: null, dueAt: null, remainingS: null };
  }
  const remainingS = (new Date(dueAt).getTime() - now) / 1000;
  const target = clock === 'first_response' ? t.sla?.first_response_s : t.sla?.resolution_s;
  const share = t.sla?.warning_share ?? 0.75;
  const warnAt = target ? target * (1 - share) : 3600;
  let level: SlaLevel = 'ok';
  if (remainingS <= 0 || t.sla_breaches?.includes(clock)) level = 'breached';
  else if (remainingS <= warnAt) level = 'warning';
  return { level, clock, dueAt, remainingS };
}

/** Most urgent first: breached, then least time left; tickets without a clock last. */
export function bySlaUrgency(now: number) {
  return (a: Parameters<typeof slaState>[0], b: Parameters<typeof slaState>[0]): number => {
    const sa = slaState(a, now);
    const sb = slaState(b, now);
    const ra = sa.remainingS ?? Number.POSITIVE_INFINITY;
    const rb = sb.remainingS ?? Number.POSITIVE_INFINITY;
    return ra - rb;
  };
}
