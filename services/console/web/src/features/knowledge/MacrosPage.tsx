import { Alert } from '@mantine/core';
import { useMe } from '../../auth/session';
import { useT } from '../../i18n';
import MacrosAdmin from './MacrosAdmin';
import './knowledgeStrings';

/** /admin/macros: the macros page for the service desk (admins also have it under Admin → Macros). */
export default function MacrosPage() {
  const { t } = useT();
  const me = useMe();
  if (!me.roles.includes('service') && !me.roles.includes('admin')) return <Alert color="gray">{t('admin.only')}</Alert>;
  return <MacrosAdmin />;
}
