import { createConnection } from 'node:net';
import { expect, test } from '@playwright/test';
import { signIn, unique } from './helpers';

const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(3000, 'x')]);

/** A plain SMTP dialogue with service-desk's inbound listener (no client library needed). */
async function sendMail(port: number, subject: string): Promise<void> {
  const boundary = 'b' + Date.now().toString(36);
  const body = [
    'From: Lena Fischer <lena.e2e@nordwind.example>', 'To: support@crm.invalid', `Subject: ${subject}`,
    `Message-ID: <${crypto.randomUUID()}@nordwind.example>`, 'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`, '',
    `--${boundary}`, 'Content-Type: text/plain; charset=utf-8', '', 'The invoice is attached.', '',
    `--${boundary}`, 'Content-Type: application/pdf', 'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="invoice-4711.pdf"', '',
    ...(PDF.toString('base64').match(/.{1,76}/g) ?? []), `--${boundary}--`, '',
  ].join('\r\n');
  const steps = ['EHLO e2e', 'MAIL FROM:<lena.e2e@nordwind.example>', 'RCPT TO:<support@crm.invalid>', 'DATA', `${body}\r\n.`, 'QUIT'];
  await new Promise<void>((resolve, reject) => {
    const socket = createConnection(port, '127.0.0.1');
    let buffer = '';
    let step = -1;
    socket.setTimeout(60_000, () => reject(new Error('SMTP timeout')));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      const lines = buffer.split('\r\n').filter(Boolean);
      const last = lines[lines.length - 1] ?? '';
      if (!/^\d{3} /.test(last) || !buffer.endsWith('\r\n')) return; // a reply is complete on its "NNN " line
      buffer = '';
      if (!/^[23]/.test(last)) return reject(new Error(`SMTP refused: ${last}`));
      step += 1;
      if (step < steps.length) socket.write(steps[step] + '\r\n');
      else { socket.end(); resolve(); }
    });
  });
}

test('an e-mailed attachment is listed on the ticket and downloads as a file', async ({ browser }) => {
  const port = Number(process.env.CRM_E2E_SMTP_PORT);
  test.skip(!port, 'the stack was not started by global-setup (no inbound SMTP port)');
  const admin = await signIn(browser, 'admin');
  const subject = unique('Invoice with attachment');
  await sendMail(port, subject);
  type Listed = { items: { id: string; subject: string }[] };
  const found = await admin.api.ok<Listed>('GET', '/api/service-desk/tickets?limit=50');
  const ticket = found.items.find((t) => t.subject === subject);
  expect(ticket, 'the mail opened a ticket').toBeTruthy();

  await admin.page.goto(`/tickets/${ticket!.id}`);
  const link = admin.page.getByTestId('attachment-link');
  await expect(link).toHaveText('invoice-4711.pdf');
  const [download] = await Promise.all([admin.page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe('invoice-4711.pdf');

  const file = await admin.context.request.get((await link.getAttribute('href'))!);
  expect(file.status()).toBe(200);
  expect(file.headers()['content-type']).toBe('application/pdf');
  expect(file.headers()['x-content-type-options']).toBe('nosniff');
  expect(file.headers()['content-disposition']).toContain('attachment; filename="invoice-4711.pdf"');
  expect((await file.body()).equals(PDF)).toBe(true);
  await admin.page.screenshot({ path: 'test-results/attachments.png' });
  await admin.context.close();
});
