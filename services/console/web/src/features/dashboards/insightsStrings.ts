// The insights cards' strings, English and 简体中文 (same keys: insightsStrings.test.ts),
// added to the app's dictionaries under `insights.` when the dashboards route loads.
import i18n from '../../i18n';

export const insightsEn = {
  title: 'Insights (live)',
  pipeline: 'Open pipeline by stage ({{currency}})',
  count: 'Deals',
  amount: 'Amount',
  weighted: 'Weighted',
  winRate: 'Win rate',
  avgDealSize: 'Average deal size',
  cycle: 'Sales cycle (days)',
  velocity: 'Sales velocity per day',
  openCount: 'Open deals',
  wonAmount: 'Won',
  conversion: 'Where deals go from each stage',
  exits: 'Exits',
  daysInStage: 'Days in stage',
  period: 'Period',
  allPeriods: 'All periods',
  periodFormat: 'A year (2026), month (2026-03) or quarter (2026-Q1)',
  unavailable: 'Insights are not available right now.',
  empty: 'No deals yet.',
  forecast: 'Forecast against target ({{period}})',
  pickPeriod: 'Choose a period to compare the forecast with its target.',
  won: 'Won', commit: 'Commit (weighted)', bestCase: 'Best case', historical: 'From past win rate', target: 'Target',
  attainment: 'Attainment',
};

export const insightsZhCN: typeof insightsEn = {
  title: '洞察（实时）',
  pipeline: '各阶段未结商机（{{currency}}）',
  count: '商机数',
  amount: '金额',
  weighted: '加权金额',
  winRate: '赢单率',
  avgDealSize: '平均成交额',
  cycle: '销售周期（天）',
  velocity: '每日销售速度',
  openCount: '未结商机',
  wonAmount: '已赢单',
  conversion: '各阶段商机去向',
  exits: '离开数',
  daysInStage: '阶段停留天数',
  period: '期间',
  allPeriods: '全部期间',
  periodFormat: '年（2026）、月（2026-03）或季度（2026-Q1）',
  unavailable: '洞察暂时不可用。',
  empty: '暂无商机。',
  forecast: '预测与目标对比（{{period}}）',
  pickPeriod: '选择期间以对比预测与目标。',
  won: '已赢单', commit: '承诺（加权）', bestCase: '最佳情况', historical: '按历史赢单率', target: '目标',
  attainment: '达成率',
};

i18n.addResourceBundle('en', 'translation', { insights: insightsEn }, true, false);
i18n.addResourceBundle('zh-CN', 'translation', { insights: insightsZhCN }, true, false);
