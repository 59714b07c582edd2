import { MantineProvider, createTheme, type CSSVariablesResolver } from '@mantine/core';
import { ModalsProvider } from '@mantine/modals';
import { Notifications } from '@mantine/notifications';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter } from 'react-router';
import { ApiError } from './api/client';
import { SessionGate } from './auth/SessionGate';
import { AppRoutes } from './AppRoutes';

const theme = createTheme({ primaryColor: 'indigo', primaryShade: { light: 8, dark: 8 }, defaultRadius: 'md' });

// Small text must meet WCAG AA contrast: darker dimmed text and darker text on light variants.
const COLORS = ['indigo', 'blue', 'green', 'red', 'orange', 'yellow', 'gray', 'cyan', 'teal', 'violet', 'grape', 'pink', 'lime'];
const DARK_TEXT: Record<string, string> = { green: '#1f6b2e', orange: '#8f3b00', yellow: '#7a4d00', red: '#a61e1e', lime: '#4a6b00', teal: '#0b6157', cyan: '#0a5c6e' };
const contrast: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    ...Object.fromEntries(COLORS.map((c) => [`--mantine-color-${c}-light-color`, DARK_TEXT[c] ?? `var(--mantine-color-${c}-9)`])),
  },
  dark: {},
});

// A 401 from any call means the session ended: ask /api/me again, which shows the sign-in page.
function onError(err: unknown, key?: readonly unknown[]) {
  if (key?.[0] === 'me' || key?.[0] === 'auth-config') return;
  if (err instanceof ApiError && err.status === 401) void queryClient.invalidateQueries({ queryKey: ['me'] });
}

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError: (err, query) => onError(err, query.queryKey) }),
  mutationCache: new MutationCache({ onError: (err) => onError(err) }),
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // a busy service was asked again already (api/client.ts): no second round of retries
      retry: (count, err) => !(err instanceof ApiError && (err.status < 500 || err.busy)) && count < 2,
    },
  },
});

export function App() {
  return (
    <MantineProvider theme={theme} cssVariablesResolver={contrast}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <ModalsProvider>
          <BrowserRouter>
            <SessionGate>
              <AppRoutes />
            </SessionGate>
          </BrowserRouter>
        </ModalsProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
