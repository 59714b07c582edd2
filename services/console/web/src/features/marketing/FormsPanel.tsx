// Web forms: create one (name, consent purpose and text, lead source) and copy its embed
// snippet. Marketing's API has no list of forms or submission counts yet, so the forms
// created here are listed for this session only.
import { Alert, Badge, Button, Card, Code, CopyButton, Group, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { problemMessage } from '../../api/client';
import { useT } from '../../i18n';
import { marketing, type FormIn, type WebForm } from './api';

function Snippet({ form }: { form: WebForm }) {
  const { t } = useT();
  return (
    <Stack gap="xs" data-testid="form-embed">
      <Group justify="space-between">
        <Text fw={600}>{t('marketing.embed')}: {form.name}</Text>
        <CopyButton value={form.embed}>
          {({ copied, copy }) => (
            <Button size="xs" variant={copied ? 'filled' : 'light'} color={copied ? 'teal' : undefined} onClick={copy}>
              {copied ? t('marketing.copied') : t('marketing.copy')}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>{form.embed}</Code>
    </Stack>
  );
}

export function FormsPanel() {
  const { t } = useT();
  const [draft, setDraft] = useState<FormIn>({ name: '', purpose: 'marketing', consent_text: '', source: 'web_form' });
  const qc = useQueryClient();
  // Kept in the query cache (not fetched) so switching tabs does not lose them.
  const created = useQuery({ queryKey: ['marketing', 'forms-created'], queryFn: () => [] as WebForm[], staleTime: Infinity, gcTime: Infinity }).data ?? [];
  const [shown, setShown] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => marketing.createForm(draft),
    onSuccess: (res) => {
      qc.setQueryData<WebForm[]>(['marketing', 'forms-created'], (old) => [res.data, ...(old ?? [])]);
      setShown(res.data.id);
      setDraft({ ...draft, name: '' });
    },
  });
  const field = (key: keyof FormIn) => ({
    value: draft[key], onChange: (e: { currentTarget: { value: string } }) => setDraft({ ...draft, [key]: e.currentTarget.value }),
  });
  const form = created.find((f) => f.id === shown);
  return (
    <Stack>
      <Card withBorder data-testid="form-builder">
        <Stack>
          <Title order={4}>{t('marketing.newForm')}</Title>
          <Text size="sm" c="dimmed">{t('marketing.formsIntro')}</Text>
          <Group grow>
            <TextInput label={t('marketing.name')} {...field('name')} />
            <TextInput label={t('marketing.purpose')} {...field('purpose')} />
            <TextInput label={t('marketing.leadSource')} {...field('source')} />
          </Group>
          <Textarea label={t('marketing.consentText')} autosize minRows={2} maxLength={500} {...field('consent_text')} />
          <Text size="sm" c="dimmed">{t('marketing.formFields')}</Text>
          <Group>
            <Button onClick={() => create.mutate()} loading={create.isPending} disabled={!draft.name.trim() || !draft.consent_text.trim()}>
              {t('marketing.createForm')}
            </Button>
          </Group>
          {create.error && <Alert color="red">{problemMessage(create.error)}</Alert>}
        </Stack>
      </Card>
      {created.length === 0 ? <Text c="dimmed">{t('marketing.noForms')}</Text> : (
        <Card withBorder>
          <Stack>
            <Title order={5}>{t('marketing.createdForms')}</Title>
            <Table data-testid="forms">
              <Table.Thead><Table.Tr>
                <Table.Th>{t('marketing.name')}</Table.Th><Table.Th>{t('marketing.formId')}</Table.Th>
                <Table.Th>{t('marketing.purpose')}</Table.Th><Table.Th />
              </Table.Tr></Table.Thead>
              <Table.Tbody>
                {created.map((f) => (
                  <Table.Tr key={f.id}>
                    <Table.Td>{f.name}</Table.Td>
                    <Table.Td><Text size="sm" ff="monospace">{f.id}</Text></Table.Td>
                    <Table.Td><Badge variant="light">{f.purpose}</Badge></Table.Td>
                    <Table.Td>
                      <Button size="xs" variant="subtle" onClick={() => setShown(f.id)}>{t('marketing.embed')}</Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {form && <Snippet form={form} />}
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
