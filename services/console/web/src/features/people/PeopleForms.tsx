// The editors of one person and one team (modals).
import { Button, Checkbox, Group, Modal, MultiSelect, Select, Stack, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useT } from '../../i18n';
import { directory, membershipChanges, type Department, type DirectoryUser, type Team } from './directoryApi';
import { useDirectoryReport } from './useDirectoryReport';

const ROLES = ['admin', 'sales', 'service', 'marketing', 'manager', 'readonly'];
const DEPARTMENTS: Department[] = ['sales', 'service', 'marketing'];
const KNOWN_ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['Europe/Berlin', 'Asia/Shanghai'];
const ZONES = ['UTC', ...KNOWN_ZONES.filter((z) => z !== 'UTC')];

export function UserEditor({ user, teams, onClose }: { user: DirectoryUser | null; teams: Team[]; onClose: () => void }) {
  const { t } = useT();
  const report = useDirectoryReport();
  const [id, setId] = useState(user?.id ?? '');
  const [name, setName] = useState(user?.name ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [title, setTitle] = useState(user?.title ?? '');
  const [locale, setLocale] = useState(user?.locale ?? 'en');
  const [zone, setZone] = useState(user?.time_zone ?? 'UTC');
  const [roles, setRoles] = useState<string[]>(user?.roles ?? []);
  const [department, setDepartment] = useState<string | null>(user?.department ?? null);
  const [memberOf, setMemberOf] = useState<string[]>(user?.teams ?? []);
  const [days, setDays] = useState<number[]>(user?.working_hours?.days ?? [1, 2, 3, 4, 5]);
  const [start, setStart] = useState(user?.working_hours?.start ?? '09:00');
  const [end, setEnd] = useState(user?.working_hours?.end ?? '17:00');
  const [slack, setSlack] = useState(user?.chat_handles.slack ?? '');
  const [teamsHandle, setTeamsHandle] = useState(user?.chat_handles.teams ?? '');
  const dayNames = t('people.days').split(',');
  const save = useMutation({
    mutationFn: async () => {
      const body = {
        name, email, title, locale, time_zone: zone, roles, department: department as Department | null,
        working_hours: { days, start, end }, chat_handles: { slack, teams: teamsHandle },
      };
      if (user === null) return directory.createUser({ id, ...body, teams: memberOf });
      const saved = (await directory.updateUser(user, body)).data;
      const { join, leave } = membershipChanges(user.teams, memberOf);
      for (const team of join) await directory.join(saved.id, team);
      for (const team of leave) await directory.leave(saved.id, team);
      return saved;
    },
    ...report,
    onSuccess: () => { report.onSuccess(); onClose(); },
  });
  return (
    <Modal opened onClose={onClose} title={user ? user.name : t('people.newUser')} size="lg">
      <Stack data-testid="person-form">
        {user === null && <TextInput label={t('people.userId')} value={id} onChange={(e) => setId(e.currentTarget.value)} required data-testid="person-id" />}
        <TextInput label={t('people.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} required data-testid="person-name" />
        <TextInput label={t('people.email')} value={email} onChange={(e) => setEmail(e.currentTarget.value)} required data-testid="person-email" />
        <TextInput label={t('people.jobTitle')} value={title} onChange={(e) => setTitle(e.currentTarget.value)} />
        <Group grow>
          <Select label={t('people.locale')} data={[{ value: 'en', label: 'English' }, { value: 'zh-CN', label: '简体中文' }]} value={locale} onChange={(v) => setLocale(v ?? 'en')} />
          <Select label={t('people.timeZone')} data={ZONES.includes(zone) ? ZONES : [zone, ...ZONES]} value={zone} onChange={(v) => setZone(v ?? 'UTC')} searchable />
        </Group>
        <Group grow>
          <MultiSelect label={t('people.roles')} data={ROLES} value={roles} onChange={setRoles} />
          <Select label={t('people.department')} data={DEPARTMENTS.map((d) => ({ value: d, label: t(`people.${d}`) }))} value={department} onChange={setDepartment} clearable />
        </Group>
        <MultiSelect label={t('people.memberOf')} data={teams.map((x) => ({ value: x.id, label: x.name }))} value={memberOf} onChange={setMemberOf} placeholder={t('people.pickTeams')} data-testid="person-teams" />
        <Checkbox.Group label={t('people.workDays')} value={days.map(String)} onChange={(v) => setDays(v.map(Number).sort())}>
          <Group mt={4}>{dayNames.map((d, i) => <Checkbox key={d} value={String(i + 1)} label={d} />)}</Group>
        </Checkbox.Group>
        <Group grow>
          <TextInput label={t('people.from')} value={start} onChange={(e) => setStart(e.currentTarget.value)} placeholder="09:00" />
          <TextInput label={t('people.until')} value={end} onChange={(e) => setEnd(e.currentTarget.value)} placeholder="17:00" />
        </Group>
        <Group grow>
          <TextInput label={`${t('people.chat')}: Slack`} value={slack} onChange={(e) => setSlack(e.currentTarget.value)} />
          <TextInput label={`${t('people.chat')}: Teams`} value={teamsHandle} onChange={(e) => setTeamsHandle(e.currentTarget.value)} />
        </Group>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('people.cancel')}</Button>
          <Button onClick={() => save.mutate()} loading={save.isPending} data-testid="person-save">{user ? t('people.save') : t('people.create')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function TeamEditor({ team, users, onClose }: { team: Team | null; users: DirectoryUser[]; onClose: () => void }) {
  const { t } = useT();
  const report = useDirectoryReport();
  const [id, setId] = useState(team?.id ?? '');
  const [name, setName] = useState(team?.name ?? '');
  const [department, setDepartment] = useState<Department>(team?.department ?? 'sales');
  const [manager, setManager] = useState<string | null>(team?.manager_id ?? null);
  const save = useMutation({
    mutationFn: () => (team === null
      ? directory.createTeam({ id, name, department, manager_id: manager })
      : directory.updateTeam(team, { name, department, manager_id: manager })),
    ...report,
    onSuccess: () => { report.onSuccess(); onClose(); },
  });
  return (
    <Modal opened onClose={onClose} title={team ? team.name : t('people.newTeam')}>
      <Stack data-testid="team-form">
        {team === null && <TextInput label={t('people.teamId')} value={id} onChange={(e) => setId(e.currentTarget.value)} required data-testid="team-id" />}
        <TextInput label={t('people.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} required data-testid="team-name" />
        <Select label={t('people.department')} data={DEPARTMENTS.map((d) => ({ value: d, label: t(`people.${d}`) }))} value={department} onChange={(v) => setDepartment((v as Department) ?? 'sales')} />
        <Select label={t('people.manager')} data={users.filter((u) => u.active).map((u) => ({ value: u.id, label: u.name }))} value={manager} onChange={setManager} clearable searchable />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('people.cancel')}</Button>
          <Button onClick={() => save.mutate()} loading={save.isPending} data-testid="team-save">{team ? t('people.save') : t('people.create')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
