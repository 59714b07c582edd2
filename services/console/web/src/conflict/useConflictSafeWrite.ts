// Every write carries the version it was based on (If-Match). On 412 the hook loads the
// current record and opens the conflict view; nothing is overwritten without a choice.
import { useState } from 'react';
import { ApiError, type Versioned } from '../api/client';
import { changedFields, diffConflict, mineOnTop, type FieldDiff, type Values } from './diff';

export interface ConflictState {
  diffs: FieldDiff[];
  theirs: Values;
  theirEtag: string | number;
}

export interface ConflictSafeWrite {
  /** Send `mine` (full edited values) based on `base` loaded at `etag`. Resolves true when saved. */
  save: (base: Values, mine: Values, etag: string | number) => Promise<boolean>;
  conflict: ConflictState | null;
  applyMine: () => Promise<boolean>;
  discardMine: () => void;
  saving: boolean;
  error: unknown;
}

export function useConflictSafeWrite<T extends Values>(opts: {
  send: (changes: Values, ifMatch: string | number) => Promise<Versioned<T>>;
  load: () => Promise<Versioned<T>>;
  fields: string[];
  onSaved?: (result: Versioned<T>) => void;
  onDiscard?: (theirs: Versioned<T>) => void;
}): ConflictSafeWrite {
  const [conflict, setConflict] = useState<(ConflictState & { loaded: Versioned<T> }) | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function attempt(base: Values, changes: Values, etag: string | number): Promise<boolean> {
    setSaving(true);
    setError(null);
    try {
      const result = await opts.send(changes, etag);
      setConflict(null);
      opts.onSaved?.(result);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        const loaded = await opts.load();
        const theirs = loaded.data as Values;
        setConflict({
          diffs: diffConflict(base, changes, theirs, opts.fields),
          theirs,
          theirEtag: loaded.etag ?? (theirs.version as number),
          loaded,
        });
        return false;
      }
      setError(e);
      return false;
    } finally {
      setSaving(false);
    }
  }

  return {
    save: (base, mine, etag) => {
      const changes = changedFields(base, mine);
      if (!Object.keys(changes).length) return Promise.resolve(true);
      return attempt(base, changes, etag);
    },
    conflict,
    saving,
    error,
    applyMine: () => {
      if (!conflict) return Promise.resolve(false);
      // Re-base on their version: my values on top of theirs, with their ETag.
      return attempt(conflict.theirs, mineOnTop(conflict.diffs), conflict.theirEtag);
    },
    discardMine: () => {
      if (conflict) opts.onDiscard?.(conflict.loaded);
      setConflict(null);
    },
  };
}
