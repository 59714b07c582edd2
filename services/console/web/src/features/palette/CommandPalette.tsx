// Ctrl-K / ⌘-K: customers are searched by the contacts API (q=); deals, tickets and leads
// are matched by name among the ones the user can see (their lists have no text search).
import { Spotlight, type SpotlightActionData } from '@mantine/spotlight';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { contacts, sales, serviceDesk } from '../../api/services';
import { customerName, leadName } from '../../lib/names';
import { useT } from '../../i18n';

export function CommandPalette() {
  const { t } = useT();
  const navigate = useNavigate();
  const [query, setQuery] = useState('');
  const [q] = useDebouncedValue(query.trim(), 200);
  const enabled = q.length >= 2;
  const customers = useQuery({ queryKey: ['palette', 'customers', q], queryFn: () => contacts.list({ q, limit: 8 }), enabled });
  const deals = useQuery({ queryKey: ['palette', 'deals'], queryFn: () => sales.deals({ limit: 200 }), enabled, staleTime: 60_000 });
  const tickets = useQuery({ queryKey: ['palette', 'tickets'], queryFn: () => serviceDesk.tickets({ limit: 200 }), enabled, staleTime: 60_000 });
  const leads = useQuery({ queryKey: ['palette', 'leads'], queryFn: () => sales.leads({ limit: 200 }), enabled, staleTime: 60_000 });

  const actions = useMemo(() => {
    if (!enabled) return [];
    const needle = q.toLowerCase();
    const has = (s: string | null | undefined) => (s ?? '').toLowerCase().includes(needle);
    const groups: { group: string; actions: SpotlightActionData[] }[] = [
      {
        group: t('palette.customers'),
        actions: (customers.data?.items ?? []).map((c) => ({
          id: `c-${c.id}`, label: customerName(c), description: c.company_name ?? c.emails[0] ?? '',
          onClick: () => navigate(`/customers/${c.id}`),
        })),
      },
      {
        group: t('palette.deals'),
        actions: (deals.data?.items ?? []).filter((d) => has(d.name) || has(d.customer?.display_name)).slice(0, 6).map((d) => ({
          id: `d-${d.id}`, label: d.name, description: d.customer?.display_name ?? '',
          onClick: () => navigate(`/customers/${d.customer_id}`),
        })),
      },
      {
        group: t('palette.tickets'),
        actions: (tickets.data?.items ?? []).filter((x) => has(x.subject)).slice(0, 6).map((x) => ({
          id: `t-${x.id}`, label: x.subject, description: x.customer?.display_name ?? '',
          onClick: () => navigate(`/tickets/${x.id}`),
        })),
      },
      {
        group: t('palette.leads'),
        actions: (leads.data?.items ?? []).filter((l) => has(leadName(l)) || has(l.company_name) || has(l.email)).slice(0, 6).map((l) => ({
          id: `l-${l.id}`, label: leadName(l), description: l.company_name ?? '',
          onClick: () => navigate(`/leads?focus=${l.id}`),
        })),
      },
    ];
    return groups.filter((g) => g.actions.length);
  }, [enabled, q, customers.data, deals.data, tickets.data, leads.data, navigate, t]);

  return (
    <Spotlight
      actions={actions}
      query={query}
      onQueryChange={setQuery}
      filter={(_, a) => a}
      shortcut={['mod + K']}
      nothingFound={enabled ? t('palette.nothing') : t('palette.typeMore')}
      highlightQuery
      searchProps={{ leftSection: <IconSearch size={18} />, placeholder: t('palette.placeholder'), 'aria-label': t('palette.placeholder') }}
      data-testid="command-palette"
    />
  );
}
