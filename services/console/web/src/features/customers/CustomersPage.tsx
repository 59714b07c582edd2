import { Alert, Button, Checkbox, Group, Menu, Select, Stack, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconColumns, IconDownload, IconSearch } from '@tabler/icons-react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { problemMessage } from '../../api/client';
import { contacts } from '../../api/services';
import type { Customer } from '../../api/types';
import { useCan } from '../../auth/session';
import { useT } from '../../i18n';
import { formatDateTime, formatNumber } from '../../lib/format';
import { BulkBar } from './BulkBar';
import { COLUMNS, DEFAULT_COLUMNS, sortCustomers } from './columns';
import { downloadText, toCsv } from './csv';
import { SavedViews, type ViewState } from './SavedViews';
import '../transfers/transfersStrings';
import { NewCustomerDialog } from './CreateDialogs';

const PAGE = 200;
const LIFECYCLE = ['subscriber', 'lead', 'opportunity', 'customer', 'churned'];

export default function CustomersPage() {
  const { t, locale } = useT();
  const navigate = useNavigate();
  const canWrite = useCan('customer');
  const [view, setView] = useState<ViewState>({ filters: {}, columns: DEFAULT_COLUMNS, sort: 'updated_at:desc' });
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [creating, setCreating] = useState(false);
  const filters = view.filters;
  const serverOrder = view.sort === 'updated_at:asc' ? 'asc' : 'desc';

  const list = useInfiniteQuery({
    queryKey: ['customers', 'list', filters, q, serverOrder],
    queryFn: ({ pageParam, signal }) => contacts.list({ ...filters, q, order: serverOrder, limit: PAGE, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const loaded = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const rows = useMemo(() => sortCustomers(loaded, view.sort), [loaded, view.sort]);
  const columns = COLUMNS.filter((c) => view.columns.includes(c.key));
  const template = `44px ${columns.map((c) => c.width).join(' ')}`;

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => 40, overscan: 12 });
  const items = virtual.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1]!.index : 0;
  useEffect(() => {
    if (lastIndex >= rows.length - 40 && list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
  }, [lastIndex, rows.length, list]);

  function setFilter(key: string, value: string | null) {
    const next = { ...filters };
    if (value) next[key] = value;
    else delete next[key];
    setView({ ...view, filters: next });
    setSelected(new Set());
  }

  function toggleSort(key: string) {
    const [k, dir] = view.sort.split(':');
    setView({ ...view, sort: `${key}:${k === key && dir === 'asc' ? 'desc' : 'asc'}` });
  }

  // Display strings per row, cached per language and column set, so scrolling renders only.
  const columnsKey = view.columns.join(',');
  const cellCache = useMemo(() => new WeakMap<Customer, Map<string, string>>(), [locale, columnsKey]);
  function cachedCell(c: Customer, key: string): string {
    let m = cellCache.get(c);
    if (!m) {
      m = new Map();
      cellCache.set(c, m);
    }
    let v = m.get(key);
    if (v === undefined) {
      v = cell(c, key);
      m.set(key, v);
    }
    return v;
  }

  function cell(c: Customer, key: string): string {
    const col = COLUMNS.find((x) => x.key === key)!;
    const v = col.value(c);
    if (key === 'updated_at') return formatDateTime(v, locale);
    if (key === 'lifecycle_stage' && v) return t(`lifecycle.${v}`, { defaultValue: v });
    if (key === 'kind') return t(`kind.${v}`, { defaultValue: v });
    return v;
  }

  function exportCsv() {
    const csv = toCsv(rows, columns.map((c) => ({ header: t(`customers.columns.${c.key}`), value: (r: Customer) => cell(r, c.key) })));
    downloadText(`customers-${new Date().toISOString().slice(0, 10)}.csv`, csv);
  }

  const allSelected = rows.length > 0 && selected.size === rows.length;
  return (
    <Stack gap="sm" h="calc(100vh - 56px - 2 * var(--mantine-spacing-md))">
      <Group justify="space-between">
        <Title order={2}>{t('nav.customers')}</Title>
        <Group gap="xs">
          {canWrite && <Button onClick={() => setCreating(true)} data-testid="new-customer">{t('create.customer')}</Button>}
          {canWrite && <Button variant="default" onClick={() => navigate('/customers/import-export')} data-testid="import-export">{t('transfers.title')}</Button>}
          <SavedViews screen="customers" current={view} onApply={(v) => { setView(v); setSelected(new Set()); }} />
        </Group>
        <NewCustomerDialog opened={creating} onClose={() => setCreating(false)} />
      </Group>
      <Group gap="xs" align="flex-end" wrap="wrap">
        <TextInput
          label={t('customers.search')}
          placeholder={t('customers.searchHint')}
          leftSection={<IconSearch size={16} />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          data-testid="customer-search"
          w={260}
        />
        <Select label={t('customers.columns.kind')} clearable w={130} value={filters.kind ?? null} onChange={(v) => setFilter('kind', v)}
          data={['company', 'person'].map((k) => ({ value: k, label: t(`kind.${k}`) }))} data-testid="filter-kind" />
        <Select label={t('customers.columns.lifecycle_stage')} clearable w={160} value={filters.lifecycle_stage ?? null}
          onChange={(v) => setFilter('lifecycle_stage', v)} data={LIFECYCLE.map((k) => ({ value: k, label: t(`lifecycle.${k}`) }))}
          data-testid="filter-lifecycle" />
        <TextInput label={t('customers.columns.owner')} w={120} value={filters.owner_id ?? ''} onChange={(e) => setFilter('owner_id', e.currentTarget.value)} data-testid="filter-owner" />
        <TextInput label={t('customers.columns.region')} w={110} value={filters.region ?? ''} onChange={(e) => setFilter('region', e.currentTarget.value)} data-testid="filter-region" />
        <TextInput label={t('customers.tag')} w={110} value={filters.tag ?? ''} onChange={(e) => setFilter('tag', e.currentTarget.value)} data-testid="filter-tag" />
        <Menu closeOnItemClick={false}>
          <Menu.Target>
            <Button variant="default" leftSection={<IconColumns size={16} />} data-testid="column-chooser">{t('customers.chooseColumns')}</Button>
          </Menu.Target>
          <Menu.Dropdown>
            {COLUMNS.map((c) => (
              <Menu.Item key={c.key}>
                <Checkbox
                  label={t(`customers.columns.${c.key}`)}
                  checked={view.columns.includes(c.key)}
                  disabled={c.key === 'name'}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    setView({ ...view, columns: COLUMNS.map((x) => x.key).filter((k) => (k === c.key ? on : view.columns.includes(k))) });
                  }}
                />
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
        <Button variant="default" leftSection={<IconDownload size={16} />} onClick={exportCsv} data-testid="export-csv">
          {t('customers.exportCsv')}
        </Button>
      </Group>
      {canWrite && selected.size > 0 && (
        <BulkBar ids={[...selected]} rows={loaded} onDone={() => setSelected(new Set())} />
      )}
      {list.error ? <Alert color="red">{problemMessage(list.error)}</Alert> : null}
      <Text size="sm" c="dimmed" data-testid="customer-count">
        {t('customers.shown', { count: rows.length, n: formatNumber(rows.length, locale) })}{list.hasNextPage ? ` · ${t('customers.more')}` : ''}
      </Text>
      <div role="table" aria-label={t('nav.customers')} aria-rowcount={rows.length + 1}
        style={{ flex: 1, minHeight: 300, display: 'flex', flexDirection: 'column', border: '1px solid var(--mantine-color-gray-3)', borderRadius: 8 }}>
        <div role="rowgroup">
          <div role="row" style={{ display: 'grid', gridTemplateColumns: template, background: 'var(--mantine-color-gray-0)', borderBottom: '1px solid var(--mantine-color-gray-3)', fontWeight: 600, fontSize: 14 }}>
            <div role="columnheader" style={{ padding: '8px 12px' }}>
              {canWrite && (
                <Checkbox aria-label={t('customers.selectAll')} checked={allSelected} indeterminate={selected.size > 0 && !allSelected}
                  onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.id)))} />
              )}
            </div>
            {columns.map((c) => {
              const [k, dir] = view.sort.split(':');
              const sorted = k === c.key;
              return (
                <div role="columnheader" key={c.key} aria-sort={sorted ? (dir === 'asc' ? 'ascending' : 'descending') : 'none'} style={{ padding: '8px 12px' }}>
                  <UnstyledButton onClick={() => toggleSort(c.key)} data-testid={`sort-${c.key}`} fw={600} fz={14}>
                    {t(`customers.columns.${c.key}`)}{sorted ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
                  </UnstyledButton>
                </div>
              );
            })}
          </div>
        </div>
        <div ref={scrollRef} role="rowgroup" style={{ flex: 1, overflow: 'auto' }} data-testid="customer-table">
          <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {items.map((vi) => {
              const c = rows[vi.index]!;
              return (
                <div
                  role="row"
                  aria-rowindex={vi.index + 2}
                  key={c.id}
                  data-testid="customer-row"
                  data-id={c.id}
                  tabIndex={0}
                  className="focus-ring"
                  onKeyDown={(e) => { if (e.key === 'Enter' && e.target === e.currentTarget) navigate(`/customers/${c.id}`); }}
                  onClick={(e) => { if (!(e.target as HTMLElement).closest('input')) navigate(`/customers/${c.id}`); }}
                  style={{
                    position: 'absolute', top: 0, left: 0, right: 0, height: vi.size, transform: `translateY(${vi.start}px)`,
                    display: 'grid', gridTemplateColumns: template, alignItems: 'center', cursor: 'pointer', fontSize: 14,
                    borderBottom: '1px solid var(--mantine-color-gray-2)', background: selected.has(c.id) ? 'var(--mantine-color-indigo-0)' : undefined,
                  }}
                >
                  <div role="cell" style={{ padding: '0 12px' }}>
                    {canWrite && (
                      <Checkbox aria-label={t('customers.select', { name: cachedCell(c, 'name') })} checked={selected.has(c.id)}
                        onChange={() => {
                          const next = new Set(selected);
                          if (next.has(c.id)) next.delete(c.id);
                          else next.add(c.id);
                          setSelected(next);
                        }} />
                    )}
                  </div>
                  {columns.map((col) => (
                    <div role="cell" key={col.key} style={{ padding: '0 12px', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                      {cachedCell(c, col.key)}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
          {!list.isPending && rows.length === 0 && <Text p="md" c="dimmed">{t('customers.none')}</Text>}
        </div>
      </div>
    </Stack>
  );
}
