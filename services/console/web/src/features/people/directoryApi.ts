// The directory service (users, teams, global search) through the BFF at /api/directory/...,
// paths as in its OpenAPI (services/directory).
import { get, request } from '../../api/client';

const R = '/api/directory';

export type Department = 'sales' | 'service' | 'marketing';
export interface WorkingHours { days: number[]; start: string; end: string }
export interface DirectoryUser {
  id: string; name: string; email: string; locale: string; time_zone: string;
  working_hours: WorkingHours | null; chat_handles: Record<string, string>; title: string;
  roles: string[]; department: Department | null; teams: string[]; active: boolean;
  deactivated_at: string | null; version: number;
}
export interface Team { id: string; name: string; department: Department; manager_id: string | null; version: number }
export type UserInput = Partial<Omit<DirectoryUser, 'teams' | 'active' | 'deactivated_at' | 'version'>>;
export type SearchKind = 'company' | 'person' | 'lead' | 'deal' | 'ticket' | 'user';
export interface SearchHit { kind: SearchKind; id: string; title: string; subtitle: string; customer_id: string; score: number }

export const directory = {
  users: () => get<{ items: DirectoryUser[] }>(`${R}/users`),
  teams: () => get<{ items: Team[] }>(`${R}/teams`),
  createUser: (body: UserInput & { id: string; name: string; email: string; teams?: string[] }) =>
    request<DirectoryUser>(`${R}/users`, { method: 'POST', body }),
  updateUser: (u: DirectoryUser, body: UserInput) =>
    request<DirectoryUser>(`${R}/users/${encodeURIComponent(u.id)}`, { method: 'PATCH', body, ifMatch: u.version }),
  setActive: (u: DirectoryUser, active: boolean) =>
    request<DirectoryUser>(`${R}/users/${encodeURIComponent(u.id)}/active`, { method: 'PUT', body: { active }, ifMatch: u.version }),
  join: (userId: string, teamId: string) =>
    request<DirectoryUser>(`${R}/users/${encodeURIComponent(userId)}/teams`, { method: 'POST', body: { team_id: teamId } }),
  leave: (userId: string, teamId: string) =>
    request<DirectoryUser>(`${R}/users/${encodeURIComponent(userId)}/teams/${encodeURIComponent(teamId)}`, { method: 'DELETE' }),
  createTeam: (body: Omit<Team, 'version'>) => request<Team>(`${R}/teams`, { method: 'POST', body }),
  updateTeam: (team: Team, body: Partial<Omit<Team, 'id' | 'version'>>) =>
    request<Team>(`${R}/teams/${encodeURIComponent(team.id)}`, { method: 'PATCH', body, ifMatch: team.version }),
  /** A POST: what people type is often a name or an e-mail, which stays out of URLs. */
  search: (q: string, signal?: AbortSignal) =>
    request<{ items: SearchHit[] }>(`${R}/search`, { method: 'POST', body: { q, limit: 20 }, signal }).then((r) => r.data),
};

/** The membership changes that turn `before` into `after`. */
export function membershipChanges(before: string[], after: string[]): { join: string[]; leave: string[] } {
  return { join: after.filter((t) => !before.includes(t)), leave: before.filter((t) => !after.includes(t)) };
}
