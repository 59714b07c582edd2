// Ctrl-K / ⌘-K: one query to the directory's global search (customers, people, companies,
// leads, deals, tickets, colleagues), which returns only what the user may see, by prefix,
// with typos, and in Chinese. Grouped by kind in the order the search ranked them.
import { Spotlight, type SpotlightActionData } from '@mantine/spotlight';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { useT } from '../../i18n';
import { directory, type SearchHit, type SearchKind } from '../people/directoryApi';
import '../people/peopleStrings';

const GROUPS: { kind: SearchKind; label: string }[] = [
  { kind: 'company', label: 'people.kindCompany' },
  { kind: 'person', label: 'people.kindPerson' },
  { kind: 'deal', label: 'people.kindDeal' },
  { kind: 'ticket', label: 'people.kindTicket' },
  { kind: 'lead', label: 'people.kindLead' },
  { kind: 'user', label: 'people.kindUser' },
];

/** Where a hit opens. */
export function hitPath(hit: SearchHit): string {
  switch (hit.kind) {
    case 'company':
    case 'person':
      return `/customers/${hit.id}`;
    case 'deal':
      return `/customers/${hit.customer_id}`;
    case 'ticket':
      return `/tickets/${hit.id}`;
    case 'lead':
      return `/leads?focus=${hit.id}`;
    case 'user':
      return '/admin/people';
  }
}

export function CommandPalette() {
  const { t } = useT();
  const navigate = useNavigate();
  const [query, setQuery] = useState('');
  const [q] = useDebouncedValue(query.trim(), 150);
  const enabled = q.length >= 2 || /[\u3400-\u9fff]/.test(q);
  const found = useQuery({
    queryKey: ['palette', 'search', q],
    queryFn: ({ signal }) => directory.search(q, signal),
    enabled,
    placeholderData: keepPreviousData,
    retry: false,
  });

  const actions = useMemo(() => {
    if (!enabled) return [];
    const hits = found.data?.items ?? [];
    return GROUPS.map(({ kind, label }) => ({
      group: t(label),
      actions: hits.filter((h) => h.kind === kind).map((h): SpotlightActionData => ({
        id: `${h.kind}-${h.id}`, label: h.title, description: h.subtitle, onClick: () => navigate(hitPath(h)),
      })),
    })).filter((g) => g.actions.length);
  }, [enabled, found.data, navigate, t]);

  const nothing = !enabled ? t('palette.typeMore') : found.isError ? t('people.searchUnavailable') : t('palette.nothing');
  return (
    <Spotlight
      actions={actions}
      query={query}
      onQueryChange={setQuery}
      filter={(_, a) => a}
      shortcut={['mod + K']}
      nothingFound={nothing}
      highlightQuery
      searchProps={{ leftSection: <IconSearch size={18} />, placeholder: t('people.searchPlaceholder'), 'aria-label': t('people.searchPlaceholder') }}
      data-testid="command-palette"
    />
  );
}
