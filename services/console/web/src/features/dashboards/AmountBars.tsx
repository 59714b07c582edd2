import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useT } from '../../i18n';
import { formatNumber } from '../../lib/format';

export interface BarSpec { key: string; name: string; fill: string }

/** Grouped bars of amounts: compact axis, tooltip in the caller's format (a currency, usually). */
export function AmountBars({ data, x, bars, format, height = 260 }: {
  data: object[]; x: string; bars: BarSpec[]; format: (v: number) => string; height?: number;
}) {
  const { locale } = useT();
  return (
    <ResponsiveContainer width="100%" height={height}>
      <BarChart data={data}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey={x} />
        <YAxis tickFormatter={(v: number) => formatNumber(v, locale, { notation: 'compact' })} width={60} />
        <Tooltip formatter={(v) => format(Number(v))} />
        <Legend />
        {bars.map((b) => <Bar key={b.key} dataKey={b.key} name={b.name} fill={b.fill} />)}
      </BarChart>
    </ResponsiveContainer>
  );
}
