// The customer 360's insights card strings, English and 简体中文 (same keys:
// customerInsightsStrings.test.ts), added under `customerInsights.` when the card loads.
import i18n from '../../i18n';

export const customerInsightsEn = {
  title: 'Value and risk',
  segment: 'Segment',
  rfm: 'RFM (recency, frequency, monetary)',
  historicalValue: 'Lifetime value so far',
  predictedValue: 'Predicted lifetime value',
  churnRisk: 'Churn risk',
  noReasons: 'No risk signals.',
  firstWon: 'Customer since (first won deal)',
  openTickets: 'Open tickets',
  unavailable: 'Insights are not available for this customer.',
  seg_champion: 'Champion', seg_loyal: 'Loyal', seg_at_risk: 'At risk', seg_new: 'New', seg_hibernating: 'Hibernating',
  seg_regular: 'Regular', seg_none: 'No won deal yet',
  sig_idle: 'Idle', sig_lost_deals: 'Lost deals', sig_sla_breaches: 'SLA breaches', sig_csat: 'Low satisfaction',
  quintiles: 'Among all customers (quintiles of {{n}})',
  q_champions: 'Champions', q_loyal: 'Loyal', q_new: 'New', q_promising: 'Promising', q_cant_lose: 'Can\'t lose',
  q_at_risk: 'At risk', q_hibernating: 'Hibernating', q_need_attention: 'Needs attention',
};

export const customerInsightsZhCN: typeof customerInsightsEn = {
  title: '价值与风险',
  segment: '客户分群',
  rfm: 'RFM（最近一次、频率、金额）',
  historicalValue: '迄今生命周期价值',
  predictedValue: '预测生命周期价值',
  churnRisk: '流失风险',
  noReasons: '无风险信号。',
  firstWon: '成为客户（首次赢单）',
  openTickets: '未结工单',
  unavailable: '该客户的洞察暂不可用。',
  seg_champion: '冠军客户', seg_loyal: '忠诚客户', seg_at_risk: '流失风险客户', seg_new: '新客户', seg_hibernating: '休眠客户',
  seg_regular: '普通客户', seg_none: '尚无赢单',
  sig_idle: '长期未成交', sig_lost_deals: '丢单', sig_sla_breaches: 'SLA 违约', sig_csat: '满意度低',
  quintiles: '在全部客户中（{{n}} 位客户的五分位）',
  q_champions: '冠军客户', q_loyal: '忠诚客户', q_new: '新客户', q_promising: '潜力客户', q_cant_lose: '不可流失客户',
  q_at_risk: '流失风险客户', q_hibernating: '休眠客户', q_need_attention: '需关注客户',
};

i18n.addResourceBundle('en', 'translation', { customerInsights: customerInsightsEn }, true, false);
i18n.addResourceBundle('zh-CN', 'translation', { customerInsights: customerInsightsZhCN }, true, false);
