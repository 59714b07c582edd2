// Local trials only: fills a development stack with a few customers, deals, tickets and
// leads through the services' APIs (as the demo people). Usage:
//   CRM_DEV_PORT_OFFSET=300 node dev/seed.mjs [extraCustomers]
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '../../../..');
const off = Number(process.env.CRM_DEV_PORT_OFFSET ?? '0');
const base = { contacts: 8001 + off, sales: 8002 + off, desk: 8003 + off };
const tokens = {};
function token(sub, roles, dept, teams = []) {
  const key = sub;
  if (!tokens[key]) {
    const args = ['token', '--sub', sub, ...roles.flatMap((r) => ['--role', r]), ...teams.flatMap((t) => ['--team', t])];
    if (dept) args.push('--department', dept);
    tokens[key] = execFileSync(path.join(repo, '.venv/bin/crm'), args).toString().trim();
  }
  return tokens[key];
}
const admin = () => token('admin', ['admin']);
async function call(svc, p, { method = 'GET', body, tok = admin(), ifMatch } = {}) {
  const headers = { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' };
  if (ifMatch !== undefined) headers['If-Match'] = `"${ifMatch}"`;
  const r = await fetch(`http://127.0.0.1:${base[svc]}${p}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p} ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const companies = [
  ['Acme Ltd', 'EMEA', 'Manufacturing', 'ana'], ['Globex 环球', 'APAC', 'Energy', 'zhang.min'], ['Initech', 'NA', 'Software', 'ben'],
  ['Umbrella Health', 'EMEA', 'Healthcare', 'carlos'], ['Stark Industries', 'NA', 'Manufacturing', 'ana'], ['华为云合作伙伴', 'APAC', 'Software', 'wang.fang'],
  ['Wayne Enterprises', 'NA', 'Finance', 'ben'], ['Tyrell Corp', 'APAC', 'Robotics', 'chen.jie'], ['Soylent Foods', 'EMEA', 'Food', 'carlos'],
  ['Hooli', 'NA', 'Software', 'ana'], ['Vandelay Import', 'EMEA', 'Retail', 'zhang.min'], ['Cyberdyne Systems', 'NA', 'Robotics', 'wang.fang'],
];
const people = [['Jane', 'Doe'], ['李', '娜'], ['Max', 'Power'], ['Sofia', 'Rossi'], ['王', '强'], ['Liam', 'Smith'], ['Olga', 'Ivanova'], ['陈', '静']];
const stages = ['initial_contact', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost'];

const ids = [];
for (const [i, [name, region, industry, owner]] of companies.entries()) {
  const c = await call('contacts', '/customers', { method: 'POST', body: {
    kind: 'company', display_name: name, emails: [`info@${name.split(' ')[0].toLowerCase().replace(/[^a-z]/g, '') || 'cn' + i}.example`],
    phones: [`+44 20 7946 0${String(100 + i * 7).padStart(3, '0')}`], region, industry, owner_id: owner, tags: i % 3 ? ['key-account'] : ['vip'],
    lifecycle_stage: i % 4 ? 'customer' : 'opportunity', consent: { email: { granted: i % 2 === 0, source: 'web_form' } },
  } });
  ids.push([c.id, owner, name]);
  const [fn, ln] = people[i % people.length];
  await call('contacts', '/customers', { method: 'POST', body: { kind: 'person', first_name: fn, last_name: ln, company_id: c.id, emails: [`${i}.${fn.length}@people.example`], owner_id: owner } });
}
// a likely duplicate for the merge screen
await call('contacts', '/customers', { method: 'POST', body: { kind: 'company', display_name: 'Acme Limited', emails: ['info@acme.example'], region: 'EMEA', owner_id: 'ana' } });

const policies = await call('desk', '/sla-policies');
if (!policies.items.length) {
  await call('desk', '/sla-policies', { method: 'POST', body: { name: 'Standard', targets: [
    { priority: 'urgent', first_response_s: 1800, resolution_s: 4 * 3600 }, { priority: 'high', first_response_s: 2 * 3600, resolution_s: 24 * 3600 },
    { priority: 'normal', first_response_s: 8 * 3600, resolution_s: 72 * 3600 }, { priority: 'low', first_response_s: 24 * 3600, resolution_s: 120 * 3600 },
  ] } });
}
for (const g of ['support-l1', 'support-l2']) {
  const members = g === 'support-l1' ? ['sara', 'zhao.lei', 'priya'] : ['huang.li', 'tom'];
  try { await call('desk', `/groups/${g}`, { method: 'PUT', body: { members }, ifMatch: 0 }); } catch (e) { console.warn(String(e).slice(0, 120)); }
}
await new Promise((r) => setTimeout(r, 3000)); // replicas catch up
for (const [i, [cid, owner, name]] of ids.entries()) {
  for (let k = 0; k < 2; k++) {
    const stage = stages[(i + k * 3) % stages.length];
    const d = await call('sales', '/deals', { method: 'POST', tok: token(owner, ['sales'], 'sales', ['sales-east']), body: {
      name: `${name} ${k ? 'expansion' : 'renewal'}`, customer_id: cid, amount: 5000 + ((i * 7919 + k * 104729) % 90) * 1000,
      currency: 'EUR', pipeline_id: 'default', owner_id: owner, team: 'sales-east', expected_close_date: `2027-0${1 + ((i + k) % 6)}-15`,
    } }).catch((e) => console.warn(String(e).slice(0, 160)));
    if (d && stage !== 'initial_contact') {
      await call('sales', `/deals/${d.id}/stage`, { method: 'POST', body: { stage, reason: stage.startsWith('closed') ? 'seed' : null }, ifMatch: d.version })
        .catch((e) => console.warn(String(e).slice(0, 160)));
    }
  }
  const prios = ['urgent', 'high', 'normal', 'low'];
  const subjects = ['Cannot log in', 'Invoice is wrong', '打印机卡纸', 'Export times out', 'Feature request: SSO'];
  await call('desk', '/tickets', { method: 'POST', body: {
    customer_id: cid, subject: subjects[i % subjects.length], description: 'Reported by the customer by e-mail.', channel: 'email',
    priority: prios[i % 4], group: i % 2 ? 'support-l1' : 'support-l2', assignee_id: i % 2 ? ['sara', 'zhao.lei', 'priya'][i % 3] : ['huang.li', 'tom'][(i / 2) % 2],
  } }).catch((e) => console.warn(String(e).slice(0, 160)));
}
for (const [i, [fn, ln]] of people.entries()) {
  await call('sales', '/leads', { method: 'POST', body: { first_name: fn, last_name: ln, company_name: `Prospect ${i}`, email: `lead${i}@prospect.example`,
    source: ['web', 'referral', 'event'][i % 3], score: 20 + i * 9, region: ['EMEA', 'APAC', 'NA'][i % 3] } }).catch((e) => console.warn(String(e).slice(0, 160)));
}
const extra = Number(process.argv[2] ?? '0');
for (let i = 0; i < extra; i += 8) {
  await Promise.all(Array.from({ length: Math.min(8, extra - i) }, (_, j) => call('contacts', '/customers', { method: 'POST', body: {
    kind: 'person', first_name: `Test${i + j}`, last_name: `Person`, emails: [`t${i + j}@bulk.example`], owner_id: ['ana', 'ben', 'carlos'][(i + j) % 3],
    region: ['EMEA', 'APAC', 'NA'][(i + j) % 3], tags: ['bulk'],
  } })));
}
console.log('seeded', ids.length, 'companies', extra, 'extra');
