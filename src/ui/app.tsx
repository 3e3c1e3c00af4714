import {Box} from 'ink';
import {useEffect, useMemo, useRef, useState} from 'react';
import {ACTIVE, statusCounts, targetKinds, type Clock, type State} from '../core/index.js';
import type {LocalKey} from '../store/keyring.js';
import type {Store} from '../store/api.js';
import {useBell} from './hooks/use-bell.js';
import {useConsoleInput} from './hooks/use-console-input.js';
import {useEngineFollowers, useEnginePresence} from './hooks/use-engine-presence.js';
import {useEngineRole, type EngineRole} from './hooks/use-engine-role.js';
import {useNotifyHealth} from './hooks/use-notify-health.js';
import {notifyTroubleText} from './model/notify-trouble.js';
import {storeTroubleText} from './model/store-trouble.js';
import {useStoreReachability} from './hooks/use-store-reachability.js';
import {useCheckedTrust} from './hooks/use-checked-trust.js';
import type {DeliveryHealth} from '../drivers/notify/index.js';
import {livePainter, useLivePaint} from './hooks/use-live-paint.js';
import {useScreenClock} from './hooks/use-now.js';
import {auditKey, QUIET_READ_MAX_MS, useStoreState, useWanted, type Wants} from './hooks/use-store-state.js';
import {useSubmit} from './hooks/use-submit.js';
import {useTargetReading} from './hooks/use-target-reading.js';
import type {LivePatcher} from './screen-writer.js';
import type {ConsoleTargets} from './targets.js';
import {useTerminalSize, type TerminalSize} from './hooks/use-terminal-size.js';
import {footerHints, keymapFor} from './keymap.js';
import {silentLog, type ConsoleLog} from './log.js';
import {maxOffset} from './model/blocks.js';
import {dialogData} from './model/dialog-data.js';
import {groupConfirmable} from './model/group-fit.js';
import {historyLines} from './model/history-lines.js';
import {KeyContextRef} from './model/key-context-ref.js';
import {useServiceHistory} from './hooks/use-service-history.js';
import {useTrackRecord} from './hooks/use-track-record.js';
import {historyMax} from './views/HistoryView.js';
import {contextOf, statusEndsAt, type KeyContext} from './model/console-state.js';
import {paneWindow} from './model/list-frame.js';
import {detailPatch} from './model/live-detail.js';
import {drawList, listPatch, type ListScene} from './model/live-list.js';
import {fitColumns} from './model/columns.js';
import {MARKER_WIDTH} from './model/table-line.js';
import {DEPLOYMENT_COLUMNS} from './views/deployment-rows.js';
import {quietList} from './model/quiet-list.js';
import type {QuitRisk} from './model/quit.js';
import {factChanges, reviewedFacts} from './model/review.js';
import {layoutFor, PANE_TOP, screenModel, type ScreenModel} from './model/screen.js';
import {shownEvents} from './model/shown.js';
import {bakeEndsAt, nextTickMs, type ClockDriven} from './model/ticks.js';
import {eventBlocks, eventRows} from './views/AuditEventView.js';
import {drawDetail, type DetailScene} from './views/detail-frame.js';
import Footer from './views/Footer.js';
import Header from './views/Header.js';
import {helpBlocks, helpRows} from './views/HelpView.js';
import {intentRowsFor} from './views/IntentList.js';
import {leaseRowsFor} from './views/LeaseList.js';
import MainPane from './views/MainPane.js';
import {modeHints} from './views/mode-hints.js';
import PaneTabs from './views/PaneTabs.js';
import StatusLine from './views/StatusLine.js';
import TooSmall from './views/TooSmall.js';

export interface ConsoleAppProps {
	store: Store;
	dataDir: string;
	readonly: boolean;
	identity?: LocalKey;
	engine: EngineRole;
	clock: Clock;
	/** Who the commands are recorded as: `human:alice`, or `operator:<user>` without a key. */
	actor: string;
	log?: ConsoleLog;
	/** Tests inject the terminal size; the console follows the real one. */
	size?: TerminalSize;
	tickMs?: number;
	coalesceMs?: number;
	/** Wall time for the escape-sequence guard (not the engine's clock). */
	wallClock?: () => number;
	/** How often a console that does not lead asks whether anyone does. */
	enginePollMs?: number;
	/** How long an outcome stays on the status line (see statusEndsAt); tests shorten it. */
	statusMs?: number;
	/** A state read before mounting: the first frame then already shows it. */
	initial?: State;
	/** The targets behind the drivers (tests pass their own). */
	targets: ConsoleTargets;
	/** Where the console paints a live detail's or the list's rows without ink (see use-live-paint.ts). */
	screen?: LivePatcher;
	/** Rings the terminal's bell (see use-bell.ts); absent, the console stays silent. */
	ring?: () => void;
	/** The delivery health of this console's notifier, while its engine leads (see use-notify-health.ts). */
	notifyHealth?: DeliveryHealth;
}

const AUDIT_LIMIT = 500;
const NO_ROWS = {deployments: [], leases: [], audit: [], intents: []};

/** What quitting this leading console leaves behind: its live canaries, and who drives them next. */
const quitRiskOf = (state: State, followers: number | undefined): QuitRisk => ({
	live: state.deployments.filter(d => ACTIVE.includes(d.status)).length,
	takeover: followers === undefined ? 'unknown' : followers > 0 ? 'follower' : 'none',
});
const DETAIL_AUDIT = 8;
const SPARK_SAMPLES = 60;

/**
 * The console: data (hooks over the store) → model (pure view models) → render (components).
 * Components never see the store; the key dispatcher only sees what the screen shows.
 */
export default function ConsoleApp(props: ConsoleAppProps) {
	const {store, identity, readonly} = props;
	const log = props.log ?? silentLog;
	const layout = layoutFor(useTerminalSize(props.size));
	// What the clock drives on screen, filled in below once the screen is known; read after render.
	const timing = useRef<ClockDriven>({seconds: false, countdowns: []});
	// A wake that only moves a detail's figures or the list's countdowns is painted without a render (see use-live-paint.ts).
	const idle = useRef<((at: number) => boolean) | undefined>(undefined);
	const {now, rearm} = useScreenClock(props.clock, t => nextTickMs(t, timing.current), props.tickMs, idle);
	const role = useEngineRole(props.engine);
	const presence = useEnginePresence(store, role, props.enginePollMs ?? 5000);
	const followers = useEngineFollowers(store, role, props.enginePollMs ?? 5000);
	const data = useStoreState(store, props.coalesceMs ?? 150, props.initial);
	const {snapshot, reload} = data;
	const table = useMemo(() => keymapFor(readonly), [readonly]);
	const [ctx] = useState(
		() =>
			new KeyContextRef({
				table,
				rows: NO_ROWS,
				listHeight: {deployments: 0, leases: 0, audit: 0, intents: 0},
				detailMax: 0,
				eventMax: 0,
				helpMax: 0,
				availability: {},
				confirmable: {},
				reviewed: () => undefined,
			}),
	);
	const [ui, dispatch] = useConsoleInput(ctx, props.clock, props.wallClock);
	const {state} = snapshot;
	const trust = useCheckedTrust(store, state);
	useBell(state, props.ring);
	// A store that does not answer comes first: everything else on screen is as of when it last did.
	const trouble = [storeTroubleText(useStoreReachability(store), now), notifyTroubleText(useNotifyHealth(props.notifyHealth), now)].filter(Boolean).join(' · ') || undefined;
	// What the frame before was drawn from: a frame for newer data is drawn for fresh data (see DATA_GRACE_MS).
	const drawnFrom = useRef(snapshot);
	const fresh = (['state', 'samples', 'audit'] as const).some(k => snapshot[k] !== drawnFrom.current[k]);
	useEffect(() => {
		drawnFrom.current = snapshot;
	});
	useEffect(() => {
		if (snapshot.error) log.error('store read failed', snapshot.error);
	}, [snapshot.error, log]);
	useEffect(() => {
		log.info('engine role', {role});
	}, [role, log]);

	// The trail is read only while its pane is open, the samples only while a detail is.
	const paneAudit = ui.pane === 'audit' ? {limit: AUDIT_LIMIT} : undefined;
	const paneEvents = paneAudit ? snapshot.audit[auditKey(paneAudit)] : undefined;
	const auditEvents = paneEvents && shownEvents(paneEvents);
	const model = state ? screenModel(state, ui, now, auditEvents ?? [], identity?.role, trust) : undefined;
	const inDetail = contextOf(ui) === 'detail' && model?.selectedDeployment !== undefined;
	const detailId = inDetail ? model!.selectedDeployment!.id : undefined;
	const wants: Wants = detailId
		? {samples: {deploymentId: detailId, limit: SPARK_SAMPLES}, audit: [{deploymentId: detailId, limit: DETAIL_AUDIT}]}
		: {audit: paneAudit ? [paneAudit] : []};
	useWanted(data, wants);
	// What the keys act on that comes from the state: also handed over for a state taken without drawing it (see quiet-list.ts, live-detail.ts).
	// `at`: the time the screen showed them at (a detail painted without a render shows a later second than `now`).
	const fromState = (s: State | undefined, m: ScreenModel | undefined, at = now): Partial<KeyContext> & Pick<KeyContext, 'availability' | 'confirmable' | 'reviewed'> => ({
		availability: m?.availability ?? {},
		confirmable: m?.confirmable ?? {},
		...(role === 'leader' && !readonly && s ? {quitRisk: quitRiskOf(s, followers)} : {}),
		reviewed: (action, target, group) => (s ? reviewedFacts({action, target, ...(group ? {group} : {})}, s, at, trust) : undefined),
		serviceOf: id => s?.deployments.find(d => d.id === id)?.service,
	});
	const scene: DetailScene = {ui, layout, signerRole: identity?.role, trust, wants, queriesKey: table.find(b => b.action === 'queries')?.keys, statusMs: props.statusMs, keysFrom: fromState};
	const detail = inDetail ? drawDetail(scene, snapshot, now, model) : undefined;
	const blocks = detail?.blocks ?? [];
	// Painted without ink only while the detail is all the pane shows.
	const live = detail && !ui.dialog && !ui.help && !ui.quitting && !ui.filtering && !ui.request && !layout.tooSmall && blocks.length > 0;

	const listHeight = {deployments: layout.listRows, leases: leaseRowsFor(layout.listRows), audit: layout.listRows, intents: intentRowsFor(layout.listRows)};
	const detailMax = detail?.detailMax ?? 0;
	const help = ui.help ? helpBlocks(table, layout.columns, helpRows(layout.pane)) : [];
	const helpMax = maxOffset(help, helpRows(layout.pane));
	// What the open dialog shows: a cosign's content wrapped to the width, a group's deployments (see dialog-data.ts).
	const dialog = dialogData(state, ui.dialog, now, trust, identity, layout, useTrackRecord(store, ui.dialog, state));
	// Said in the dialog before Enter, which would be refused for it (see use-submit).
	const dialogChanges = ui.dialog?.reviewed && state ? factChanges(ui.dialog.reviewed, reviewedFacts(ui.dialog, state, now, trust)) : [];
	useSubmit(ui.request, dispatch, {store, clock: props.clock, actor: props.actor, identity, log, reload, targets: props.targets});
	useTargetReading(ui.dialog, state, dispatch, {targets: props.targets, clock: props.clock, trust});
	// The history view (H) reads through the store; again only when the service's deployments change.
	const historyOf = ui.history && state ? state.deployments.filter(d => d.service === ui.history!.service) : [];
	const historyData = useServiceHistory(store, ui.history?.service, historyOf.map(d => `${d.id}:${d.status}`).join(' '));
	const history = ui.history ? {lines: historyLines(historyData, now), offset: ui.history.scroll} : undefined;
	const marked = useMemo(() => new Set(ui.marked), [ui.marked]);
	// As DeploymentList fits them: the list's rows painted without ink are its own lines.
	const listColumns = useMemo(() => fitColumns(DEPLOYMENT_COLUMNS, layout.columns - MARKER_WIDTH), [layout.columns]);

	const pane = ui.pane;
	const listWindow = state && model ? paneWindow(state, model, ui, now, listHeight, inDetail) : {selected: 0, top: 0, shown: [], listViews: []};
	const {selected, top, shown, listViews} = listWindow;
	const event = pane === 'audit' && ui.event ? model?.audit[selected] : undefined;
	const eventRowsShown = useMemo(() => (event ? eventBlocks(event, layout.columns) : []), [event, layout.columns]);
	const eventMax = maxOffset(eventRowsShown, eventRows(layout.pane));
	ctx.current = {
		table,
		rows: model?.rowIds ?? NO_ROWS,
		listHeight,
		detailMax,
		eventMax,
		helpMax,
		...fromState(state, model),
		historyMax: history ? historyMax(history.lines.length, layout.pane) : 0,
		...(ui.dialog?.group ? {confirmable: groupConfirmable(ui.dialog.target, ui.dialog.group.ids, layout.pane, layout.columns)} : {}),
		...(dialog.content ? {dialogBody: dialog.content.body} : {}),
	};
	// In the list, a state that would draw the same frame is neither drawn nor, where the list index tells, read.
	const inList = contextOf(ui) === 'deployments' && !ui.dialog && !ui.help && !ui.quitting;
	const onScreen = inList && state && model ? {state, model, window: listWindow, ui, now, heights: listHeight, signerRole: identity?.role, trust} : undefined;
	quietList(data, ctx, onScreen && {...onScreen, clock: () => props.clock.now(), keysFrom: fromState});
	// After a paint without ink: the keys act on what it showed, and the clock counts from it.
	const painted = (keys: Partial<KeyContext>, at: number, timed: Partial<ClockDriven>) => {
		ctx.current = {...ctx.current, ...keys};
		timing.current = {...timing.current, ...timed};
		rearm(at);
	};
	// The list paints its rows itself only while nothing else on screen moves with the clock.
	const listScene: ListScene = {ui, heights: listHeight, columns: listColumns, marked, signerRole: identity?.role, trust, statusMs: props.statusMs, keysFrom: fromState};
	const listLive = onScreen && !ui.filtering && !ui.request && !ui.history && !layout.tooSmall && !trouble ? onScreen : undefined;
	const painter = live
		? livePainter(() => detail.frame, (snap, at) => drawDetail(scene, snap, at)?.frame, (shown, next) => detailPatch(shown, next, PANE_TOP, layout.columns), (next, at, fresh) => painted(next.keys, at, {fresh}))
		: listLive
			? livePainter(() => drawList(listScene, snapshot, now, listLive), (snap, at) => drawList(listScene, snap, at), (shown, next) => listPatch(shown, next, PANE_TOP + 1, layout.columns), (next, at) => painted(next.keys, at, {countdowns: next.countdowns}))
			: undefined;
	useLivePaint(data, idle, props.screen, painter, () => props.clock.now());
	// The list may hold a state for a minute (see heldFresh), a detail the other deployments' while it is open: the screen either opens onto reads it again at once.
	const {heldAgeMs} = data;
	useEffect(() => {
		if (heldAgeMs() > QUIET_READ_MAX_MS) reload();
	}, [inList, heldAgeMs, reload]);

	// The message stays until its time is up, and the clock wakes the console to take it away.
	const status = ui.status && now < statusEndsAt(ui.status, props.statusMs) ? ui.status : undefined;
	timing.current = {
		expiries: status ? [statusEndsAt(status, props.statusMs)] : [],
		seconds: ui.dialog !== undefined || inDetail,
		fresh,
		countdowns:
			pane === 'leases'
				? (model?.leases.slice(top, top + listHeight.leases).flatMap(l => [l.expiresInMs, ...(l.secondKey ? [l.secondKey.leftMs] : [])]) ?? [])
				: shown.flatMap(d => (ACTIVE.includes(d.status) ? [bakeEndsAt(d) - now] : [])),
	};

	if (layout.tooSmall) {
		return (
			<Box flexDirection="column" width={layout.columns} height={layout.budget} overflow="hidden">
				<TooSmall columns={layout.columns} rows={layout.rows} />
			</Box>
		);
	}
	const hints = modeHints(ui) ?? footerHints(table, contextOf(ui), layout.columns);
	return (
		<Box flexDirection="column" width={layout.columns} height={layout.budget} overflow="hidden">
			<Header
				dataDir={props.dataDir}
				role={role}
				engine={presence.presence}
				{...(presence.leader ? {leader: presence.leader} : {})}
				actor={props.actor}
				{...(identity ? {keyRole: identity.role} : {})}
				readonly={readonly}
				{...(state ? {target: targetKinds(state)} : {})}
				counts={state ? statusCounts(state) : {}}
				demoTrust={store.trust.demo}
				{...(trouble ? {trouble} : {})}
			/>
			<PaneTabs
				pane={pane}
				{...(detailId ? {detail: detailId} : {})}
				counts={{
					deployments: model?.deployments.length,
					leases: model?.leases.length,
					intents: model?.intents.length,
					// The trail is read only while its pane is open: no count rather than a wrong one.
					audit: auditEvents ? model?.audit.length : undefined,
				}}
				filter={ui.filter[pane]}
				filtering={ui.filtering}
				filterCursor={ui.filterCursor}
				compact={layout.columns < 120}
				width={layout.columns}
			/>
			<MainPane
				ui={ui}
				layout={layout}
				state={state}
				model={model}
				listViews={listViews}
				selected={selected}
				top={top}
				listHeight={listHeight[pane]}
				blocks={blocks}
				detailOffset={Math.min(ui.detailScroll, detailMax)}
				eventBlocks={eventRowsShown}
				eventOffset={Math.min(ui.eventScroll, eventMax)}
				help={help}
				helpOffset={Math.min(ui.helpScroll, helpMax)}
				readonly={readonly}
				auditLoading={auditEvents === undefined}
				readError={snapshot.error}
				dialog={dialog}
				marked={marked}
				{...(history ? {history} : {})}
				dialogChanges={dialogChanges}
				now={now}
			/>
			<StatusLine
				status={status}
				pending={ui.request ? `submitting ${ui.request.dialog.action} for ${ui.request.dialog.target}` : undefined}
				readError={snapshot.error}
			/>
			<Footer hints={hints} />
		</Box>
	);
}
