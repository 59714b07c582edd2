import { Alert } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useMe } from '../../auth/session';
import { useT } from '../../i18n';
import { formatRelative } from '../../lib/format';
import { useRecentChanges } from '../../live/LiveProvider';

/** "Changed by Ana (sales) just now" when someone else touched this customer or its records. */
export function ChangedByNotice({ customerId }: { customerId: string }) {
  const { t, locale } = useT();
  const me = useMe();
  const changes = useRecentChanges();
  const [, tick] = useState(0);
  useEffect(() => {
    const h = setInterval(() => tick((n) => n + 1), 15_000);
    return () => clearInterval(h);
  }, []);
  const latest = changes.find(
    (c) => (c.id === customerId || c.customer_id === customerId) && c.actor?.id !== me.sub && Date.now() - Date.parse(c.time) < 10 * 60_000,
  );
  if (!latest) return null;
  const who = latest.actor?.name ?? latest.actor?.id ?? t('live.someone');
  const dept = latest.actor?.department ? t(`departments.${latest.actor.department}`, { defaultValue: latest.actor.department }) : null;
  return (
    <Alert color="blue" variant="light" data-testid="changed-by-notice" role="status" py={6}>
      {t('live.changedBy', {
        who: dept ? `${who} (${dept})` : who,
        what: t(`topics.${latest.topic}`),
        when: Date.now() - Date.parse(latest.time) < 60_000 ? t('live.justNow') : formatRelative(latest.time, locale),
      })}
    </Alert>
  );
}
