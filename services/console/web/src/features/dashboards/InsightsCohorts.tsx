// Cohorts by first won month from insights: one row per cohort, one column per month
// offset; each cell's tint is its retention (a heat map), with the month's won revenue.
import { Card, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { insights } from '../../api/services';
import { useT } from '../../i18n';
import { formatMoney, formatNumber, formatPercent } from '../../lib/format';
import './insightsStrings';

export function InsightsCohortsCard() {
  const { t, locale } = useT();
  const found = useQuery({ queryKey: ['insights', 'cohorts'], queryFn: () => insights.cohorts() });
  const rows = found.data?.cohorts ?? [];
  const width = Math.max(0, ...rows.map((r) => r.months.length));
  return (
    <Card withBorder data-testid="insights-cohorts">
      <Title order={4} mb="xs">{t('insights.cohorts')}</Title>
      <Text size="sm" c="dimmed" mb="xs">{t('insights.cohortsHelp')}</Text>
      {rows.length === 0 ? <Text size="sm" c="dimmed">{t('insights.noCohorts')}</Text> : (
        <Table.ScrollContainer minWidth={120 + 110 * width}>
          <Table withColumnBorders>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('insights.cohort')}</Table.Th>
                <Table.Th>{t('insights.cohortSize')}</Table.Th>
                {Array.from({ length: width }, (_, k) => <Table.Th key={k}>{t('insights.monthOffset', { n: k })}</Table.Th>)}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={row.cohort} data-testid={`cohort-${row.cohort}`}>
                  <Table.Td>{row.cohort}</Table.Td>
                  <Table.Td>{formatNumber(row.customers, locale)}</Table.Td>
                  {Array.from({ length: width }, (_, k) => {
                    const m = row.months[k];
                    if (!m) return <Table.Td key={k} />;
                    // dark text on a blue tint up to 60 %: readable at every retention
                    const tint = `rgba(34, 139, 230, ${(0.08 + 0.52 * m.retention).toFixed(2)})`;
                    return (
                      <Table.Td key={k} style={{ background: tint }}>
                        <Text size="sm" fw={600}>{formatPercent(m.retention, locale)}</Text>
                        {Object.entries(m.revenue).map(([cur, amount]) => (
                          <Text size="xs" key={cur}>{formatMoney(amount, cur, locale)}</Text>
                        ))}
                      </Table.Td>
                    );
                  })}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Card>
  );
}
