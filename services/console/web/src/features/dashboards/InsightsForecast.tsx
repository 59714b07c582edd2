// Forecast cards from insights: for a period, the amounts per forecast category with the
// commit / best-case roll-ups, the weighted and the historical (stage-to-win rates)
// forecast, actual (won) and target; and the backtest of past months (both forecasts at
// each month's start against what its deals won).
import { Card, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { insights } from '../../api/services';
import { useT } from '../../i18n';
import { formatNumber, formatPercent } from '../../lib/format';
import { AmountBars } from './AmountBars';
import './insightsStrings';

const CATEGORIES = ['closed', 'commit', 'best_case', 'pipeline', 'omitted'] as const;

export function InsightsForecastCard({ period }: { period?: string }) {
  const { t, locale } = useT();
  const forecast = useQuery({
    queryKey: ['insights', 'forecast', period], queryFn: () => insights.forecast({ period: period ?? '' }), enabled: period !== undefined,
  });
  const rows = forecast.data?.by_currency ?? [];
  return (
    <Card withBorder data-testid="insights-forecast">
      <Title order={4} mb="xs">{t('insights.forecast', { period: period ?? '—' })}</Title>
      {period === undefined ? <Text c="dimmed">{t('insights.pickPeriod')}</Text> : (
        <>
          <AmountBars height={220} x="name" format={(v) => formatNumber(v, locale, { maximumFractionDigits: 2 })}
            data={rows.map((c) => ({
              name: c.currency, won: Number(c.won), commit: Number(c.commit), best: Number(c.best_case),
              weighted: Number(c.weighted), historical: Number(c.historical), target: c.target != null ? Number(c.target) : null,
            }))}
            bars={[
              { key: 'won', name: t('insights.won'), fill: '#40c057' },
              { key: 'commit', name: t('insights.commit'), fill: '#4c6ef5' },
              { key: 'best', name: t('insights.bestCase'), fill: '#748ffc' },
              { key: 'weighted', name: t('insights.weightedForecast'), fill: '#15aabf' },
              { key: 'historical', name: t('insights.historical'), fill: '#fab005' },
              { key: 'target', name: t('insights.target'), fill: '#fa5252' },
            ]} />
          <Table data-testid="insights-categories">
            <Table.Thead>
              <Table.Tr>
                <Table.Th />
                {CATEGORIES.map((k) => <Table.Th key={k}>{t(`insights.cat_${k}`)}</Table.Th>)}
                <Table.Th>{t('insights.attainment')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((c) => (
                <Table.Tr key={c.currency}>
                  <Table.Td>{c.currency}</Table.Td>
                  {CATEGORIES.map((k) => <Table.Td key={k}>{formatNumber(Number(c.categories[k]), locale, { maximumFractionDigits: 2 })}</Table.Td>)}
                  <Table.Td>{formatPercent(c.attainment, locale)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
    </Card>
  );
}

export function InsightsBacktestCard() {
  const { t, locale } = useT();
  const backtest = useQuery({ queryKey: ['insights', 'backtest'], queryFn: () => insights.backtest({ periods: 12 }) });
  const b = backtest.data;
  const money = (v: string) => formatNumber(Number(v), locale, { maximumFractionDigits: 2 });
  return (
    <Card withBorder data-testid="insights-backtest">
      <Title order={4} mb="xs">{t('insights.backtest')}</Title>
      <Text size="sm" c="dimmed" mb="xs">{t('insights.backtestHelp')}</Text>
      {!b || b.periods.length === 0 ? <Text c="dimmed">{t('insights.noHistory')}</Text> : (
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              {['month', 'deals', 'won', 'weightedForecast', 'error', 'historical', 'error'].map((k, i) => (
                <Table.Th key={i}>{t(`insights.${k}`)}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {b.periods.map((p) => (
              <Table.Tr key={`${p.period}-${p.currency}`}>
                <Table.Td>{p.period} ({p.currency})</Table.Td>
                <Table.Td>{formatNumber(p.deals, locale)}</Table.Td>
                <Table.Td>{money(p.actual)}</Table.Td>
                <Table.Td>{money(p.weighted)}</Table.Td>
                <Table.Td>{formatPercent(p.weighted_error, locale)}</Table.Td>
                <Table.Td>{money(p.historical)}</Table.Td>
                <Table.Td>{formatPercent(p.historical_error, locale)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {b && b.periods.length > 0 && (
        <Text size="sm" mt="xs">
          {t('insights.meanError')}: {t('insights.weightedForecast')} <b>{formatPercent(b.weighted_mean_abs_error, locale)}</b>
          {' · '}{t('insights.historical')} <b>{formatPercent(b.historical_mean_abs_error, locale)}</b>
        </Text>
      )}
    </Card>
  );
}
