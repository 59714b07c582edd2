import { Anchor, Stack, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useT } from '../../i18n';

export default function NotFound() {
  const { t } = useT();
  return (
    <Stack>
      <Title order={2}>{t('notFound.title')}</Title>
      <Anchor component={Link} to="/">{t('nav.home')}</Anchor>
    </Stack>
  );
}
