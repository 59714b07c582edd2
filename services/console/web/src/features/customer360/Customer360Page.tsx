import { Alert, Anchor, Badge, Button, Card, Grid, Group, Loader, SimpleGrid, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { problemMessage } from '../../api/client';
import { contacts, sales, serviceDesk } from '../../api/services';
import { can, useMe } from '../../auth/session';
import { NewDealDialog, NewTicketDialog } from '../customers/CreateDialogs';
import { useT } from '../../i18n';
import { formatMoney, formatMoneyMap } from '../../lib/format';
import { customerName } from '../../lib/names';
import { SlaBadge } from '../tickets/SlaBadge';
import { ChangedByNotice } from './ChangedByNotice';
import { ConsentCard } from './ConsentCard';
import { CustomerInsightsCard } from './CustomerInsightsCard';
import { DuplicatesCard } from './DuplicatesCard';
import { GdprCard } from './GdprCard';
import { HistoryList, TimelineList } from './Timeline';
import { ProfileCard } from './ProfileCard';

export default function Customer360Page() {
  const { id = '' } = useParams();
  const { t, locale } = useT();
  const me = useMe();
  const record = useQuery({ queryKey: ['customer', id, 'record'], queryFn: () => contacts.get(id) });
  const view = useQuery({ queryKey: ['customer', id, '360'], queryFn: () => contacts.view360(id) });
  const deals = useQuery({ queryKey: ['deals', 'customer', id], queryFn: () => sales.deals({ customer_id: id, limit: 100 }) });
  const tickets = useQuery({ queryKey: ['tickets', 'customer', id], queryFn: () => serviceDesk.tickets({ customer_id: id, limit: 100 }) });
  const c = record.data?.data;
  const [creating, setCreating] = useState<'deal' | 'ticket' | null>(null);
  const people = useQuery({
    queryKey: ['customer', id, 'people'],
    queryFn: () => contacts.list({ company_id: id, limit: 100 }),
    enabled: c?.kind === 'company',
  });

  if (record.isPending) return <Loader aria-label="loading" />;
  if (record.error || !c) return <Alert color="red">{problemMessage(record.error)}</Alert>;

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2} data-testid="customer-name">{customerName(c)}</Title>
          <Group gap="xs" mt={4}>
            <Badge variant="light">{t(`kind.${c.kind}`)}</Badge>
            {c.lifecycle_stage && <Badge variant="outline">{t(`lifecycle.${c.lifecycle_stage}`)}</Badge>}
            {c.archived && <Badge color="gray">{t('customer.archived')}</Badge>}
            {c.merged_into && (
              <Anchor component={Link} to={`/customers/${c.merged_into}`} size="sm">{t('customer.mergedInto')}</Anchor>
            )}
            {c.kind === 'person' && c.company_id && (
              <Anchor component={Link} to={`/customers/${c.company_id}`} size="sm" data-testid="company-link">{c.company_name ?? t('kind.company')}</Anchor>
            )}
          </Group>
        </div>
        <Stack gap={4} align="flex-end">
          <Group gap="xs">
            {can(me, 'deal') && <Button size="xs" variant="light" onClick={() => setCreating('deal')} data-testid="new-deal">{t('create.deal')}</Button>}
            {can(me, 'ticket') && <Button size="xs" variant="light" onClick={() => setCreating('ticket')} data-testid="new-ticket">{t('create.ticket')}</Button>}
          </Group>
          <Text size="sm" c="dimmed">{t('customer.version', { version: c.version })}</Text>
        </Stack>
        <NewDealDialog customerId={id} opened={creating === 'deal'} onClose={() => setCreating(null)} />
        <NewTicketDialog customerId={id} opened={creating === 'ticket'} onClose={() => setCreating(null)} />
      </Group>
      <ChangedByNotice customerId={id} />
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        <Stat label={t('customer.openDeals')} value={String(view.data?.deals.open_count ?? '—')} testid="stat-open-deals" />
        <Stat label={t('customer.pipelineValue')} value={formatMoneyMap(view.data?.deals.pipeline_value, locale)} testid="stat-pipeline" />
        <Stat label={t('customer.wonValue')} value={formatMoneyMap(view.data?.deals.won_value, locale)} testid="stat-won" />
        <Stat label={t('customer.openTickets')} value={String(view.data?.tickets.open_count ?? '—')} testid="stat-open-tickets" />
      </SimpleGrid>
      <Grid>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack>
            <ProfileCard record={record.data} />
            {c.kind === 'company' && (
              <Card withBorder>
                <Title order={4} mb="xs">{t('customer.people')}</Title>
                {(people.data?.items ?? []).map((p) => (
                  <Group key={p.id} justify="space-between">
                    <Anchor component={Link} to={`/customers/${p.id}`} data-testid="person-link">{customerName(p)}</Anchor>
                    <Text size="sm" c="dimmed">{p.emails[0] ?? ''}</Text>
                  </Group>
                ))}
                {people.data && !people.data.items.length && <Text c="dimmed" size="sm">{t('common.none')}</Text>}
              </Card>
            )}
            <Card withBorder data-testid="customer-deals">
              <Title order={4} mb="xs">{t('customer.deals')}</Title>
              <Table>
                <Table.Tbody>
                  {(deals.data?.items ?? []).map((d) => (
                    <Table.Tr key={d.id}>
                      <Table.Td><Anchor component={Link} to={`/pipeline?pipeline=${d.pipeline_id}`}>{d.name}</Anchor></Table.Td>
                      <Table.Td>{t(`stages.${d.stage}`, { defaultValue: d.stage })}</Table.Td>
                      <Table.Td>{formatMoney(d.amount, d.currency, locale)}</Table.Td>
                      <Table.Td><Badge variant="light" color={d.status === 'won' ? 'green' : d.status === 'lost' ? 'gray' : 'blue'}>{t(`dealStatus.${d.status}`)}</Badge></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              {deals.data && !deals.data.items.length && <Text c="dimmed" size="sm">{t('common.none')}</Text>}
              {deals.error ? <Text c="dimmed" size="sm">{problemMessage(deals.error)}</Text> : null}
            </Card>
            <Card withBorder data-testid="customer-tickets">
              <Title order={4} mb="xs">{t('customer.tickets')}</Title>
              <Table>
                <Table.Tbody>
                  {(tickets.data?.items ?? []).map((x) => (
                    <Table.Tr key={x.id}>
                      <Table.Td><Anchor component={Link} to={`/tickets/${x.id}`}>{x.subject}</Anchor></Table.Td>
                      <Table.Td>{t(`ticketStatus.${x.status}`)}</Table.Td>
                      <Table.Td>{t(`priority.${x.priority}`)}</Table.Td>
                      <Table.Td><SlaBadge ticket={x} /></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              {tickets.data && !tickets.data.items.length && <Text c="dimmed" size="sm">{t('common.none')}</Text>}
              {tickets.error ? <Text c="dimmed" size="sm">{problemMessage(tickets.error)}</Text> : null}
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Stack>
            <Card withBorder>
              <Tabs defaultValue="timeline">
                <Tabs.List>
                  <Tabs.Tab value="timeline" data-testid="tab-timeline">{t('customer.timeline')}</Tabs.Tab>
                  <Tabs.Tab value="history" data-testid="tab-history">{t('customer.history')}</Tabs.Tab>
                </Tabs.List>
                <Tabs.Panel value="timeline" pt="sm"><TimelineList customerId={id} /></Tabs.Panel>
                <Tabs.Panel value="history" pt="sm"><HistoryList customerId={id} /></Tabs.Panel>
              </Tabs>
            </Card>
            <CustomerInsightsCard customerId={id} />
            <ConsentCard customer={c} />
            <DuplicatesCard customer={c} etag={record.data.etag ?? c.version} />
            {me.roles.includes('admin') && <GdprCard customer={c} />}
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function Stat({ label, value, testid }: { label: string; value: string; testid: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={700} size="lg" data-testid={testid}>{value}</Text>
    </Card>
  );
}
