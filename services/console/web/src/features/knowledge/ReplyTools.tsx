import { Alert, Anchor, Badge, Button, Group, Loader, Modal, Paper, Stack, Text, Textarea, TextInput, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconBook2, IconMessage2Bolt } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { problemMessage } from '../../api/client';
import { useT } from '../../i18n';
import { kbApi, macrosApi, type MacroActions, type MacroPreview } from './api';
import './knowledgeStrings';

/** Over the ticket's reply box: "Insert macro" (pick, preview for this ticket, insert) and
 * "Link article" (search published articles, insert title and public URL). */
export function ReplyTools({ ticketId, onInsert }: { ticketId: string; onInsert: (text: string, actions?: MacroActions) => void }) {
  const { t } = useT();
  const [open, setOpen] = useState<'macro' | 'article' | null>(null);
  return (
    <Group gap="xs">
      <Button size="xs" variant="light" leftSection={<IconMessage2Bolt size={14} />} onClick={() => setOpen('macro')} data-testid="insert-macro">
        {t('kb.insertMacro')}
      </Button>
      <Button size="xs" variant="light" leftSection={<IconBook2 size={14} />} onClick={() => setOpen('article')} data-testid="link-article">
        {t('kb.linkArticle')}
      </Button>
      <Modal opened={open === 'macro'} onClose={() => setOpen(null)} title={t('kb.insertMacro')} size="lg" closeButtonProps={{ 'aria-label': t('kb.close') }}>
        {open === 'macro' && <MacroPicker ticketId={ticketId} onInsert={(text, actions) => { onInsert(text, actions); setOpen(null); }} />}
      </Modal>
      <Modal opened={open === 'article'} onClose={() => setOpen(null)} title={t('kb.linkArticle')} size="lg" closeButtonProps={{ 'aria-label': t('kb.close') }}>
        {open === 'article' && <ArticlePicker onInsert={(text) => { onInsert(text); setOpen(null); }} />}
      </Modal>
    </Group>
  );
}

function MacroPicker({ ticketId, onInsert }: { ticketId: string; onInsert: (text: string, actions: MacroActions) => void }) {
  const { t } = useT();
  const macros = useQuery({ queryKey: ['macros'], queryFn: macrosApi.list });
  const [preview, setPreview] = useState<MacroPreview | null>(null);
  const [text, setText] = useState('');
  const render = useMutation({
    mutationFn: (macroId: string) => macrosApi.preview(ticketId, macroId),
    onSuccess: (r) => { setPreview(r.data); setText(r.data.body); },
  });
  if (macros.isPending) return <Loader size="sm" aria-label="loading" />;
  if (macros.error) return <Alert color="red">{problemMessage(macros.error)}</Alert>;
  const items = macros.data.items;
  const actions = preview ? Object.entries(preview.actions).filter(([, v]) => v) : [];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">{t('kb.pickMacro')}</Text>
        <Anchor component={Link} to="/admin/macros" size="sm">{t('kb.manageMacros')}</Anchor>
      </Group>
      {items.length === 0 && <Text size="sm">{t('kb.noMacros')}</Text>}
      <Group gap="xs">
        {items.map((m) => (
          <Button key={m.id} size="xs" variant={preview?.macro_id === m.id ? 'filled' : 'default'} onClick={() => render.mutate(m.id)}
            data-testid={`macro-${m.name}`}>
            {m.name}
          </Button>
        ))}
      </Group>
      {render.isPending && <Loader size="sm" aria-label="loading" />}
      {render.error && <Alert color="red">{problemMessage(render.error)}</Alert>}
      {preview && (
        <>
          <Textarea label={t('kb.preview')} value={text} onChange={(e) => setText(e.currentTarget.value)} autosize minRows={4}
            data-testid="macro-preview" />
          {actions.length > 0 && (
            <Text size="xs" c="dimmed" data-testid="macro-actions">
              {t('kb.macroActions', { actions: actions.map(([k, v]) => (k === 'status' ? t(`ticketStatus.${v}`) : t(`priority.${v}`))).join(', ') })}
            </Text>
          )}
          <Group justify="flex-end">
            <Button onClick={() => onInsert(text, preview.actions)} disabled={!text.trim()} data-testid="macro-insert">{t('kb.insert')}</Button>
          </Group>
        </>
      )}
    </Stack>
  );
}

function ArticlePicker({ onInsert }: { onInsert: (text: string) => void }) {
  const { t } = useT();
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q.trim(), 250);
  const hits = useQuery({ queryKey: ['kb-search', debounced], queryFn: () => kbApi.search(debounced), enabled: debounced.length > 0 });
  const link = useMutation({ mutationFn: (id: string) => kbApi.link(id), onSuccess: (l) => onInsert(l.text) });
  return (
    <Stack gap="sm">
      <TextInput label={t('kb.searchArticles')} value={q} onChange={(e) => setQ(e.currentTarget.value)} data-autofocus data-testid="article-search" />
      {hits.isFetching && <Loader size="sm" aria-label="loading" />}
      {hits.error && <Alert color="red">{problemMessage(hits.error)}</Alert>}
      {link.error && <Alert color="red">{problemMessage(link.error)}</Alert>}
      {hits.data && hits.data.items.length === 0 && <Text size="sm" c="dimmed">{t('kb.noResults')}</Text>}
      {hits.data?.items.map((h) => (
        <UnstyledButton key={h.id} onClick={() => link.mutate(h.id)} data-testid="article-hit">
          <Paper withBorder p="xs">
            <Group gap="xs">
              <Text fw={600} size="sm">{h.title}</Text>
              <Badge size="xs" variant="light">{h.locale}</Badge>
              {h.tags.map((tag) => <Badge key={tag} size="xs" variant="outline">{tag}</Badge>)}
            </Group>
            <Text size="xs" c="dimmed" lineClamp={2}>{h.snippet}</Text>
          </Paper>
        </UnstyledButton>
      ))}
    </Stack>
  );
}
