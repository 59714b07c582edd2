// Admin → People and teams: the directory's users (create, edit, membership, deactivate)
// and teams (create, edit). Writes carry If-Match; a 412 reloads and says so.
import { Alert, Badge, Button, Group, Stack, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useCan } from '../../auth/session';
import { useT } from '../../i18n';
import { directory, type DirectoryUser, type Team } from './directoryApi';
import { TeamEditor, UserEditor } from './PeopleForms';
import { useDirectoryReport } from './useDirectoryReport';
import './peopleStrings';

export default function PeoplePage() {
  const { t } = useT();
  if (!useCan('admin')) return <Alert color="gray">{t('people.adminOnly')}</Alert>;
  return (
    <Stack>
      <Title order={2}>{t('people.title')}</Title>
      <Tabs defaultValue="people" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="people" data-testid="people-tab-people">{t('people.people')}</Tabs.Tab>
          <Tabs.Tab value="teams" data-testid="people-tab-teams">{t('people.teams')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="people" pt="md"><People /></Tabs.Panel>
        <Tabs.Panel value="teams" pt="md"><Teams /></Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function People() {
  const { t } = useT();
  const users = useQuery({ queryKey: ['directory', 'users'], queryFn: directory.users });
  const teams = useQuery({ queryKey: ['directory', 'teams'], queryFn: directory.teams });
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<DirectoryUser | 'new' | null>(null);
  const report = useDirectoryReport();
  const toggle = useMutation({ mutationFn: (u: DirectoryUser) => directory.setActive(u, !u.active), ...report });
  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    return (users.data?.items ?? []).filter((u) => !needle || u.name.toLowerCase().includes(needle) || u.email.includes(needle));
  }, [users.data, filter]);
  if (users.isError) return <Alert color="red">{t('people.unavailable')}</Alert>;
  const teamName = (id: string) => teams.data?.items.find((x) => x.id === id)?.name ?? id;
  return (
    <Stack>
      <Group justify="space-between">
        <TextInput placeholder={t('people.filter')} aria-label={t('people.filter')} value={filter} onChange={(e) => setFilter(e.currentTarget.value)} w={320} />
        <Button onClick={() => setEditing('new')} data-testid="people-new">{t('people.newUser')}</Button>
      </Group>
      {editing !== null && (
        <UserEditor user={editing === 'new' ? null : editing} teams={teams.data?.items ?? []} onClose={() => setEditing(null)} />
      )}
      <Table striped highlightOnHover data-testid="people-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('people.name')}</Table.Th><Table.Th>{t('people.email')}</Table.Th>
            <Table.Th>{t('people.memberOf')}</Table.Th><Table.Th>{t('people.roles')}</Table.Th>
            <Table.Th>{t('people.timeZone')}</Table.Th><Table.Th>{t('people.status')}</Table.Th><Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {shown.map((u) => (
            <Table.Tr key={u.id} data-testid={`person-${u.id}`}>
              <Table.Td><Text fw={500}>{u.name}</Text><Text size="xs" c="dimmed">{u.title}</Text></Table.Td>
              <Table.Td>{u.email}</Table.Td>
              <Table.Td>{u.teams.map((x) => <Badge key={x} variant="light" mr={4}>{teamName(x)}</Badge>)}</Table.Td>
              <Table.Td>{u.roles.join(', ')}</Table.Td>
              <Table.Td>{u.time_zone}</Table.Td>
              <Table.Td>
                <Text size="sm" fw={500} c={u.active ? 'green' : 'dimmed'}>{u.active ? t('people.active') : t('people.deactivated')}</Text>
              </Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Button size="xs" variant="subtle" onClick={() => setEditing(u)} data-testid={`person-edit-${u.id}`}>{t('people.edit')}</Button>
                  <Button
                    size="xs" variant="light" color={u.active ? 'red' : 'green'} data-testid={`person-toggle-${u.id}`}
                    onClick={() => (!u.active || window.confirm(t('people.confirmDeactivate', { name: u.name }))) && toggle.mutate(u)}
                  >
                    {u.active ? t('people.deactivate') : t('people.reactivate')}
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {users.isSuccess && shown.length === 0 && <Text c="dimmed">{t('people.empty')}</Text>}
    </Stack>
  );
}

function Teams() {
  const { t } = useT();
  const teams = useQuery({ queryKey: ['directory', 'teams'], queryFn: directory.teams });
  const users = useQuery({ queryKey: ['directory', 'users'], queryFn: directory.users });
  const [editing, setEditing] = useState<Team | 'new' | null>(null);
  if (teams.isError) return <Alert color="red">{t('people.unavailable')}</Alert>;
  const everyone = users.data?.items ?? [];
  const nameOf = (id: string | null) => (id ? everyone.find((u) => u.id === id)?.name ?? id : t('people.none'));
  return (
    <Stack>
      <Group justify="flex-end">
        <Button onClick={() => setEditing('new')} data-testid="team-new">{t('people.newTeam')}</Button>
      </Group>
      {editing !== null && <TeamEditor team={editing === 'new' ? null : editing} users={everyone} onClose={() => setEditing(null)} />}
      <Table striped data-testid="teams-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('people.teamId')}</Table.Th><Table.Th>{t('people.name')}</Table.Th>
            <Table.Th>{t('people.department')}</Table.Th><Table.Th>{t('people.manager')}</Table.Th>
            <Table.Th>{t('people.members')}</Table.Th><Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(teams.data?.items ?? []).map((team) => (
            <Table.Tr key={team.id} data-testid={`team-${team.id}`}>
              <Table.Td>{team.id}</Table.Td>
              <Table.Td>{team.name}</Table.Td>
              <Table.Td>{t(`people.${team.department}`)}</Table.Td>
              <Table.Td>{nameOf(team.manager_id)}</Table.Td>
              <Table.Td>{everyone.filter((u) => u.active && u.teams.includes(team.id)).length}</Table.Td>
              <Table.Td><Button size="xs" variant="subtle" onClick={() => setEditing(team)}>{t('people.edit')}</Button></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
