// Figures from the insights service: live, exact per-stage totals, win rate, deal size,
// cycle, velocity and stage exits; per currency (never added across currencies).
import { Alert, Card, Group, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { insights } from '../../api/services';
import { useT } from '../../i18n';
import { formatMoney, formatNumber, formatPercent } from '../../lib/format';
import { AmountBars } from './AmountBars';
import { InsightsCohortsCard } from './InsightsCohorts';
import { InsightsBacktestCard, InsightsForecastCard } from './InsightsForecast';
import { InsightsService } from './InsightsService';
import { Metric } from './Metric';
import './insightsStrings';

const PERIOD = /^(\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?)?$/;

export function InsightsCards() {
  const { t, locale } = useT();
  // A stage's exits include the deal's end ("won", "lost"), which are statuses, not stages.
  const stageLabel = (id: string) => t(`stages.${id}`, { defaultValue: t(`dealStatus.${id}`, { defaultValue: id }) });
  const [periodText, setPeriodText] = useState('');
  const period = PERIOD.test(periodText) && periodText ? periodText : undefined;
  const pipeline = useQuery({ queryKey: ['insights', 'pipeline', period], queryFn: () => insights.pipeline({ period }) });
  const figures = useQuery({ queryKey: ['insights', 'sales', period], queryFn: () => insights.sales({ period }) });
  const open = (pipeline.data?.stages ?? []).filter((s) => s.status === 'open');
  const currencies = [...new Set(open.map((s) => s.currency))].sort();
  const [chosen, setChosen] = useState<string | null>(null);
  const currency = chosen && currencies.includes(chosen) ? chosen : (currencies[0] ?? 'EUR');
  const bars = open.filter((s) => s.currency === currency).map((s) => ({
    name: t(`stages.${s.stage}`, { defaultValue: s.stage }), amount: Number(s.amount), weighted: Number(s.weighted), count: s.count,
  }));
  const f = figures.data;

  return (
    <Stack data-testid="insights">
      <Group justify="space-between">
        <Title order={3}>{t('insights.title')}</Title>
        <TextInput size="xs" w={160} label={t('insights.period')} placeholder={t('insights.allPeriods')} value={periodText}
          error={PERIOD.test(periodText) ? undefined : t('insights.periodFormat')} onChange={(e) => setPeriodText(e.currentTarget.value.trim())} />
      </Group>
      {(pipeline.error || figures.error) && <Alert color="yellow">{t('insights.unavailable')}</Alert>}
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Card withBorder data-testid="insights-pipeline">
          <Group justify="space-between" mb="xs">
            <Title order={4}>{t('insights.pipeline', { currency })}</Title>
            {currencies.length > 1 && <SegmentedControl size="xs" value={currency} onChange={setChosen} data={currencies} />}
          </Group>
          {bars.length === 0 ? <Text c="dimmed">{t('insights.empty')}</Text> : (
            <AmountBars data={bars} x="name" height={240} format={(v) => formatMoney(v, currency, locale)} bars={[
              { key: 'amount', name: t('insights.amount'), fill: '#748ffc' },
              { key: 'weighted', name: t('insights.weighted'), fill: '#4c6ef5' },
            ]} />
          )}
        </Card>
        <Card withBorder data-testid="insights-sales">
          <SimpleGrid cols={2} mb="sm">
            <Metric label={t('insights.winRate')} value={formatPercent(f?.win_rate, locale)} />
            <Metric label={t('insights.cycle')} value={formatNumber(f?.average_cycle_days, locale, { maximumFractionDigits: 1 })} />
          </SimpleGrid>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th />
                <Table.Th>{t('insights.openCount')}</Table.Th>
                <Table.Th>{t('insights.wonAmount')}</Table.Th>
                <Table.Th>{t('insights.avgDealSize')}</Table.Th>
                <Table.Th>{t('insights.velocity')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(f?.by_currency ?? []).map((c) => (
                <Table.Tr key={c.currency}>
                  <Table.Td>{c.currency}</Table.Td>
                  <Table.Td>{formatNumber(c.open_count, locale)}</Table.Td>
                  <Table.Td>{formatMoney(Number(c.won_amount), c.currency, locale)}</Table.Td>
                  <Table.Td>{c.average_deal_size != null ? formatMoney(Number(c.average_deal_size), c.currency, locale) : '—'}</Table.Td>
                  <Table.Td>{c.velocity_per_day != null ? formatMoney(Number(c.velocity_per_day), c.currency, locale) : '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Text size="sm" fw={600} mt="sm">{t('insights.conversion')}</Text>
          <Table>
            <Table.Tbody>
              {(f?.stages ?? []).map((s) => (
                <Table.Tr key={s.stage}>
                  <Table.Td>{t(`stages.${s.stage}`, { defaultValue: s.stage })}</Table.Td>
                  <Table.Td>{t('insights.exits')}: {formatNumber(s.exits, locale)}</Table.Td>
                  <Table.Td>{t('insights.daysInStage')}: {formatNumber(s.average_days_in_stage, locale, { maximumFractionDigits: 1 })}</Table.Td>
                  <Table.Td>{s.to.map((x) => `${stageLabel(x.stage)} ${formatPercent(x.share, locale)}`).join(' · ')}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
        <InsightsForecastCard period={period} />
        <InsightsBacktestCard />
        <InsightsService period={period} />
      </SimpleGrid>
      <InsightsCohortsCard />
    </Stack>
  );
}
