// Customers in and out in bulk: upload, map the columns, check (dry run), import with
// progress; export the list. The jobs run in contacts; this page polls their state.
import { Alert, Badge, Button, Card, FileInput, Group, Progress, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { problemMessage } from '../../api/client';
import { useT } from '../../i18n';
import { progress, TARGETS, transfers, type TransferJob, type Upload } from './transfersApi';
import './transfersStrings';

export default function TransfersPage() {
  const { t } = useT();
  return (
    <Stack>
      <Title order={2}>{t('transfers.title')}</Title>
      <ImportCard />
      <ExportCard />
    </Stack>
  );
}

function useJob(id: string | null) {
  return useQuery({
    queryKey: ['transfer', id],
    queryFn: () => transfers.job(id as string),
    enabled: id !== null,
    refetchInterval: (q) => (q.state.data && ['done', 'failed'].includes(q.state.data.status) ? false : 1000),
  });
}

function ImportCard() {
  const { t } = useT();
  const [upload, setUpload] = useState<Upload | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [kind, setKind] = useState('person');
  const [jobId, setJobId] = useState<string | null>(null);
  const send = useMutation({
    mutationFn: (file: File) => transfers.upload(file),
    onSuccess: (u) => { setUpload(u); setMapping(u.mapping); setJobId(null); },
  });
  const run = useMutation({
    mutationFn: (mode: 'dry' | 'import') => (mode === 'dry' ? transfers.dryRun : transfers.start)(upload!.file_id, mapping, kind),
    onSuccess: (job) => setJobId(job.id),
  });
  const job = useJob(jobId);
  const options = [{ value: '', label: t('transfers.ignore') }, ...TARGETS.map((x) => ({ value: x, label: x }))];
  return (
    <Card withBorder>
      <Stack>
        <Title order={4}>{t('transfers.importTitle')}</Title>
        <FileInput
          label={t('transfers.pickFile')} accept=".csv,.xlsx,text/csv" data-testid="import-file"
          onChange={(f) => f && send.mutate(f)}
        />
        {(send.error || run.error) && <Alert color="red">{problemMessage(send.error ?? run.error)}</Alert>}
        {upload && (
          <>
            <Text size="sm" c="dimmed">{t('transfers.rows', { count: upload.rows })}</Text>
            <Table data-testid="import-mapping">
              <Table.Thead><Table.Tr><Table.Th>{t('transfers.column')}</Table.Th><Table.Th>{t('transfers.field')}</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {upload.headers.map((h) => (
                  <Table.Tr key={h}>
                    <Table.Td>{h}</Table.Td>
                    <Table.Td>
                      <Select
                        data={options} value={mapping[h] ?? ''} aria-label={h} searchable
                        onChange={(v) => setMapping((m) => { const next = { ...m }; if (v) next[h] = v; else delete next[h]; return next; })}
                      />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Group>
              <Select label={t('transfers.kind')} data={[{ value: 'person', label: t('transfers.person') }, { value: 'company', label: t('transfers.company') }]}
                value={kind} onChange={(v) => setKind(v ?? 'person')} />
              <Button variant="light" onClick={() => run.mutate('dry')} data-testid="import-dry-run" mt="lg">{t('transfers.dryRun')}</Button>
              <Button onClick={() => run.mutate('import')} data-testid="import-start" mt="lg">{t('transfers.import')}</Button>
            </Group>
          </>
        )}
        {job.data && <JobView job={job.data} />}
      </Stack>
    </Card>
  );
}

function JobView({ job }: { job: TransferJob }) {
  const { t } = useT();
  const counts = ['created', 'updated', 'unchanged', 'failed', 'matched'] as const;
  const label = { failed: 'bad', matched: 'matched' } as Record<string, string>;
  return (
    <Stack data-testid="transfer-job" data-status={job.status}>
      <Group>
        <Badge color={job.status === 'done' ? 'green' : job.status === 'failed' ? 'red' : 'blue'}>{t(`transfers.${job.status}`)}</Badge>
        <Text size="sm">{job.done} / {job.total ?? '…'}</Text>
      </Group>
      <Progress value={progress(job)} animated={job.status === 'running'} />
      <Group>
        {counts.filter((k) => job[k] !== undefined).map((k) => (
          <Text key={k} size="sm"><b>{job[k]}</b> {t(`transfers.${label[k] ?? k}`)}</Text>
        ))}
      </Group>
      {!!job.errors?.length && (
        <Table striped data-testid="transfer-errors">
          <Table.Thead><Table.Tr><Table.Th>{t('transfers.line')}</Table.Th><Table.Th>{t('transfers.problem')}</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {job.errors.slice(0, 100).map((e) => (
              <Table.Tr key={e.line}><Table.Td>{e.line}</Table.Td><Table.Td>{e.errors.map((x) => `${x.column ?? ''}: ${x.msg}`).join('; ')}</Table.Td></Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {!!job.matches?.length && (
        <Table striped data-testid="transfer-matches">
          <Table.Thead><Table.Tr><Table.Th>{t('transfers.line')}</Table.Th><Table.Th>{t('transfers.matches')}</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {job.matches.slice(0, 100).map((m) => (
              <Table.Tr key={m.line}><Table.Td>{m.line}</Table.Td><Table.Td>{m.candidates.map((c) => `${c.name} (${c.reasons.join(', ')})`).join('; ')}</Table.Td></Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

function ExportCard() {
  const { t } = useT();
  const [format, setFormat] = useState<'csv' | 'xlsx'>('csv');
  const [kind, setKind] = useState<string>('');
  const [jobId, setJobId] = useState<string | null>(null);
  const start = useMutation({ mutationFn: () => transfers.export(format, kind || undefined), onSuccess: (j) => setJobId(j.id) });
  const job = useJob(jobId);
  return (
    <Card withBorder>
      <Stack>
        <Title order={4}>{t('transfers.exportTitle')}</Title>
        <Group align="end">
          <Select data={['csv', 'xlsx']} value={format} onChange={(v) => setFormat((v as 'csv' | 'xlsx') ?? 'csv')} aria-label="format" w={100} />
          <Select data={[{ value: '', label: t('transfers.all') }, { value: 'person', label: t('transfers.person') }, { value: 'company', label: t('transfers.company') }]}
            value={kind} onChange={(v) => setKind(v ?? '')} aria-label={t('transfers.kind')} w={160} />
          <Button onClick={() => start.mutate()} data-testid="export-start">{t('transfers.exportAll')}</Button>
        </Group>
        {job.data && (
          <Group>
            <Badge color={job.data.status === 'done' ? 'green' : 'blue'}>{t(`transfers.${job.data.status}`)}</Badge>
            <Text size="sm">{job.data.done}</Text>
            {job.data.status === 'done' && (
              <Button component="a" href={transfers.fileUrl(job.data.id)} variant="light" data-testid="export-download">{t('transfers.download')}</Button>
            )}
          </Group>
        )}
      </Stack>
    </Card>
  );
}
