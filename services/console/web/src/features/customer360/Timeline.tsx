import { Badge, Button, Group, Stack, Table, Text, Timeline, VisuallyHidden } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { contacts, sales } from '../../api/services';
import { useT } from '../../i18n';
import { formatDateTime, formatRelative } from '../../lib/format';
import { changeValue, describeTimelineItem, type Described, type T } from './timelineText';

/** `user:ana@sales` (the events' actor) → `ana (sales)`. */
export function actorLabel(actor: string | null | undefined): string {
  if (!actor) return '—';
  const [id, dept] = actor.replace(/^[a-z_]+:/, '').split('@');
  return dept ? `${id} (${dept})` : (id ?? '—');
}

/** Who did it, in words: "ana · sales", "System (contacts)". */
function ActorText({ actor }: { actor: Described['actor'] }) {
  const { t } = useT();
  if (actor.kind === 'system') return <>{t('timeline.system', { name: actor.id })}</>;
  return <>{actor.id}{actor.department ? ` · ${t(`departments.${actor.department}`, { defaultValue: actor.department })}` : ''}</>;
}

export function TimelineList({ customerId }: { customerId: string }) {
  const { t, locale } = useT();
  const q = useInfiniteQuery({
    queryKey: ['customer', customerId, 'timeline'],
    queryFn: ({ pageParam }) => contacts.timeline(customerId, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  // the customer's own changes (from → to, department) and the pipelines' stage names
  const history = useQuery({ queryKey: ['customer', customerId, 'history'], queryFn: () => contacts.history(customerId) });
  const pipelines = useQuery({ queryKey: ['pipelines'], queryFn: sales.pipelines, retry: false });
  const stageNames = Object.fromEntries((pipelines.data?.items ?? []).flatMap((p) => p.stages.map((s) => [s.id, s.name])));
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  const ctx = { customerId, history: history.data?.items, stageNames };
  return (
    <Stack gap="xs" data-testid="timeline">
      <Timeline bulletSize={12} lineWidth={2}>
        {items.map((i) => {
          const d = describeTimelineItem(i, ctx, t as unknown as T, locale);
          return (
            <Timeline.Item key={i.event_id} data-testid="timeline-item" data-type={i.type} data-known={d.known}
              title={<Text size="sm" fw={600}>{d.title}</Text>}>
              <Group gap={6}>
                <Badge size="xs" variant="light">{t(`events.${i.type}`, { defaultValue: i.type })}</Badge>
                <Text size="xs" c="dimmed"><ActorText actor={d.actor} /> · <span title={formatDateTime(i.time, locale)}>{formatRelative(i.time, locale)}</span></Text>
              </Group>
              {d.changes.length > 0 && (
                <Table withTableBorder fz="xs" mt={4} maw={520}>
                  <Table.Tbody>
                    {d.changes.map((ch) => (
                      <Table.Tr key={ch.field}>
                        <Table.Td fw={600}>{t(`fields.${ch.field}`, { defaultValue: ch.field })}</Table.Td>
                        <Table.Td c="dimmed"><VisuallyHidden>{t('timeline.changeFrom')}: </VisuallyHidden><s>{changeValue(ch.field, ch.from, t as unknown as T)}</s></Table.Td>
                        <Table.Td><VisuallyHidden>{t('timeline.changeTo')}: </VisuallyHidden>{changeValue(ch.field, ch.to, t as unknown as T)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Timeline.Item>
          );
        })}
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
                    <Table.Td c="dimmed" td="line-through">{changeValue(ch.field, ch.from, t as unknown as T)}</Table.Td>
                    <Table.Td>{changeValue(ch.field, ch.to, t as unknown as T)}</Table.Td>
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
