// The clients are checked against each service's OpenAPI (paths and methods, refreshed by
// dev/openapi-paths.mjs): a path or method the service does not have fails here.
import { describe, expect, it } from 'vitest';
import source from './services.ts?raw';
import contacts from './openapi/contacts.json';
import sales from './openapi/sales.json';
import serviceDesk from './openapi/service-desk.json';
import notifications from './openapi/notifications.json';
import insights from './openapi/insights.json';

const specs: Record<string, { paths: Record<string, string[]> }> = { C: contacts, S: sales, D: serviceDesk, N: notifications, I: insights };
const normalise = (p: string) => p.replace(/\$\{[^}]*\}|\{[^}]*\}/g, '{}');

function calls(): { service: string; method: string; path: string }[] {
  const re = /(get|request)<[^(]*?>\(\s*`\$\{([CSDNI])\}([^`]*)`(?:,\s*\{\s*method:\s*'(\w+)')?/g;
  return [...source.matchAll(re)].map((m) => ({ service: m[2]!, path: m[3]!, method: m[4] ?? 'GET' }));
}

describe('service clients', () => {
  const found = calls();
  it('finds the calls', () => {
    expect(found.length).toBeGreaterThan(40);
  });
  it.each(found.map((c) => [`${c.method} ${c.service} ${c.path}`, c]))('%s exists in the OpenAPI', (_, c) => {
    const paths = Object.entries(specs[c.service]!.paths).filter(([p]) => normalise(p) === normalise(c.path));
    expect(paths.length, `no path ${c.path}`).toBe(1);
    expect(paths[0]![1]).toContain(c.method);
  });
});
