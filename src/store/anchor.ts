import type {FileHandle} from 'node:fs/promises';
import type {VerifyReport} from './api.js';
import {chainFields, parseEvent, type Head, type StoredEvent} from './audit-log.js';
import {GENESIS_POINT, walkChain, type Bad, type ChainPoint} from './chain-walk.js';
import {checkpointKey, checkpointLog, signCheckpoint, type Checkpoint} from './checkpoint.js';
import {readClaims} from './claims.js';
import {isNodeError, StoreError} from './errors.js';
import type {StorePaths} from './paths.js';
import {privateDir} from './private-log.js';
import {openData} from './safe-fs.js';
import {endOf, RECHECK_STEP, recheckBudget, rescan, SCRUB_LINES} from './scrub.js';
import {describeHead, tailRefusal, type DocHead} from './reconcile.js';
import {verifyChain} from './verify.js';
import {contradictions, trailOf, witnessLog, type Trail, type WitnessEntry} from './witness.js';
import {stateHome} from './xdg.js';

/**
 * A value folded over the verified events of the chain, in order, each once, and kept in this
 * user's witness entries (`derived[key]`) so that the next process resumes from it instead of
 * folding the whole history again. The seam for what is derived from the trail (a key registry).
 * The value must be plain JSON, and small: it is written with every witness entry of a write.
 */
export interface ChainFold<D = unknown> {
	readonly key: string;
	initial(): D;
	/** Whether a raw line can change the value (the others are neither parsed nor stepped); default all. */
	wants?(line: Buffer): boolean;
	/** A value read back from a witness entry, checked; undefined to fold again from the first event. */
	restore(saved: unknown): D | undefined;
	step(value: D, event: StoredEvent): D;
}

export interface AnchorOptions {
	/** Where this user's witnesses, checkpoints and checkpoint key live (default $XDG_STATE_HOME). */
	stateHome?: string;
	fold?: ChainFold;
	/** Said once when this user's witnesses cannot be read or written: reads and writes go on without. */
	warn?: (message: string) => void;
	/** A monotonic clock in ms (default performance.now): paces the re-check of a process's writes (scrub.ts). */
	now?: () => number;
}

/** A point verified, what the fold made of the events up to it, and where the rolling re-check goes on. */
interface Verified extends ChainPoint {
	derived?: unknown;
	scrub: ChainPoint;
	/** Where it was read from, when it came from the witness log: named if the chain contradicts it. */
	witnessed?: {at: string; file: string};
}



/**
 * The audit trail's anchor for one store: verifies the chain incrementally from this user's last
 * verified point before anything extends it, witnesses every head this process sees, signs
 * checkpoints, and gathers every witness and checkpoint for `audit verify`.
 */
export class Anchor {
	readonly home: string;
	#trail?: Promise<Trail>;
	#point?: Verified;
	/** The point whose re-check of older lines a write's check left for its commit (see `recheck`). */
	#owed?: Verified;
	#rechecking?: Promise<void>;
	/** When this process last re-checked older lines (its clock, `opts.now`). */
	#recheckedAt?: number;
	#recorded?: string;
	#unrecorded = false;
	#witnessDir?: Promise<string>;
	#warned = false;
	/** What the last verification hashed: lines after the verified point, and older lines re-checked. */
	lastCost = {fresh: 0, scrubbed: 0};

	constructor(
		readonly paths: StorePaths,
		readonly opts: AnchorOptions = {},
	) {
		this.home = opts.stateHome ?? stateHome();
	}

	trail(): Promise<Trail> {
		return (this.#trail ??= trailOf(this.paths.dir));
	}

	/** The value the fold made of the chain up to the last verified point (see ChainFold). */
	get derived(): unknown {
		return this.#point?.derived;
	}

	/** What the fold made of the chain up to `head`, when that is the point last verified; else undefined. */
	derivedAt(head: Head): unknown {
		if (head.seq === 0) return this.opts.fold?.initial();
		const p = this.#point;
		return p && p.seq === head.seq && p.hash === head.hash ? p.derived : undefined;
	}

	/**
	 * Verifies every line from the last verified point to the committed `head`, and SCRUB_LINES
	 * older ones; throws TAMPERED when one does not verify or the point no longer stands. Undefined
	 * when the log does not reach the head intact (truncated, torn, rewritten at the head): what
	 * reconcile reports and repairs. Lines past the head are reconcile's too.
	 *
	 * `defer`: a write's check. When the point is one this process verified or committed itself, the
	 * re-check of older lines is left owed, for `recheck` to run while the commit's directory fsync
	 * is under way (the lines from the point on are verified here all the same, before any write).
	 * `asLeft`: the log is exactly as this process's last commit left it (same inode and size, see
	 * last-commit.ts); at the head this process verified, there is then no line past the point to
	 * verify, and its own line is the re-check's, as every older line is.
	 */
	async verify(doc: DocHead, opts: {defer?: boolean; asLeft?: boolean} = {}): Promise<Verified | undefined> {
		await this.rechecked();
		try {
			const p = this.#point;
			if (opts.defer && opts.asLeft && p && p.seq === doc.auditHead.seq && p.hash === doc.auditHead.hash) {
				this.#owed = p;
				this.lastCost = {fresh: 0, scrubbed: 0};
				return p;
			}

			return await this.#verifyTo(doc.auditHead, opts.defer === true);
		} catch (error) {
			throw (await tailRefusal(this.paths, doc)) ?? error;
		}
	}

	async #verifyTo(head: Head, defer = false): Promise<Verified | undefined> {
		const owned = defer && this.#point !== undefined;
		this.#owed = undefined;
		const start = this.#point ?? (await this.#fromWitness());
		if (start && start.seq > head.seq) {
			throw this.#tampered({line: head.seq + 1, seq: start.seq, reason: `the committed head is ${describeHead(head)}, behind seq ${start.seq} (hash ${start.hash.slice(0, 12)}…)`}, start);
		}
		const fold = this.opts.fold;
		let derived = start ? start.derived : fold?.initial();
		// One open for both walks: a write pays for few file operations, not only few lines.
		const file = await openData(this.paths.audit, 'read').catch((error: unknown) => (isNodeError(error, 'ENOENT') ? undefined : Promise.reject(error)));
		try {
			const walk = await walkChain(this.paths.audit, {
				...(start ? {from: start} : {}),
				// A few recent lines are read synchronously (see lines.ts's `blocks`); a long way, through the pool.
				...(file ? {file, sync: start !== undefined && head.seq - start.seq <= SCRUB_LINES} : {}),
				until: head.seq,
				...(fold ? {onLine: (_s, _h, line) => void ((fold.wants?.(line) ?? true) && (derived = fold.step(derived, parseEvent(this.paths.audit, line, 0))))} : {}),
			});
			if (walk.end === 'bad') throw this.#tampered(walk.firstBad!, start);
			if (walk.end !== 'until' || (head.seq > 0 && walk.last.hash !== head.hash)) return undefined;
			this.lastCost = {fresh: walk.hashed, scrubbed: 0};
			let scrub = GENESIS_POINT;
			if (start && file && owned) {
				this.#owed = start;
				scrub = start.scrub;
			} else if (start && file) {
				scrub = await this.#rescan(start, file);
			}
			this.#point = {...walk.last, derived, scrub};
			return this.#point;
		} finally {
			await file?.close();
		}
	}

	#now(): number {
		return this.opts.now?.() ?? performance.now();
	}

	/** The rolling re-check (scrub.ts); TAMPERED when a line does not verify. Returns where the next one goes on. */
	async #rescan(start: Verified, file: FileHandle, opts: {step?: number; lines?: number} = {}): Promise<ChainPoint> {
		this.#recheckedAt = this.#now();
		const out = await rescan(this.paths.audit, start, file, opts);
		this.lastCost.scrubbed = out.hashed;
		if ('bad' in out) throw this.#tampered(out.bad, start);
		return out.next;
	}

	/**
	 * Starts the re-check a write's check left owed (see `verify`), for the commit to run while its
	 * files are fsync'd: CPU and cached reads in time the write spends waiting on the disk anyway,
	 * RECHECK_STEP lines at a time, so that the commit's own I/O goes on between. Everything here
	 * that reads the point waits for it (`rechecked`; the committer, before it releases the lock).
	 * It covers the lines it would have before the write, paced by this process's time (scrub.ts's
	 * RECHECK_PERIOD_MS: none when the last was moments ago). A line found bad here cannot stop the write
	 * already committing: the point is forgotten (and not witnessed), so the next write, this
	 * process's or another's, verifies from this user's last witness, re-checks these lines before
	 * it writes, and refuses.
	 */
	recheck(): void {
		const start = this.#owed;
		this.#owed = undefined;
		const lines = recheckBudget(this.#recheckedAt === undefined ? undefined : this.#now() - this.#recheckedAt);
		if (start && lines > 0) this.#rechecking = this.#recheck(start, lines).finally(() => (this.#rechecking = undefined));
	}

	/** Once the re-check under way, if any, is done. Never rejects. */
	async rechecked(): Promise<void> {
		await this.#rechecking;
	}

	async #recheck(start: Verified, lines: number): Promise<void> {
		try {
			const file = await openData(this.paths.audit, 'read');
			try {
				const scrub = await this.#rescan(start, file, {step: RECHECK_STEP, lines});
				if (this.#point) this.#point = {...this.#point, scrub};
			} finally {
				await file.close();
			}
		} catch {
			this.#point = undefined;
		}
	}

	/**
	 * After a commit appended `events` after `prev` (under the write lock): the point moves to the
	 * new head, to be witnessed by `settle`. `end`: where the head's line ends, when the committer
	 * knows it (the log ended at `prev` when it checked, and it appended whole lines); else read.
	 */
	async committed(prev: Head, events: StoredEvent[], head: Head, end?: number): Promise<void> {
		await this.rechecked();
		try {
			let point = this.#point;
			// Lines between (a crashed mutation's, adopted by this commit's recovery): verified and folded once.
			if (!point || point.seq !== prev.seq || point.hash !== prev.hash) point = await this.#verifyTo(prev);
			const offset = point && (end ?? (await endOf(this.paths.audit, head)));
			if (!point || offset === undefined) return void (this.#point = undefined);
			const fold = this.opts.fold;
			const derived = fold ? events.reduce((d, e) => fold.step(d, e), point.derived) : undefined;
			this.#point = {seq: head.seq, hash: head.hash, offset, derived, scrub: point.scrub};
		} catch {
			// Already committed: the next write verifies from the witness again, and refuses then.
			return void (this.#point = undefined);
		}
		this.#unrecorded = true;
	}

	/** Witnesses what the last commits verified; after the write lock is released (it needs none). */
	async settle(): Promise<void> {
		if (!this.#unrecorded) return;
		this.#unrecorded = false;
		await this.#record('write');
	}

	/** A reader saw the committed head: witnessed as seen (not verified). Never fails the read. */
	async saw(head: Head): Promise<void> {
		if (head.seq === 0 || this.#recorded?.startsWith(`${head.seq}:${head.hash}:`)) return;
		try {
			const offset = await endOf(this.paths.audit, head);
			if (offset !== undefined) await this.#record('read', {...head, offset});
		} catch (error) {
			this.#warn(error);
		}
	}

	/** `audit verify` walked the whole chain to `head` and found it intact, witnesses agreeing. */
	async verifiedWhole(head: Head): Promise<void> {
		try {
			const offset = head.seq > 0 ? await endOf(this.paths.audit, head) : undefined;
			if (offset === undefined) return;
			if (!this.opts.fold && (!this.#point || this.#point.seq <= head.seq)) this.#point = {...head, offset, scrub: GENESIS_POINT};
			await this.#record('verify', {...head, offset});
		} catch (error) {
			this.#warn(error);
		}
	}

	/**
	 * The whole chain walked (see verifyChain), and every witness and checkpoint readable for this
	 * trail, with the files named, judged against it. Intact and uncontradicted, the head is
	 * witnessed as verified.
	 */
	async verifyAll(head: Head | undefined, extra: readonly string[] = []): Promise<VerifyReport> {
		const read = await readClaims(this.home, await this.trail(), extra).catch((error: unknown) => {
			this.#warn(error);
			return undefined;
		});
		const wanted = new Set(read?.claims.map(c => c.seq));
		const hashes = new Map<number, string>();
		const report = await verifyChain(this.paths.audit, head, undefined, (seq, hash) => void (wanted.has(seq) && hashes.set(seq, hash)));
		if (!read) return report;
		const {claims, ...rest} = read;
		// Judged against the committed head; without one (state.json unreadable), against the log's end.
		const contradicted = contradictions(claims, hashes, head ?? {seq: report.count, hash: ''}, report.firstBad ? report.firstBad.line - 1 : report.count);
		const witnesses = {checked: claims.length, ...rest, contradicted};
		const ok = report.ok && contradicted.length === 0 && rest.forged.length === 0;
		if (ok && head) await this.verifiedWhole(head);
		return {...report, ok, witnesses};
	}

	/** Signs the committed head once it verifies (never a head that does not), and keeps the checkpoint. */
	async checkpoint(doc: DocHead, at: string): Promise<Checkpoint> {
		const point = await this.#reach(doc, 'nothing was signed');
		const trail = await this.trail();
		const checkpoint = signCheckpoint(trail, point, at, await checkpointKey(this.home));
		await privateDir(this.home, 'calyx', 'checkpoints');
		await checkpointLog(this.home, trail).append(checkpoint);
		if (point.seq > 0) await this.#record('checkpoint');
		return checkpoint;
	}

	/** The committed head verified, and what the fold made of the chain up to it (see ChainFold). */
	async anchored(doc: DocHead): Promise<{head: Head; derived: unknown}> {
		const point = await this.#reach(doc, 'nothing can be derived from it');
		return {head: doc.auditHead, derived: doc.auditHead.seq === 0 ? this.opts.fold?.initial() : point.derived};
	}

	async #reach(doc: DocHead, consequence: string): Promise<Verified> {
		const point = doc.auditHead.seq === 0 ? {...GENESIS_POINT, scrub: GENESIS_POINT} : await this.verify(doc);
		if (point) return point;
		throw new StoreError('AUDIT_MISMATCH', `${this.paths.audit} does not reach the audit head ${this.paths.state} records (${describeHead(doc.auditHead)}) intact: ${consequence} (run \`calyx audit verify\`)`, this.paths.audit);
	}

	async #fromWitness(): Promise<Verified | undefined> {
		try {
			const trail = await this.trail();
			const log = witnessLog(this.home, trail);
			const fold = this.opts.fold;
			const usable = (e: WitnessEntry) => e.verified && e.dirId === trail.dirId && (!fold || fold.restore(e.derived?.[fold.key]) !== undefined);
			const e = await log.newest(usable);
			if (!e) return undefined;
			const derived = fold ? fold.restore(e.derived?.[fold.key]) : undefined;
			return {seq: e.seq, hash: e.hash, offset: e.offset, derived, scrub: e.scrub ?? GENESIS_POINT, witnessed: {at: e.at, file: log.file}};
		} catch (error) {
			this.#warn(error);
			return undefined;
		}
	}

	/** Appends a witness entry for `seen` (default: the verified point) unless this process just did. */
	async #record(by: WitnessEntry['by'], seen?: ChainPoint): Promise<void> {
		await this.rechecked();
		const point = seen ?? this.#point;
		if (!point || point.seq === 0) return;
		const verified = by !== 'read';
		const key = `${point.seq}:${point.hash}:${verified}`;
		if (this.#recorded === key || (!verified && this.#recorded?.startsWith(`${point.seq}:${point.hash}:`))) return;
		try {
			const trail = await this.trail();
			const fold = this.opts.fold;
			const entry: WitnessEntry = {v: 1, dir: trail.dir, dirId: trail.dirId, seq: point.seq, hash: point.hash, offset: point.offset, at: new Date().toISOString(), by, verified};
			if (!seen && this.#point) {
				if (this.#point.scrub.seq > 0) entry.scrub = this.#point.scrub;
				if (fold) entry.derived = {[fold.key]: this.#point.derived};
			}
			// Checked once a process: the directory is this user's, and only they could swap it.
			await (this.#witnessDir ??= privateDir(this.home, 'calyx', 'witness'));
			await witnessLog(this.home, trail).append(entry);
			this.#recorded = key;
		} catch (error) {
			this.#warn(error);
		}
	}

	#tampered(bad: Bad, start: Verified | undefined): StoreError {
		const where = start?.witnessed
			? ` (checked from seq ${start.seq}, which this user verified at ${start.witnessed.at} per ${start.witnessed.file}; if this directory was deliberately made anew, move that file away)`
			: start
				? ` (checked from seq ${start.seq}, which this process verified)`
				: '';
		const finding = `${this.paths.audit} does not verify at line ${bad.line}${bad.seq !== undefined ? ` (seq ${bad.seq})` : ''}: ${bad.reason}${where}`;
		return new StoreError('TAMPERED', `${finding}. Nothing was written: calyx does not extend a chain that does not verify (run \`calyx audit verify\`)`, this.paths.audit, {finding});
	}

	#warn(error: unknown): void {
		if (this.#warned) return;
		this.#warned = true;
		const why = error instanceof Error ? error.message : String(error);
		this.opts.warn?.(`the audit trail's witnesses under ${this.home}/calyx cannot be kept (${why}); going on without them`);
	}
}

export {RECHECK_PERIOD_MS, SCRUB_LINES} from './scrub.js';
