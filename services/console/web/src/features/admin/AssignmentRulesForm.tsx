// Sales' assignment rules as a form: an ordered list (first match wins) of conditions
// (regions / industries / sources; empty = any) → an owner, or a team with round-robin
// members; plus the fallback. Saved as one document with If-Match; 412 → conflict view.
import { ActionIcon, Alert, Autocomplete, Badge, Button, Card, Group, SegmentedControl, Stack, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconPlus, IconTrash } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { problemMessage } from '../../api/client';
import { consoleApi, sales } from '../../api/services';
import { ConflictView } from '../../conflict/ConflictView';
import { useConflictSafeWrite } from '../../conflict/useConflictSafeWrite';
import { useT } from '../../i18n';
import { describeRules, emptyRule, formToRuleSet, move, ruleProblems, ruleSetToForm, type RuleForm, type RuleSetDoc, type RuleSetForm } from './forms';

const FIELDS = ['rules', 'fallback_owner_id', 'fallback_team'];

export function AssignmentRulesForm() {
  const { t } = useT();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['assignment-rules'], queryFn: sales.assignmentRules });
  // the demo directory in development (people to pick); free text otherwise
  const users = useQuery({ queryKey: ['auth-config'], queryFn: consoleApi.authConfig, retry: false, staleTime: Infinity });
  const people = (users.data?.users ?? []).map((u) => u.sub);
  const [form, setForm] = useState<RuleSetForm | null>(null);
  const base = useRef<RuleSetDoc | null>(null);
  useEffect(() => {
    if (!q.data) return;
    const { version: _, ...doc } = q.data.data;
    base.current = doc;
    setForm(ruleSetToForm(doc));
  }, [q.data]);

  const write = useConflictSafeWrite<RuleSetDoc & { version: number }>({
    // the PUT replaces the document: the changed fields on top of the version they were based on
    send: (changes, ifMatch) => sales.putAssignmentRules({ ...(base.current as RuleSetDoc), ...changes } as RuleSetDoc, ifMatch),
    load: sales.assignmentRules,
    fields: FIELDS,
    onSaved: () => {
      notifications.show({ color: 'green', message: t('common.saved') });
      void qc.invalidateQueries({ queryKey: ['assignment-rules'] });
    },
    onDiscard: () => void qc.invalidateQueries({ queryKey: ['assignment-rules'] }),
  });

  if (!q.data || !form) return q.error ? <Alert color="red">{problemMessage(q.error)}</Alert> : null;
  const etag = q.data.etag ?? q.data.data.version;
  const problems = ruleProblems(form);
  const setRule = (i: number, patch: Partial<RuleForm>) => setForm({ ...form, rules: form.rules.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  const conflictBase = write.conflict?.theirs as RuleSetDoc | undefined;

  return (
    <Card withBorder data-testid="admin-assignment">
      <Group justify="space-between" mb="xs">
        <Text size="sm" c="dimmed">{t('admin.assignmentHint')}</Text>
        <Badge variant="light">v{q.data.data.version}</Badge>
      </Group>
      <Stack gap="sm" data-testid="assignment-rules">
        {form.rules.map((r, i) => (
          <Card key={r.id} withBorder padding="sm" data-testid="assignment-rule" data-id={r.id} bg="var(--mantine-color-gray-0)">
            <Group justify="space-between" mb="xs" wrap="nowrap">
              <Group gap="xs" wrap="nowrap">
                <Badge variant="filled" circle>{i + 1}</Badge>
                <TextInput aria-label={t('admin.rulesForm.name')} placeholder={t('admin.rulesForm.name')} value={r.name} w={280}
                  onChange={(e) => setRule(i, { name: e.currentTarget.value })} data-testid="rule-name" />
                <Text size="xs" c="dimmed">{r.id}</Text>
              </Group>
              <Group gap={4} wrap="nowrap">
                <ActionIcon variant="subtle" aria-label={t('admin.rulesForm.up', { n: i + 1 })} disabled={i === 0}
                  onClick={() => setForm({ ...form, rules: move(form.rules, i, -1) })} data-testid="rule-up"><IconArrowUp size={16} /></ActionIcon>
                <ActionIcon variant="subtle" aria-label={t('admin.rulesForm.down', { n: i + 1 })} disabled={i === form.rules.length - 1}
                  onClick={() => setForm({ ...form, rules: move(form.rules, i, 1) })} data-testid="rule-down"><IconArrowDown size={16} /></ActionIcon>
                <ActionIcon variant="subtle" color="red" aria-label={t('admin.rulesForm.remove', { n: i + 1 })}
                  onClick={() => setForm({ ...form, rules: form.rules.filter((_, j) => j !== i) })} data-testid="rule-remove"><IconTrash size={16} /></ActionIcon>
              </Group>
            </Group>
            <Text size="xs" fw={600} mb={4}>{t('admin.rulesForm.when')}</Text>
            <Group grow align="flex-start">
              <TagsInput label={t('admin.rulesForm.regions')} placeholder={t('admin.rulesForm.any')} value={r.regions} onChange={(v) => setRule(i, { regions: v })} data-testid="rule-regions" />
              <TagsInput label={t('admin.rulesForm.industries')} placeholder={t('admin.rulesForm.any')} value={r.industries} onChange={(v) => setRule(i, { industries: v })} data-testid="rule-industries" />
              <TagsInput label={t('admin.rulesForm.sources')} placeholder={t('admin.rulesForm.any')} value={r.sources} onChange={(v) => setRule(i, { sources: v })} data-testid="rule-sources" />
            </Group>
            <Text size="xs" fw={600} mt="sm" mb={4}>{t('admin.rulesForm.then')}</Text>
            <Group align="flex-end">
              <SegmentedControl value={r.target} onChange={(v) => setRule(i, { target: v as RuleForm['target'] })} data-testid="rule-target"
                aria-label={t('admin.rulesForm.assignTo')}
                data={[{ value: 'owner', label: t('admin.rulesForm.owner') }, { value: 'team', label: t('admin.rulesForm.team') }]} />
              {r.target === 'owner' ? (
                <Autocomplete label={t('admin.rulesForm.owner')} data={people} value={r.owner_id} onChange={(v) => setRule(i, { owner_id: v })} w={220} data-testid="rule-owner" />
              ) : (
                <>
                  <TextInput label={t('admin.rulesForm.team')} value={r.team} onChange={(e) => setRule(i, { team: e.currentTarget.value })} w={180} data-testid="rule-team" />
                  <TagsInput label={t('admin.rulesForm.members')} data={people} value={r.members} onChange={(v) => setRule(i, { members: v })} miw={280} data-testid="rule-members" />
                </>
              )}
            </Group>
            {problems[i] && <Text size="xs" c="red" mt={4}>{t(problems[i])}</Text>}
          </Card>
        ))}
        {!form.rules.length && <Text size="sm" c="dimmed">{t('admin.rulesForm.none')}</Text>}
        <Button variant="light" leftSection={<IconPlus size={16} />} w="fit-content" data-testid="rule-add"
          onClick={() => setForm({ ...form, rules: [...form.rules, emptyRule(form.rules.map((r) => r.id))] })}>{t('admin.rulesForm.add')}</Button>
        <Title order={5} mt="sm">{t('admin.rulesForm.fallback')}</Title>
        <Group>
          <Autocomplete label={t('admin.rulesForm.owner')} data={people} value={form.fallback_owner_id} onChange={(v) => setForm({ ...form, fallback_owner_id: v })} w={220} data-testid="fallback-owner" />
          <TextInput label={t('admin.rulesForm.team')} value={form.fallback_team} onChange={(e) => setForm({ ...form, fallback_team: e.currentTarget.value })} w={180} data-testid="fallback-team" />
        </Group>
      </Stack>
      {write.error && !write.conflict ? <Alert color="red" mt="sm">{problemMessage(write.error)}</Alert> : null}
      <Group justify="flex-end" mt="sm">
        <Button variant="default" onClick={() => base.current && setForm(ruleSetToForm(base.current))}>{t('common.cancel')}</Button>
        <Button loading={write.saving} disabled={Object.keys(problems).length > 0} data-testid="assignment-save"
          onClick={() => base.current && void write.save(base.current, formToRuleSet(form), etag)}>{t('common.save')}</Button>
      </Group>
      <ConflictView write={{ ...write, applyMine: () => { if (conflictBase) base.current = conflictBase; return write.applyMine(); } }}
        label={(f) => t(`admin.rulesForm.field.${f}`, { defaultValue: f })}
        format={(f, v) => (f === 'rules' ? describeRules(v, t) : v === null || v === undefined || v === '' ? '—' : String(v))} />
    </Card>
  );
}
