// Service figures from insights: per priority and overall, and CSAT by month.
import { Card, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { InsightsServiceRow } from '../../api/types';
import { insights } from '../../api/services';
import { useT } from '../../i18n';
import { formatNumber, formatPercent } from '../../lib/format';
import './insightsStrings';

export function InsightsService({ period }: { period?: string }) {
  const { t, locale } = useT();
  const figures = useQuery({ queryKey: ['insights', 'service', period], queryFn: () => insights.service({ period }) });
  const rows: [string, InsightsServiceRow][] = figures.data
    ? [...Object.entries(figures.data.by_priority).map(([p, r]) => [t(`priority.${p}`, { defaultValue: p }), r] as [string, InsightsServiceRow]),
      [t('insights.all'), figures.data.overall]]
    : [];
  const n = (v: number | null | undefined) => formatNumber(v, locale, { maximumFractionDigits: 1 });
  return (
    <Card withBorder data-testid="insights-service">
      <Title order={4} mb="xs">{t('insights.service')}</Title>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            {['', 'firstResponseH', 'resolutionH', 'slaFirst', 'slaResolution', 'backlog', 'backlogAge'].map((k) => (
              <Table.Th key={k}>{k ? t(`insights.${k}`) : ''}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map(([name, r]) => (
            <Table.Tr key={name}>
              <Table.Td>{name} ({formatNumber(r.tickets, locale)})</Table.Td>
              <Table.Td>{n(r.first_response_avg_h)}</Table.Td>
              <Table.Td>{n(r.resolution_avg_h)}</Table.Td>
              <Table.Td>{formatPercent(r.sla_first_response, locale)}</Table.Td>
              <Table.Td>{formatPercent(r.sla_resolution, locale)}</Table.Td>
              <Table.Td>{formatNumber(r.backlog, locale)}</Table.Td>
              <Table.Td>{n(r.backlog_avg_age_days)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="sm" fw={600} mt="sm">{t('insights.byAgent')}</Text>
      <Table data-testid="insights-by-agent">
        <Table.Tbody>
          {(figures.data?.by_agent ?? []).map((r) => (
            <Table.Tr key={r.agent}>
              <Table.Td>{r.agent || t('insights.unassigned')} ({formatNumber(r.tickets, locale)})</Table.Td>
              <Table.Td>{t('insights.firstResponseH')}: {n(r.first_response_avg_h)}</Table.Td>
              <Table.Td>{t('insights.slaFirst')}: {formatPercent(r.sla_first_response, locale)}</Table.Td>
              <Table.Td>{t('insights.backlog')}: {formatNumber(r.backlog, locale)}</Table.Td>
              <Table.Td>{t('insights.csat')}: {n(r.csat_average)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="sm" fw={600} mt="sm">{t('insights.csatTrend')}</Text>
      <Text size="sm">{(figures.data?.csat_by_month ?? []).map((m) => `${m.period}: ${n(m.average)} (${m.ratings})`).join(' · ') || '—'}</Text>
    </Card>
  );
}
