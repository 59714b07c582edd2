import { Center, Loader } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, type ReactNode } from 'react';
import { ApiError, setCsrfToken } from '../api/client';
import { consoleApi } from '../api/services';
import { hasSavedLocale, setLocale } from '../i18n';
import { SessionContext } from './session';
import { SignInPage } from './SignInPage';

export function SessionGate({ children }: { children: ReactNode }) {
  const me = useQuery({ queryKey: ['me'], queryFn: consoleApi.me, retry: false, staleTime: Infinity });
  useEffect(() => {
    if (me.data) {
      setCsrfToken(me.data.csrf_token);
      if (!hasSavedLocale() && me.data.locale) setLocale(me.data.locale, false);
    }
  }, [me.data]);
  if (me.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="loading" />
      </Center>
    );
  }
  if (me.error || !me.data) {
    return <SignInPage error={me.error instanceof ApiError && me.error.status === 401 ? null : me.error} />;
  }
  setCsrfToken(me.data.csrf_token);
  return <SessionContext.Provider value={me.data}>{children}</SessionContext.Provider>;
}
