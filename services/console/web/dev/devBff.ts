// A stand-in for the console's BFF, for local trials only (CRM_DEV_SERVICES=1 npm run dev):
// development sign-in from the demo people, /api/{service}/... proxied to the services on
// 127.0.0.1:800x (+CRM_DEV_PORT_OFFSET) with a token minted by `crm token` for the signed-in
// user, in-memory saved views and notifications, and /api/live broadcasting a change notice
// for every write made through it (so two tabs see each other's moves). Never built into dist/.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import type { Plugin } from 'vite';

interface DemoUser {
  sub: string;
  name: string;
  email: string;
  roles: string[];
  department: string | null;
  teams: string[];
  locale: string;
  title: string;
}

const repo = path.resolve(import.meta.dirname, '../../../..');
const offset = Number(process.env.CRM_DEV_PORT_OFFSET ?? '0');
const ports: Record<string, number> = {
  contacts: 8001 + offset,
  sales: 8002 + offset,
  'service-desk': 8003 + offset,
  notifications: 8004 + offset,
};

function loadUsers(): DemoUser[] {
  const py = 'import json,dataclasses;from crm_shared.demo import DEMO_USERS as U;print(json.dumps([dataclasses.asdict(u) for u in U]))';
  return JSON.parse(execFileSync(path.join(repo, '.venv/bin/python'), ['-c', py]).toString()) as DemoUser[];
}

const tokens = new Map<string, string>();
function tokenFor(u: DemoUser): string {
  let t = tokens.get(u.sub);
  if (!t) {
    const args = ['token', '--sub', u.sub, ...u.roles.flatMap((r) => ['--role', r]), ...u.teams.flatMap((x) => ['--team', x])];
    if (u.department) args.push('--department', u.department);
    t = execFileSync(path.join(repo, '.venv/bin/crm'), args).toString().trim();
    tokens.set(u.sub, t);
  }
  return t;
}

function cookieSub(req: http.IncomingMessage): string | null {
  const m = /(?:^|;\s*)dev_sub=([^;]+)/.exec(req.headers.cookie ?? '');
  return m ? decodeURIComponent(m[1]!) : null;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', status >= 400 ? 'application/problem+json' : 'application/json');
  res.end(JSON.stringify(body));
}

const TOPIC: Record<string, string> = { contacts: 'customer', 'service-desk': 'ticket' };

export function devBff(): Plugin {
  let users: DemoUser[] = [];
  const views: { id: string; owner: string; [k: string]: unknown }[] = [];
  const streams = new Set<http.ServerResponse>();
  let eventId = 0;

  function broadcast(change: Record<string, unknown>): void {
    eventId += 1;
    for (const s of streams) s.write(`id: ${eventId}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`);
  }

  return {
    name: 'crm-dev-bff',
    configureServer(server) {
      users = loadUsers();
      server.middlewares.use((req, res, next) => {
        void (async () => {
          const url = new URL(req.url ?? '/', 'http://x');
          const p = url.pathname;
          if (!p.startsWith('/api') && !p.startsWith('/auth')) return next();
          const user = users.find((u) => u.sub === cookieSub(req)) ?? null;
          if (p === '/auth/config') return json(res, 200, { mode: 'development', users });
          if (p === '/auth/dev-login' && req.method === 'POST') {
            const { sub } = JSON.parse((await readBody(req)).toString()) as { sub: string };
            if (!users.some((u) => u.sub === sub)) return json(res, 422, { status: 422, title: 'unknown user' });
            res.statusCode = 204;
            res.setHeader('Set-Cookie', `dev_sub=${encodeURIComponent(sub)}; Path=/; HttpOnly; SameSite=Lax`);
            return res.end();
          }
          if (p === '/auth/logout') {
            res.statusCode = 204;
            res.setHeader('Set-Cookie', 'dev_sub=; Path=/; Max-Age=0');
            return res.end();
          }
          if (!user) return json(res, 401, { status: 401, title: 'Not signed in', code: 'unauthenticated' });
          if (p === '/api/me') return json(res, 200, { ...user, csrf_token: 'dev-csrf' });
          if (req.method !== 'GET' && req.headers['x-csrf-token'] !== 'dev-csrf') {
            return json(res, 403, { status: 403, title: 'CSRF token missing', code: 'csrf' });
          }
          if (p === '/api/live') {
            res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
            res.write(`event: hello\ndata: {"sub":"${user.sub}"}\n\n`);
            streams.add(res);
            const ping = setInterval(() => res.write(': ping\n\n'), 15000);
            req.on('close', () => {
              clearInterval(ping);
              streams.delete(res);
            });
            return;
          }
          if (p === '/api/views') {
            if (req.method === 'GET') return json(res, 200, views.filter((v) => v.owner === user.sub && v.screen === url.searchParams.get('screen')));
            const v = { ...(JSON.parse((await readBody(req)).toString()) as object), id: randomUUID(), owner: user.sub };
            views.push(v);
            return json(res, 201, v);
          }
          if (p.startsWith('/api/views/') && req.method === 'DELETE') {
            const i = views.findIndex((v) => v.id === p.split('/').pop() && v.owner === user.sub);
            if (i >= 0) views.splice(i, 1);
            res.statusCode = 204;
            return res.end();
          }
          if (p === '/api/notifications') return json(res, 200, []);
          if (p === '/api/notifications/read') {
            res.statusCode = 204;
            return res.end();
          }
          const m = /^\/api\/(contacts|sales|service-desk|notifications)(\/.*)$/.exec(p);
          if (!m) return json(res, 404, { status: 404, title: 'Not found' });
          const [, service, rest] = m as unknown as [string, string, string];
          const body = req.method === 'GET' ? undefined : await readBody(req);
          const headers: Record<string, string> = { Authorization: `Bearer ${tokenFor(user)}` };
          for (const h of ['if-match', 'idempotency-key', 'content-type', 'accept', 'if-none-match']) {
            const v = req.headers[h];
            if (typeof v === 'string') headers[h] = v;
          }
          const up = http.request(
            { host: '127.0.0.1', port: ports[service], path: rest + url.search, method: req.method, headers },
            (ur) => {
              res.statusCode = ur.statusCode ?? 502;
              for (const h of ['content-type', 'etag', 'location', 'retry-after']) {
                const v = ur.headers[h];
                if (v) res.setHeader(h, v);
              }
              const chunks: Buffer[] = [];
              ur.on('data', (c: Buffer) => chunks.push(c));
              ur.on('end', () => {
                const buf = Buffer.concat(chunks);
                res.end(buf);
                if (req.method !== 'GET' && (ur.statusCode ?? 500) < 300) {
                  const topic = TOPIC[service] ?? (rest.startsWith('/leads') ? 'lead' : rest.startsWith('/deals') ? 'deal' : null);
                  if (!topic) return;
                  let rec: { id?: string; customer_id?: string; version?: number } = {};
                  try {
                    rec = JSON.parse(buf.toString()) as typeof rec;
                  } catch {
                    /* ignore */
                  }
                  const id = rec.id ?? rest.split('/')[2];
                  setTimeout(() => broadcast({
                    topic, type: `crm.${topic}.updated`, id, customer_id: rec.customer_id ?? (topic === 'customer' ? id : null),
                    version: rec.version, actor: { id: user.sub, name: user.name, department: user.department },
                    time: new Date().toISOString(),
                  }), 150);
                }
              });
            },
          );
          up.on('error', (e) => json(res, 502, { status: 502, title: 'service unreachable', detail: String(e) }));
          up.end(body);
        })();
      });
    },
  };
}
