import { Badge, Tooltip } from '@mantine/core';
import type { Ticket } from '../../api/types';
import { useT } from '../../i18n';
import { formatDateTime, formatDuration } from '../../lib/format';
import { useNow } from '../../lib/useNow';
import { slaState } from './sla';

const COLOR = { ok: 'green', warning: 'yellow', breached: 'red', none: 'gray' } as const;

export function SlaBadge({ ticket }: { ticket: Ticket }) {
  const { t, locale } = useT();
  const now = useNow(1000);
  const s = slaState(ticket, now);
  if (s.level === 'none' && !s.clock) {
    return <Badge color="gray" variant="light" data-testid="sla-badge" data-level="none">{t('sla.none')}</Badge>;
  }
  const label = s.remainingS === null ? t('sla.breached') : s.remainingS <= 0
    ? t('sla.overdue', { time: formatDuration(-s.remainingS) })
    : t('sla.left', { time: formatDuration(s.remainingS) });
  return (
    <Tooltip label={`${t(`sla.clock.${s.clock ?? 'none'}`)} · ${formatDateTime(s.dueAt, locale)}`}>
      <Badge color={COLOR[s.level]} variant={s.level === 'breached' ? 'filled' : 'light'} data-testid="sla-badge" data-level={s.level}>
        {s.clock ? `${t(`sla.short.${s.clock}`)} ` : ''}{label}
      </Badge>
    </Tooltip>
  );
}
