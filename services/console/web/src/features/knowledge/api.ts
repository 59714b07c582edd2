// Service-desk's macros and knowledge base through the BFF (/api/service-desk/...), paths as in
// the service's OpenAPI.
import { get, request } from '../../api/client';

const D = '/api/service-desk';

export type MacroScope = 'global' | 'team' | 'personal';
export type MacroActions = { status?: string | null; priority?: string | null };
export type MacroIn = { name: string; body: string; scope: MacroScope; team: string | null; actions: MacroActions };
export type Macro = MacroIn & { id: string; owner_id: string | null; version: number; updated_at: string };
export type MacroPreview = { macro_id: string; name: string; body: string; actions: MacroActions };

export type ArticleState = 'draft' | 'published' | 'archived';
export type ArticleIn = { title: string; body: string; tags: string[]; locale: 'en' | 'zh-CN' };
export type Article = ArticleIn & { id: string; state: ArticleState; version: number; url: string; updated_at: string };
export type ArticleHit = Omit<Article, 'body'> & { snippet: string; score: number };
export type ArticleLink = { id: string; title: string; url: string; text: string };

const id = (x: string) => encodeURIComponent(x);

export const macrosApi = {
  list: () => get<{ items: Macro[]; placeholders: string[] }>(`${D}/macros`),
  create: (body: MacroIn) => request<Macro>(`${D}/macros`, { method: 'POST', body }),
  replace: (macroId: string, body: MacroIn, ifMatch: number) =>
    request<Macro>(`${D}/macros/${id(macroId)}`, { method: 'PUT', body, ifMatch }),
  remove: (macroId: string, ifMatch: number) => request<void>(`${D}/macros/${id(macroId)}`, { method: 'DELETE', ifMatch }),
  preview: (ticketId: string, macroId: string) =>
    request<MacroPreview>(`${D}/tickets/${id(ticketId)}/macros/${id(macroId)}/preview`, { method: 'POST' }),
};

export const kbApi = {
  list: (q: { state?: string | null; locale?: string | null } = {}) => get<{ items: Article[] }>(`${D}/kb/articles`, q),
  get: (articleId: string) => request<Article>(`${D}/kb/articles/${id(articleId)}`),
  create: (body: ArticleIn) => request<Article>(`${D}/kb/articles`, { method: 'POST', body }),
  replace: (articleId: string, body: ArticleIn, ifMatch: number) =>
    request<Article>(`${D}/kb/articles/${id(articleId)}`, { method: 'PUT', body, ifMatch }),
  move: (articleId: string, action: 'publish' | 'unpublish' | 'archive' | 'restore', ifMatch: number) =>
    request<Article>(`${D}/kb/articles/${id(articleId)}/${action}`, { method: 'POST', ifMatch }),
  search: (q: string, locale?: string | null) => get<{ items: ArticleHit[] }>(`${D}/kb/search`, { q, locale, limit: 10 }),
  link: (articleId: string) => get<ArticleLink>(`${D}/kb/articles/${id(articleId)}/link`),
};

/** Text inserted where the caret is (or at the end), on its own paragraph. */
export function insertAt(draft: string, text: string, caret: number | null): string {
  const at = caret === null || caret < 0 || caret > draft.length ? draft.length : caret;
  const before = draft.slice(0, at);
  const after = draft.slice(at);
  const lead = before && !before.endsWith('\n') ? '\n' : '';
  const trail = after && !after.startsWith('\n') ? '\n' : '';
  return `${before}${lead}${text}${trail}${after}`;
}

/** After the reply is posted: what the inserted macro also does (status, priority), each
 * with the ticket's current version (the reply itself made a new one). */
export async function applyMacroActions(ticketId: string, actions: MacroActions): Promise<void> {
  const { serviceDesk } = await import('../../api/services');
  let current = await serviceDesk.ticket(ticketId);
  const version = () => current.etag ?? current.data.version;
  if (actions.priority && actions.priority !== current.data.priority) {
    current = await serviceDesk.patch(ticketId, { priority: actions.priority } as never, version());
  }
  if (actions.status && actions.status !== current.data.status) await serviceDesk.setStatus(ticketId, actions.status, version());
}
