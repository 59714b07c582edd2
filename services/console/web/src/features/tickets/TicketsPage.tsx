import { Alert, Anchor, Badge, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { problemMessage } from '../../api/client';
import { allPages, serviceDesk } from '../../api/services';
import { useT } from '../../i18n';
import { formatRelative } from '../../lib/format';
import { useNow } from '../../lib/useNow';
import { bySlaUrgency } from './sla';
import { SlaBadge } from './SlaBadge';

export const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const PRIORITY_COLOR = { low: 'gray', normal: 'blue', high: 'orange', urgent: 'red' } as const;

export default function TicketsPage() {
  const { t, locale } = useT();
  const now = useNow(30_000);
  const [status, setStatus] = useState<string | null>(null);
  const [priority, setPriority] = useState<string | null>(null);
  const [group, setGroup] = useState<string | null>(null);
  const [assignee, setAssignee] = useState('');
  const groups = useQuery({ queryKey: ['groups'], queryFn: serviceDesk.groups });
  const list = useQuery({
    queryKey: ['tickets', 'queue', status, priority, group, assignee],
    queryFn: () => allPages(serviceDesk.tickets, { status, priority, group, assignee_id: assignee.trim() || null }),
  });
  const rows = [...(list.data?.items ?? [])].sort(bySlaUrgency(now));
  return (
    <Stack>
      <Title order={2}>{t('nav.tickets')}</Title>
      <Group align="flex-end">
        <Select label={t('tickets.status')} clearable value={status} onChange={setStatus} w={150}
          data={STATUSES.map((s) => ({ value: s, label: t(`ticketStatus.${s}`) }))} data-testid="filter-status" />
        <Select label={t('tickets.priority')} clearable value={priority} onChange={setPriority} w={150}
          data={PRIORITIES.map((s) => ({ value: s, label: t(`priority.${s}`) }))} data-testid="filter-priority" />
        <Select label={t('tickets.group')} clearable value={group} onChange={setGroup} w={170}
          data={(groups.data?.items ?? []).map((g) => g.id)} data-testid="filter-group" />
        <TextInput label={t('tickets.assignee')} value={assignee} onChange={(e) => setAssignee(e.currentTarget.value)} w={150}
          data-testid="filter-assignee" />
      </Group>
      {list.error ? <Alert color="red">{problemMessage(list.error)}</Alert> : null}
      <Table striped highlightOnHover data-testid="ticket-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('tickets.subject')}</Table.Th>
            <Table.Th>{t('tickets.customer')}</Table.Th>
            <Table.Th>{t('tickets.priority')}</Table.Th>
            <Table.Th>{t('tickets.status')}</Table.Th>
            <Table.Th>{t('tickets.group')}</Table.Th>
            <Table.Th>{t('tickets.assignee')}</Table.Th>
            <Table.Th>{t('tickets.sla')}</Table.Th>
            <Table.Th>{t('tickets.updated')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((x) => (
            <Table.Tr key={x.id} data-testid="ticket-row">
              <Table.Td><Anchor component={Link} to={`/tickets/${x.id}`}>{x.subject}</Anchor></Table.Td>
              <Table.Td>{x.customer?.display_name ?? '—'}</Table.Td>
              <Table.Td><Badge color={PRIORITY_COLOR[x.priority]} variant="light">{t(`priority.${x.priority}`)}</Badge></Table.Td>
              <Table.Td>{t(`ticketStatus.${x.status}`)}</Table.Td>
              <Table.Td>{x.group ?? '—'}</Table.Td>
              <Table.Td>{x.assignee_id ?? '—'}</Table.Td>
              <Table.Td><SlaBadge ticket={x} /></Table.Td>
              <Table.Td>{formatRelative(x.updated_at, locale, now)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data && !rows.length && <Text c="dimmed">{t('common.none')}</Text>}
    </Stack>
  );
}
