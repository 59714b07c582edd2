// A small JSON editor for admin documents that are lists of rules: parse errors inline,
// save with If-Match, server validation errors shown as they come (problem+json).
import { Alert, Button, Group, JsonInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { ApiError, problemMessage } from '../../api/client';
import { useT } from '../../i18n';

export function JsonEditor({ value, onSave, label, testid }: { value: unknown; onSave: (v: unknown) => Promise<unknown>; label: string; testid: string }) {
  const { t } = useT();
  const [text, setText] = useState(() => JSON.stringify(value, null, 2));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setText(JSON.stringify(value, null, 2)), [value]);
  async function save() {
    setError(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      setError(String(e));
      return;
    }
    setBusy(true);
    try {
      await onSave(parsed);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 412 ? t('conflict.reloaded') : problemMessage(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <JsonInput label={label} value={text} onChange={setText} autosize minRows={6} maxRows={24} formatOnBlur validationError={t('admin.badJson')} data-testid={testid} />
      {error && <Alert color="red" mt="xs">{error}</Alert>}
      <Group justify="flex-end" mt="xs">
        <Button onClick={() => void save()} loading={busy} data-testid={`${testid}-save`}>{t('common.save')}</Button>
      </Group>
    </>
  );
}
