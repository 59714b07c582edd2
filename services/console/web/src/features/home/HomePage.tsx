import { Anchor, Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { contacts, sales, serviceDesk } from '../../api/services';
import { useMe } from '../../auth/session';
import { useT } from '../../i18n';
import { formatDateTime, formatMoney, formatRelative } from '../../lib/format';
import { useRecentChanges } from '../../live/LiveProvider';
import { customerName } from '../../lib/names';
import { useNow } from '../../lib/useNow';
import { bySlaUrgency } from '../tickets/sla';
import { SlaBadge } from '../tickets/SlaBadge';

export default function HomePage() {
  const { t, locale } = useT();
  const me = useMe();
  const now = useNow(30_000);
  const isSales = me.roles.some((r) => ['sales', 'admin', 'manager'].includes(r)) || me.department === 'sales';
  const isService = me.roles.some((r) => ['service', 'admin'].includes(r)) || me.department === 'service';
  const deals = useQuery({ queryKey: ['deals', 'mine', me.sub], queryFn: () => sales.deals({ owner_id: me.sub, status: 'open', limit: 50 }), enabled: isSales });
  const followUps = useQuery({ queryKey: ['follow-ups', me.sub], queryFn: () => sales.followUps(me.sub), enabled: isSales });
  const tickets = useQuery({ queryKey: ['tickets', 'mine', me.sub], queryFn: () => serviceDesk.tickets({ assignee_id: me.sub, limit: 100 }), enabled: isService });
  const changes = useRecentChanges();
  const mine = useQuery({ queryKey: ['customers', 'mine', me.sub], queryFn: () => contacts.list({ owner_id: me.sub, order: 'desc', limit: 8 }) });
  const openTickets = (tickets.data?.items ?? []).filter((x) => !['solved', 'closed'].includes(x.status)).sort(bySlaUrgency(now));

  return (
    <Stack>
      <Title order={2}>{t('home.greeting', { name: me.name })}</Title>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        {isSales && (
          <Card withBorder data-testid="home-deals">
            <Title order={4} mb="xs">{t('home.myDeals')}</Title>
            <Table>
              <Table.Tbody>
                {(deals.data?.items ?? []).map((d) => (
                  <Table.Tr key={d.id}>
                    <Table.Td><Anchor component={Link} to={`/customers/${d.customer_id}`}>{d.name}</Anchor></Table.Td>
                    <Table.Td>{t(`stages.${d.stage}`, { defaultValue: d.stage })}</Table.Td>
                    <Table.Td ta="right">{formatMoney(d.amount, d.currency, locale)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {deals.data && !deals.data.items.length && <Text c="dimmed" size="sm">{t('common.none')}</Text>}
          </Card>
        )}
        {isSales && (
          <Card withBorder data-testid="home-follow-ups">
            <Title order={4} mb="xs">{t('home.followUps')}</Title>
            {(followUps.data?.items ?? []).filter((f) => !f.done).map((f) => {
              const deal = f.kind === 'deal' ? deals.data?.items.find((d) => d.id === f.subject_id) : undefined;
              return (
                <Group key={f.id} justify="space-between" data-testid="follow-up">
                  <Anchor component={Link} size="sm" to={deal ? `/customers/${deal.customer_id}` : f.kind === 'lead' ? `/leads?focus=${f.subject_id}` : '/pipeline'}>
                    {deal?.name ?? t(`topics.${f.kind}`)}
                  </Anchor>
                  <Text size="xs" c="dimmed">{t('home.idle', { days: f.idle_days, since: formatDateTime(f.idle_since, locale) })}</Text>
                </Group>
              );
            })}
            {followUps.data && !followUps.data.items.length && <Text c="dimmed" size="sm">{t('common.none')}</Text>}
          </Card>
        )}
        {isService && (
          <Card withBorder data-testid="home-tickets">
            <Title order={4} mb="xs">{t('home.myTickets')}</Title>
            <Table>
              <Table.Tbody>
                {openTickets.map((x) => (
                  <Table.Tr key={x.id}>
                    <Table.Td><Anchor component={Link} to={`/tickets/${x.id}`}>{x.subject}</Anchor></Table.Td>
                    <Table.Td><Badge variant="light">{t(`priority.${x.priority}`)}</Badge></Table.Td>
                    <Table.Td><SlaBadge ticket={x} /></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {tickets.data && !openTickets.length && <Text c="dimmed" size="sm">{t('common.none')}</Text>}
          </Card>
        )}
        <Card withBorder data-testid="home-changes">
          <Title order={4} mb="xs">{t('home.recentChanges')}</Title>
          {changes.filter((c) => c.customer_id).slice(0, 12).map((c, i) => (
            <Group key={`${c.id}-${c.version ?? i}`} justify="space-between" wrap="nowrap">
              <Anchor component={Link} to={c.topic === 'ticket' ? `/tickets/${c.id}` : `/customers/${c.customer_id}`} size="sm">
                {t(`events.${c.type}`, { defaultValue: c.type })}
              </Anchor>
              <Text size="xs" c="dimmed">{c.actor?.name ?? c.actor?.id ?? ''} · {formatRelative(c.time, locale, now)}</Text>
            </Group>
          ))}
          {!changes.length && <Text c="dimmed" size="sm" mb="xs">{t('home.noChanges')}</Text>}
          <Text size="sm" fw={600} mt="xs">{t('home.myCustomersUpdated')}</Text>
          {(mine.data?.items ?? []).map((c) => (
            <Group key={c.id} justify="space-between" wrap="nowrap" data-testid="home-my-customer">
              <Anchor component={Link} to={`/customers/${c.id}`} size="sm">{customerName(c)}</Anchor>
              <Text size="xs" c="dimmed">v{c.version} · {formatRelative(c.updated_at, locale, now)}</Text>
            </Group>
          ))}
          {mine.data && !mine.data.items.length && <Text c="dimmed" size="sm">{t('common.none')}</Text>}
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
