import { Alert, Badge, Button, Card, Container, Group, SimpleGrid, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { problemMessage } from '../api/client';
import { consoleApi } from '../api/services';
import { useT } from '../i18n';
import { LanguageSwitch } from '../layout/LanguageSwitch';

export function SignInPage({ error }: { error: unknown }) {
  const { t } = useT();
  const qc = useQueryClient();
  const config = useQuery({ queryKey: ['auth-config'], queryFn: consoleApi.authConfig, retry: false });
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  async function signIn(sub: string) {
    setBusy(sub);
    setFailure(null);
    try {
      await consoleApi.devLogin(sub);
      await qc.resetQueries();
    } catch (e) {
      setFailure(problemMessage(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <Container size="lg" py="xl" component="main">
      <Group justify="space-between" mb="lg">
        <Title order={1}>{t('signIn.title')}</Title>
        <LanguageSwitch />
      </Group>
      {error ? <Alert color="red" mb="md">{problemMessage(error)}</Alert> : null}
      {failure ? <Alert color="red" mb="md">{failure}</Alert> : null}
      {config.data?.mode === 'oidc' && (
        <Button component="a" href="/auth/login" size="lg" data-testid="sign-in-oidc">
          {t('signIn.oidc')}
        </Button>
      )}
      {config.data?.mode === 'development' && (
        <Stack>
          <Text c="dimmed">{t('signIn.devHint')}</Text>
          <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
            {(config.data.users ?? []).map((u) => (
              <UnstyledButton
                key={u.sub}
                onClick={() => void signIn(u.sub)}
                disabled={busy !== null}
                data-testid={`dev-user-${u.sub}`}
              >
                <Card withBorder padding="sm">
                  <Text fw={600}>{u.name}</Text>
                  <Text size="sm" c="dimmed">{u.title}</Text>
                  <Group gap={4} mt={4}>
                    {u.roles.map((r) => (
                      <Badge key={r} size="xs" variant="light">{t(`roles.${r}`, { defaultValue: r })}</Badge>
                    ))}
                  </Group>
                </Card>
              </UnstyledButton>
            ))}
          </SimpleGrid>
        </Stack>
      )}
      {config.error ? <Alert color="red">{problemMessage(config.error)}</Alert> : null}
    </Container>
  );
}
