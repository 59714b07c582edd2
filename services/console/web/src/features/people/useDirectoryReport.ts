// Saved / failed notices of the directory's writes; the lists reload either way.
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, problemMessage } from '../../api/client';
import { useT } from '../../i18n';

export function useDirectoryReport() {
  const { t } = useT();
  const qc = useQueryClient();
  return {
    onSuccess: () => {
      notifications.show({ color: 'green', message: t('common.saved') });
      void qc.invalidateQueries({ queryKey: ['directory'] });
    },
    onError: (e: Error) => {
      notifications.show({ color: 'red', message: e instanceof ApiError && e.status === 412 ? t('conflict.reloaded') : problemMessage(e) });
      void qc.invalidateQueries({ queryKey: ['directory'] });
    },
  };
}
