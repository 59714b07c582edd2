// A customer's value and risk from insights (RFM and segment, lifetime value so far and
// predicted, churn risk with its reasons), for the roles insights lets read them.
import { Badge, Card, Group, List, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { insights } from '../../api/services';
import { useMe } from '../../auth/session';
import { useT } from '../../i18n';
import { formatMoney, formatPercent } from '../../lib/format';
import './customerInsightsStrings';

const READERS = ['admin', 'readonly', 'service', 'marketing'];

export function CustomerInsightsCard({ customerId }: { customerId: string }) {
  const { t, locale } = useT();
  const me = useMe();
  const allowed = me.roles.some((r) => READERS.includes(r)) || (me.roles.includes('sales') && me.roles.includes('manager'));
  const found = useQuery({
    queryKey: ['insights', 'customer', customerId], queryFn: () => insights.customer(customerId), enabled: allowed,
  });
  if (!allowed) return null;
  const c = found.data;
  const risk = c?.churn_risk.score ?? 0;
  return (
    <Card withBorder data-testid="customer-insights">
      <Title order={4} mb="xs">{t('customerInsights.title')}</Title>
      {found.error || !c ? <Text c="dimmed" size="sm">{found.error ? t('customerInsights.unavailable') : '…'}</Text> : (
        <Stack gap={6}>
          <Group gap="xs">
            <Text size="sm">{t('customerInsights.segment')}:</Text>
            <Badge data-testid="customer-segment">{t(`customerInsights.seg_${c.segment ?? 'none'}`)}</Badge>
            {c.rfm && <Text size="sm" c="dimmed">{t('customerInsights.rfm')}: {c.rfm.recency}-{c.rfm.frequency}-{c.rfm.monetary}</Text>}
          </Group>
          {c.rfm_quantiles && (
            <Group gap="xs" data-testid="customer-quintiles">
              <Text size="sm">{t('customerInsights.quintiles', { n: c.rfm_quantiles.customers })}:</Text>
              <Badge variant="outline">{t(`customerInsights.q_${c.rfm_quantiles.segment}`, { defaultValue: c.rfm_quantiles.segment })}</Badge>
              <Text size="sm" c="dimmed">
                {c.rfm_quantiles.recency}-{c.rfm_quantiles.frequency}-{c.rfm_quantiles.monetary}
              </Text>
            </Group>
          )}
          {c.clv && (
            <Text size="sm">
              {t('customerInsights.historicalValue')}: <b>{formatMoney(c.clv.historical, c.clv.currency, locale)}</b>
              {' · '}{t('customerInsights.predictedValue')}: <b>{formatMoney(c.clv.predicted, c.clv.currency, locale)}</b>
            </Text>
          )}
          {c.first_won_month && <Text size="sm">{t('customerInsights.firstWon')}: {c.first_won_month}</Text>}
          <Text size="sm">{t('customerInsights.openTickets')}: {c.open_tickets}</Text>
          <Group gap="xs">
            <Text size="sm">{t('customerInsights.churnRisk')}:</Text>
            {/* a light tint with dark text: white on yellow or green fails WCAG contrast (axe, serious) */}
            <Badge
              color={risk >= 0.5 ? 'red' : risk >= 0.2 ? 'yellow' : 'green'}
              variant="light"
              c="dark.8"
              data-testid="customer-churn-risk"
            >
              {formatPercent(risk, locale)}
            </Badge>
          </Group>
          {c.churn_risk.reasons.length === 0 ? <Text size="sm" c="dimmed">{t('customerInsights.noReasons')}</Text> : (
            <List size="sm">
              {c.churn_risk.reasons.map((r) => (
                <List.Item key={r.signal}>{t(`customerInsights.sig_${r.signal}`, { defaultValue: r.signal })} (+{formatPercent(r.weight, locale)})</List.Item>
              ))}
            </List>
          )}
        </Stack>
      )}
    </Card>
  );
}
