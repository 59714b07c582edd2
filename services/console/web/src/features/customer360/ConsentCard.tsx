import { Badge, Card, Group, Text, Title } from '@mantine/core';
import type { Customer } from '../../api/types';
import { useT } from '../../i18n';
import { formatDate } from '../../lib/format';

export function ConsentCard({ customer }: { customer: Customer }) {
  const { t, locale } = useT();
  const entries = Object.entries(customer.consent ?? {});
  return (
    <Card withBorder data-testid="consent">
      <Title order={4} mb="xs">{t('customer.consent')}</Title>
      {!entries.length && <Text c="dimmed" size="sm">{t('customer.noConsent')}</Text>}
      {entries.map(([purpose, v]) => {
        const c = typeof v === 'object' && v ? v : { granted: Boolean(v) };
        return (
          <Group key={purpose} justify="space-between">
            <Text size="sm">{t(`consentPurpose.${purpose}`, { defaultValue: purpose })}</Text>
            <Group gap={6}>
              <Badge color={c.granted ? 'green' : 'red'} variant="light">{c.granted ? t('customer.granted') : t('customer.refused')}</Badge>
              {'at' in c && c.at ? <Text size="xs" c="dimmed">{formatDate(c.at, locale)}</Text> : null}
            </Group>
          </Group>
        );
      })}
    </Card>
  );
}
