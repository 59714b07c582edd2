import { Alert, Badge, Button, Card, Group, NumberInput, Select, Stack, Switch, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ApiError, problemMessage } from '../../api/client';
import { contacts, notificationsApi, sales, serviceDesk, type NotificationRule } from '../../api/services';
import type { Pipeline } from '../../api/types';
import { useCan } from '../../auth/session';
import { useT } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { AssignmentRulesForm } from './AssignmentRulesForm';
import { SlaPolicyCard } from './SlaPolicyForm';
import CatalogueAdmin from '../quotes/CatalogueAdmin';
import { quotesEn } from '../quotes/quotesStrings';
import MacrosAdmin from '../knowledge/MacrosAdmin';

export default function AdminPage() {
  const { t } = useT();
  const isAdmin = useCan('admin');
  if (!isAdmin) return <Alert color="gray">{t('admin.only')}</Alert>;
  return (
    <Stack>
      <Title order={2}>{t('nav.admin')}</Title>
      <Tabs defaultValue="pipelines" keepMounted={false}>
        <Tabs.List>
          {['pipelines', 'assignment', 'sla', 'fields', 'rules', 'endpoints', 'deliveries'].map((k) => (
            <Tabs.Tab key={k} value={k} data-testid={`admin-tab-${k}`}>{t(`admin.tabs.${k}`)}</Tabs.Tab>
          ))}
          <Tabs.Tab value="catalogue" data-testid="admin-tab-catalogue">{t('quotes.catalogue', { defaultValue: quotesEn.catalogue })}</Tabs.Tab>
          <Tabs.Tab value="macros" data-testid="admin-tab-macros">{t('kb.macros')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="pipelines" pt="md"><Pipelines /></Tabs.Panel>
        <Tabs.Panel value="assignment" pt="md"><AssignmentRulesForm /></Tabs.Panel>
        <Tabs.Panel value="sla" pt="md"><SlaPolicies /></Tabs.Panel>
        <Tabs.Panel value="fields" pt="md"><CustomFields /></Tabs.Panel>
        <Tabs.Panel value="rules" pt="md"><Rules /></Tabs.Panel>
        <Tabs.Panel value="endpoints" pt="md"><Endpoints /></Tabs.Panel>
        <Tabs.Panel value="deliveries" pt="md"><Deliveries /></Tabs.Panel>
        <Tabs.Panel value="catalogue" pt="md"><CatalogueAdmin /></Tabs.Panel>
        <Tabs.Panel value="macros" pt="md"><MacrosAdmin /></Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function useReport() {
  const { t } = useT();
  const qc = useQueryClient();
  return (key: unknown[]) => ({
    onSuccess: () => { notifications.show({ color: 'green', message: t('common.saved') }); void qc.invalidateQueries({ queryKey: key }); },
    onError: (e: Error) => {
      notifications.show({ color: 'red', message: e instanceof ApiError && e.status === 412 ? t('conflict.reloaded') : problemMessage(e) });
      void qc.invalidateQueries({ queryKey: key });
    },
  });
}

function Pipelines() {
  const { t } = useT();
  const report = useReport();
  const q = useQuery({ queryKey: ['pipelines'], queryFn: sales.pipelines });
  const [draft, setDraft] = useState<Pipeline | null>(null);
  const save = useMutation({ mutationFn: (p: Pipeline) => sales.putPipeline(p), ...report(['pipelines']) });
  const p = draft ?? q.data?.items[0] ?? null;
  useEffect(() => setDraft(null), [q.data]);
  if (!p) return null;
  const set = (i: number, patch: Partial<Pipeline['stages'][number]>) =>
    setDraft({ ...p, stages: p.stages.map((s, j) => (j === i ? { ...s, ...patch } : s)) });
  return (
    <Card withBorder data-testid="admin-pipelines">
      <Group justify="space-between" mb="xs">
        <Title order={4}>{p.name}</Title>
        <Badge variant="light">v{p.version}</Badge>
      </Group>
      <Table>
        <Table.Thead><Table.Tr><Table.Th>{t('admin.stageId')}</Table.Th><Table.Th>{t('admin.stageName')}</Table.Th><Table.Th>{t('admin.probability')}</Table.Th><Table.Th>{t('admin.kind')}</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {p.stages.map((s, i) => (
            <Table.Tr key={s.id}>
              <Table.Td>{s.id}</Table.Td>
              <Table.Td><TextInput aria-label={t('admin.stageName')} value={s.name} onChange={(e) => set(i, { name: e.currentTarget.value })} /></Table.Td>
              <Table.Td><NumberInput aria-label={t('admin.probability')} min={0} max={100} value={s.probability} onChange={(v) => set(i, { probability: Number(v) })} w={90} /></Table.Td>
              <Table.Td>{t(`admin.stageKind.${s.kind}`)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group justify="flex-end" mt="xs">
        <Button disabled={!draft} loading={save.isPending} onClick={() => draft && save.mutate(draft)} data-testid="pipeline-save">{t('common.save')}</Button>
      </Group>
    </Card>
  );
}

function SlaPolicies() {
  const { t } = useT();
  const q = useQuery({ queryKey: ['sla-policies'], queryFn: serviceDesk.slaPolicies });
  const report = useReport();
  const create = useMutation({
    mutationFn: () => serviceDesk.createSlaPolicy({
      name: t('admin.defaultPolicy'), position: 0, active: true, calendar: { kind: '24x7', timezone: 'UTC' }, warning_share: 0.75, pause_statuses: ['pending', 'on_hold'],
      targets: [
        { priority: 'urgent', tier: null, first_response_s: 3600, resolution_s: 4 * 3600 },
        { priority: 'high', tier: null, first_response_s: 4 * 3600, resolution_s: 24 * 3600 },
        { priority: 'normal', tier: null, first_response_s: 8 * 3600, resolution_s: 72 * 3600 },
        { priority: 'low', tier: null, first_response_s: 24 * 3600, resolution_s: 120 * 3600 },
      ],
    }),
    ...report(['sla-policies']),
  });
  return (
    <Stack data-testid="admin-sla">
      {(q.data?.items ?? []).map((p) => <SlaPolicyCard key={p.id} policy={p} />)}
      {q.data && !q.data.items.length && <Button onClick={() => create.mutate()} loading={create.isPending} w="fit-content">{t('admin.createDefaultPolicy')}</Button>}
    </Stack>
  );
}

function CustomFields() {
  const { t } = useT();
  const report = useReport();
  const q = useQuery({ queryKey: ['custom-fields'], queryFn: contacts.customFields });
  const [key, setKey] = useState('');
  const [label, setLabel] = useState('');
  const [type, setType] = useState<string | null>('text');
  const put = useMutation({
    mutationFn: () => contacts.putCustomField(key.trim(), { label: label.trim(), type: (type ?? 'text') as 'text', options: [], description: null }),
    ...report(['custom-fields']),
  });
  const del = useMutation({ mutationFn: (k: string) => contacts.deleteCustomField(k), ...report(['custom-fields']) });
  return (
    <Card withBorder data-testid="admin-fields">
      <Table>
        <Table.Tbody>
          {(q.data ?? []).map((f) => (
            <Table.Tr key={f.key}><Table.Td>{f.key}</Table.Td><Table.Td>{f.label}</Table.Td><Table.Td>{f.type}</Table.Td>
              <Table.Td><Button size="compact-xs" color="red" variant="subtle" onClick={() => del.mutate(f.key)}>{t('common.delete')}</Button></Table.Td></Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group align="flex-end" mt="sm">
        <TextInput label={t('admin.fieldKey')} value={key} onChange={(e) => setKey(e.currentTarget.value)} />
        <TextInput label={t('admin.fieldLabel')} value={label} onChange={(e) => setLabel(e.currentTarget.value)} />
        <Select label={t('admin.fieldType')} value={type} onChange={setType} data={['text', 'number', 'date', 'enum']} w={120} />
        <Button disabled={!key.trim() || !label.trim()} loading={put.isPending} onClick={() => put.mutate()}>{t('common.add')}</Button>
      </Group>
    </Card>
  );
}

function Rules() {
  const { t } = useT();
  const report = useReport();
  const q = useQuery({ queryKey: ['notification-rules'], queryFn: notificationsApi.rules });
  const put = useMutation({ mutationFn: (r: NotificationRule) => notificationsApi.putRule(r), ...report(['notification-rules']) });
  return (
    <Table data-testid="admin-rules">
      <Table.Thead><Table.Tr><Table.Th>{t('admin.ruleName')}</Table.Th><Table.Th>{t('admin.event')}</Table.Th><Table.Th>{t('admin.recipients')}</Table.Th><Table.Th>{t('admin.channels')}</Table.Th><Table.Th>{t('admin.enabled')}</Table.Th></Table.Tr></Table.Thead>
      <Table.Tbody>
        {(q.data ?? []).map((r) => (
          <Table.Tr key={r.id}>
            <Table.Td>{r.name}</Table.Td>
            <Table.Td><Badge variant="light">{t(`events.${r.event_type}`, { defaultValue: r.event_type })}</Badge></Table.Td>
            <Table.Td>{r.recipients.map((x) => (x.value ? `${x.kind}:${x.value}` : x.kind)).join(', ')}</Table.Td>
            <Table.Td>{r.channels.join(', ')}</Table.Td>
            <Table.Td><Switch checked={r.enabled} aria-label={t('admin.enableRule', { name: r.name })} onChange={(e) => put.mutate({ ...r, enabled: e.currentTarget.checked })} /></Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Endpoints() {
  const { t } = useT();
  const report = useReport();
  const q = useQuery({ queryKey: ['endpoints'], queryFn: notificationsApi.endpoints });
  const [name, setName] = useState('');
  const [kind, setKind] = useState<string | null>('slack');
  const [url, setUrl] = useState('');
  const create = useMutation({ mutationFn: () => notificationsApi.createEndpoint({ name: name.trim(), kind: kind ?? 'slack', url: url.trim(), enabled: true }), ...report(['endpoints']) });
  const del = useMutation({ mutationFn: notificationsApi.deleteEndpoint, ...report(['endpoints']) });
  return (
    <Card withBorder data-testid="admin-endpoints">
      <Table>
        <Table.Tbody>
          {(q.data ?? []).map((e) => (
            <Table.Tr key={e.id}><Table.Td>{e.name}</Table.Td><Table.Td>{e.kind}</Table.Td><Table.Td>{e.url}</Table.Td>
              <Table.Td><Button size="compact-xs" color="red" variant="subtle" onClick={() => del.mutate(e)}>{t('common.delete')}</Button></Table.Td></Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {q.data && !q.data.length && <Text c="dimmed" size="sm">{t('common.none')}</Text>}
      <Group align="flex-end" mt="sm">
        <TextInput label={t('admin.endpointName')} value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <Select label={t('admin.kind')} value={kind} onChange={setKind} data={['slack', 'teams', 'mattermost', 'webhook']} w={140} />
        <TextInput label={t('admin.url')} value={url} onChange={(e) => setUrl(e.currentTarget.value)} w={320} />
        <Button disabled={!name.trim() || !url.trim()} loading={create.isPending} onClick={() => create.mutate()}>{t('common.add')}</Button>
      </Group>
    </Card>
  );
}

function Deliveries() {
  const { t, locale } = useT();
  const [status, setStatus] = useState<string | null>(null);
  const q = useQuery({ queryKey: ['deliveries', status], queryFn: () => notificationsApi.deliveries({ status, limit: 100 }) });
  return (
    <Stack data-testid="admin-deliveries">
      <Group>
        <Select label={t('admin.deliveryStatus')} clearable value={status} onChange={setStatus} data={['pending', 'sent', 'failed', 'dead', 'suppressed']} w={180} />
        <Text size="sm" c="dimmed" mt="lg">{t('admin.noRedeliver')}</Text>
      </Group>
      <Table fz="sm">
        <Table.Thead><Table.Tr><Table.Th>{t('admin.time')}</Table.Th><Table.Th>{t('admin.event')}</Table.Th><Table.Th>{t('admin.recipient')}</Table.Th><Table.Th>{t('admin.channel')}</Table.Th><Table.Th>{t('admin.deliveryStatus')}</Table.Th><Table.Th>{t('admin.error')}</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {(q.data?.items ?? []).map((d) => (
            <Table.Tr key={d.id}>
              <Table.Td>{formatDateTime((d.updated_at ?? d.created_at) as string | undefined, locale)}</Table.Td>
              <Table.Td>{String(d.event_type ?? d.event_id ?? '')}</Table.Td>
              <Table.Td>{String(d.recipient ?? '')}</Table.Td>
              <Table.Td>{d.channel}</Table.Td>
              <Table.Td><Badge variant="light" color={d.status === 'sent' ? 'green' : d.status === 'failed' || d.status === 'dead' ? 'red' : 'gray'}>{d.status}</Badge></Table.Td>
              <Table.Td>{d.error ?? ''}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {q.data && !q.data.items.length && <Text c="dimmed" size="sm">{t('common.none')}</Text>}
    </Stack>
  );
}
