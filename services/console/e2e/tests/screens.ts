// Every screen of the app, with a real customer and ticket to show.
import { newCustomer, type Api } from './helpers';

export async function screens(api: Api): Promise<{ name: string; path: string }[]> {
  let customers = await api.ok<{ items: { id: string }[] }>('GET', '/api/contacts/customers?limit=1');
  let tickets = await api.ok<{ items: { id: string }[] }>('GET', '/api/service-desk/tickets?limit=1');
  if (!customers.items[0] || !tickets.items[0]) { // an unseeded stack: one of each to show
    const customer = await newCustomer(api);
    const ticket = await api.eventually<{ id: string }>('POST', '/api/service-desk/tickets', {
      customer_id: customer.id, subject: 'Screens', channel: 'phone', priority: 'normal' }, { 'Idempotency-Key': crypto.randomUUID() });
    customers = { items: [customer] };
    tickets = { items: [ticket] };
  }
  const out = [
    { name: 'home', path: '/' },
    { name: 'customers', path: '/customers' },
    { name: 'pipeline', path: '/pipeline' },
    { name: 'leads', path: '/leads' },
    { name: 'tickets', path: '/tickets' },
    { name: 'dashboards', path: '/dashboards' },
    { name: 'admin', path: '/admin' },
  ];
  if (customers.items[0]) out.splice(2, 0, { name: 'customer 360', path: `/customers/${customers.items[0].id}` });
  if (tickets.items[0]) out.push({ name: 'ticket', path: `/tickets/${tickets.items[0].id}` });
  return out;
}
