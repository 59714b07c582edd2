// Lead scoring: the point rules, the threshold and the behaviour half-life (GET/PUT /scoring).
// PUT /scoring takes no If-Match, so before saving the panel re-reads the version it edited:
// a newer one is someone else's change, shown instead of overwritten.
import { ActionIcon, Alert, Badge, Button, Card, Code, Group, NumberInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { problemMessage } from '../../api/client';
import { useT } from '../../i18n';
import { marketing } from './api';
import { editRow, fromRows, LEAD_FIELDS, ruleId, SCORE_OPS, toRows, type RuleRow } from './scoring';

export function ScoringPanel() {
  const { t } = useT();
  const qc = useQueryClient();
  // No background refetch: a newer version must not replace edits in progress (see save()).
  const current = useQuery({ queryKey: ['marketing', 'scoring'], queryFn: marketing.scoring, staleTime: Infinity, refetchOnWindowFocus: false });
  const [rows, setRows] = useState<RuleRow[]>([]);
  const [threshold, setThreshold] = useState(50);
  const [halfLife, setHalfLife] = useState<number | null>(30);
  const [base, setBase] = useState<number | null>(null);
  const [state, setState] = useState<'idle' | 'saving' | 'saved' | 'changed'>('idle');
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!current.data || base === current.data.version) return;
    setRows(toRows(current.data.rules));
    setThreshold(current.data.threshold);
    setHalfLife(current.data.half_life_days);
    setBase(current.data.version);
  }, [current.data, base]);

  const set = (i: number, patch: Partial<RuleRow>) => setRows(editRow(rows, i, patch));
  const add = () => {
    const id = ruleId('source', 'web_form', new Set(rows.map((r) => r.id)));
    setRows([...rows, { id, field: 'source', op: 'eq', value: 'web_form', points: 10, fresh: true }]);
    setState('idle');
  };

  async function save() {
    setState('saving');
    setError(null);
    try {
      const latest = await marketing.scoring();
      if (latest.version !== base) {
        setState('changed');
        return;
      }
      const saved = await marketing.saveScoring({ rules: fromRows(rows), threshold, half_life_days: halfLife });
      setRows(toRows(saved.data.rules)); // saved: their ids are fixed from now on
      setBase(saved.data.version);
      qc.setQueryData(['marketing', 'scoring'], saved.data);
      setState('saved');
    } catch (e) {
      setError(e);
      setState('idle');
    }
  }

  async function reload() {
    setBase(null);
    setState('idle');
    await qc.invalidateQueries({ queryKey: ['marketing', 'scoring'] });
  }

  const fields = LEAD_FIELDS.map((f) => ({ value: f, label: t(`marketing.field_${f}`) }));
  const ops = SCORE_OPS.map((o) => ({ value: o, label: t(`marketing.op_${o}`) }));
  return (
    <Card withBorder data-testid="scoring">
      <Stack>
        <Group justify="space-between">
          <Title order={4}>{t('marketing.scoring')}</Title>
          {base !== null && <Badge variant="light" color="gray">{t('marketing.version', { version: base })}</Badge>}
        </Group>
        <Text size="sm" c="dimmed">{t('marketing.scoringIntro')}</Text>
        {current.error && <Alert color="red">{problemMessage(current.error)}</Alert>}
        <Group grow>
          <NumberInput label={t('marketing.threshold')} min={1} max={100} value={threshold}
            onChange={(v) => setThreshold(typeof v === 'number' ? v : Number(v) || 1)} />
          <NumberInput label={t('marketing.halfLife')} min={0.5} step={1} decimalScale={1} value={halfLife ?? ''}
            onChange={(v) => setHalfLife(v === '' ? null : Number(v))} />
        </Group>
        {rows.length === 0 && current.data && <Text c="dimmed">{t('marketing.noRules')}</Text>}
        {rows.length > 0 && (
          <Table data-testid="score-rules" verticalSpacing="xs">
            <Table.Thead><Table.Tr>
              <Table.Th>{t('marketing.ruleId')}</Table.Th><Table.Th>{t('marketing.field')}</Table.Th>
              <Table.Th>{t('marketing.op')}</Table.Th><Table.Th>{t('marketing.value')}</Table.Th>
              <Table.Th>{t('marketing.points')}</Table.Th><Table.Th />
            </Table.Tr></Table.Thead>
            <Table.Tbody>
              {rows.map((r, i) => (
                <Table.Tr key={i}>
                  <Table.Td><Text size="sm" ff="monospace">{r.id}</Text></Table.Td>
                  {r.kept ? (
                    <Table.Td colSpan={3}>
                      <Text size="xs" c="dimmed">{t('marketing.advanced')}</Text>
                      <Code>{JSON.stringify(r.kept)}</Code>
                    </Table.Td>
                  ) : (
                    <>
                      <Table.Td><Select aria-label={t('marketing.field')} data={fields} value={r.field} w={200}
                        onChange={(v) => set(i, { field: v ?? r.field })} /></Table.Td>
                      <Table.Td><Select aria-label={t('marketing.op')} data={ops} value={r.op} w={140}
                        onChange={(v) => set(i, { op: v ?? r.op })} /></Table.Td>
                      <Table.Td><TextInput aria-label={t('marketing.value')} value={r.value} disabled={r.op.endsWith('exists')}
                        onChange={(e) => set(i, { value: e.currentTarget.value })} /></Table.Td>
                    </>
                  )}
                  <Table.Td><NumberInput aria-label={t('marketing.points')} min={-100} max={100} w={90} value={r.points}
                    onChange={(v) => set(i, { points: typeof v === 'number' ? v : Number(v) || 0 })} /></Table.Td>
                  <Table.Td>
                    <ActionIcon variant="subtle" aria-label={t('marketing.remove')} onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                      <IconTrash size={16} />
                    </ActionIcon>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Group>
          <Button variant="default" onClick={add}>{t('marketing.addScoreRule')}</Button>
          <Button onClick={() => void save()} loading={state === 'saving'} disabled={base === null}>{t('marketing.saveScoring')}</Button>
        </Group>
        {state === 'saved' && <Alert color="green">{t('marketing.scoringSaved')}</Alert>}
        {state === 'changed' && (
          <Alert color="orange" data-testid="scoring-conflict">
            <Stack gap="xs">
              <Text size="sm">{t('marketing.scoringChanged')}</Text>
              <Group><Button size="xs" variant="light" onClick={() => void reload()}>{t('marketing.reload')}</Button></Group>
            </Stack>
          </Alert>
        )}
        {error !== null && <Alert color="red">{problemMessage(error)}</Alert>}
      </Stack>
    </Card>
  );
}
