import { SegmentedControl } from '@mantine/core';
import { setLocale, useT } from '../i18n';

export function LanguageSwitch() {
  const { t, locale } = useT();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('nav.language')}
      value={locale}
      onChange={(v) => setLocale(v)}
      data={[
        { value: 'en', label: 'EN' },
        { value: 'zh-CN', label: '中文' },
      ]}
      data-testid="language-switch"
    />
  );
}
