import { Alert, Anchor, Badge, Button, Card, Grid, Group, Loader, Paper, Rating, SegmentedControl, Select, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, problemMessage, type Versioned } from '../../api/client';
import { serviceDesk } from '../../api/services';
import type { Comment, Ticket } from '../../api/types';
import { useCan } from '../../auth/session';
import { ConflictView } from '../../conflict/ConflictView';
import type { Values } from '../../conflict/diff';
import { useConflictSafeWrite } from '../../conflict/useConflictSafeWrite';
import { useT } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { ChangedByNotice } from '../customer360/ChangedByNotice';
import { ReplyMailHint } from '../conversations/ReplyMailHint';
import { TicketAttachments, type Attachment } from '../conversations/TicketAttachments';
import { applyMacroActions, insertAt, type MacroActions } from '../knowledge/api';
import { ReplyTools } from '../knowledge/ReplyTools';
import { SlaBadge } from './SlaBadge';
import { PRIORITIES, STATUSES } from './TicketsPage';

const EDITABLE = ['subject', 'priority'];

export default function TicketPage() {
  const { id = '' } = useParams();
  const { t, locale } = useT();
  const qc = useQueryClient();
  const canWrite = useCan('ticket');
  const ticket = useQuery({ queryKey: ['ticket', id], queryFn: () => serviceDesk.ticket(id) });
  const comments = useQuery({ queryKey: ['ticket', id, 'comments'], queryFn: () => serviceDesk.comments(id) });
  const groups = useQuery({ queryKey: ['groups'], queryFn: serviceDesk.groups });
  const [body, setBody] = useState('');
  const [macroActions, setMacroActions] = useState<MacroActions | null>(null);
  const caret = useRef<number | null>(null);
  const [visibility, setVisibility] = useState<'public' | 'internal'>('public');
  const [assignee, setAssignee] = useState<string | null>(null);
  const [draft, setDraft] = useState<Values | null>(null);

  const refresh = () => qc.invalidateQueries({ queryKey: ['ticket', id] });
  const onError = (e: Error) => {
    if (e instanceof ApiError && e.status === 412) notifications.show({ color: 'orange', message: t('conflict.reloaded') });
    else notifications.show({ color: 'red', message: problemMessage(e) });
    void refresh();
  };
  const version = () => ticket.data?.etag ?? ticket.data?.data.version ?? 0;
  const status = useMutation({ mutationFn: (s: string) => serviceDesk.setStatus(id, s, version()), onSuccess: refresh, onError });
  const assign = useMutation({
    mutationFn: (b: { group?: string | null; assignee_id?: string | null }) => serviceDesk.assign(id, b, version()),
    onSuccess: refresh, onError,
  });
  const comment = useMutation({
    mutationFn: async () => {
      await serviceDesk.addComment(id, body, visibility === 'public', version());
      if (macroActions) await applyMacroActions(id, macroActions); // the inserted macro's status / priority
    },
    onSuccess: () => { setBody(''); setMacroActions(null); void refresh(); }, onError,
  });
  const write = useConflictSafeWrite<Ticket & Values>({
    send: (changes, ifMatch) => serviceDesk.patch(id, changes as Partial<Ticket>, ifMatch) as Promise<Versioned<Ticket & Values>>,
    load: () => serviceDesk.ticket(id) as Promise<Versioned<Ticket & Values>>,
    fields: EDITABLE,
    onSaved: () => { setDraft(null); void refresh(); },
    onDiscard: () => { setDraft(null); void refresh(); },
  });

  if (ticket.isPending) return <Loader aria-label="loading" />;
  if (ticket.error || !ticket.data) return <Alert color="red">{problemMessage(ticket.error)}</Alert>;
  const x = ticket.data.data;
  const list: Comment[] = Array.isArray(comments.data) ? comments.data : comments.data?.items ?? [];

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2} data-testid="ticket-subject">{x.subject}</Title>
          <Group gap="xs" mt={4}>
            <Badge data-testid="ticket-status">{t(`ticketStatus.${x.status}`)}</Badge>
            <Badge variant="light">{t(`priority.${x.priority}`)}</Badge>
            <SlaBadge ticket={x} />
            <Anchor component={Link} to={`/customers/${x.customer_id}`} size="sm">{x.customer?.display_name ?? t('tickets.customer')}</Anchor>
          </Group>
        </div>
        {canWrite && (
          <Group gap="xs" data-testid="status-actions">
            {STATUSES.filter((s) => s !== x.status && s !== 'new').map((s) => (
              <Button key={s} size="xs" variant="light" loading={status.isPending && status.variables === s}
                onClick={() => status.mutate(s)} data-testid={`status-${s}`}>
                {t(`ticketActions.${s}`)}
              </Button>
            ))}
          </Group>
        )}
      </Group>
      <ChangedByNotice customerId={x.customer_id} />
      <Grid>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack>
            <Card withBorder>
              <Text style={{ whiteSpace: 'pre-wrap' }}>{x.description || '—'}</Text>
              <TicketAttachments ticketId={id} items={(x as { attachments?: Attachment[] }).attachments} />
            </Card>
            <Title order={4}>{t('tickets.conversation')}</Title>
            {list.map((c) => (
              <Paper key={c.id} withBorder p="sm" data-testid={c.public ? 'comment-public' : 'comment-internal'}
                style={c.public ? undefined : { background: 'var(--mantine-color-yellow-0)' }}>
                <Group gap="xs" mb={4}>
                  <Text size="sm" fw={600}>{c.author_id}</Text>
                  <Badge size="xs" color={c.public ? 'blue' : 'yellow'} variant="light">{c.public ? t('tickets.public') : t('tickets.internal')}</Badge>
                  <Text size="xs" c="dimmed">{formatDateTime(c.created_at, locale)}</Text>
                </Group>
                <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>{c.body}</Text>
                <TicketAttachments ticketId={id} items={(c as { attachments?: Attachment[] }).attachments} testid="comment-attachments" />
              </Paper>
            ))}
            {canWrite && (
              <Card withBorder>
                <Stack gap="xs">
                  <SegmentedControl value={visibility} onChange={(v) => setVisibility(v as 'public' | 'internal')}
                    aria-label={t('tickets.visibility')} data-testid="comment-visibility"
                    data={[{ value: 'public', label: t('tickets.replyPublic') }, { value: 'internal', label: t('tickets.noteInternal') }]} />
                  <ReplyTools ticketId={id} onInsert={(text, actions) => {
                    setBody((b) => insertAt(b, text, caret.current));
                    caret.current = null;
                    if (actions && (actions.status || actions.priority)) setMacroActions(actions);
                  }} />
                  <Textarea label={t('tickets.comment')} value={body} onChange={(e) => setBody(e.currentTarget.value)} autosize minRows={3}
                    onSelect={(e) => { caret.current = e.currentTarget.selectionEnd; }} data-testid="comment-body" />
                  {visibility === 'public' && <ReplyMailHint email={(x as { requester_email?: string | null }).requester_email} />}
                  <Group justify="flex-end">
                    <Button disabled={!body.trim()} loading={comment.isPending} onClick={() => comment.mutate()} data-testid="comment-send">
                      {visibility === 'public' ? t('tickets.sendReply') : t('tickets.addNote')}
                    </Button>
                  </Group>
                </Stack>
              </Card>
            )}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack>
            <Card withBorder>
              <Stack gap="xs">
                <Field label={t('tickets.group')} value={x.group} />
                <Field label={t('tickets.assignee')} value={x.assignee_id} testid="ticket-assignee" />
                <Field label={t('tickets.channel')} value={t(`channel.${x.channel}`, { defaultValue: x.channel })} />
                <Field label={t('tickets.created')} value={formatDateTime(x.created_at, locale)} />
                <Field label={t('sla.clock.first_response')} value={formatDateTime(x.first_response_due_at, locale)} />
                <Field label={t('sla.clock.resolution')} value={formatDateTime(x.resolution_due_at, locale)} />
                {x.sla && <Field label={t('tickets.policy')} value={x.sla.policy_name} />}
              </Stack>
            </Card>
            {canWrite && (
              <Card withBorder>
                <Title order={5} mb="xs">{t('tickets.assignment')}</Title>
                <Stack gap="xs">
                  <Select label={t('tickets.group')} value={x.group} clearable data={withCurrent((groups.data?.items ?? []).map((g) => g.id), x.group)}
                    onChange={(g) => assign.mutate({ group: g, assignee_id: x.assignee_id })} data-testid="assign-group" />
                  <Group align="flex-end" gap="xs">
                    <TextInput label={t('tickets.assignee')} value={assignee ?? x.assignee_id ?? ''} onChange={(e) => setAssignee(e.currentTarget.value)}
                      data-testid="assign-assignee" style={{ flex: 1 }} />
                    <Button size="sm" onClick={() => { assign.mutate({ group: x.group, assignee_id: (assignee ?? '').trim() || null }); setAssignee(null); }}
                      loading={assign.isPending} data-testid="assign-save">{t('common.save')}</Button>
                  </Group>
                </Stack>
              </Card>
            )}
            {canWrite && (
              <Card withBorder>
                <Title order={5} mb="xs">{t('tickets.details')}</Title>
                {draft ? (
                  <Stack gap="xs">
                    <TextInput label={t('tickets.subject')} value={String(draft.subject ?? '')} onChange={(e) => setDraft({ ...draft, subject: e.currentTarget.value })} data-testid="input-subject" />
                    <Select label={t('tickets.priority')} value={String(draft.priority)} onChange={(v) => setDraft({ ...draft, priority: v })}
                      data={PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))} data-testid="input-priority" />
                    {write.error ? <Alert color="red">{problemMessage(write.error)}</Alert> : null}
                    <Group justify="flex-end">
                      <Button variant="default" onClick={() => setDraft(null)}>{t('common.cancel')}</Button>
                      <Button loading={write.saving} data-testid="ticket-save"
                        onClick={() => void write.save({ subject: x.subject, priority: x.priority }, draft, ticket.data.etag ?? x.version).then((done) => done && setDraft(null))}>
                        {t('common.save')}
                      </Button>
                    </Group>
                  </Stack>
                ) : (
                  <Button size="xs" variant="light" onClick={() => setDraft({ subject: x.subject, priority: x.priority })} data-testid="ticket-edit">
                    {t('common.edit')}
                  </Button>
                )}
              </Card>
            )}
            <Card withBorder data-testid="csat">
              <Title order={5} mb="xs">{t('tickets.csat')}</Title>
              {x.csat ? (
                <Stack gap={4}>
                  <Rating value={x.csat.rating} readOnly aria-label={t('tickets.csatRating', { rating: x.csat.rating })} />
                  {x.csat.comment && <Text size="sm">{x.csat.comment}</Text>}
                  <Text size="xs" c="dimmed">{formatDateTime(x.csat.at, locale)}</Text>
                </Stack>
              ) : (
                <Text size="sm" c="dimmed">{t('tickets.noCsat')}</Text>
              )}
            </Card>
          </Stack>
        </Grid.Col>
      </Grid>
      <ConflictView write={write} label={(f) => t(`tickets.${f}`)} />
    </Stack>
  );
}

function Field({ label, value, testid }: { label: string; value: string | null | undefined; testid?: string }) {
  return (
    <Group justify="space-between" gap="xs">
      <Text size="sm" c="dimmed">{label}</Text>
      <Text size="sm" data-testid={testid}>{value || '—'}</Text>
    </Group>
  );
}

/** The ticket's own group stays selectable (and visible) when the configured list lacks it:
 * a directory team used as a group before anyone configured it, or a group since removed. */
function withCurrent(ids: string[], current: string | null | undefined): string[] {
  return current && !ids.includes(current) ? [current, ...ids] : ids;
}
