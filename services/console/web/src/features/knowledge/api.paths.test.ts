// The feature's client against service-desk's OpenAPI (paths and methods, src/api/openapi/):
// a path or method the service does not have fails here.
import { describe, expect, it } from 'vitest';
import source from './api.ts?raw';
import serviceDesk from '../../api/openapi/service-desk.json';

const normalise = (p: string) => p.replace(/\$\{[^}]*\}|\{[^}]*\}/g, '{}');
const paths: Record<string, string[]> = serviceDesk.paths;
const calls = [...source.matchAll(/(get|request)<[^(]*?>\(\s*`\$\{D\}([^`]*)`(?:,\s*\{\s*method:\s*'(\w+)')?/g)].map((m) => ({
  path: m[2]!, method: m[3] ?? 'GET',
}));

describe('macros and knowledge-base client', () => {
  it('finds the calls', () => {
    expect(calls.length).toBe(12);
  });
  it.each(calls.map((c) => [`${c.method} ${c.path}`, c]))('%s exists in the OpenAPI', (_, c) => {
    const found = Object.entries(paths).filter(([p]) => normalise(p) === normalise(c.path));
    expect(found.length, `no path ${c.path}`).toBe(1);
    expect(found[0]![1]).toContain(c.method);
  });
});
