// Charts live in this lazily loaded route, so Recharts stays out of the initial bundle.
import { Alert, Card, Group, RingProgress, SegmentedControl, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { problemMessage } from '../../api/client';
import { sales, serviceDesk } from '../../api/services';
import { useT } from '../../i18n';
import { formatDuration, formatMoney, formatNumber, formatPercent } from '../../lib/format';
import { AmountBars } from './AmountBars';
import { Metric } from './Metric';
import { InsightsCards } from './InsightsCards';

export default function DashboardsPage() {
  const { t, locale } = useT();
  const funnel = useQuery({ queryKey: ['analytics', 'funnel'], queryFn: () => sales.funnel() });
  const forecast = useQuery({ queryKey: ['analytics', 'forecast'], queryFn: () => sales.forecast() });
  const metrics = useQuery({ queryKey: ['ticket-metrics'], queryFn: () => serviceDesk.metrics() });

  const funnelData = (funnel.data?.stages ?? []).map((s) => ({
    name: t(`stages.${s.stage}`, { defaultValue: s.name }), reached: s.reached.count, current: s.current.count,
  }));
  // one chart per currency (amounts are never added across currencies): the one with most deals first
  const dealsIn = new Map<string, number>();
  for (const m of forecast.data?.months ?? []) dealsIn.set(m.currency, (dealsIn.get(m.currency) ?? 0) + m.open_count + m.won_count);
  const currencies = Object.keys(forecast.data?.totals ?? {}).sort((a, b) => (dealsIn.get(b) ?? 0) - (dealsIn.get(a) ?? 0) || a.localeCompare(b));
  const [chosen, setChosen] = useState<string | null>(null);
  const currency = chosen && currencies.includes(chosen) ? chosen : (currencies[0] ?? 'EUR');
  const forecastData = (forecast.data?.months ?? []).filter((m) => m.currency === currency).map((m) => ({
    month: m.month === 'unscheduled' ? t('dash.unscheduled') : m.month,
    open: Number(m.open_amount), weighted: Number(m.weighted_amount), won: Number(m.won_amount),
  }));
  const o = metrics.data?.overall;
  const backlog = Object.entries(o?.backlog ?? {}).map(([p, n]) => ({ name: t(`priority.${p}`), count: n }));
  const money = (v: number) => formatMoney(v, currency, locale);
  const winRate = funnel.data?.win_rate ?? null;

  return (
    <Stack>
      <Title order={2}>{t('nav.dashboards')}</Title>
      {[funnel.error, forecast.error, metrics.error].filter(Boolean).map((e, i) => <Alert key={i} color="red">{problemMessage(e)}</Alert>)}
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Card withBorder data-testid="chart-funnel">
          <Title order={4} mb="xs">{t('dash.funnel')}</Title>
          <ResponsiveContainer width="100%" height={260}>
            <BarChart data={funnelData} layout="vertical" margin={{ left: 40 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis type="number" allowDecimals={false} />
              <YAxis type="category" dataKey="name" width={110} />
              <Tooltip />
              <Legend />
              <Bar dataKey="reached" name={t('dash.reached')} fill="#4c6ef5" />
              <Bar dataKey="current" name={t('dash.current')} fill="#94d82d" />
            </BarChart>
          </ResponsiveContainer>
        </Card>
        <Card withBorder data-testid="chart-win-rate">
          <Title order={4} mb="xs">{t('dash.winRate')}</Title>
          <Group>
            <RingProgress size={160} thickness={16} roundCaps sections={[{ value: (winRate ?? 0) * 100, color: 'green' }]}
              label={<Text ta="center" fw={700} size="xl">{formatPercent(winRate, locale)}</Text>} />
            <Stack gap={4}>
              <Text>{t('dash.won')}: <b>{formatNumber(funnel.data?.won.count, locale)}</b></Text>
              <Text>{t('dash.lost')}: <b>{formatNumber(funnel.data?.lost.count, locale)}</b></Text>
              <Text>{t('dash.open')}: <b>{formatNumber(funnel.data?.open.count, locale)}</b></Text>
              <Text>{t('dash.cycle')}: <b>{formatNumber(funnel.data?.avg_sales_cycle_days, locale, { maximumFractionDigits: 1 })}</b></Text>
            </Stack>
          </Group>
        </Card>
        <Card withBorder data-testid="chart-forecast">
          <Group justify="space-between" mb="xs">
            <Title order={4}>{t('dash.forecast', { currency })}</Title>
            {currencies.length > 1 && (
              <SegmentedControl size="xs" value={currency} onChange={setChosen} data={currencies} aria-label={t('create.currency')} data-testid="forecast-currency" />
            )}
          </Group>
          <AmountBars data={forecastData} x="month" format={money} bars={[
            { key: 'open', name: t('dash.openAmount'), fill: '#748ffc' },
            { key: 'weighted', name: t('dash.weighted'), fill: '#4c6ef5' },
            { key: 'won', name: t('dash.won'), fill: '#40c057' },
          ]} />
        </Card>
        <Card withBorder data-testid="chart-service">
          <Title order={4} mb="xs">{t('dash.service')}</Title>
          <SimpleGrid cols={2} mb="sm">
            <Metric label={t('dash.tickets')} value={formatNumber(o?.tickets, locale)} />
            <Metric label={t('dash.breachRate')} value={formatPercent(o?.sla.breach_rate, locale)} />
            <Metric label={t('dash.firstResponseP50')} value={o?.first_response.p50_s != null ? formatDuration(o.first_response.p50_s) : '—'} />
            <Metric label={t('dash.resolutionP50')} value={o?.resolution.p50_s != null ? formatDuration(o.resolution.p50_s) : '—'} />
            <Metric label={t('dash.csat')} value={formatNumber(o?.csat.average, locale, { maximumFractionDigits: 2 })} />
          </SimpleGrid>
          <Text size="sm" fw={600}>{t('dash.backlog')}</Text>
          <ResponsiveContainer width="100%" height={160}>
            <BarChart data={backlog}>
              <XAxis dataKey="name" />
              <YAxis allowDecimals={false} width={30} />
              <Tooltip />
              <Bar dataKey="count" name={t('dash.tickets')} fill="#fa5252" />
            </BarChart>
          </ResponsiveContainer>
        </Card>
      </SimpleGrid>
      <InsightsCards />
    </Stack>
  );
}
