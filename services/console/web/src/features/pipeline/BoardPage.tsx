import {
  DndContext, DragOverlay, KeyboardSensor, PointerSensor, pointerWithin, rectIntersection, useDraggable, useDroppable, useSensor, useSensors,
  type Announcements, type CollisionDetection, type DragEndEvent,
} from '@dnd-kit/core';
import { Alert, Badge, Button, Card, Group, Modal, Paper, Select, Stack, Text, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, problemMessage } from '../../api/client';
import { allPages, sales } from '../../api/services';
import type { Deal, Stage } from '../../api/types';
import { useCan } from '../../auth/session';
import { useT } from '../../i18n';
import { formatMoney } from '../../lib/format';
import { DealQuotesDrawer } from '../quotes/DealQuotesDrawer';
import { quotesEn } from '../quotes/quotesStrings';
import { ownerInactiveEn } from '../leads/ownerInactiveStrings';
import { columnKeyboardCoordinates } from './keyboard';
import { groupBoardTotals, type ColumnTotals } from './totals';

const collision: CollisionDetection = (args) => {
  const within = pointerWithin(args);
  return within.length ? within : rectIntersection(args);
};

export default function BoardPage() {
  const { t, locale } = useT();
  const qc = useQueryClient();
  const canMove = useCan('deal');
  const [params, setParams] = useSearchParams();
  const pipelines = useQuery({ queryKey: ['pipelines'], queryFn: sales.pipelines });
  const pipelineId = params.get('pipeline') ?? pipelines.data?.items[0]?.id ?? 'default';
  const pipeline = pipelines.data?.items.find((p) => p.id === pipelineId);
  const deals = useQuery({ queryKey: ['deals', 'board', pipelineId], queryFn: () => allPages(sales.deals, { pipeline_id: pipelineId }) });
  const board = useQuery({ queryKey: ['board', pipelineId], queryFn: () => sales.board(pipelineId), retry: false });
  const [moving, setMoving] = useState<Record<string, string>>({});
  const [activeId, setActiveId] = useState<string | null>(null);
  const [closing, setClosing] = useState<{ deal: Deal; stage: Stage } | null>(null);
  const [quoting, setQuoting] = useState<string | null>(null);
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor, { coordinateGetter: columnKeyboardCoordinates }),
  );

  const stageName = (s: Stage | { stage: string; name: string }) => {
    const id = 'id' in s ? s.id : s.stage;
    return t(`stages.${id}`, { defaultValue: s.name });
  };
  const byStage = useMemo(() => {
    const m = new Map<string, Deal[]>();
    for (const d of deals.data?.items ?? []) {
      const stage = moving[d.id] ?? d.stage;
      m.set(stage, [...(m.get(stage) ?? []), d]);
    }
    return m;
  }, [deals.data, moving]);
  const dealById = new Map((deals.data?.items ?? []).map((d) => [d.id, d]));
  const columnsFromServer = useMemo(() => groupBoardTotals(board.data?.stages ?? []), [board.data]);

  async function move(deal: Deal, stage: Stage, reason?: string) {
    setMoving((m) => ({ ...m, [deal.id]: stage.id }));
    try {
      await sales.moveStage(deal.id, stage.id, deal.version, reason);
    } catch (e) {
      notifications.show({
        color: e instanceof ApiError && e.status === 412 ? 'orange' : 'red',
        message: e instanceof ApiError && e.status === 412 ? t('board.stale', { name: deal.name }) : problemMessage(e),
      });
    } finally {
      await Promise.all([
        qc.invalidateQueries({ queryKey: ['deals'] }),
        qc.invalidateQueries({ queryKey: ['board'] }),
      ]);
      setMoving((m) => {
        const { [deal.id]: _, ...rest } = m;
        return rest;
      });
    }
  }

  function onDragEnd(e: DragEndEvent) {
    setActiveId(null);
    const deal = dealById.get(String(e.active.id));
    const stage = pipeline?.stages.find((s) => s.id === e.over?.id);
    if (!deal || !stage || stage.id === (moving[deal.id] ?? deal.stage)) return;
    if (stage.kind === 'won' || stage.kind === 'lost') setClosing({ deal, stage });
    else void move(deal, stage);
  }

  const announcements: Announcements = {
    onDragStart: ({ active }) => t('board.a11y.picked', { name: dealById.get(String(active.id))?.name ?? '' }),
    onDragOver: ({ active, over }) => over ? t('board.a11y.over', { name: dealById.get(String(active.id))?.name ?? '', stage: stageName(pipeline?.stages.find((s) => s.id === over.id) ?? { stage: String(over.id), name: String(over.id) }) }) : '',
    onDragEnd: ({ active, over }) => over ? t('board.a11y.dropped', { name: dealById.get(String(active.id))?.name ?? '', stage: stageName(pipeline?.stages.find((s) => s.id === over.id) ?? { stage: String(over.id), name: String(over.id) }) }) : t('board.a11y.cancelled'),
    onDragCancel: () => t('board.a11y.cancelled'),
  };

  const active = activeId ? dealById.get(activeId) : undefined;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('nav.pipeline')}</Title>
        <Select aria-label={t('board.pipeline')} value={pipelineId} w={240}
          data={(pipelines.data?.items ?? []).map((p) => ({ value: p.id, label: p.name }))}
          onChange={(v) => v && setParams({ pipeline: v })} data-testid="pipeline-select" />
      </Group>
      {canMove && <Text size="sm" c="dimmed">{t('board.hint')}</Text>}
      {deals.error ? <Alert color="red">{problemMessage(deals.error)}</Alert> : null}
      <DndContext sensors={sensors} collisionDetection={collision} onDragStart={(e) => setActiveId(String(e.active.id))}
        onDragEnd={onDragEnd} onDragCancel={() => setActiveId(null)}
        accessibility={{ announcements, screenReaderInstructions: { draggable: t('board.a11y.instructions') } }}>
        <div style={{ overflowX: 'auto' }} tabIndex={0} role="group" aria-label={pipeline?.name ?? t('board.pipeline')} data-testid="board">
          <Group align="flex-start" wrap="nowrap" gap="sm" pb="sm">
            {(pipeline?.stages ?? []).map((s) => (
              <Column key={s.id} stage={s} title={stageName(s)} deals={byStage.get(s.id) ?? []} totals={columnsFromServer.get(s.id)}
                canMove={canMove} locale={locale} onQuotes={setQuoting} />
            ))}
          </Group>
        </div>
        <DragOverlay>{active ? <DealCard deal={active} locale={locale} overlay /> : null}</DragOverlay>
      </DndContext>
      <CloseDialog closing={closing} onCancel={() => setClosing(null)}
        onConfirm={(reason) => { if (closing) void move(closing.deal, closing.stage, reason); setClosing(null); }} />
      <DealQuotesDrawer deal={quoting ? dealById.get(quoting) ?? null : null} onClose={() => setQuoting(null)} />
    </Stack>
  );
}

function Column({ stage, title, deals, totals, canMove, locale, onQuotes }: {
  stage: Stage; title: string; deals: Deal[]; totals: ColumnTotals | undefined; canMove: boolean; locale: string; onQuotes: (id: string) => void;
}) {
  const { t } = useT();
  const { setNodeRef, isOver } = useDroppable({ id: stage.id });
  const color = stage.kind === 'won' ? 'green' : stage.kind === 'lost' ? 'gray' : 'indigo';
  return (
    <Paper ref={setNodeRef} withBorder p="xs" w={260} miw={260} data-testid={`board-column-${stage.id}`} aria-label={title}
      role="region" style={{ background: isOver ? 'var(--mantine-color-indigo-0)' : 'var(--mantine-color-gray-0)', minHeight: 400 }}>
      <Group justify="space-between" mb={4} wrap="nowrap">
        <Text fw={700} size="sm" truncate>{title}</Text>
        <Badge color={color} variant="light" data-testid="column-count">{totals ? totals.count : '—'}</Badge>
      </Group>
      <Stack gap={2} mb="xs">
        <Group gap={6} wrap="nowrap" align="flex-start">
          <Text size="xs" c="dimmed">{t('board.sum')}</Text>
          <Text size="xs" fw={600} data-testid="column-sum" style={{ whiteSpace: 'pre-line' }}>{moneyLines(totals, 'amount_sum', locale)}</Text>
        </Group>
        <Group gap={6} wrap="nowrap" align="flex-start">
          <Text size="xs" c="dimmed">{t('board.weighted', { p: stage.probability })}</Text>
          <Text size="xs" fw={600} data-testid="column-weighted" style={{ whiteSpace: 'pre-line' }}>{moneyLines(totals, 'weighted_sum', locale)}</Text>
        </Group>
      </Stack>
      <Stack gap={6}>
        {deals.map((d) => (canMove ? <DraggableDeal key={d.id} deal={d} locale={locale} onQuotes={onQuotes} /> : <DealCard key={d.id} deal={d} locale={locale} onQuotes={onQuotes} />))}
      </Stack>
    </Paper>
  );
}

/** One line per currency ("€12,000\n$5,000"); "—" until the server's board answers. */
function moneyLines(totals: ColumnTotals | undefined, key: 'amount_sum' | 'weighted_sum', locale: string): string {
  if (!totals) return '—';
  return totals.lines.map((l) => formatMoney(l[key], l.currency, locale)).join('\n');
}

function DraggableDeal({ deal, locale, onQuotes }: { deal: Deal; locale: string; onQuotes: (id: string) => void }) {
  const { t } = useT();
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id: deal.id });
  return (
    <div ref={setNodeRef} {...attributes} {...listeners} className="focus-ring" aria-roledescription={t('board.a11y.card')} style={{ opacity: isDragging ? 0.4 : 1, cursor: 'grab', borderRadius: 8 }}>
      <DealCard deal={deal} locale={locale} onQuotes={onQuotes} />
    </div>
  );
}

function DealCard({ deal, locale, overlay, onQuotes }: { deal: Deal; locale: string; overlay?: boolean; onQuotes?: (id: string) => void }) {
  const { t } = useT();
  return (
    <Card withBorder padding="xs" shadow={overlay ? 'md' : undefined} data-testid={overlay ? undefined : `deal-card-${deal.id}`} data-version={deal.version}>
      <Text size="sm" fw={600} lineClamp={2}>{deal.name}</Text>
      <Text size="xs" c="dimmed">{deal.customer?.display_name ?? '—'}</Text>
      <Group justify="space-between" mt={4}>
        <Text size="sm">{formatMoney(deal.amount, deal.currency, locale)}</Text>
        <Text size="xs" c="dimmed">{deal.owner_id ?? ''}</Text>
      </Group>
      {deal.status !== 'open' && deal.close_reason && <Text size="xs" c="dimmed">{t('board.reason')}: {deal.close_reason}</Text>}
      {deal.owner_inactive && (
        <Badge mt={4} size="xs" color="orange" variant="light" title={t('ownerInactive.hint', { defaultValue: ownerInactiveEn.hint })}
          data-testid={`deal-owner-inactive-${deal.id}`}>{t('ownerInactive.badge', { defaultValue: ownerInactiveEn.badge })}</Badge>
      )}
      {onQuotes && (
        // Its own control, kept out of the drag sensors: a click opens the quotes, Space/Enter still lift the card.
        <Button variant="subtle" size="compact-xs" mt={4} onPointerDown={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}
          onClick={() => onQuotes(deal.id)} data-testid={`deal-quotes-${deal.id}`}>
          {t('quotes.open', { defaultValue: quotesEn.open })}
        </Button>
      )}
    </Card>
  );
}

function CloseDialog({ closing, onCancel, onConfirm }: { closing: { deal: Deal; stage: Stage } | null; onCancel: () => void; onConfirm: (reason: string) => void }) {
  const { t } = useT();
  const [reason, setReason] = useState('');
  const won = closing?.stage.kind === 'won';
  return (
    <Modal opened={closing !== null} onClose={onCancel} title={won ? t('board.wonTitle') : t('board.lostTitle')} centered>
      <form onSubmit={(e) => { e.preventDefault(); onConfirm(reason.trim()); setReason(''); }} data-testid="close-dialog">
        <Text size="sm" mb="xs">{closing?.deal.name}</Text>
        <Textarea label={won ? t('board.wonReason') : t('board.lostReason')} value={reason} required={!won} autoFocus
          onChange={(e) => setReason(e.currentTarget.value)} data-testid="close-reason" />
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={onCancel}>{t('common.cancel')}</Button>
          <Button type="submit" color={won ? 'green' : 'red'} disabled={!won && !reason.trim()} data-testid="close-confirm">
            {won ? t('board.markWon') : t('board.markLost')}
          </Button>
        </Group>
      </form>
    </Modal>
  );
}
