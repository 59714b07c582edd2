// A draft quote: products from the catalogue, each priced from the price book (the deal's
// currency; the service prices again on create, this is the preview), quantity, discount, tax.
import { ActionIcon, Alert, Button, Card, Group, NumberInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { problemMessage } from '../../api/client';
import type { Deal } from '../../api/types';
import { useT } from '../../i18n';
import { catalogueApi, quotesApi } from './api';
import { empty, inDays, toLineInputs, type Line } from './lines';
import './quotesStrings';

export function NewQuoteForm({ deal, onCreated }: { deal: Deal; onCreated: () => void }) {
  const { t } = useT();
  const products = useQuery({ queryKey: ['catalogue', 'products'], queryFn: catalogueApi.products });
  const [lines, setLines] = useState<Line[]>([empty()]);
  const [validUntil, setValidUntil] = useState(inDays(30));
  const [busy, setBusy] = useState(false);
  const options = (products.data?.items ?? []).filter((p) => p.active).map((p) => ({ value: p.id, label: `${p.sku} · ${p.name}` }));
  const set = (i: number, patch: Partial<Line>) => setLines((ls) => ls.map((l, j) => (j === i ? { ...l, ...patch } : l)));

  async function pick(i: number, productId: string | null) {
    set(i, { product_id: productId ?? '', unit_price: '', book_price: null });
    if (!productId) return;
    try {
      const found = await catalogueApi.price(productId, deal.currency);
      set(i, { unit_price: found.unit_price ?? '', book_price: found.unit_price });
    } catch {
      set(i, { unit_price: '', book_price: null }); // no price: the rep types one
    }
  }

  async function create() {
    setBusy(true);
    try {
      const { data } = await quotesApi.create(deal.id, { valid_until: validUntil, lines: toLineInputs(lines) });
      notifications.show({ color: 'green', message: t('quotes.created', { number: data.display_number }) });
      setLines([empty()]);
      onCreated();
    } catch (e) {
      notifications.show({ color: 'red', message: problemMessage(e) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card withBorder data-testid="new-quote">
      <Title order={5} mb="xs">{t('quotes.newQuote')}</Title>
      {products.data && !options.length && <Alert color="gray" mb="xs">{t('quotes.noProducts')}</Alert>}
      <Stack gap="xs">
        {lines.map((l, i) => (
          <Group key={i} align="flex-end" gap="xs" wrap="nowrap" data-testid={`quote-line-${i}`}>
            <Select label={t('quotes.product')} data={options} value={l.product_id || null} searchable w={220}
              onChange={(v) => void pick(i, v)} data-testid="line-product" />
            <NumberInput label={t('quotes.quantity')} min={0} decimalScale={3} value={l.quantity} w={90}
              onChange={(v) => set(i, { quantity: Number(v) || 0 })} data-testid="line-quantity" />
            <TextInput label={`${t('quotes.unitPrice')} (${deal.currency})`} value={l.unit_price} w={130}
              placeholder={l.product_id && l.book_price === null ? t('quotes.noPrice') : undefined}
              onChange={(e) => set(i, { unit_price: e.currentTarget.value })} data-testid="line-price" />
            <NumberInput label={t('quotes.discount')} min={0} max={100} value={l.discount_pct} w={90}
              onChange={(v) => set(i, { discount_pct: Number(v) || 0 })} data-testid="line-discount" />
            <NumberInput label={t('quotes.taxRate')} min={0} max={100} value={l.tax_rate} w={80}
              onChange={(v) => set(i, { tax_rate: Number(v) || 0 })} data-testid="line-tax" />
            <ActionIcon variant="subtle" color="red" mb={4} aria-label={t('quotes.removeLine')} disabled={lines.length === 1}
              onClick={() => setLines((ls) => ls.filter((_, j) => j !== i))}>×</ActionIcon>
          </Group>
        ))}
        <Text size="xs" c="dimmed">{t('quotes.unitPriceHint')}</Text>
        <Group justify="space-between" align="flex-end">
          <Group align="flex-end" gap="xs">
            <Button variant="default" size="xs" onClick={() => setLines((ls) => [...ls, empty()])}>{t('quotes.addLine')}</Button>
            <TextInput type="date" label={t('quotes.validUntil')} value={validUntil} required
              onChange={(e) => setValidUntil(e.currentTarget.value)} data-testid="quote-valid-until" />
          </Group>
          <Button onClick={() => void create()} loading={busy} disabled={!toLineInputs(lines).length || !validUntil}
            data-testid="quote-create">{t('quotes.create')}</Button>
        </Group>
      </Stack>
    </Card>
  );
}
