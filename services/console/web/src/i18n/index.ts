import i18n from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import { en } from './en';
import { zhCN } from './zh-CN';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

const STORAGE_KEY = 'crm.locale';

export function initialLocale(): Locale {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
  if (saved === 'en' || saved === 'zh-CN') return saved;
  return typeof navigator !== 'undefined' && navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

const startLocale = initialLocale();
if (typeof document !== 'undefined') document.documentElement.lang = startLocale;

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  lng: startLocale,
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});

export function setLocale(locale: string, remember = true): void {
  const l: Locale = locale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
  if (remember) localStorage.setItem(STORAGE_KEY, l);
  document.documentElement.lang = l;
  void i18n.changeLanguage(l);
}

export function hasSavedLocale(): boolean {
  return localStorage.getItem(STORAGE_KEY) !== null;
}

/** t() plus the active locale for Intl. */
export function useT() {
  const { t, i18n: inst } = useTranslation();
  return { t, locale: inst.language || 'en' };
}

export default i18n;
