import { Text } from '@mantine/core';

/** One figure with its label (the dashboards' cards). */
export function Metric({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={700}>{value}</Text>
    </div>
  );
}
