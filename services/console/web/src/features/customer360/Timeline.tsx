import { Badge, Button, Group, Stack, Table, Text, Timeline } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { contacts } from '../../api/services';
import { displayValue } from '../../conflict/diff';
import { useT } from '../../i18n';
import { formatDateTime, formatRelative } from '../../lib/format';

/** `user:ana@sales` (the events' actor) → `ana (sales)`. */
export function actorLabel(actor: string | null | undefined): string {
  if (!actor) return '—';
  const [id, dept] = actor.replace(/^[a-z_]+:/, '').split('@');
  return dept ? `${id} (${dept})` : (id ?? '—');
}

export function TimelineList({ customerId }: { customerId: string }) {
  const { t, locale } = useT();
  const q = useInfiniteQuery({
    queryKey: ['customer', customerId, 'timeline'],
    queryFn: ({ pageParam }) => contacts.timeline(customerId, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack gap="xs" data-testid="timeline">
      <Timeline bulletSize={12} lineWidth={2}>
        {items.map((i) => (
          <Timeline.Item key={i.event_id} title={<Text size="sm" fw={600}>{i.summary}</Text>} data-testid="timeline-item">
            <Group gap={6}>
              <Badge size="xs" variant="light">{t(`events.${i.type}`, { defaultValue: i.type })}</Badge>
              <Text size="xs" c="dimmed">{actorLabel(i.actor)} · {formatRelative(i.time, locale)}</Text>
            </Group>
          </Timeline.Item>
        ))}
      </Timeline>
      {!items.length && !q.isPending && <Text c="dimmed" size="sm">{t('common.none')}</Text>}
      {q.hasNextPage && <Button variant="subtle" size="xs" onClick={() => void q.fetchNextPage()}>{t('common.more')}</Button>}
    </Stack>
  );
}

export function HistoryList({ customerId }: { customerId: string }) {
  const { t, locale } = useT();
  const q = useQuery({ queryKey: ['customer', customerId, 'history'], queryFn: () => contacts.history(customerId) });
  return (
    <Stack gap="sm" data-testid="history">
      {(q.data?.items ?? []).map((h) => (
        <div key={h.version} data-testid="history-entry">
          <Group gap={6} mb={4}>
            <Badge size="sm">{t(`historyType.${h.type}`, { defaultValue: h.type })}</Badge>
            <Text size="sm" fw={600}>{actorLabel(h.actor_id ?? h.actor)}</Text>
            {h.department && <Badge size="xs" variant="outline">{t(`departments.${h.department}`, { defaultValue: h.department })}</Badge>}
            <Text size="xs" c="dimmed">{formatDateTime(h.at, locale)} · v{h.version}</Text>
          </Group>
          {h.changes.length > 0 && (
            <Table withTableBorder fz="xs">
              <Table.Tbody>
                {h.changes.map((ch) => (
                  <Table.Tr key={ch.field}>
                    <Table.Td fw={600}>{t(`fields.${ch.field}`, { defaultValue: ch.field })}</Table.Td>
                    <Table.Td c="dimmed" td="line-through">{displayValue(ch.from)}</Table.Td>
                    <Table.Td>{displayValue(ch.to)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {h.reason && <Text size="xs">{h.reason}</Text>}
        </div>
      ))}
      {q.data && !q.data.items.length && <Text c="dimmed" size="sm">{t('common.none')}</Text>}
    </Stack>
  );
}
