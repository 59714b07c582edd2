import { ActionIcon, Badge, Button, Group, Indicator, Popover, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import { IconBell } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { consoleApi } from '../../api/services';
import type { NotificationItem } from '../../api/types';
import { useT } from '../../i18n';
import { formatRelative } from '../../lib/format';

function targetOf(n: NotificationItem): string | null {
  if (n.type.startsWith('crm.ticket') && n.record_id) return `/tickets/${n.record_id}`;
  if (n.type.startsWith('crm.deal')) return '/pipeline';
  if (n.type.startsWith('crm.lead')) return '/leads';
  if (n.customer_id) return `/customers/${n.customer_id}`;
  return null;
}

export function NotificationBell() {
  const { t, locale } = useT();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const list = useQuery({ queryKey: ['notifications'], queryFn: consoleApi.notifications, refetchInterval: 60_000 });
  const read = useMutation({
    mutationFn: consoleApi.markRead,
    onSettled: () => qc.invalidateQueries({ queryKey: ['notifications'] }),
  });
  const items = Array.isArray(list.data) ? list.data : [];
  const unread = items.filter((n) => !n.read);

  return (
    <Popover width={360} position="bottom-end" shadow="md">
      <Popover.Target>
        <ActionIcon variant="subtle" size="lg" aria-label={t('bell.label', { count: unread.length })} data-testid="notification-bell">
          <Indicator label={unread.length} size={16} disabled={!unread.length} offset={2}>
            <IconBell size={20} />
          </Indicator>
        </ActionIcon>
      </Popover.Target>
      <Popover.Dropdown data-testid="notification-list">
        <Group justify="space-between" mb="xs">
          <Text fw={600}>{t('bell.title')}</Text>
          {unread.length > 0 && (
            <Button size="compact-xs" variant="subtle" onClick={() => read.mutate(unread.map((n) => n.id))}>
              {t('bell.markAll')}
            </Button>
          )}
        </Group>
        <ScrollArea.Autosize mah={400}>
          <Stack gap={4}>
            {!items.length && <Text c="dimmed" size="sm">{t('bell.empty')}</Text>}
            {items.map((n) => (
              <UnstyledButton
                key={n.id}
                data-testid="notification-item"
                onClick={() => {
                  if (!n.read) read.mutate([n.id]);
                  const to = targetOf(n);
                  if (to) navigate(to);
                }}
                p={6}
                style={{ borderRadius: 6, background: n.read ? undefined : 'var(--mantine-color-indigo-light)' }}
              >
                <Text size="sm" fw={n.read ? 400 : 600}>{n.title}</Text>
                <Group gap={6}>
                  <Badge size="xs" variant="light">{t(`events.${n.type}`, { defaultValue: n.type })}</Badge>
                  <Text size="xs" c="dimmed">{formatRelative(n.time, locale)}</Text>
                </Group>
              </UnstyledButton>
            ))}
          </Stack>
        </ScrollArea.Autosize>
      </Popover.Dropdown>
    </Popover>
  );
}
