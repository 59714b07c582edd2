import { Alert, Button, Card, Group, Select, Text, Title } from '@mantine/core';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { problemMessage } from '../../api/client';
import { contacts } from '../../api/services';
import type { Customer } from '../../api/types';
import { useT } from '../../i18n';
import { downloadText } from '../customers/csv';

const REASONS = ['data_subject_request', 'retention_policy', 'legal_obligation', 'other'];

/** Admins only (the page hides it from others; the API refuses them anyway). */
export function GdprCard({ customer }: { customer: Customer }) {
  const { t } = useT();
  const qc = useQueryClient();
  const [reason, setReason] = useState<string | null>('data_subject_request');
  const exp = useMutation({
    mutationFn: () => contacts.exportData(customer.id),
    onSuccess: (data) => downloadText(`customer-${customer.id}.json`, JSON.stringify(data, null, 2), 'application/json'),
  });
  const erase = useMutation({
    mutationFn: () => contacts.erase(customer.id, reason ?? 'data_subject_request'),
    onSuccess: () => {
      notifications.show({ color: 'green', message: t('gdpr.erased') });
      void qc.invalidateQueries({ queryKey: ['customer', customer.id] });
      void qc.invalidateQueries({ queryKey: ['customers'] });
    },
  });
  return (
    <Card withBorder data-testid="gdpr">
      <Title order={4} mb="xs">{t('gdpr.title')}</Title>
      <Group align="flex-end">
        <Button variant="default" loading={exp.isPending} onClick={() => exp.mutate()} data-testid="gdpr-export">{t('gdpr.export')}</Button>
        <Select label={t('gdpr.reason')} w={220} value={reason} onChange={setReason}
          data={REASONS.map((r) => ({ value: r, label: t(`gdpr.reasons.${r}`) }))} />
        <Button color="red" loading={erase.isPending} data-testid="gdpr-erase"
          onClick={() => modals.openConfirmModal({
            title: t('gdpr.confirmTitle'),
            children: <Text size="sm">{t('gdpr.confirm')}</Text>,
            labels: { confirm: t('gdpr.erase'), cancel: t('common.cancel') },
            confirmProps: { color: 'red' },
            onConfirm: () => erase.mutate(),
          })}>
          {t('gdpr.erase')}
        </Button>
      </Group>
      {exp.error || erase.error ? <Alert color="red" mt="xs">{problemMessage(exp.error ?? erase.error)}</Alert> : null}
    </Card>
  );
}
