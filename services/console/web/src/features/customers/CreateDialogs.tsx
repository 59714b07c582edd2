// The everyday "new" forms: a customer, a deal for a customer, a ticket for a customer.
// Each POST carries an Idempotency-Key so a double click or a retry creates one record.
import { Alert, Button, Group, Modal, NumberInput, Select, Stack, TextInput, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { newIdempotencyKey, problemMessage } from '../../api/client';
import { contacts, sales, serviceDesk } from '../../api/services';
import { useT } from '../../i18n';

function useKey() {
  const [key, setKey] = useState(newIdempotencyKey);
  return [key, () => setKey(newIdempotencyKey())] as const;
}

export function NewCustomerDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useT();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [key, renew] = useKey();
  const [kind, setKind] = useState<string | null>('company');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const create = useMutation({
    mutationFn: () => {
      const person = kind === 'person';
      const [first, ...rest] = name.trim().split(/\s+/);
      return contacts.create({
        kind, ...(person ? { first_name: first, last_name: rest.join(' ') || null } : { display_name: name.trim() }),
        emails: email.trim() ? [email.trim()] : [], phones: phone.trim() ? [phone.trim()] : [],
      }, key);
    },
    onSuccess: (r) => {
      renew();
      onClose();
      void qc.invalidateQueries({ queryKey: ['customers'] });
      navigate(`/customers/${r.data.id}`);
    },
  });
  return (
    <Modal opened={opened} onClose={onClose} title={t('create.customer')} centered>
      <form onSubmit={(e) => { e.preventDefault(); create.mutate(); }} data-testid="new-customer-form">
        <Stack gap="xs">
          <Select label={t('customers.columns.kind')} value={kind} onChange={setKind} allowDeselect={false}
            data={['company', 'person'].map((k) => ({ value: k, label: t(`kind.${k}`) }))} />
          <TextInput label={t('fields.display_name')} value={name} onChange={(e) => setName(e.currentTarget.value)} required data-testid="new-customer-name" />
          <TextInput label={t('customers.columns.email')} type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <TextInput label={t('customers.columns.phone')} value={phone} onChange={(e) => setPhone(e.currentTarget.value)} placeholder="+44 20 7946 0000" />
          {create.error ? <Alert color="red">{problemMessage(create.error)}</Alert> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="submit" loading={create.isPending} disabled={!name.trim()} data-testid="new-customer-save">{t('common.create')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function NewDealDialog({ customerId, opened, onClose }: { customerId: string; opened: boolean; onClose: () => void }) {
  const { t } = useT();
  const qc = useQueryClient();
  const [key, renew] = useKey();
  const [name, setName] = useState('');
  const [amount, setAmount] = useState<number | string>(0);
  const [currency, setCurrency] = useState<string | null>('EUR');
  const create = useMutation({
    mutationFn: () => sales.createDeal({ name: name.trim(), customer_id: customerId, amount: Number(amount) || 0, currency, pipeline_id: 'default' }, key),
    onSuccess: () => {
      renew();
      onClose();
      notifications.show({ color: 'green', message: t('create.dealCreated') });
      void qc.invalidateQueries({ queryKey: ['deals'] });
      void qc.invalidateQueries({ queryKey: ['customer', customerId] });
    },
  });
  return (
    <Modal opened={opened} onClose={onClose} title={t('create.deal')} centered>
      <form onSubmit={(e) => { e.preventDefault(); create.mutate(); }} data-testid="new-deal-form">
        <Stack gap="xs">
          <TextInput label={t('create.dealName')} value={name} onChange={(e) => setName(e.currentTarget.value)} required data-testid="new-deal-name" />
          <Group grow>
            <NumberInput label={t('create.amount')} value={amount} onChange={setAmount} min={0} thousandSeparator data-testid="new-deal-amount" />
            <Select label={t('create.currency')} value={currency} onChange={setCurrency} data={['EUR', 'USD', 'GBP', 'CNY']} allowDeselect={false} />
          </Group>
          {create.error ? <Alert color="red">{problemMessage(create.error)}</Alert> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="submit" loading={create.isPending} disabled={!name.trim()} data-testid="new-deal-save">{t('common.create')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function NewTicketDialog({ customerId, opened, onClose }: { customerId: string; opened: boolean; onClose: () => void }) {
  const { t } = useT();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [key, renew] = useKey();
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const [priority, setPriority] = useState<string | null>('normal');
  const [channel, setChannel] = useState<string | null>('phone');
  const create = useMutation({
    mutationFn: () => serviceDesk.createTicket({ customer_id: customerId, subject: subject.trim(), description, priority, channel }, key),
    onSuccess: (r) => {
      renew();
      onClose();
      void qc.invalidateQueries({ queryKey: ['tickets'] });
      void qc.invalidateQueries({ queryKey: ['customer', customerId] });
      navigate(`/tickets/${r.data.id}`);
    },
  });
  return (
    <Modal opened={opened} onClose={onClose} title={t('create.ticket')} centered>
      <form onSubmit={(e) => { e.preventDefault(); create.mutate(); }} data-testid="new-ticket-form">
        <Stack gap="xs">
          <TextInput label={t('tickets.subject')} value={subject} onChange={(e) => setSubject(e.currentTarget.value)} required data-testid="new-ticket-subject" />
          <Textarea label={t('create.description')} value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={3} />
          <Group grow>
            <Select label={t('tickets.priority')} value={priority} onChange={setPriority} allowDeselect={false}
              data={['low', 'normal', 'high', 'urgent'].map((p) => ({ value: p, label: t(`priority.${p}`) }))} />
            <Select label={t('tickets.channel')} value={channel} onChange={setChannel} allowDeselect={false}
              data={['email', 'phone', 'web', 'chat'].map((c) => ({ value: c, label: t(`channel.${c}`) }))} />
          </Group>
          {create.error ? <Alert color="red">{problemMessage(create.error)}</Alert> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="submit" loading={create.isPending} disabled={!subject.trim()} data-testid="new-ticket-save">{t('common.create')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
