import { Anchor, Group, Stack, Text } from '@mantine/core';
import { useT } from '../../i18n';
import './conversationsStrings';

/** A file an inbound e-mail brought (service-desk lists them on the ticket and its comments). */
export interface Attachment {
  id: string;
  filename: string;
  content_type: string;
  size: number;
}

/** The download goes through the console's proxy with the user's session: the ticket's rules apply. */
export const attachmentUrl = (ticketId: string, attachmentId: string) =>
  `/api/service-desk/tickets/${encodeURIComponent(ticketId)}/attachments/${encodeURIComponent(attachmentId)}`;

function size(bytes: number, locale: string) {
  const kb = bytes / 1024;
  const [value, unit] = kb >= 1024 ? [kb / 1024, 'megabyte'] : [Math.max(kb, 0.1), 'kilobyte'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, maximumFractionDigits: 1 }).format(value);
}

/** The files of a ticket's opening message or of one comment, as download links. */
export function TicketAttachments({ ticketId, items, testid = 'attachments' }: { ticketId: string; items: Attachment[] | undefined; testid?: string }) {
  const { t, locale } = useT();
  if (!items?.length) return null;
  return (
    <Stack gap={2} mt="xs" data-testid={testid} aria-label={t('conversations.attachments')}>
      <Text size="xs" c="dimmed">{t('conversations.attachments')}</Text>
      {items.map((a) => (
        <Group key={a.id} gap="xs">
          <Anchor href={attachmentUrl(ticketId, a.id)} download={a.filename} size="sm"
            aria-label={t('conversations.download', { name: a.filename })} data-testid="attachment-link">
            {a.filename}
          </Anchor>
          <Text size="xs" c="dimmed">{size(a.size, locale)}</Text>
        </Group>
      ))}
    </Stack>
  );
}
