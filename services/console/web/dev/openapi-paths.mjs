// Refreshes src/api/openapi/*.json (each service's paths and methods, from its /openapi.json)
// that api/services.test.ts checks the clients against.  CRM_DEV_PORT_OFFSET=300 node dev/openapi-paths.mjs
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const off = Number(process.env.CRM_DEV_PORT_OFFSET ?? '0');
const services = { contacts: 8001, sales: 8002, 'service-desk': 8003, notifications: 8004, insights: 8005 };
for (const [name, port] of Object.entries(services)) {
  const spec = await (await fetch(`http://127.0.0.1:${port + off}/openapi.json`)).json();
  const paths = Object.fromEntries(Object.entries(spec.paths).map(([p, ops]) => [p, Object.keys(ops).map((m) => m.toUpperCase()).sort()]));
  const out = path.resolve(import.meta.dirname, `../src/api/openapi/${name}.json`);
  writeFileSync(out, JSON.stringify({ info: spec.info, paths }, null, 1) + '\n');
  console.log(name, Object.keys(paths).length, 'paths');
}
