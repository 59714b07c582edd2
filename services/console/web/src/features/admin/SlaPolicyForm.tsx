// Service-desk SLA policies: shown as tables, each editable in place (PUT
// /sla-policies/{id} with If-Match; open tickets keep the SLA they started with).
// A 412 opens the conflict view like every other form.
import { ActionIcon, Alert, Badge, Button, Card, Group, MultiSelect, NumberInput, Select, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { problemMessage } from '../../api/client';
import { serviceDesk, type SlaPolicy } from '../../api/services';
import { ConflictView } from '../../conflict/ConflictView';
import { useConflictSafeWrite } from '../../conflict/useConflictSafeWrite';
import { useT } from '../../i18n';
import { describeTargets, hours, seconds, SLA_FIELDS, slaDoc, type SlaDoc } from './forms';

const PRIORITIES = ['urgent', 'high', 'normal', 'low'];

export function SlaPolicyCard({ policy }: { policy: SlaPolicy }) {
  const { t } = useT();
  const [editing, setEditing] = useState(false);
  return (
    <Card withBorder data-testid="sla-policy" data-id={policy.id}>
      <Group justify="space-between" mb="xs">
        <Group gap="xs">
          <Title order={5}>{policy.name}</Title>
          <Badge variant="light" color={policy.active ? 'green' : 'gray'}>{policy.active ? t('admin.active') : t('admin.inactive')}</Badge>
          <Badge variant="outline" color="gray">v{policy.version}</Badge>
        </Group>
        {!editing && <Button size="xs" variant="light" onClick={() => setEditing(true)} data-testid="sla-edit">{t('common.edit')}</Button>}
      </Group>
      {editing ? <SlaPolicyForm policy={policy} onDone={() => setEditing(false)} /> : <SlaSummary policy={policy} />}
    </Card>
  );
}

function SlaSummary({ policy: p }: { policy: SlaPolicy }) {
  const { t } = useT();
  return (
    <>
      <Text size="xs" c="dimmed" mb={4}>
        {t(`admin.slaForm.calendarKind.${p.calendar.kind}`, { defaultValue: p.calendar.kind })} · {p.calendar.timezone}
        {' · '}{t('admin.slaForm.position')} {p.position}
        {p.pause_statuses.length ? ` · ${t('admin.slaForm.pauses')}: ${p.pause_statuses.map((s) => t(`ticketStatus.${s}`, { defaultValue: s })).join(', ')}` : ''}
      </Text>
      <Table fz="sm">
        <Table.Thead><Table.Tr><Table.Th>{t('tickets.priority')}</Table.Th><Table.Th>{t('sla.clock.first_response')}</Table.Th><Table.Th>{t('sla.clock.resolution')}</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {p.targets.map((x, i) => (
            <Table.Tr key={i}>
              <Table.Td>{t(`priority.${x.priority}`)}{x.tier ? ` (${x.tier})` : ''}</Table.Td>
              <Table.Td>{t('admin.slaForm.hours', { n: hours(x.first_response_s) })}</Table.Td>
              <Table.Td>{t('admin.slaForm.hours', { n: hours(x.resolution_s) })}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
}

function slaValue(field: string, v: unknown, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (field === 'targets') return describeTargets(v, t);
  if (field === 'calendar' && v && typeof v === 'object') {
    const c = v as SlaDoc['calendar'];
    return `${t(`admin.slaForm.calendarKind.${c.kind}`, { defaultValue: c.kind })} · ${c.timezone}`;
  }
  if (field === 'warning_share') return typeof v === 'number' ? `${Math.round(v * 100)} %` : '—';
  if (field === 'pause_statuses' && Array.isArray(v)) return v.map((s) => t(`ticketStatus.${String(s)}`, { defaultValue: String(s) })).join(', ') || '—';
  if (field === 'active') return v ? t('admin.active') : t('admin.inactive');
  return v === null || v === undefined || v === '' ? '—' : String(v);
}

function SlaPolicyForm({ policy, onDone }: { policy: SlaPolicy; onDone: () => void }) {
  const { t } = useT();
  const qc = useQueryClient();
  const base = useRef<SlaDoc>(slaDoc(policy));
  const [form, setForm] = useState<SlaDoc>(() => slaDoc(policy));
  const write = useConflictSafeWrite<Omit<SlaPolicy, never>>({
    send: (changes, ifMatch) => serviceDesk.putSlaPolicy(policy.id, { ...base.current, ...changes } as SlaDoc, ifMatch),
    load: () => serviceDesk.slaPolicy(policy.id),
    fields: [...SLA_FIELDS],
    onSaved: () => {
      notifications.show({ color: 'green', message: t('common.saved') });
      void qc.invalidateQueries({ queryKey: ['sla-policies'] });
      onDone();
    },
    onDiscard: () => { void qc.invalidateQueries({ queryKey: ['sla-policies'] }); onDone(); },
  });
  const setTarget = (i: number, patch: Partial<SlaDoc['targets'][number]>) =>
    setForm({ ...form, targets: form.targets.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
  const theirs = write.conflict?.theirs as SlaPolicy | undefined;
  return (
    <Stack gap="sm" data-testid="sla-form">
      <Group align="flex-end">
        <TextInput label={t('admin.slaForm.name')} value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} w={260} data-testid="sla-name" />
        <NumberInput label={t('admin.slaForm.position')} description={t('admin.slaForm.positionHint')} min={0} value={form.position}
          onChange={(v) => setForm({ ...form, position: Number(v) || 0 })} w={140} data-testid="sla-position" />
        <Switch label={t('admin.active')} checked={form.active} onChange={(e) => setForm({ ...form, active: e.currentTarget.checked })} mb={8} data-testid="sla-active" />
      </Group>
      <Group align="flex-end">
        <Select label={t('admin.slaForm.calendar')} value={form.calendar.kind} allowDeselect={false} w={200}
          data={['24x7', 'business_hours'].map((k) => ({ value: k, label: t(`admin.slaForm.calendarKind.${k}`) }))}
          onChange={(v) => v && setForm({ ...form, calendar: { ...form.calendar, kind: v } })} data-testid="sla-calendar" />
        <TextInput label={t('admin.slaForm.timezone')} value={form.calendar.timezone} w={200}
          onChange={(e) => setForm({ ...form, calendar: { ...form.calendar, timezone: e.currentTarget.value } })} data-testid="sla-timezone" />
        <NumberInput label={t('admin.slaForm.warning')} description={t('admin.slaForm.warningHint')} min={1} max={99} suffix=" %" w={180}
          value={form.warning_share === null ? '' : Math.round(form.warning_share * 100)}
          onChange={(v) => setForm({ ...form, warning_share: v === '' ? null : Math.min(0.99, Math.max(0.01, Number(v) / 100)) })} data-testid="sla-warning" />
        <MultiSelect label={t('admin.slaForm.pauses')} value={form.pause_statuses} w={260}
          data={['pending', 'on_hold'].map((s) => ({ value: s, label: t(`ticketStatus.${s}`) }))}
          onChange={(v) => setForm({ ...form, pause_statuses: v })} data-testid="sla-pauses" />
      </Group>
      <Table fz="sm" data-testid="sla-targets">
        <Table.Thead>
          <Table.Tr><Table.Th>{t('tickets.priority')}</Table.Th><Table.Th>{t('admin.slaForm.tier')}</Table.Th>
            <Table.Th>{t('admin.slaForm.firstResponseH')}</Table.Th><Table.Th>{t('admin.slaForm.resolutionH')}</Table.Th><Table.Th /></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {form.targets.map((x, i) => (
            <Table.Tr key={i} data-testid="sla-target">
              <Table.Td><Select aria-label={t('tickets.priority')} value={x.priority} allowDeselect={false} w={130}
                data={PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))} onChange={(v) => v && setTarget(i, { priority: v })} /></Table.Td>
              <Table.Td><TextInput aria-label={t('admin.slaForm.tier')} placeholder={t('admin.slaForm.anyTier')} value={x.tier ?? ''} w={130}
                onChange={(e) => setTarget(i, { tier: e.currentTarget.value.trim() ? e.currentTarget.value : null })} /></Table.Td>
              <Table.Td><NumberInput aria-label={t('admin.slaForm.firstResponseH')} min={0.01} decimalScale={2} value={hours(x.first_response_s)} w={120}
                onChange={(v) => setTarget(i, { first_response_s: seconds(Number(v) || 0) })} data-testid="sla-first-response" /></Table.Td>
              <Table.Td><NumberInput aria-label={t('admin.slaForm.resolutionH')} min={0.01} decimalScale={2} value={hours(x.resolution_s)} w={120}
                onChange={(v) => setTarget(i, { resolution_s: seconds(Number(v) || 0) })} data-testid="sla-resolution" /></Table.Td>
              <Table.Td><ActionIcon variant="subtle" color="red" disabled={form.targets.length <= 1} aria-label={t('admin.slaForm.removeTarget')}
                onClick={() => setForm({ ...form, targets: form.targets.filter((_, j) => j !== i) })}><IconTrash size={16} /></ActionIcon></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Button variant="subtle" size="xs" w="fit-content" leftSection={<IconPlus size={14} />}
        onClick={() => setForm({ ...form, targets: [...form.targets, { priority: 'normal', tier: null, first_response_s: 8 * 3600, resolution_s: 72 * 3600 }] })}>
        {t('admin.slaForm.addTarget')}
      </Button>
      {write.error && !write.conflict ? <Alert color="red">{problemMessage(write.error)}</Alert> : null}
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>{t('common.cancel')}</Button>
        <Button loading={write.saving} disabled={!form.name.trim() || !form.targets.length} data-testid="sla-save"
          onClick={() => void write.save(base.current, form, policy.version)}>{t('common.save')}</Button>
      </Group>
      <ConflictView write={{ ...write, applyMine: () => { if (theirs) base.current = slaDoc(theirs); return write.applyMine(); } }}
        label={(f) => t(`admin.slaForm.field.${f}`, { defaultValue: f })}
        format={(f, v) => slaValue(f, v, t)} />
    </Stack>
  );
}
