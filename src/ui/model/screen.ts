import {deploymentView, leasesAwaitingCosign, leaseView, statusWord, type AuditEvent, type Deployment, type DeploymentView, type LeaseView, type State} from '../../core/index.js';
import {cosignAvailability, deploymentActions, type Availability} from '../../core/view/actions.js';
import type {DialogAction} from './dialog.js';
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
const newestFirst = (a: Deployment, b: Deployment) => desc(a.createdAt, b.createdAt) || desc(a.id, b.id);

export interface ScreenModel {
	rev: number;
	deployments: Deployment[];
	leases: LeaseView[];
	audit: AuditEvent[];
	rowIds: Record<Pane, string[]>;
	selectedDeployment?: DeploymentView;
	selectedLease?: LeaseView;
	availability: Record<string, Partial<Record<DialogAction, Availability>>>;
}

export function screenModel(
	state: State,
	ui: Pick<ConsoleState, 'cursor' | 'filter'>,
	now: number,
	audit: readonly AuditEvent[],
	signerRole: 'human' | 'agent' | undefined,
): ScreenModel {
	const deployments = state.deployments.filter(d => matches(ui.filter.deployments, d.id, d.service, d.status, statusWord(d.status))).sort(newestFirst);
	const leases = leasesAwaitingCosign(state, now)
		.map(l => leaseView(state, l, now))
		.filter(l => matches(ui.filter.leases, l.id, l.intent?.service, l.status, statusWord(l.status)));
	const events = audit.filter(e => matches(ui.filter.audit, e.subject, e.kind, e.actor, e.reason)).reverse();
	const rowIds: Record<Pane, string[]> = {
		deployments: deployments.map(d => d.id),
		leases: leases.map(l => l.id),
		audit: events.map(e => String(e.seq)),
	};
	const depId = selectedId(ui.cursor.deployments, rowIds.deployments);
	const dep = depId ? deployments.find(d => d.id === depId) : undefined;
	const selectedDeployment = dep ? deploymentView(state, dep, now) : undefined;
	const leaseId = selectedId(ui.cursor.leases, rowIds.leases);
	const selectedLease = leaseId ? leases.find(l => l.id === leaseId) : undefined;
	const availability: ScreenModel['availability'] = {};
	if (selectedDeployment) availability[selectedDeployment.id] = deploymentActions(selectedDeployment);
	if (selectedLease) {
		availability[selectedLease.id] = {
			cosign: signerRole
				? cosignAvailability(selectedLease, signerRole)
				: {ok: false, why: 'no signing key loaded: start the console with your key to cosign'},
		};
	}
	return {
		rev: state.rev,
		deployments,
		leases,
		audit: events,
		rowIds,
		...(selectedDeployment ? {selectedDeployment} : {}),
		...(selectedLease ? {selectedLease} : {}),
		availability,
	};
}
