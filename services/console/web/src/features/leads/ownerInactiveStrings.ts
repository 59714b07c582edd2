// Strings of the "owner deactivated" badge and filter (leads list, pipeline cards), English
// and 简体中文 (same keys: ownerInactiveStrings.test.ts), added under `ownerInactive.`.
import i18n from '../../i18n';

export const ownerInactiveEn = {
  badge: 'Owner deactivated',
  hint: 'The directory deactivated this owner and their team has no manager to take over: reassign it.',
  filter: 'Owner deactivated only',
};

export const ownerInactiveZhCN: typeof ownerInactiveEn = {
  badge: '负责人已停用',
  hint: '目录已停用此负责人，且其团队没有可接手的经理：请重新分配。',
  filter: '仅显示负责人已停用的',
};

i18n.addResourceBundle('en', 'translation', { ownerInactive: ownerInactiveEn }, true, false);
i18n.addResourceBundle('zh-CN', 'translation', { ownerInactive: ownerInactiveZhCN }, true, false);
