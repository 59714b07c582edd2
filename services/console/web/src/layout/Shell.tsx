import { AppShell, Burger, Button, Group, Menu, NavLink, ScrollArea, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { spotlight } from '@mantine/spotlight';
import {
  IconAddressBook, IconBook2, IconChartBar, IconHome, IconLayoutKanban, IconSearch, IconSettings, IconSpeakerphone, IconTicket, IconUserPlus,
  IconUsersGroup,
} from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { NavLink as RouterLink, useLocation } from 'react-router';
import { consoleApi } from '../api/services';
import { can, useMe } from '../auth/session';
import { NotificationBell } from '../features/notifications/NotificationBell';
import '../features/knowledge/knowledgeStrings';
import { CommandPalette } from '../features/palette/CommandPalette';
import { useT } from '../i18n';
import { LanguageSwitch } from './LanguageSwitch';
import { LiveBanner } from './LiveBanner';

const NAV = [
  { to: '/', key: 'home', icon: IconHome },
  { to: '/customers', key: 'customers', icon: IconAddressBook },
  { to: '/pipeline', key: 'pipeline', icon: IconLayoutKanban },
  { to: '/leads', key: 'leads', icon: IconUserPlus },
  { to: '/tickets', key: 'tickets', icon: IconTicket },
  { to: '/kb', key: 'knowledge', icon: IconBook2 },
  { to: '/dashboards', key: 'dashboards', icon: IconChartBar },
  { to: '/marketing', key: 'marketing', icon: IconSpeakerphone },
  { to: '/admin', key: 'admin', icon: IconSettings, admin: true },
  { to: '/admin/people', key: 'people', icon: IconUsersGroup, admin: true },
] as const;

export function Shell({ children }: { children: ReactNode }) {
  const { t } = useT();
  const me = useMe();
  const qc = useQueryClient();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure();

  async function signOut() {
    await consoleApi.logout().catch(() => undefined);
    await qc.resetQueries();
  }

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.menu')} />
            <Text fw={700} size="lg">{t('app.name')}</Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Button
              variant="default"
              leftSection={<IconSearch size={16} />}
              onClick={() => spotlight.open()}
              data-testid="palette-open"
              visibleFrom="xs"
            >
              {t('palette.button')} <Text span size="xs" c="dimmed" ml={6}>Ctrl K</Text>
            </Button>
            <NotificationBell />
            <LanguageSwitch />
            <Menu position="bottom-end">
              <Menu.Target>
                <UnstyledButton data-testid="user-menu" title={t('nav.account')}>
                  <Text size="sm" fw={600}>{me.name}</Text>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{me.email}</Menu.Label>
                <Menu.Label>{me.roles.map((r) => t(`roles.${r}`, { defaultValue: r })).join(', ')}</Menu.Label>
                <Menu.Item onClick={() => void signOut()} data-testid="sign-out">{t('nav.signOut')}</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t('nav.main')}>
        <ScrollArea>
          {NAV.filter((n) => !('admin' in n) || can(me, 'admin')).map((n) => (
            <NavLink
              key={n.to}
              component={RouterLink}
              to={n.to}
              label={t(`nav.${n.key}`)}
              leftSection={<n.icon size={18} />}
              active={n.to === '/' ? location.pathname === '/' : location.pathname.startsWith(n.to)}
              onClick={close}
              data-testid={`nav-${n.key}`}
            />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <LiveBanner />
        {children}
      </AppShell.Main>
      <CommandPalette />
    </AppShell>
  );
}
