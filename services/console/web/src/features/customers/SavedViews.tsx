import { ActionIcon, Button, Group, Menu, TextInput } from '@mantine/core';
import { IconBookmark, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { consoleApi } from '../../api/services';
import { useT } from '../../i18n';

export interface ViewState {
  filters: Record<string, string>;
  columns: string[];
  sort: string;
}

export function SavedViews({ screen, current, onApply }: { screen: string; current: ViewState; onApply: (v: ViewState) => void }) {
  const { t } = useT();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const views = useQuery({ queryKey: ['views', screen], queryFn: () => consoleApi.views(screen), retry: false });
  const save = useMutation({
    mutationFn: () => consoleApi.saveView({ name: name.trim(), screen, ...current }),
    onSuccess: () => { setName(''); void qc.invalidateQueries({ queryKey: ['views', screen] }); },
  });
  const remove = useMutation({
    mutationFn: (id: string) => consoleApi.deleteView(id),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['views', screen] }),
  });
  const list = Array.isArray(views.data) ? views.data : [];
  return (
    <Menu closeOnItemClick position="bottom-end" width={280}>
      <Menu.Target>
        <Button variant="light" leftSection={<IconBookmark size={16} />} data-testid="saved-views">{t('views.title')}</Button>
      </Menu.Target>
      <Menu.Dropdown>
        {list.map((v) => (
          <Group key={v.id} gap={0} wrap="nowrap">
            <Menu.Item onClick={() => onApply({ filters: v.filters ?? {}, columns: v.columns?.length ? v.columns : current.columns, sort: v.sort || current.sort })}
              data-testid="saved-view">
              {v.name}
            </Menu.Item>
            <ActionIcon variant="subtle" color="red" aria-label={t('views.delete', { name: v.name })} onClick={() => remove.mutate(v.id)}>
              <IconTrash size={14} />
            </ActionIcon>
          </Group>
        ))}
        {!list.length && <Menu.Label>{t('views.none')}</Menu.Label>}
        <Menu.Divider />
        <Group p="xs" gap="xs" wrap="nowrap">
          <TextInput size="xs" aria-label={t('views.name')} placeholder={t('views.name')} value={name}
            onChange={(e) => setName(e.currentTarget.value)} onKeyDown={(e) => e.stopPropagation()} data-testid="view-name" />
          <Button size="xs" disabled={!name.trim()} loading={save.isPending} onClick={() => save.mutate()} data-testid="view-save">
            {t('views.save')}
          </Button>
        </Group>
      </Menu.Dropdown>
    </Menu>
  );
}
