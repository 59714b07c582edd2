import { Alert, Button, Card, Group, Select, SimpleGrid, Stack, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { problemMessage, type Versioned } from '../../api/client';
import { contacts } from '../../api/services';
import type { Customer } from '../../api/types';
import { mayChangeCustomerField, useCan, useMe } from '../../auth/session';
import { ConflictView } from '../../conflict/ConflictView';
import { displayValue, type Values } from '../../conflict/diff';
import { useConflictSafeWrite } from '../../conflict/useConflictSafeWrite';
import { useT } from '../../i18n';

const TEXT_FIELDS = ['display_name', 'region', 'industry', 'owner_id', 'tier', 'segment'] as const;
const LIST_FIELDS = ['emails', 'phones', 'tags'] as const;
export const EDITABLE = [...TEXT_FIELDS, ...LIST_FIELDS, 'lifecycle_stage'];
const LIFECYCLE = ['subscriber', 'lead', 'opportunity', 'customer', 'churned'];

function pick(c: Customer): Values {
  const out: Values = {};
  for (const f of EDITABLE) out[f] = (c as unknown as Values)[f] ?? null;
  return out;
}

export function ProfileCard({ record }: { record: Versioned<Customer> }) {
  const { t } = useT();
  const qc = useQueryClient();
  const me = useMe();
  const canEdit = useCan('customer');
  const may = (f: string) => mayChangeCustomerField(me, f);
  const c = record.data;
  const [editing, setEditing] = useState<{ base: Values; etag: string | number; draft: Values } | null>(null);

  const write = useConflictSafeWrite<Customer & Values>({
    send: (changes, ifMatch) => contacts.patch(c.id, changes as Partial<Customer>, ifMatch) as Promise<Versioned<Customer & Values>>,
    load: () => contacts.get(c.id) as Promise<Versioned<Customer & Values>>,
    fields: EDITABLE,
    onSaved: (result) => {
      setEditing(null);
      // The server's answer to our own write is the record now: show it while the rest refetches.
      if (result.data) qc.setQueryData(['customer', c.id, 'record'], result);
      notifications.show({ color: 'green', message: t('profile.saved') });
      void qc.invalidateQueries({ queryKey: ['customer', c.id] });
    },
    onDiscard: () => {
      setEditing(null);
      void qc.invalidateQueries({ queryKey: ['customer', c.id] });
    },
  });

  const label = (f: string) => t(`fields.${f}`);

  function startEdit() {
    setEditing({ base: pick(c), etag: record.etag ?? c.version, draft: pick(c) });
  }
  function set(field: string, value: unknown) {
    if (editing) setEditing({ ...editing, draft: { ...editing.draft, [field]: value } });
  }
  function normalised(draft: Values): Values {
    const out: Values = { ...draft };
    for (const f of TEXT_FIELDS) if (typeof out[f] === 'string' && !(out[f] as string).trim()) out[f] = null;
    return out;
  }

  return (
    <Card withBorder data-testid="profile-card">
      <Group justify="space-between" mb="sm">
        <Title order={3}>{t('profile.title')}</Title>
        {canEdit && !editing && (
          <Button size="xs" variant="light" onClick={startEdit} data-testid="profile-edit">{t('common.edit')}</Button>
        )}
      </Group>
      {!editing ? (
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
          {EDITABLE.map((f) => (
            <div key={f}>
              <Text size="xs" c="dimmed">{label(f)}</Text>
              <Text size="sm" data-testid={`field-${f === 'phones' ? 'phone' : f === 'emails' ? 'email' : f}`}>
                {f === 'lifecycle_stage' && c.lifecycle_stage ? t(`lifecycle.${c.lifecycle_stage}`) : displayValue((c as unknown as Values)[f])}
              </Text>
            </div>
          ))}
        </SimpleGrid>
      ) : (
        <form onSubmit={(e) => { e.preventDefault(); void write.save(editing.base, normalised(editing.draft), editing.etag).then((done) => done && setEditing(null)); }}>
          <Stack gap="xs">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
              {TEXT_FIELDS.filter(may).map((f) => (
                <TextInput key={f} label={label(f)} value={(editing.draft[f] as string | null) ?? ''}
                  onChange={(e) => set(f, e.currentTarget.value)} data-testid={`input-${f}`} />
              ))}
              {LIST_FIELDS.filter(may).map((f) => (
                <TagsInput key={f} label={label(f)} value={(editing.draft[f] as string[]) ?? []} onChange={(v) => set(f, v)}
                  data-testid={`input-${f}`} />
              ))}
              {may('lifecycle_stage') && <Select label={label('lifecycle_stage')} value={(editing.draft.lifecycle_stage as string | null) ?? null}
                onChange={(v) => set('lifecycle_stage', v)} data={LIFECYCLE.map((k) => ({ value: k, label: t(`lifecycle.${k}`) }))}
                data-testid="input-lifecycle_stage" />}
            </SimpleGrid>
            {write.error ? <Alert color="red">{problemMessage(write.error)}</Alert> : null}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setEditing(null)}>{t('common.cancel')}</Button>
              <Button type="submit" loading={write.saving} data-testid="profile-save">{t('common.save')}</Button>
            </Group>
          </Stack>
        </form>
      )}
      <ConflictView write={write} label={label} />
    </Card>
  );
}
