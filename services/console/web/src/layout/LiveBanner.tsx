import { Alert } from '@mantine/core';
import { useT } from '../i18n';
import { useLiveStatus } from '../live/LiveProvider';

export function LiveBanner() {
  const { t } = useT();
  const status = useLiveStatus();
  if (status !== 'reconnecting') return null;
  return (
    <Alert color="yellow" variant="filled" radius={0} py={6} data-testid="live-banner" role="status">
      {t('live.reconnecting')}
    </Alert>
  );
}
