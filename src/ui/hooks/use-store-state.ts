import {useCallback, useEffect, useMemo, useRef, useState} from 'react';
import type {ArchiveRecord, AuditEvent, Sample, State} from '../../core/index.js';
import type {BatchStore, ChangeNotice, DeploymentList, Store} from '../../store/api.js';
import {createCoalescer, mergeNotices} from '../model/coalesce.js';
import {createShownState, ENDED_SHOWN} from '../model/ended.js';
import {errorOutcome} from '../model/outcome.js';
import {withDeployment} from '../model/quiet-detail.js';
import {sameRows} from '../model/quiet-list.js';

/** What the screen shows besides the state: one deployment's samples, audit events by scope. */
export interface Wants {
	samples?: {deploymentId: string; limit: number};
	audit: Array<{deploymentId?: string; limit: number}>;
}

export interface Snapshot {
	/** The last state read; kept when a later read fails, so the screen never goes blank. */
	state?: State;
	/** Why the last read failed (a corrupt file names its path). */
	error?: string;
	samples?: {key: string; data: Sample[]};
	audit: Record<string, AuditEvent[]>;
}

export const samplesKey = (w: NonNullable<Wants['samples']>) => `${w.deploymentId}:${w.limit}`;
export const auditKey = (w: Wants['audit'][number]) => `${w.deploymentId ?? '*'}:${w.limit}`;
const EVERYTHING: ChangeNotice = {state: true, audit: true, metrics: true};
/**
 * A state read whole longer ago than this is read again when the screen changes (see app.tsx):
 * the list holds one up to a minute (its `unchanged` check says when it is too old: heldFresh), a
 * detail holds the other deployments' as long as it is open, and the screen either opens onto
 * counts seconds (past the watch gap, core stops counting a bake forward).
 */
export const QUIET_READ_MAX_MS = 10_000;

/**
 * The store's state and the logs the screen shows, live, read together: a leader's tick changes
 * the state, the metrics log and the audit trail at once, and one read of all three is one
 * frame. Drawn apart they were three, each a full render of the screen. Change notices from any
 * process are coalesced, reads never overlap (a notice during a read schedules exactly one
 * more), and a scope the screen newly wants (a detail opened) is read at once.
 *
 * Where the screen can tell from the store's list index that a changed state would draw nothing
 * new (`unchanged`), the state is not read at all; with a detail open, where the index shows that
 * no other deployment's row changed, only the detail's deployment is parsed, from the same read
 * as the index (see quiet-detail.ts).
 * Never after the audit trail grew (a command: it may change what the index does not hold) until
 * a state recording it has been read; on the list, never past what heldFresh allows.
 *
 * What is read is drawn by a render, unless the screen takes it without one: the list when it
 * would draw the same frame (`sameFrame`), a live detail when it paints the new figures itself
 * (`patch`, see live-detail.ts). Either way the snapshot is held, and the next render draws it.
 */
export function useStoreState(store: Store, coalesceMs: number, initial?: State): StoreData {
	const [drawn, setDrawn] = useState<Snapshot>(() => ({...(initial ? {state: initial} : {}), audit: {}}));
	const wanted = useRef<Wants>({audit: []});
	const sameFrame = useRef<((next: State) => boolean) | undefined>(undefined);
	const patch = useRef<((next: Snapshot) => boolean) | undefined>(undefined);
	// The newest snapshot read: drawn, or held without a render because it draws the same frame
	// (sameFrame) or the screen painted it itself (patch). Later frames draw from it.
	const held = useRef(drawn);
	const reading = useRef(false);
	const pending = useRef<ChangeNotice | undefined>(undefined);
	const alive = useRef(true);
	const shown = useRef(createShownState()).current;
	const unchanged = useRef<StoreData['unchanged']['current']>(undefined);
	// The audit head of the state held when the trail grew, until a state past it is read.
	const auditFrom = useRef<number | undefined>(undefined);
	const readAt = useRef(performance.now());
	// A read asked for (the first one, one after an action) reads the state whatever the index says.
	const owed = useRef(false);

	const list = useMemo(() => (store as Partial<BatchStore>).listDeployments?.bind(store), [store]);

	/** How much of the state this notice says changed must be read: none (see `unchanged`), the detail's deployment (`one`), or all (undefined). */
	const quiet = useCallback(
		async (what: ChangeNotice): Promise<'none' | {one: State} | {whole: State} | undefined> => {
			if (!what.state) return undefined;
			const check = unchanged.current;
			const detail = wanted.current.samples?.deploymentId;
			const due = owed.current || auditFrom.current !== undefined;
			owed.current = false;
			if (due || !list || !(check || detail)) return undefined;
			// The document's rows only: those that ended are shown from the archive, which changes only with them.
			// The list's rows as written (from the document's first bytes, when no detail is open): the state is read whole about once a minute anyway (see heldFresh).
			const indexed = await list({archived: false, checked: false, ...(!check && detail ? {deployment: detail} : {})}).catch(() => undefined);
			// A store that read the whole state to list it (etcd's; a document without list rows) need not read it again.
			const whole = indexed?.state && {whole: indexed.state};
			const state = held.current.state;
			if (!indexed || !state) return whole;
			// The file changed and no commit made it (a commit moves the rev): a hand edit, a copy put
			// back, damage. The rows say nothing of it: read whole now.
			if (indexed.rev === state.rev) return whole;
			// The screen may have changed while the index was read: only the check it still stands by counts.
			if (check) return unchanged.current === check && check(indexed, state, performance.now() - readAt.current) ? 'none' : whole;
			if (!detail || !sameRows(state, indexed, detail)) return whole;
			// The detail's deployment came with the list, from the same read (see deployment-read.ts).
			const {one} = indexed;
			const still = held.current.state === state && wanted.current.samples?.deploymentId === detail;
			const next = one && one.rev === indexed.rev && still ? withDeployment(state, one) : undefined;
			return next ? {one: next} : whole;
		},
		[list],
	);

	const read = useCallback(
		(what: ChangeNotice) => {
			pending.current = pending.current ? mergeNotices(pending.current, what) : what;
			if (reading.current) return;
			const notice = pending.current;
			pending.current = undefined;
			reading.current = true;
			let partial = false;
			quiet(notice)
				.then(async how => {
					const given = how && how !== 'none' && 'whole' in how ? how.whole : undefined;
					const next = await readAll(store, how && !given ? {...notice, state: false} : notice, wanted.current, held.current, shown, given);
					if (!how || how === 'none' || 'whole' in how) return next;
					partial = true;
					return {...next, state: how.one, error: undefined};
				})
				.then(next => {
					if (!alive.current || !next) return;
					// A state with one deployment read is no full read: the next full one is still due on time.
					if (next.state && !partial) {
						readAt.current = performance.now();
						if (next.state.auditHead.seq > (auditFrom.current ?? Number.POSITIVE_INFINITY)) auditFrom.current = undefined;
					}
					const onlyState = held.current.state && next.state && next.samples === undefined && next.audit === undefined && !next.error && !held.current.error;
					const merged = {...held.current, ...next};
					held.current = merged;
					// A screen that paints itself paints every read: what it painted since ink's frame may not be what sameFrame compares with.
					const quiet = patch.current ? patch.current(merged) : onlyState && sameFrame.current?.(next.state!);
					if (quiet) return;
					setDrawn(merged);
				})
				.finally(() => {
					reading.current = false;
					if (pending.current && alive.current) read({state: false, audit: false, metrics: false});
				});
		},
		[store],
	);
	const reload = useCallback(() => {
		owed.current = true;
		read(EVERYTHING);
	}, [read]);

	useEffect(() => {
		alive.current = true;
		// Read again even with a first state in hand: it may have moved before the watch began.
		owed.current = true;
		read(EVERYTHING);
		const coalescer = createCoalescer(coalesceMs, read);
		const unwatch = store.watch(notice => {
			if (notice.audit && auditFrom.current === undefined) auditFrom.current = held.current.state?.auditHead.seq ?? -1;
			coalescer.push(notice);
		});
		return () => {
			alive.current = false;
			coalescer.cancel();
			unwatch();
		};
	}, [store, coalesceMs, read]);

	const latest = useCallback(() => held.current, []);
	const heldAgeMs = useCallback(() => performance.now() - readAt.current, []);
	return {snapshot: held.current, latest, heldAgeMs, reload, wanted, sameFrame, patch, unchanged, read};
}

export interface StoreData {
	snapshot: Snapshot;
	/** The newest snapshot read, drawn or not (see patch). */
	latest: () => Snapshot;
	/** How long ago the state held was read whole. */
	heldAgeMs: () => number;
	/** Read everything again (after an action, whatever its outcome). */
	reload: () => void;
	wanted: {current: Wants};
	/** Set by the screen where it can tell: whether a new state would draw the frame on screen again. */
	sameFrame: {current: ((next: State) => boolean) | undefined};
	/**
	 * Set by the screen where it can: paints a snapshot read without rendering (see live-detail.ts),
	 * saying whether it did; else the snapshot is drawn.
	 */
	patch: {current: ((next: Snapshot) => boolean) | undefined};
	/** Set by the screen where it can tell: whether the state the store's list index describes would draw the same frame as the state held, read whole `heldAgeMs` ago. */
	unchanged: {current: ((list: DeploymentList, held: State, heldAgeMs: number) => boolean) | undefined};
	read: (what: ChangeNotice) => void;
}

/**
 * Tells the reader what the screen shows besides the state, once the screen is known (the
 * detail's deployment comes from the state). A scope not read yet (a detail just opened, the
 * audit pane shown) is read at once, not at the next change.
 */
export function useWanted(data: StoreData, wants: Wants): void {
	data.wanted.current = wants;
	const {snapshot, read} = data;
	const missing = [
		...(wants.samples && snapshot.samples?.key !== samplesKey(wants.samples) ? [samplesKey(wants.samples)] : []),
		...wants.audit.map(auditKey).filter(k => !(k in snapshot.audit)),
	].join(' ');
	useEffect(() => {
		if (missing) read({state: false, audit: false, metrics: false});
	}, [missing, read]);
}

/** Reads what changed or is not held yet (the state: unless `given`, read already); undefined when nothing needed reading. */
async function readAll(
	store: Store,
	what: ChangeNotice,
	wants: Wants,
	held: Snapshot,
	shown: (state: State, ended: readonly ArchiveRecord[]) => State,
	given?: State,
): Promise<Partial<Snapshot> | undefined> {
	const samples = wants.samples && (what.metrics || held.samples?.key !== samplesKey(wants.samples)) ? wants.samples : undefined;
	const audits = wants.audit.filter(w => what.audit || !(auditKey(w) in held.audit));
	if (!what.state && !samples && audits.length === 0) return undefined;
	const [state, sampled, ...audited] = await Promise.allSettled([
		what.state ? Promise.all([given ?? store.read(), store.recentlyEnded?.(ENDED_SHOWN) ?? []]).then(([state, ended]) => shown(state, ended)) : Promise.resolve(undefined),
		samples ? store.samples(samples.deploymentId, samples.limit) : Promise.resolve(undefined),
		...audits.map(w => store.audit(w.deploymentId ? {deploymentId: w.deploymentId, limit: w.limit} : {limit: w.limit})),
	]);
	const next: Partial<Snapshot> = {};
	if (state.status === 'rejected') next.error = errorOutcome(state.reason).text;
	else if (state.value) Object.assign(next, {state: state.value, error: undefined});
	// A log that cannot be read keeps its last answer on screen; the state's error line says why reads fail.
	if (samples && sampled.status === 'fulfilled' && sampled.value) next.samples = {key: samplesKey(samples), data: sampled.value};
	const audit = {...held.audit};
	let auditRead = false;
	audits.forEach((w, i) => {
		const r = audited[i]!;
		if (r.status === 'fulfilled') {
			audit[auditKey(w)] = r.value as AuditEvent[];
			auditRead = true;
		}
	});
	if (auditRead) next.audit = pruned(audit, wants);
	return next;
}

/** Only the scopes still wanted stay held: the trail of a detail closed long ago is not kept. */
function pruned(audit: Record<string, AuditEvent[]>, wants: Wants): Record<string, AuditEvent[]> {
	const keep = new Set(wants.audit.map(auditKey));
	return Object.fromEntries(Object.entries(audit).filter(([k]) => keep.has(k)));
}
