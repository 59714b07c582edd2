import { Text } from '@mantine/core';
import { useT } from '../../i18n';
import './conversationsStrings';

/** Under the ticket's reply box: where a public reply goes (service-desk mails it to the requester). */
export function ReplyMailHint({ email }: { email: string | null | undefined }) {
  const { t } = useT();
  return (
    <Text size="xs" c="dimmed" data-testid="reply-mail-hint">
      {email ? t('conversations.mailedTo', { email }) : t('conversations.noMail')}
    </Text>
  );
}
