// Starts the whole system (every service's API and worker, the console) on free ports with
// its own topic prefix and databases, seeded with the small demo data set, through
// `python -m crm_devtools.stack`; stops it (and drops its databases) after the tests.
// CRM_CONSOLE_URL set: that running console is used instead (`crm dev`, seeded).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '../../..');

interface StackInfo {
  console_url: string;
  urls: Record<string, string>;
  ready_after_s: number;
}

async function waitFor(file: string, child: { exitCode: number | null }, log: string, timeoutMs: number): Promise<StackInfo> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
    if (child.exitCode !== null) {
      throw new Error(`the stack exited with ${child.exitCode}; its log: ${log}\n${readFileSync(log, 'utf8').slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the stack was not ready within ${timeoutMs / 1000}s; its log: ${log}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export default async function globalSetup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.CRM_CONSOLE_URL) return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'crm-e2e-'));
  const out = path.join(dir, 'stack.json');
  const log = path.join(dir, 'stack.log');
  const started = Date.now();
  const smtpPort = await freePort(); // service-desk's inbound SMTP listener (attachments spec)
  const child = spawn(
    path.join(repo, '.venv/bin/python'),
    ['-m', 'crm_devtools.stack', '--seed', process.env.CRM_E2E_SEED ?? 'small', '--json-out', out, '--parent-pid', String(process.pid),
      // short SLA scans (the SLA test adds a short policy); on a busy machine a request waits
      // for a slot rather than being shed at once
      '--env', 'CRM_SLA_SCAN_INTERVAL_S=1', '--env', 'CRM_QUEUE_TIMEOUT_S=15',
      '--env', `CRM_INBOUND_SMTP_PORT=${smtpPort}`],
    { cwd: repo, stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')], detached: true },
  );
  const info = await waitFor(out, child, log, 10 * 60_000);
  process.env.CRM_CONSOLE_URL = info.console_url;
  process.env.CRM_SERVICE_URLS = JSON.stringify(info.urls);
  process.env.CRM_E2E_SMTP_PORT = String(smtpPort);
  console.log(`stack ready in ${((Date.now() - started) / 1000).toFixed(0)}s (services ${info.ready_after_s}s): ${info.console_url}; log ${log}`);
  return async () => {
    if (child.exitCode === null && child.pid) {
      process.kill(-child.pid, 'SIGTERM');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
          resolve();
        }, 60_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
}
