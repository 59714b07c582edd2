import { Alert, Badge, Button, Card, Code, Group, Select, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, problemMessage } from '../../api/client';
import { useMe } from '../../auth/session';
import { useT } from '../../i18n';
import { PRIORITIES, STATUSES } from '../tickets/TicketsPage';
import { macrosApi, type Macro, type MacroIn } from './api';
import './knowledgeStrings';

const EMPTY: MacroIn = { name: '', body: '', scope: 'team', team: null, actions: {} };

/** Admin → Macros (also /admin/macros for team leads and agents): the macros you may use,
 * and a form to create or change one. Who may change which is the service's rule. */
export default function MacrosAdmin() {
  const { t } = useT();
  const me = useMe();
  const qc = useQueryClient();
  const macros = useQuery({ queryKey: ['macros'], queryFn: macrosApi.list });
  const [editing, setEditing] = useState<Macro | null>(null);
  const [form, setForm] = useState<MacroIn>({ ...EMPTY, team: me.teams[0] ?? null });
  const done = (message: string) => {
    notifications.show({ color: 'green', message });
    setEditing(null);
    setForm({ ...EMPTY, team: me.teams[0] ?? null });
    void qc.invalidateQueries({ queryKey: ['macros'] });
  };
  const onError = (e: Error) => {
    notifications.show({ color: 'red', message: e instanceof ApiError && e.status === 412 ? t('conflict.reloaded') : problemMessage(e) });
    void qc.invalidateQueries({ queryKey: ['macros'] });
  };
  const body = (): MacroIn => ({ ...form, team: form.scope === 'team' ? form.team : null });
  const save = useMutation({
    mutationFn: () => (editing ? macrosApi.replace(editing.id, body(), editing.version) : macrosApi.create(body())),
    onSuccess: () => done(t('common.saved')), onError,
  });
  const remove = useMutation({ mutationFn: (m: Macro) => macrosApi.remove(m.id, m.version), onSuccess: () => done(t('kb.deleted')), onError });
  const edit = (m: Macro) => {
    setEditing(m);
    setForm({ name: m.name, body: m.body, scope: m.scope, team: m.team, actions: { ...m.actions } });
  };
  const scopeLabel = (s: string) => t(`kb.scope${s[0]!.toUpperCase()}${s.slice(1)}`);

  return (
    <Stack data-testid="macros-admin">
      <Title order={3}>{t('kb.macros')}</Title>
      {macros.error && <Alert color="red">{problemMessage(macros.error)}</Alert>}
      <Table data-testid="macros-table">
        <Table.Thead>
          <Table.Tr><Table.Th>{t('kb.name')}</Table.Th><Table.Th>{t('kb.scope')}</Table.Th><Table.Th>{t('kb.body')}</Table.Th><Table.Th /></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(macros.data?.items ?? []).map((m) => (
            <Table.Tr key={m.id} data-testid={`macro-row-${m.name}`}>
              <Table.Td>{m.name}</Table.Td>
              <Table.Td><Badge variant="light" tt="none">{m.scope === 'team' && m.team ? m.team : scopeLabel(m.scope)}</Badge></Table.Td>
              <Table.Td><Text size="sm" lineClamp={2}>{m.body}</Text></Table.Td>
              <Table.Td>
                <Group gap={4} wrap="nowrap">
                  <Button size="xs" variant="light" onClick={() => edit(m)}>{t('common.edit')}</Button>
                  <Button size="xs" variant="subtle" color="red" onClick={() => remove.mutate(m)}>{t('kb.delete')}</Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Card withBorder>
        <Title order={5} mb="xs">{editing ? t('kb.editMacro') : t('kb.newMacro')}</Title>
        <Stack gap="xs">
          <Group grow align="flex-start">
            <TextInput label={t('kb.name')} value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} data-testid="macro-name" />
            <Select label={t('kb.scope')} value={form.scope} allowDeselect={false} data-testid="macro-scope"
              onChange={(v) => setForm({ ...form, scope: (v ?? 'team') as MacroIn['scope'] })}
              data={['team', 'personal', 'global'].map((s) => ({ value: s, label: scopeLabel(s) }))} />
            {form.scope === 'team' && (
              <TextInput label={t('kb.team')} value={form.team ?? ''} onChange={(e) => setForm({ ...form, team: e.currentTarget.value || null })}
                data-testid="macro-team" />
            )}
          </Group>
          <Textarea label={t('kb.body')} value={form.body} onChange={(e) => setForm({ ...form, body: e.currentTarget.value })} autosize minRows={4}
            data-testid="macro-body" />
          <Text size="xs" c="dimmed">
            {t('kb.placeholders', { list: '' })}{(macros.data?.placeholders ?? []).map((p) => <Code key={p} mr={4}>{p}</Code>)}
          </Text>
          <Group grow>
            <Select label={t('kb.setStatus')} clearable value={form.actions.status ?? null} data-testid="macro-status"
              onChange={(v) => setForm({ ...form, actions: { ...form.actions, status: v } })}
              data={STATUSES.filter((s) => s !== 'new').map((s) => ({ value: s, label: t(`ticketStatus.${s}`) }))} />
            <Select label={t('kb.setPriority')} clearable value={form.actions.priority ?? null}
              onChange={(v) => setForm({ ...form, actions: { ...form.actions, priority: v } })}
              data={PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))} />
          </Group>
          {save.error && <Alert color="red" data-testid="macro-error">{problemMessage(save.error)}</Alert>}
          <Group justify="flex-end">
            {editing && <Button variant="default" onClick={() => { setEditing(null); setForm({ ...EMPTY, team: me.teams[0] ?? null }); }}>{t('common.cancel')}</Button>}
            <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!form.name.trim() || !form.body.trim()} data-testid="macro-save">
              {t('common.save')}
            </Button>
          </Group>
        </Stack>
      </Card>
    </Stack>
  );
}
