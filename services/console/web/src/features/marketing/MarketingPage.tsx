// Marketing: live segments (builder with a preview count), e-mail campaigns (now or at a time),
// lead scoring, web forms, a customer's consent history.
import { Alert, Badge, Button, Card, Group, Select, Stack, Table, Tabs, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { problemMessage } from '../../api/client';
import { useT } from '../../i18n';
import { marketing } from './api';
import './marketingStrings';
import { FormsPanel } from './FormsPanel';
import { sendAtIso } from './scoring';
import { ScoringPanel } from './ScoringPanel';
import { SegmentBuilder } from './SegmentBuilder';

function Segments() {
  const { t } = useT();
  const list = useQuery({ queryKey: ['marketing', 'segments'], queryFn: marketing.segments });
  const [shown, setShown] = useState<string | null>(null);
  const members = useQuery({ queryKey: ['marketing', 'members', shown], queryFn: () => marketing.members(shown!), enabled: !!shown });
  return (
    <Stack>
      <SegmentBuilder />
      {list.error && <Alert color="red">{problemMessage(list.error)}</Alert>}
      {list.data?.items.length === 0 && <Text c="dimmed">{t('marketing.noSegments')}</Text>}
      <Table data-testid="segments">
        <Table.Tbody>
          {list.data?.items.map((s) => (
            <Table.Tr key={s.id}>
              <Table.Td>{s.name}</Table.Td>
              <Table.Td><Badge variant="light">{t('marketing.live')}</Badge></Table.Td>
              <Table.Td>
                <Button size="xs" variant="subtle" onClick={() => setShown(s.id)}>{t('marketing.members')}</Button>
                {shown === s.id && members.data && <Text span size="sm"> {members.data.count}</Text>}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function Campaigns() {
  const { t, locale } = useT();
  const qc = useQueryClient();
  const segments = useQuery({ queryKey: ['marketing', 'segments'], queryFn: marketing.segments });
  const list = useQuery({ queryKey: ['marketing', 'campaigns'], queryFn: marketing.campaigns, refetchInterval: 3000 });
  const [form, setForm] = useState({ name: '', segment_id: '', purpose: 'newsletter', subject: '', text: '' });
  const create = useMutation({
    mutationFn: () => marketing.createCampaign(form),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['marketing', 'campaigns'] }),
  });
  const send = useMutation({
    mutationFn: (id: string) => marketing.sendNow(id),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['marketing', 'campaigns'] }),
  });
  const [at, setAt] = useState<Record<string, string>>({});
  const schedule = useMutation({
    mutationFn: ({ id, iso }: { id: string; iso: string }) => marketing.schedule(id, iso),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['marketing', 'campaigns'] }),
  });
  const field = (key: keyof typeof form) => ({
    value: form[key], onChange: (e: { currentTarget: { value: string } }) => setForm({ ...form, [key]: e.currentTarget.value }),
  });
  return (
    <Stack>
      <Card withBorder>
        <Stack>
          <Title order={4}>{t('marketing.newCampaign')}</Title>
          <Group grow>
            <TextInput label={t('marketing.name')} {...field('name')} />
            <Select label={t('marketing.segment')} value={form.segment_id || null}
              data={(segments.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))}
              onChange={(v) => setForm({ ...form, segment_id: v ?? '' })} />
            <TextInput label={t('marketing.purpose')} {...field('purpose')} />
          </Group>
          <TextInput label={t('marketing.subject')} {...field('subject')} />
          <Textarea label={t('marketing.body')} autosize minRows={3} {...field('text')} />
          <Text size="sm" c="dimmed">{t('marketing.honoured')}</Text>
          <Group><Button onClick={() => create.mutate()} loading={create.isPending}
            disabled={!form.name || !form.segment_id || !form.subject || !form.text}>{t('marketing.create')}</Button></Group>
          {[create.error, send.error, schedule.error].filter(Boolean).map((e, i) => <Alert key={i} color="red">{problemMessage(e)}</Alert>)}
        </Stack>
      </Card>
      {list.data?.items.length === 0 && <Text c="dimmed">{t('marketing.noCampaigns')}</Text>}
      <Table data-testid="campaigns">
        <Table.Thead><Table.Tr>
          <Table.Th>{t('marketing.name')}</Table.Th><Table.Th>{t('marketing.status')}</Table.Th><Table.Th>{t('marketing.outcomes')}</Table.Th><Table.Th />
        </Table.Tr></Table.Thead>
        <Table.Tbody>
          {list.data?.items.map((c) => (
            <Table.Tr key={c.id}>
              <Table.Td>{c.name}</Table.Td>
              <Table.Td><Badge>{t(`marketing.status_${c.status}`, { defaultValue: c.status })}</Badge></Table.Td>
              <Table.Td>{Object.entries(c.outcomes ?? {}).map(([k, v]) => `${k}: ${v}`).join(', ')}</Table.Td>
              <Table.Td>
                {c.status === 'draft' && (
                  <Group gap="xs" wrap="nowrap" align="start">
                    <Button size="xs" onClick={() => send.mutate(c.id)}>{t('marketing.sendNow')}</Button>
                    <TextInput size="xs" type="datetime-local" aria-label={t('marketing.sendAt')} value={at[c.id] ?? ''}
                      onChange={(e) => setAt({ ...at, [c.id]: e.currentTarget.value })}
                      error={at[c.id] && !sendAtIso(at[c.id]) ? t('marketing.sendAtFuture') : undefined} />
                    <Button size="xs" variant="light" disabled={!sendAtIso(at[c.id] ?? '')}
                      onClick={() => schedule.mutate({ id: c.id, iso: sendAtIso(at[c.id])! })}>{t('marketing.schedule')}</Button>
                  </Group>
                )}
                {c.status === 'scheduled' && c.send_at && (
                  <Text size="sm">{t('marketing.scheduledFor', { when: new Date(c.send_at).toLocaleString(locale) })}</Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function Consent() {
  const { t, locale } = useT();
  const [params] = useSearchParams();
  const [input, setInput] = useState(params.get('customer') ?? '');
  const [customer, setCustomer] = useState(params.get('customer') ?? '');
  const ledger = useQuery({ queryKey: ['marketing', 'consent', customer], queryFn: () => marketing.consents(customer), enabled: !!customer });
  return (
    <Stack>
      <Group align="end">
        <TextInput label={t('marketing.customerId')} value={input} onChange={(e) => setInput(e.currentTarget.value)} />
        <Button onClick={() => setCustomer(input.trim())}>{t('marketing.show')}</Button>
      </Group>
      {ledger.error && <Alert color="red">{problemMessage(ledger.error)}</Alert>}
      {ledger.data?.current.objected && <Alert color="orange">{t('marketing.objected')}</Alert>}
      {ledger.data && ledger.data.entries.length === 0 && <Text c="dimmed">{t('marketing.noEntries')}</Text>}
      {ledger.data && ledger.data.entries.length > 0 && (
        <Table data-testid="consent-ledger">
          <Table.Thead><Table.Tr>
            <Table.Th>{t('marketing.when')}</Table.Th><Table.Th>{t('marketing.action')}</Table.Th>
            <Table.Th>{t('marketing.purpose')}</Table.Th><Table.Th>{t('marketing.channel')}</Table.Th>
            <Table.Th>{t('marketing.basis')}</Table.Th><Table.Th>{t('marketing.source')}</Table.Th>
          </Table.Tr></Table.Thead>
          <Table.Tbody>
            {ledger.data.entries.slice().reverse().map((e) => (
              <Table.Tr key={e.id}>
                <Table.Td>{new Date(e.at).toLocaleString(locale)}</Table.Td>
                <Table.Td><Badge color={e.action === 'granted' ? 'green' : 'red'}>{t(`marketing.action_${e.action}`, { defaultValue: e.action })}</Badge></Table.Td>
                <Table.Td>{e.purpose}</Table.Td><Table.Td>{e.channel}</Table.Td>
                <Table.Td>{e.legal_basis}</Table.Td><Table.Td>{e.source}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

export default function MarketingPage() {
  const { t } = useT();
  const [params] = useSearchParams();
  return (
    <Stack>
      <Title order={2}>{t('marketing.title')}</Title>
      <Tabs defaultValue={params.get('customer') ? 'consent' : 'segments'} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="segments">{t('marketing.segments')}</Tabs.Tab>
          <Tabs.Tab value="campaigns">{t('marketing.campaigns')}</Tabs.Tab>
          <Tabs.Tab value="scoring">{t('marketing.scoring')}</Tabs.Tab>
          <Tabs.Tab value="forms">{t('marketing.forms')}</Tabs.Tab>
          <Tabs.Tab value="consent">{t('marketing.consent')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="segments" pt="md"><Segments /></Tabs.Panel>
        <Tabs.Panel value="campaigns" pt="md"><Campaigns /></Tabs.Panel>
        <Tabs.Panel value="scoring" pt="md"><ScoringPanel /></Tabs.Panel>
        <Tabs.Panel value="forms" pt="md"><FormsPanel /></Tabs.Panel>
        <Tabs.Panel value="consent" pt="md"><Consent /></Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
