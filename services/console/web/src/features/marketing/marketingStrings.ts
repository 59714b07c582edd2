// The marketing section's strings, English and 简体中文 (same keys: marketingStrings.test.ts),
// added to the app's dictionaries under `marketing.` when the route loads.
import i18n from '../../i18n';

export const marketingEn = {
  title: 'Marketing',
  segments: 'Segments', campaigns: 'Campaigns', consent: 'Consent history',
  newSegment: 'New segment', name: 'Name', match: 'Customers matching', all: 'all of these', any: 'any of these',
  field: 'Field', op: 'Condition', value: 'Value', addRule: 'Add a condition', remove: 'Remove',
  preview: 'Preview', previewCount: '{{count}} of {{of}} customers match now', save: 'Save segment',
  saved: 'Segment saved: membership now follows every change live.', members: 'Members', noSegments: 'No segments yet.',
  live: 'Live membership',
  newCampaign: 'New e-mail campaign', segment: 'Segment', purpose: 'List (consent purpose)', subject: 'Subject',
  body: 'Text (variables: first_name, unsubscribe_url)', create: 'Create draft', sendNow: 'Send now',
  status: 'Status', outcomes: 'Outcomes', noCampaigns: 'No campaigns yet.',
  honoured: 'Sent only to members with consent for the list, not unsubscribed, bounced, complained, objecting or erased.',
  customerId: 'Customer id', show: 'Show', when: 'When', action: 'Action', channel: 'Channel', basis: 'Legal basis',
  source: 'Source', objected: 'Objected to direct marketing (Art. 21): no marketing whatever the basis.',
  noEntries: 'No consent entries for this customer.', error: 'Marketing is not available right now.',
  status_draft: 'Draft', status_scheduled: 'Scheduled', status_sending: 'Sending', status_sent: 'Sent',
  action_granted: 'Granted', action_withdrawn: 'Withdrawn', action_objected: 'Objected',
};

export const marketingZhCN: typeof marketingEn = {
  title: '市场营销',
  segments: '客户分群', campaigns: '营销活动', consent: '同意记录',
  newSegment: '新建分群', name: '名称', match: '符合条件的客户', all: '满足全部条件', any: '满足任一条件',
  field: '字段', op: '条件', value: '值', addRule: '添加条件', remove: '移除',
  preview: '预览', previewCount: '当前 {{of}} 位客户中有 {{count}} 位符合', save: '保存分群',
  saved: '分群已保存：成员资格随每次变更实时更新。', members: '成员', noSegments: '暂无分群。',
  live: '实时成员',
  newCampaign: '新建邮件营销活动', segment: '分群', purpose: '列表（同意用途）', subject: '主题',
  body: '正文（变量：first_name、unsubscribe_url）', create: '创建草稿', sendNow: '立即发送',
  status: '状态', outcomes: '结果', noCampaigns: '暂无营销活动。',
  honoured: '仅发送给已同意该列表且未退订、未退信、未投诉、未反对且未被删除的成员。',
  customerId: '客户 ID', show: '查看', when: '时间', action: '操作', channel: '渠道', basis: '法律依据',
  source: '来源', objected: '已反对直接营销（第 21 条）：无论依据如何均不得营销。',
  noEntries: '该客户暂无同意记录。', error: '市场营销服务暂不可用。',
  status_draft: '草稿', status_scheduled: '已计划', status_sending: '发送中', status_sent: '已发送',
  action_granted: '已同意', action_withdrawn: '已撤回', action_objected: '已反对',
};

i18n.addResourceBundle('en', 'translation', { marketing: marketingEn }, true, false);
i18n.addResourceBundle('zh-CN', 'translation', { marketing: marketingZhCN }, true, false);
