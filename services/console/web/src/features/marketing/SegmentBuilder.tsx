// A segment's conditions as rows (all / any of them), a live count before saving.
import { ActionIcon, Alert, Button, Card, Group, SegmentedControl, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { problemMessage } from '../../api/client';
import { useT } from '../../i18n';
import { marketing, type Group as Conditions, type Rule } from './api';

const FIELDS = [
  'lifecycle_stage', 'tags', 'region', 'industry', 'tier', 'country', 'consent.email', 'consent.marketing',
  'deals_won', 'deals_open', 'open_tickets', 'sla_breaches', 'custom.plan',
];
const OPS = ['eq', 'ne', 'contains', 'in', 'gt', 'gte', 'lt', 'lte', 'exists', 'not_exists'];
const NUMERIC = new Set(['deals_won', 'deals_open', 'open_tickets', 'sla_breaches']);

function typed(field: string, raw: string): Rule['value'] {
  if (field.startsWith('consent.')) return raw === 'true';
  if (NUMERIC.has(field)) return Number(raw);
  return raw.includes(',') ? raw.split(',').map((s) => s.trim()) : raw;
}

export function SegmentBuilder() {
  const { t } = useT();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [match, setMatch] = useState<'all' | 'any'>('all');
  const [rows, setRows] = useState([{ field: 'consent.email', op: 'eq', value: 'true' }]);
  const conditions: Conditions = {
    match,
    conditions: rows.map((r) => ({
      field: r.field, op: r.op, ...(r.op.endsWith('exists') ? {} : { value: typed(r.field, r.value) }),
    })),
  };
  const preview = useMutation({ mutationFn: () => marketing.preview(conditions) });
  const save = useMutation({
    mutationFn: () => marketing.saveSegment({ name, conditions }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['marketing', 'segments'] }),
  });
  const set = (i: number, key: 'field' | 'op' | 'value', v: string) =>
    setRows(rows.map((r, j) => (j === i ? { ...r, [key]: v } : r)));

  return (
    <Card withBorder data-testid="segment-builder">
      <Stack>
        <Title order={4}>{t('marketing.newSegment')}</Title>
        <TextInput label={t('marketing.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <Group>
          <Text size="sm">{t('marketing.match')}</Text>
          <SegmentedControl value={match} onChange={(v) => setMatch(v as 'all' | 'any')}
            data={[{ value: 'all', label: t('marketing.all') }, { value: 'any', label: t('marketing.any') }]} />
        </Group>
        {rows.map((r, i) => (
          <Group key={i} align="end" wrap="nowrap">
            <Select label={t('marketing.field')} data={FIELDS} value={r.field} onChange={(v) => set(i, 'field', v ?? r.field)} searchable />
            <Select label={t('marketing.op')} data={OPS} value={r.op} onChange={(v) => set(i, 'op', v ?? r.op)} w={130} />
            <TextInput label={t('marketing.value')} value={r.value} onChange={(e) => set(i, 'value', e.currentTarget.value)} />
            <ActionIcon variant="subtle" aria-label={t('marketing.remove')} onClick={() => setRows(rows.filter((_, j) => j !== i))}>
              <IconTrash size={16} />
            </ActionIcon>
          </Group>
        ))}
        <Group>
          <Button variant="default" onClick={() => setRows([...rows, { field: 'tags', op: 'contains', value: '' }])}>
            {t('marketing.addRule')}
          </Button>
          <Button variant="light" onClick={() => preview.mutate()} loading={preview.isPending}>{t('marketing.preview')}</Button>
          <Button onClick={() => save.mutate()} disabled={!name || rows.length === 0} loading={save.isPending}>
            {t('marketing.save')}
          </Button>
        </Group>
        {preview.data && (
          <Text data-testid="preview-count" fw={600}>
            {t('marketing.previewCount', { count: preview.data.data.count, of: preview.data.data.of })}
          </Text>
        )}
        {save.isSuccess && <Alert color="green">{t('marketing.saved')}</Alert>}
        {[preview.error, save.error].filter(Boolean).map((e, i) => <Alert key={i} color="red">{problemMessage(e)}</Alert>)}
      </Stack>
    </Card>
  );
}
