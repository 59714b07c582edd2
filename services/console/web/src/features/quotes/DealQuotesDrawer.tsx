// The deal's quotes (status and totals), a new draft, sending it (If-Match on the quote's
// version) and its PDF. The customer's signed link travels only in the e-mail sales sends.
import { Alert, Anchor, Badge, Button, Drawer, Group, Modal, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, problemMessage } from '../../api/client';
import type { Deal } from '../../api/types';
import { useCan } from '../../auth/session';
import { useT } from '../../i18n';
import { formatDate, formatMoney } from '../../lib/format';
import { quotesApi, type Quote, type QuoteStatus } from './api';
import { quoteMoney } from './lines';
import { NewQuoteForm } from './NewQuoteForm';
import './quotesStrings';

const COLORS: Record<QuoteStatus, string> = { draft: 'gray', sent: 'blue', accepted: 'green', declined: 'red', expired: 'orange' };

export function DealQuotesDrawer({ deal, onClose }: { deal: Deal | null; onClose: () => void }) {
  const { t } = useT();
  return (
    <Drawer opened={deal !== null} onClose={onClose} position="right" size="xl" title={deal ? `${t('quotes.title')} · ${deal.name}` : ''}
      data-testid="deal-quotes">
      {deal && <DealQuotes deal={deal} />}
    </Drawer>
  );
}

function DealQuotes({ deal }: { deal: Deal }) {
  const { t, locale } = useT();
  const qc = useQueryClient();
  const canWrite = useCan('deal');
  const key = ['quotes', deal.id];
  const quotes = useQuery({ queryKey: key, queryFn: () => quotesApi.list(deal.id) });
  const [sending, setSending] = useState<Quote | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: key });
  const money = (v: string, q: Quote) => quoteMoney(v, q.currency, locale);
  return (
    <Stack>
      <Text size="sm" c="dimmed">{deal.customer?.display_name ?? ''} · {formatMoney(deal.amount, deal.currency, locale)}</Text>
      {quotes.error ? <Alert color="red">{problemMessage(quotes.error)}</Alert> : null}
      {quotes.data && !quotes.data.items.length && <Text size="sm" c="dimmed">{t('quotes.none')}</Text>}
      {!!quotes.data?.items.length && (
        <Table data-testid="quotes-table">
          <Table.Thead><Table.Tr>
            <Table.Th>{t('quotes.number')}</Table.Th><Table.Th>{t('quotes.status')}</Table.Th>
            <Table.Th ta="right">{t('quotes.subtotal')}</Table.Th><Table.Th ta="right">{t('quotes.tax')}</Table.Th>
            <Table.Th ta="right">{t('quotes.total')}</Table.Th><Table.Th>{t('quotes.validUntil')}</Table.Th><Table.Th />
          </Table.Tr></Table.Thead>
          <Table.Tbody>
            {quotes.data.items.map((q) => (
              <Table.Tr key={q.id} data-testid={`quote-row-${q.id}`}>
                <Table.Td>{q.display_number}</Table.Td>
                <Table.Td>
                  <Badge color={COLORS[q.status]} variant="light" data-testid="quote-status">{t(`quotes.status_${q.status}`)}</Badge>
                  {q.sent_to && <Text size="xs" c="dimmed">{t('quotes.sentTo')}: {q.sent_to}</Text>}
                </Table.Td>
                <Table.Td ta="right">{money(q.subtotal, q)}</Table.Td>
                <Table.Td ta="right">{money(q.tax_total, q)}</Table.Td>
                <Table.Td ta="right" fw={600} data-testid="quote-total">{money(q.total, q)}</Table.Td>
                <Table.Td>{formatDate(q.valid_until, locale)}</Table.Td>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    <Anchor href={quotesApi.pdfUrl(q.id)} target="_blank" rel="noopener" size="sm" data-testid="quote-pdf">{t('quotes.pdf')}</Anchor>
                    {canWrite && q.status === 'draft' && (
                      <Button size="xs" onClick={() => setSending(q)} data-testid="quote-send">{t('quotes.send')}</Button>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {quotes.data?.items.some((q) => q.status === 'sent') && <Text size="xs" c="dimmed">{t('quotes.linkNote')}</Text>}
      {canWrite && <NewQuoteForm deal={deal} onCreated={refresh} />}
      <SendDialog quote={sending} onClose={() => setSending(null)} onDone={refresh} />
    </Stack>
  );
}

function SendDialog({ quote, onClose, onDone }: { quote: Quote | null; onClose: () => void; onDone: () => void }) {
  const { t } = useT();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);

  async function send() {
    if (!quote) return;
    setBusy(true);
    try {
      // If-Match on the version the rep looked at: a quote edited meanwhile is not sent blind.
      const { data } = await quotesApi.send(quote.id, { email: email.trim(), name: name.trim() || null }, quote.version);
      notifications.show({ color: 'green', message: t('quotes.sent', { number: data.display_number }) });
      setEmail('');
      setName('');
      onClose();
    } catch (e) {
      const stale = e instanceof ApiError && e.status === 412;
      notifications.show({ color: stale ? 'orange' : 'red', message: stale ? t('quotes.stale') : problemMessage(e) });
      if (stale) onClose();
    } finally {
      setBusy(false);
      onDone();
    }
  }

  return (
    <Modal opened={quote !== null} onClose={onClose} centered title={quote ? t('quotes.sendTitle', { number: quote.display_number }) : ''}>
      <form onSubmit={(e) => { e.preventDefault(); void send(); }} data-testid="send-dialog">
        <Stack gap="xs">
          <TextInput type="email" label={t('quotes.email')} required value={email} autoFocus
            onChange={(e) => setEmail(e.currentTarget.value)} data-testid="send-email" />
          <TextInput label={t('quotes.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="send-name" />
          <Text size="xs" c="dimmed">{t('quotes.linkNote')}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="submit" loading={busy} disabled={!email.trim()} data-testid="send-confirm">{t('quotes.send')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
