// Admin → Catalogue: products and price books (sales admins write; the service checks).
import { Alert, Badge, Button, Card, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { problemMessage } from '../../api/client';
import { useT } from '../../i18n';
import { formatDate } from '../../lib/format';
import { catalogueApi, type Product } from './api';
import { inDays } from './lines';
import './quotesStrings';

function useSaved(key: unknown[], reset: () => void) {
  const { t } = useT();
  const qc = useQueryClient();
  return {
    onSuccess: () => { notifications.show({ color: 'green', message: t('quotes.saved') }); reset(); void qc.invalidateQueries({ queryKey: key }); },
    onError: (e: Error) => { notifications.show({ color: 'red', message: problemMessage(e) }); },
  };
}

export default function CatalogueAdmin() {
  const products = useQuery({ queryKey: ['catalogue', 'products'], queryFn: catalogueApi.products });
  return (
    <Stack>
      {products.error ? <Alert color="red">{problemMessage(products.error)}</Alert> : null}
      <Products items={products.data?.items ?? []} />
      <PriceBooks products={products.data?.items ?? []} />
    </Stack>
  );
}

function Products({ items }: { items: Product[] }) {
  const { t } = useT();
  const [sku, setSku] = useState('');
  const [name, setName] = useState('');
  const [unit, setUnit] = useState('piece');
  const create = useMutation({
    mutationFn: () => catalogueApi.createProduct({ sku: sku.trim(), name: name.trim(), unit: unit.trim() || 'piece', active: true }),
    ...useSaved(['catalogue', 'products'], () => { setSku(''); setName(''); }),
  });
  return (
    <Card withBorder data-testid="admin-products">
      <Title order={4} mb="xs">{t('quotes.products')}</Title>
      <Table>
        <Table.Thead><Table.Tr>
          <Table.Th>{t('quotes.sku')}</Table.Th><Table.Th>{t('quotes.productName')}</Table.Th><Table.Th>{t('quotes.unit')}</Table.Th><Table.Th>{t('quotes.active')}</Table.Th>
        </Table.Tr></Table.Thead>
        <Table.Tbody>
          {items.map((p) => (
            <Table.Tr key={p.id} data-testid={`product-${p.sku}`}>
              <Table.Td>{p.sku}</Table.Td><Table.Td>{p.name}</Table.Td><Table.Td>{p.unit}</Table.Td>
              <Table.Td>{p.active ? <Badge color="green" variant="light">✓</Badge> : '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <form onSubmit={(e) => { e.preventDefault(); create.mutate(); }}>
        <Group align="flex-end" mt="sm" gap="xs">
          <Text fw={600} size="sm" mb={8}>{t('quotes.newProduct')}</Text>
          <TextInput label={t('quotes.sku')} value={sku} required onChange={(e) => setSku(e.currentTarget.value)} data-testid="product-sku" />
          <TextInput label={t('quotes.productName')} value={name} required onChange={(e) => setName(e.currentTarget.value)} data-testid="product-name" />
          <TextInput label={t('quotes.unit')} value={unit} w={100} onChange={(e) => setUnit(e.currentTarget.value)} data-testid="product-unit" />
          <Button type="submit" loading={create.isPending} disabled={!sku.trim() || !name.trim()} data-testid="product-create">{t('quotes.addProduct')}</Button>
        </Group>
      </form>
    </Card>
  );
}

function PriceBooks({ products }: { products: Product[] }) {
  const { t, locale } = useT();
  const books = useQuery({ queryKey: ['catalogue', 'price-books'], queryFn: catalogueApi.priceBooks });
  const [name, setName] = useState('');
  const [currency, setCurrency] = useState('EUR');
  const [segment, setSegment] = useState('standard');
  const [validFrom, setValidFrom] = useState(inDays(0));
  const [prices, setPrices] = useState<Record<string, string>>({});
  const entries = Object.entries(prices).filter(([, v]) => v.trim()).map(([product_id, v]) => ({ product_id, unit_price: v.trim() }));
  const create = useMutation({
    mutationFn: () => catalogueApi.createPriceBook({
      name: name.trim(), currency: currency.trim().toUpperCase(), segment: segment.trim() || 'standard',
      valid_from: validFrom, valid_to: null, active: true, entries,
    }),
    ...useSaved(['catalogue', 'price-books'], () => { setName(''); setPrices({}); }),
  });
  const skuOf = new Map(products.map((p) => [p.id, p.sku]));
  return (
    <Card withBorder data-testid="admin-price-books">
      <Title order={4} mb="xs">{t('quotes.priceBooks')}</Title>
      {books.error ? <Alert color="red">{problemMessage(books.error)}</Alert> : null}
      <Table>
        <Table.Thead><Table.Tr>
          <Table.Th>{t('quotes.bookName')}</Table.Th><Table.Th>{t('quotes.currency')}</Table.Th><Table.Th>{t('quotes.segment')}</Table.Th>
          <Table.Th>{t('quotes.validFrom')}</Table.Th><Table.Th>{t('quotes.validTo')}</Table.Th><Table.Th>{t('quotes.prices')}</Table.Th>
        </Table.Tr></Table.Thead>
        <Table.Tbody>
          {(books.data?.items ?? []).map((b) => (
            <Table.Tr key={b.id} data-testid={`price-book-${b.id}`}>
              <Table.Td>{b.name}</Table.Td><Table.Td>{b.currency}</Table.Td><Table.Td>{b.segment}</Table.Td>
              <Table.Td>{formatDate(b.valid_from, locale)}</Table.Td><Table.Td>{formatDate(b.valid_to, locale)}</Table.Td>
              <Table.Td>
                <Text size="xs">{b.entries.slice(0, 4).map((e) => `${skuOf.get(e.product_id) ?? e.product_id} ${e.unit_price}`).join(' · ')}</Text>
                {b.entries.length > 4 && <Text size="xs" c="dimmed">{t('quotes.entries', { count: b.entries.length })}</Text>}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <form onSubmit={(e) => { e.preventDefault(); create.mutate(); }}>
        <Text fw={600} size="sm" mt="sm">{t('quotes.newPriceBook')}</Text>
        <Group align="flex-end" gap="xs">
          <TextInput label={t('quotes.bookName')} value={name} required onChange={(e) => setName(e.currentTarget.value)} data-testid="book-name" />
          <TextInput label={t('quotes.currency')} value={currency} w={90} maxLength={3} required onChange={(e) => setCurrency(e.currentTarget.value)} data-testid="book-currency" />
          <TextInput label={t('quotes.segment')} value={segment} w={120} onChange={(e) => setSegment(e.currentTarget.value)} data-testid="book-segment" />
          <TextInput type="date" label={t('quotes.validFrom')} value={validFrom} required onChange={(e) => setValidFrom(e.currentTarget.value)} data-testid="book-valid-from" />
        </Group>
        <Text size="sm" mt="xs">{t('quotes.prices')} ({currency.trim().toUpperCase()})</Text>
        <Group gap="xs">
          {products.filter((p) => p.active).map((p) => (
            <TextInput key={p.id} label={p.sku} w={200} value={prices[p.id] ?? ''} inputMode="decimal"
              onChange={(e) => { const v = e.currentTarget.value; setPrices((m) => ({ ...m, [p.id]: v })); }} data-testid={`book-price-${p.sku}`} />
          ))}
        </Group>
        <Group justify="flex-end" mt="xs">
          <Button type="submit" loading={create.isPending} disabled={!name.trim() || currency.trim().length !== 3 || !validFrom}
            data-testid="book-create">{t('quotes.addPriceBook')}</Button>
        </Group>
      </form>
    </Card>
  );
}
