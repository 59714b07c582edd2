import { Alert, Anchor, Button, Card, Group, Text, Title } from '@mantine/core';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { ApiError, problemMessage } from '../../api/client';
import { contacts } from '../../api/services';
import type { Customer } from '../../api/types';
import { mayMergeCustomers, useMe } from '../../auth/session';
import { useT } from '../../i18n';
import { formatPercent } from '../../lib/format';

export function DuplicatesCard({ customer, etag }: { customer: Customer; etag: string | number }) {
  const { t, locale } = useT();
  const qc = useQueryClient();
  const canMerge = mayMergeCustomers(useMe());
  const dups = useQuery({ queryKey: ['customer', customer.id, 'duplicates'], queryFn: () => contacts.duplicates(customer.id) });
  const merge = useMutation({
    mutationFn: (dupId: string) => contacts.merge(customer.id, [dupId], etag),
    onSuccess: () => {
      notifications.show({ color: 'green', message: t('duplicates.merged') });
      void qc.invalidateQueries({ queryKey: ['customer', customer.id] });
      void qc.invalidateQueries({ queryKey: ['customers'] });
    },
    onError: (e) => {
      if (e instanceof ApiError && e.status === 412) {
        notifications.show({ color: 'orange', message: t('conflict.reloaded') });
        void qc.invalidateQueries({ queryKey: ['customer', customer.id] });
      }
    },
  });
  const candidates = dups.data?.candidates ?? [];
  return (
    <Card withBorder data-testid="duplicates">
      <Title order={4} mb="xs">{t('duplicates.title')}</Title>
      {!candidates.length && <Text c="dimmed" size="sm">{t('duplicates.none')}</Text>}
      {candidates.map((d) => (
        <Group key={d.customer_id} justify="space-between" data-testid="duplicate-candidate">
          <div>
            <Anchor component={Link} to={`/customers/${d.customer_id}`}>{d.display_name}</Anchor>
            <Text size="xs" c="dimmed">
              {formatPercent(d.score, locale)} · {d.reasons.map((r) => `${t(`duplicates.reasons.${r.code}`, { defaultValue: r.code })}${r.detail ? ` (${r.detail})` : ''}`).join(', ')}
            </Text>
          </div>
          {canMerge && (
            <Button size="xs" variant="light" loading={merge.isPending} data-testid="merge-button"
              onClick={() => modals.openConfirmModal({
                title: t('duplicates.confirmTitle'),
                children: <Text size="sm">{t('duplicates.confirm', { dup: d.display_name })}</Text>,
                labels: { confirm: t('duplicates.merge'), cancel: t('common.cancel') },
                onConfirm: () => merge.mutate(d.customer_id),
              })}>
              {t('duplicates.merge')}
            </Button>
          )}
        </Group>
      ))}
      {merge.error && !(merge.error instanceof ApiError && merge.error.status === 412) ? (
        <Alert color="red" mt="xs">{problemMessage(merge.error)}</Alert>
      ) : null}
    </Card>
  );
}
