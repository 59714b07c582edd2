import { Alert, Anchor, Badge, Button, Card, Grid, Group, Loader, NavLink, SegmentedControl, Select, Stack, TagsInput, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ApiError, problemMessage } from '../../api/client';
import { useMe } from '../../auth/session';
import { useT } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { kbApi, type Article, type ArticleIn, type ArticleState } from './api';
import './knowledgeStrings';

const EMPTY: ArticleIn = { title: '', body: '', tags: [], locale: 'en' };
const STATE_COLOR: Record<ArticleState, string> = { draft: 'gray', published: 'green', archived: 'dark' };

/** The knowledge base: articles (editors see drafts), search over the published ones,
 * and an editor with save (If-Match), publish / unpublish / archive / restore. */
export default function KnowledgePage() {
  const { t, locale } = useT();
  const me = useMe();
  const editor = me.roles.includes('service') || me.roles.includes('admin');
  const publisher = me.roles.includes('admin') || (me.roles.includes('service') && me.roles.includes('manager'));
  const qc = useQueryClient();
  const [state, setState] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [query] = useDebouncedValue(q.trim(), 250);
  const [selected, setSelected] = useState<string | 'new' | null>(null);
  const list = useQuery({ queryKey: ['kb', 'list', state], queryFn: () => kbApi.list({ state }), enabled: !query });
  const hits = useQuery({ queryKey: ['kb', 'search', query], queryFn: () => kbApi.search(query), enabled: !!query });
  const rows = query ? hits.data?.items ?? [] : list.data?.items ?? [];
  const refresh = () => qc.invalidateQueries({ queryKey: ['kb'] });

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('kb.title')}</Title>
        {editor && <Button onClick={() => setSelected('new')} data-testid="article-new">{t('kb.newArticle')}</Button>}
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack gap="xs">
            <TextInput placeholder={t('kb.searchArticles')} aria-label={t('kb.searchArticles')} value={q} onChange={(e) => setQ(e.currentTarget.value)}
              data-testid="kb-search" />
            {editor && !query && (
              <SegmentedControl size="xs" value={state ?? 'all'} onChange={(v) => setState(v === 'all' ? null : v)} data-testid="kb-state"
                data={[{ value: 'all', label: t('kb.allStates') }, ...(['draft', 'published', 'archived'] as const).map((s) => ({ value: s, label: t(`kb.state.${s}`) }))]} />
            )}
            {(list.isPending && !query) || hits.isFetching ? <Loader size="sm" aria-label="loading" /> : null}
            {rows.length === 0 && !list.isPending && <Text size="sm" c="dimmed">{query ? t('kb.noResults') : t('kb.noArticles')}</Text>}
            <Card withBorder p={0} data-testid="kb-list">
              {rows.map((a) => (
                <NavLink key={a.id} active={selected === a.id} onClick={() => setSelected(a.id)} data-testid="kb-row"
                  label={<Group gap={6}><Text size="sm" fw={600}>{a.title}</Text><StateBadge state={a.state} size="xs" /></Group>}
                  description={'snippet' in a ? String(a.snippet) : `${a.locale} · ${formatDateTime(a.updated_at, locale)}`} />
              ))}
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8 }}>
          {selected && (
            <ArticleEditor key={selected} articleId={selected === 'new' ? null : selected} editor={editor} publisher={publisher}
              onSaved={(a) => { setSelected(a.id); void refresh(); }} />
          )}
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function ArticleEditor({ articleId, editor, publisher, onSaved }: {
  articleId: string | null; editor: boolean; publisher: boolean; onSaved: (a: Article) => void;
}) {
  const { t } = useT();
  const loaded = useQuery({ queryKey: ['kb', 'article', articleId], queryFn: () => kbApi.get(articleId!), enabled: articleId !== null });
  const [form, setForm] = useState<ArticleIn>(EMPTY);
  const article = loaded.data?.data ?? null;
  useEffect(() => {
    if (article) setForm({ title: article.title, body: article.body, tags: article.tags, locale: article.locale });
  }, [article]);
  const onError = (e: Error) => {
    notifications.show({ color: 'red', message: e instanceof ApiError && e.status === 412 ? t('conflict.reloaded') : problemMessage(e) });
    void loaded.refetch();
  };
  const saved = (r: { data: Article }) => { notifications.show({ color: 'green', message: t('common.saved') }); onSaved(r.data); void loaded.refetch(); };
  const save = useMutation({
    mutationFn: () => (article ? kbApi.replace(article.id, form, article.version) : kbApi.create(form)),
    onSuccess: saved, onError,
  });
  const move = useMutation({
    mutationFn: (action: 'publish' | 'unpublish' | 'archive' | 'restore') => kbApi.move(article!.id, action, article!.version),
    onSuccess: saved, onError,
  });
  if (articleId && loaded.isPending) return <Loader aria-label="loading" />;
  if (loaded.error) return <Alert color="red">{problemMessage(loaded.error)}</Alert>;
  const readOnly = !editor || article?.state === 'archived';
  const moves = article ? ({ draft: ['publish', 'archive'], published: ['unpublish', 'archive'], archived: ['restore'] } as const)[article.state] : [];
  return (
    <Card withBorder data-testid="article-editor">
      <Stack gap="xs">
        <Group justify="space-between">
          <Group gap="xs">
            {article && <StateBadge state={article.state} testid="article-state" />}
            {article && <Badge variant="light">v{article.version}</Badge>}
          </Group>
          {article?.state === 'published' && <Anchor href={article.url} target="_blank" rel="noreferrer" size="sm" data-testid="article-url">{t('kb.publicLink')}</Anchor>}
        </Group>
        {article?.state === 'archived' && <Alert color="gray">{t('kb.readOnly')}</Alert>}
        <TextInput label={t('kb.articleTitle')} value={form.title} readOnly={readOnly} onChange={(e) => setForm({ ...form, title: e.currentTarget.value })}
          data-testid="article-title" />
        <Group grow>
          <TagsInput label={t('kb.tags')} value={form.tags} readOnly={readOnly} onChange={(tags) => setForm({ ...form, tags })} data-testid="article-tags" />
          <Select label={t('kb.language')} value={form.locale} readOnly={readOnly} allowDeselect={false} data-testid="article-locale"
            onChange={(v) => setForm({ ...form, locale: (v ?? 'en') as ArticleIn['locale'] })}
            data={[{ value: 'en', label: 'English' }, { value: 'zh-CN', label: '简体中文' }]} />
        </Group>
        <Textarea label={t('kb.articleBody')} value={form.body} readOnly={readOnly} onChange={(e) => setForm({ ...form, body: e.currentTarget.value })}
          autosize minRows={10} styles={{ input: { fontFamily: 'monospace' } }} data-testid="article-body" />
        <Group justify="flex-end" gap="xs">
          {publisher && moves.map((m) => (
            <Button key={m} variant={m === 'publish' ? 'filled' : 'light'} color={m === 'archive' ? 'gray' : undefined}
              loading={move.isPending && move.variables === m} onClick={() => move.mutate(m)} data-testid={`article-${m}`}>
              {t(`kb.${m}`)}
            </Button>
          ))}
          {!readOnly && (
            <Button variant={article?.state === 'draft' || !article ? 'default' : 'filled'} loading={save.isPending} disabled={!form.title.trim()}
              onClick={() => save.mutate()} data-testid="article-save">
              {t('kb.saveDraft')}
            </Button>
          )}
        </Group>
      </Stack>
    </Card>
  );
}

/** A light tint with dark text: white on green fails WCAG contrast (axe, serious). */
function StateBadge({ state, size, testid }: { state: ArticleState; size?: 'xs'; testid?: string }) {
  const { t } = useT();
  return <Badge color={STATE_COLOR[state]} variant="light" c="dark.8" size={size} data-testid={testid}>{t(`kb.state.${state}`)}</Badge>;
}
