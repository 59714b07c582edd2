// Bulk assign / tag: one PATCH per customer, each with the version shown (If-Match).
// A record someone else changed meanwhile is skipped and reported, never overwritten.
import { Button, Group, Paper, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError } from '../../api/client';
import { contacts } from '../../api/services';
import type { Customer } from '../../api/types';
import { mayChangeCustomerField, useMe } from '../../auth/session';
import { useT } from '../../i18n';

export function BulkBar({ ids, rows, onDone }: { ids: string[]; rows: Customer[]; onDone: () => void }) {
  const { t } = useT();
  const qc = useQueryClient();
  const [owner, setOwner] = useState('');
  const [tag, setTag] = useState('');
  const [busy, setBusy] = useState(false);
  const me = useMe();

  async function run(change: (c: Customer) => Partial<Customer>) {
    setBusy(true);
    const byId = new Map(rows.map((r) => [r.id, r]));
    let ok = 0;
    let stale = 0;
    let failed = 0;
    const queue = [...ids];
    async function worker() {
      for (let id = queue.shift(); id; id = queue.shift()) {
        const c = byId.get(id);
        if (!c) continue;
        try {
          await contacts.patch(id, change(c), c.version);
          ok += 1;
        } catch (e) {
          if (e instanceof ApiError && e.status === 412) stale += 1;
          else failed += 1;
        }
      }
    }
    await Promise.all([worker(), worker(), worker(), worker()]);
    setBusy(false);
    notifications.show({
      color: stale || failed ? 'orange' : 'green',
      title: t('bulk.done'),
      message: t('bulk.result', { ok, stale, failed }),
    });
    await qc.invalidateQueries({ queryKey: ['customers'] });
    onDone();
  }

  return (
    <Paper withBorder p="xs" data-testid="bulk-bar">
      <Group gap="xs" align="flex-end">
        <Text size="sm" fw={600}>{t('bulk.selected', { count: ids.length })}</Text>
        {mayChangeCustomerField(me, 'owner_id') && (<>
        <TextInput size="xs" label={t('bulk.owner')} value={owner} onChange={(e) => setOwner(e.currentTarget.value)} data-testid="bulk-owner" />
        <Button size="xs" disabled={!owner.trim()} loading={busy} onClick={() => void run(() => ({ owner_id: owner.trim() }))} data-testid="bulk-assign">
          {t('bulk.assign')}
        </Button>
        </>)}
        <TextInput size="xs" label={t('bulk.tag')} value={tag} onChange={(e) => setTag(e.currentTarget.value)} data-testid="bulk-tag-input" />
        <Button size="xs" disabled={!tag.trim()} loading={busy}
          onClick={() => void run((c) => ({ tags: c.tags.includes(tag.trim()) ? c.tags : [...c.tags, tag.trim()] }))} data-testid="bulk-tag">
          {t('bulk.addTag')}
        </Button>
      </Group>
    </Paper>
  );
}
