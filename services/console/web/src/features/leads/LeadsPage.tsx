import { Alert, Anchor, Badge, Button, Checkbox, FileButton, Group, Menu, Modal, Select, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ApiError, problemMessage } from '../../api/client';
import { allPages, contacts, sales, type LeadConversion } from '../../api/services';
import type { Lead, LeadImportResult } from '../../api/types';
import { useCan } from '../../auth/session';
import { useT } from '../../i18n';
import { formatRelative } from '../../lib/format';
import { customerName, leadName } from '../../lib/names';
import './ownerInactiveStrings';

const STATUSES = ['new', 'assigned', 'working', 'converted', 'disqualified'];

export default function LeadsPage() {
  const { t, locale } = useT();
  const qc = useQueryClient();
  const canWrite = useCan('lead');
  const [params] = useSearchParams();
  const focus = params.get('focus');
  const [status, setStatus] = useState<string | null>(null);
  const [dialog, setDialog] = useState<{ kind: 'assign' | 'disqualify'; lead: Lead } | null>(null);
  const [value, setValue] = useState('');
  const [imported, setImported] = useState<LeadImportResult | null>(null);
  const [converted, setConverted] = useState<{ lead: Lead; result: LeadConversion } | null>(null);
  const [ownerInactive, setOwnerInactive] = useState(false);
  const leads = useQuery({
    queryKey: ['leads', status, ownerInactive],
    queryFn: () => allPages(sales.leads, { status, owner_inactive: ownerInactive ? true : null }),
  });

  const done = (msg: string) => {
    notifications.show({ color: 'green', message: msg });
    setDialog(null);
    setValue('');
    void qc.invalidateQueries({ queryKey: ['leads'] });
  };
  const onError = (e: Error) => {
    notifications.show({ color: e instanceof ApiError && e.status === 412 ? 'orange' : 'red', message: e instanceof ApiError && e.status === 412 ? t('conflict.reloaded') : problemMessage(e) });
    void qc.invalidateQueries({ queryKey: ['leads'] });
  };
  const assign = useMutation({ mutationFn: (l: Lead) => sales.assignLead(l.id, { owner_id: value.trim() }, l.version), onSuccess: () => done(t('leads.assigned')), onError });
  const disqualify = useMutation({ mutationFn: (l: Lead) => sales.disqualifyLead(l.id, value.trim(), l.version), onSuccess: () => done(t('leads.disqualified')), onError });
  const convert = useMutation({
    mutationFn: (l: Lead) => sales.convertLead(l.id, l.version),
    onSuccess: (r, l) => {
      done(t('leads.converted'));
      setConverted({ lead: l, result: r.data });
      void qc.invalidateQueries({ queryKey: ['deals'] });
    },
    onError,
  });
  const upload = useMutation({
    mutationFn: (f: File) => sales.importLeads(f),
    onSuccess: (r) => { setImported(r.data); void qc.invalidateQueries({ queryKey: ['leads'] }); },
  });

  const rows = leads.data?.items ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('nav.leads')}</Title>
        {canWrite && (
          <FileButton onChange={(f) => f && upload.mutate(f)} accept=".csv,text/csv">
            {(props) => <Button {...props} loading={upload.isPending} data-testid="lead-import">{t('leads.import')}</Button>}
          </FileButton>
        )}
      </Group>
      <Group align="flex-end">
        <Select label={t('leads.status')} clearable value={status} onChange={setStatus} w={200}
          data={STATUSES.map((s) => ({ value: s, label: t(`leadStatus.${s}`) }))} data-testid="filter-lead-status" />
        <Checkbox label={t('ownerInactive.filter')} checked={ownerInactive} mb={8}
          onChange={(e) => setOwnerInactive(e.currentTarget.checked)} data-testid="filter-owner-inactive" />
      </Group>
      {upload.error ? <Alert color="red">{problemMessage(upload.error)}</Alert> : null}
      {imported && (
        <Alert color={imported.failed ? 'orange' : 'green'} withCloseButton onClose={() => setImported(null)} data-testid="import-result"
          title={t('leads.importResult', { imported: imported.imported, existing: imported.already_imported, failed: imported.failed })}>
          {imported.errors.length > 0 && (
            <Table fz="sm" data-testid="import-errors">
              <Table.Thead><Table.Tr><Table.Th>{t('leads.row')}</Table.Th><Table.Th>{t('leads.errors')}</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {imported.errors.map((e) => (
                  <Table.Tr key={e.row} data-testid="import-error-row">
                    <Table.Td>{e.row}</Table.Td>
                    <Table.Td>{e.errors.map((x) => `${x.loc.join('.') || '—'}: ${x.msg}`).join('; ')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Alert>
      )}
      {converted && <ConversionResult lead={converted.lead} result={converted.result} onClose={() => setConverted(null)} />}
      {leads.error ? <Alert color="red">{problemMessage(leads.error)}</Alert> : null}
      <Table striped highlightOnHover data-testid="lead-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('leads.name')}</Table.Th>
            <Table.Th>{t('leads.company')}</Table.Th>
            <Table.Th>{t('leads.source')}</Table.Th>
            <Table.Th>{t('leads.score')}</Table.Th>
            <Table.Th>{t('leads.status')}</Table.Th>
            <Table.Th>{t('leads.owner')}</Table.Th>
            <Table.Th>{t('leads.created')}</Table.Th>
            {canWrite && <Table.Th>{t('common.actions')}</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((l) => {
            const open = !['converted', 'disqualified'].includes(l.status);
            return (
              <Table.Tr key={l.id} data-testid="lead-row" data-id={l.id} bg={focus === l.id ? 'var(--mantine-color-yellow-0)' : undefined}>
                <Table.Td>{leadName(l)}<Text size="xs" c="dimmed">{l.email}</Text></Table.Td>
                <Table.Td>{l.company_name ?? '—'}</Table.Td>
                <Table.Td>{t(`leadSource.${l.source}`, { defaultValue: l.source })}</Table.Td>
                <Table.Td>{l.score}</Table.Td>
                <Table.Td><Badge variant="light">{t(`leadStatus.${l.status}`, { defaultValue: l.status })}</Badge></Table.Td>
                <Table.Td>
                  {l.owner_id ?? '—'}
                  {l.owner_inactive && (
                    <Tooltip label={t('ownerInactive.hint')} multiline w={260}>
                      <Badge ml={6} color="orange" variant="light" data-testid="owner-inactive">{t('ownerInactive.badge')}</Badge>
                    </Tooltip>
                  )}
                </Table.Td>
                <Table.Td>{formatRelative(l.created_at, locale)}</Table.Td>
                {canWrite && (
                  <Table.Td>
                    {open && (
                      <Menu>
                        <Menu.Target><Button size="compact-xs" variant="light" data-testid="lead-actions">{t('common.actions')}</Button></Menu.Target>
                        <Menu.Dropdown>
                          <Menu.Item onClick={() => { setValue(l.owner_id ?? ''); setDialog({ kind: 'assign', lead: l }); }} data-testid="lead-assign">{t('leads.assign')}</Menu.Item>
                          <Menu.Item onClick={() => convert.mutate(l)} data-testid="lead-convert">{t('leads.convert')}</Menu.Item>
                          <Menu.Item color="red" onClick={() => { setValue(''); setDialog({ kind: 'disqualify', lead: l }); }} data-testid="lead-disqualify">{t('leads.disqualify')}</Menu.Item>
                        </Menu.Dropdown>
                      </Menu>
                    )}
                  </Table.Td>
                )}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {leads.data && !rows.length && <Text c="dimmed">{t('common.none')}</Text>}
      <Modal opened={dialog !== null} onClose={() => setDialog(null)} centered
        title={dialog?.kind === 'assign' ? t('leads.assign') : t('leads.disqualify')}>
        {dialog && (
          <form onSubmit={(e) => { e.preventDefault(); (dialog.kind === 'assign' ? assign : disqualify).mutate(dialog.lead); }}>
            <TextInput label={dialog.kind === 'assign' ? t('leads.owner') : t('leads.reason')} value={value} autoFocus required
              onChange={(e) => setValue(e.currentTarget.value)} data-testid="lead-dialog-input" />
            <Group justify="flex-end" mt="md">
              <Button variant="default" onClick={() => setDialog(null)}>{t('common.cancel')}</Button>
              <Button type="submit" disabled={!value.trim()} loading={assign.isPending || disqualify.isPending} data-testid="lead-dialog-confirm">
                {t('common.save')}
              </Button>
            </Group>
          </form>
        )}
      </Modal>
    </Stack>
  );
}

/** What a conversion made: the customer, the company it linked (existing) or created, the deal. */
function ConversionResult({ lead, result, onClose }: { lead: Lead; result: LeadConversion; onClose: () => void }) {
  const { t } = useT();
  const company = result.company;
  const companyRecord = useQuery({
    queryKey: ['customer', company?.id, 'name'],
    queryFn: async () => (await contacts.get(company?.id ?? '')).data,
    enabled: Boolean(company?.id),
    retry: false,
  });
  const companyLabel = companyRecord.data ? customerName(companyRecord.data) : (lead.company_name ?? t('kind.company'));
  return (
    <Alert color="green" withCloseButton onClose={onClose} data-testid="convert-result" data-company-linked={company?.linked ?? 'none'}
      title={t('leads.convertedTitle', { name: leadName(lead) })}>
      <Stack gap={4}>
        {result.customer_id && (
          <Text size="sm">{t('leads.convertedCustomer')}{' '}
            <Anchor component={Link} to={`/customers/${result.customer_id}`} data-testid="convert-customer-link">{leadName(lead)}</Anchor>
          </Text>
        )}
        <Text size="sm">
          {company ? (
            <>
              {t(company.linked === 'created' ? 'leads.companyCreated' : 'leads.companyLinked')}{' '}
              <Anchor component={Link} to={`/customers/${company.id}`} data-testid="convert-company-link">{companyLabel}</Anchor>
            </>
          ) : t('leads.noCompany')}
        </Text>
        {result.deal && (
          <Text size="sm">{t('leads.convertedDeal')}{' '}
            <Anchor component={Link} to={`/pipeline?pipeline=${encodeURIComponent(result.deal.pipeline_id)}`} data-testid="convert-deal-link">{result.deal.name}</Anchor>
          </Text>
        )}
      </Stack>
    </Alert>
  );
}
