import {
	deploymentView,
	displayDeep,
	leasesNotStarted,
	leaseView,
	startPreview,
	UNREAD_TARGET,
	statusWord,
	type AuditEvent,
	type Deployment,
	type DeploymentView,
	type Intent,
	type LeaseView,
	type StartPreview,
	type State, type Trust} from '../../core/index.js';
import {approveAvailability, cosignAvailability, deploymentActions, startAvailability, type Availability} from '../../core/view/actions.js';
import {READING_WAIT, type DialogAction} from './dialog.js';
import {intentNext} from './outcome.js';
import {tierCosignAvailability} from './tier-cosign.js';
import {selectedId, type ConsoleState, type Pane} from './console-state.js';

/**
 * The height budget. The frame is never taller than rows − 1: at the terminal's height ink 6
 * clears the whole screen on every frame (flicker, and the scrollback wiped).
 */
export interface Layout {
	columns: number;
	rows: number;
	/** Lines the frame may use. */
	budget: number;
	/** Lines of the main pane (list with its column header, detail, dialog or help). */
	pane: number;
	/** Rows of a list below its column header. */
	listRows: number;
	tooSmall: boolean;
}

export const MIN_SIZE = {columns: 60, rows: 14} as const;
// Header (2), pane tabs (1), status line (1), footer (1).
const CHROME = 5;
/** The screen line the main pane starts on, under the header and the tabs. */
export const PANE_TOP = 3;

export function layoutFor(size: {columns: number; rows: number}): Layout {
	const budget = Math.max(1, size.rows - 1);
	const pane = Math.max(0, budget - CHROME);
	return {
		columns: size.columns,
		rows: size.rows,
		budget,
		pane,
		listRows: Math.max(0, pane - 1),
		tooSmall: size.columns < MIN_SIZE.columns || size.rows < MIN_SIZE.rows,
	};
}

// A status matches as its code (`rolled_back`) and as the words the screen shows (`rolled back`).
const matches = (filter: string, ...fields: Array<string | undefined>) => {
	const f = filter.trim().toLowerCase();
	return f === '' || fields.some(x => x?.toLowerCase().includes(f));
};

// ISO times and ids compare as plain strings (no locale rules: a thousand rows sort in well under a millisecond).
const desc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
/** Newest first: ids carry the date and a sequence, so the order is stable while rows update. */
const newestFirst = (a: Pick<Deployment, 'createdAt' | 'id'>, b: Pick<Deployment, 'createdAt' | 'id'>) => desc(a.createdAt, b.createdAt) || desc(a.id, b.id);

export interface ScreenModel {
	rev: number;
	deployments: Deployment[];
	leases: LeaseView[];
	intents: Intent[];
	audit: AuditEvent[];
	rowIds: Record<Pane, string[]>;
	selectedDeployment?: DeploymentView;
	selectedLease?: LeaseView;
	selectedIntent?: Intent;
	/** What the selected intent waits for. */
	intentNext?: string;
	availability: Record<string, Partial<Record<DialogAction, Availability>>>;
	/** The pre-checks of the lease an open start dialog is on, run read-only now. */
	startPreview?: StartPreview;
	confirmable: Record<string, Partial<Record<DialogAction, Availability>>>;
}

/** A target that could not be read says why in the checks that needed it. */
function withReadingError(preview: StartPreview, error: string | undefined): StartPreview {
	if (error === undefined) return preview;
	const why = `cannot read the target: ${error}`;
	return {...preview, checks: preview.checks.map(c => (c.detail === UNREAD_TARGET ? {...c, detail: why} : c))};
}

/** Whether the pre-checks let a start go ahead, in the words the dialog and a refused Enter use. */
function startVerdict(preview: StartPreview | undefined): Availability {
	if (!preview) return {ok: false, why: 'the lease is no longer in the store'};
	if (preview.checks.some(c => c.detail === UNREAD_TARGET)) return {ok: false, why: READING_WAIT};
	const failed = preview.checks.filter(c => !c.ok).map(c => c.name);
	return failed.length === 0 ? {ok: true, why: 'every pre-check passes'} : {ok: false, why: `cannot start: pre-check failed (${failed.join(', ')})`};
}

// An intent's text escaped for the screen, once per intent read (the store keeps unchanged ones
// identical): a live detail computes the model every second, over every intent.
const shownIntents = new WeakMap<Intent, Intent>();
function shownIntent(i: Intent): Intent {
	let shown = shownIntents.get(i);
	if (!shown) shownIntents.set(i, (shown = displayDeep(i)));
	return shown;
}

export function screenModel(
	state: State,
	ui: Pick<ConsoleState, 'cursor' | 'filter'> & Partial<Pick<ConsoleState, 'dialog'>>,
	now: number,
	audit: readonly AuditEvent[],
	signerRole: 'human' | 'agent' | undefined,
	trust: Trust,
): ScreenModel {
	const deployments = state.deployments.filter(d => matches(ui.filter.deployments, d.id, d.service, d.status, statusWord(d.status))).sort(newestFirst);
	// Views are computed from the state as stored (a lease verifies over its intent's exact text),
	// then cut and escaped for the screen (see shown.ts).
	const open = leasesNotStarted(state, now).map(l => displayDeep(leaseView(state, l, now, trust)));
	const leases = open.filter(l => matches(ui.filter.leases, l.id, l.intent?.service, l.status, statusWord(l.status)));
	const intents = state.intents
		.filter(i => matches(ui.filter.intents, i.id, i.service, i.status, statusWord(i.status), i.title))
		.sort(newestFirst)
		.map(shownIntent);
	const events = audit.filter(e => matches(ui.filter.audit, e.subject, e.kind, e.actor, e.reason)).reverse();
	const rowIds: Record<Pane, string[]> = {
		deployments: deployments.map(d => d.id),
		leases: leases.map(l => l.id),
		intents: intents.map(i => i.id),
		audit: events.map(e => String(e.seq)),
	};
	const depId = selectedId(ui.cursor.deployments, rowIds.deployments);
	const dep = depId ? deployments.find(d => d.id === depId) : undefined;
	const selectedDeployment = dep ? displayDeep(deploymentView(state, dep, now)) : undefined;
	const leaseId = selectedId(ui.cursor.leases, rowIds.leases);
	const selectedLease = leaseId ? leases.find(l => l.id === leaseId) : undefined;
	const intentId = selectedId(ui.cursor.intents, rowIds.intents);
	const selectedIntent = intentId ? intents.find(i => i.id === intentId) : undefined;
	const availability: ScreenModel['availability'] = {};
	if (selectedDeployment) availability[selectedDeployment.id] = {...deploymentActions(selectedDeployment), tierCosign: tierCosignAvailability(selectedDeployment, signerRole)};
	if (selectedLease) {
		availability[selectedLease.id] = {
			cosign: signerRole
				? cosignAvailability(selectedLease, signerRole)
				: {ok: false, why: 'no signing key loaded: start the console with your key to cosign'},
			start: startAvailability(selectedLease),
		};
	}
	if (selectedIntent) availability[selectedIntent.id] = {approve: approveAvailability(selectedIntent, signerRole)};
	// The pre-checks rest on the dialog's own reading of the target: run only while a start dialog shows them.
	const starting = ui.dialog?.action === 'start' ? state.leases.find(l => l.id === ui.dialog!.target) : undefined;
	const preview = starting ? withReadingError(startPreview(state, starting, now, trust, ui.dialog!.reading), ui.dialog!.readingError) : undefined;
	const confirmable: ScreenModel['confirmable'] = ui.dialog?.action === 'start' ? {[ui.dialog.target]: {start: startVerdict(preview)}} : {};
	return {
		rev: state.rev,
		deployments,
		leases,
		intents,
		audit: events,
		rowIds,
		...(selectedDeployment ? {selectedDeployment} : {}),
		...(selectedLease ? {selectedLease} : {}),
		...(selectedIntent ? {selectedIntent, intentNext: intentNext(selectedIntent, open.find(l => l.intent?.id === selectedIntent.id))} : {}),
		availability,
		...(preview ? {startPreview: displayDeep(preview)} : {}),
		confirmable,
	};
}
