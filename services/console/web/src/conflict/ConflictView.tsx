import { Alert, Badge, Button, Group, Modal, Table, Text } from '@mantine/core';
import { problemMessage } from '../api/client';
import { useT } from '../i18n';
import { displayValue } from './diff';
import type { ConflictSafeWrite } from './useConflictSafeWrite';

const COLORS = { conflict: 'red', mine: 'blue', same: 'gray', theirs: 'orange' } as const;

/** Their current values vs mine, field by field; the user chooses. */
export function ConflictView({ write, label, format }: {
  write: ConflictSafeWrite;
  label?: (field: string) => string;
  /** Values in words (lists of rules, targets...); default: displayValue. */
  format?: (field: string, value: unknown) => string;
}) {
  const show = (field: string, v: unknown) => (format ? format(field, v) : displayValue(v));
  const { t } = useT();
  const c = write.conflict;
  return (
    <Modal opened={c !== null} onClose={write.discardMine} title={t('conflict.title')} size="xl" centered>
      {c && (
        <div data-testid="conflict-view">
          <Text mb="sm">{t('conflict.explain')}</Text>
          <Table striped withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('conflict.field')}</Table.Th>
                <Table.Th>{t('conflict.theirs')}</Table.Th>
                <Table.Th>{t('conflict.mine')}</Table.Th>
                <Table.Th>{t('conflict.state')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {c.diffs.map((d) => (
                <Table.Tr key={d.field} data-testid={`conflict-field-${d.field}`} data-state={d.state}>
                  <Table.Td fw={600}>{label ? label(d.field) : d.field}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'pre-line', wordBreak: 'break-word' }}>{show(d.field, d.theirs)}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'pre-line', wordBreak: 'break-word' }}>{d.state === 'theirs' ? <Text c="dimmed" span>{t('conflict.untouched')}</Text> : show(d.field, d.mine)}</Table.Td>
                  <Table.Td>
                    <Badge color={COLORS[d.state]} variant="light">{t(`conflict.states.${d.state}`)}</Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {write.error ? <Alert color="red" mt="sm">{problemMessage(write.error)}</Alert> : null}
          <Group justify="flex-end" mt="md">
            <Button variant="default" onClick={write.discardMine} data-testid="conflict-discard">
              {t('conflict.discard')}
            </Button>
            <Button color="red" loading={write.saving} onClick={() => void write.applyMine()} data-testid="conflict-apply-mine">
              {t('conflict.applyMine')}
            </Button>
          </Group>
        </div>
      )}
    </Modal>
  );
}
