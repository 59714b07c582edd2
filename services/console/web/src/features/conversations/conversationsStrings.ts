// The conversations feature's strings, English and 简体中文 (same keys: conversationsStrings.test.ts),
// added to the app's dictionaries under `conversations.` when a component of the feature loads.
import i18n from '../../i18n';

export const conversationsEn = {
  mailedTo: 'Sent by e-mail to {{email}}; their answer comes back to this ticket.',
  noMail: 'No requester e-mail on this ticket: the reply is only shown here.',
  attachments: 'Attachments',
  download: 'Download {{name}}',
};

export const conversationsZhCN: typeof conversationsEn = {
  mailedTo: '将通过电子邮件发送给 {{email}}；对方的回复会回到此工单。',
  noMail: '此工单没有请求人的电子邮件：回复只显示在这里。',
  attachments: '附件',
  download: '下载 {{name}}',
};

i18n.addResourceBundle('en', 'translation', { conversations: conversationsEn }, true, false);
i18n.addResourceBundle('zh-CN', 'translation', { conversations: conversationsZhCN }, true, false);
