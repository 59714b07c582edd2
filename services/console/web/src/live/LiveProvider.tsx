// One EventSource per tab on /api/live. A change notice only invalidates the matching
// queries (TanStack refetches them through the APIs); it never patches data itself.
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { LiveChange } from '../api/types';
import { keysToInvalidate, parseChange } from './invalidate';

type Status = 'connecting' | 'open' | 'reconnecting';

const StatusContext = createContext<Status>('connecting');

// Recent notices, for "changed by Ana (sales) just now".
let recent: LiveChange[] = [];
const listeners = new Set<() => void>();
function remember(change: LiveChange): void {
  recent = [change, ...recent].slice(0, 50);
  listeners.forEach((l) => l());
}
function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useRecentChanges(): LiveChange[] {
  return useSyncExternalStore(subscribe, () => recent);
}

export function useLiveStatus(): Status {
  return useContext(StatusContext);
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const [status, setStatus] = useState<Status>('connecting');

  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;

    function connect() {
      source = new EventSource('/api/live');
      source.onopen = () => setStatus('open');
      source.addEventListener('hello', () => setStatus('open'));
      source.addEventListener('change', (ev) => {
        const change = parseChange((ev as MessageEvent<string>).data);
        if (!change) return;
        remember(change);
        for (const key of keysToInvalidate(change)) void qc.invalidateQueries({ queryKey: key });
      });
      source.onerror = () => {
        setStatus('reconnecting');
        // The browser retries by itself (resending Last-Event-ID) unless the stream is closed
        // for good (e.g. an HTTP error): then open a new one after a pause.
        if (source && source.readyState === EventSource.CLOSED && !stopped) {
          source.close();
          retry = setTimeout(connect, 3000);
        }
      };
    }
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [qc]);

  return <StatusContext.Provider value={status}>{children}</StatusContext.Provider>;
}
