import type {Ledger} from '../../core/ledger.js';
import {holdsConfigRecord, ledgerFrom} from '../../core/ledger.js';
import type {AnchorReport} from '../api.js';
import type {Head} from '../audit-log.js';
import {privateDir} from '../private-log.js';
import {witnessLog, type Trail, type WitnessEntry} from '../witness.js';

/** A head this box verified, and the registries the trail made up to it. */
export interface Witnessed extends Head {
	ledger: Ledger;
}

/**
 * This box's witnesses of an etcd store's trail: as for a data directory, every head a process of
 * this user verified is kept in a log of its own, outside the store ($XDG_STATE_HOME/calyx/witness/),
 * where nobody who can write the cluster can reach it. A process starts verifying from the newest
 * one (it need not read the trail from its first event), and a trail rewritten on the cluster
 * contradicts them. `offset` has no meaning for a trail that is not a file: it is 1.
 */
export class EtcdWitness {
	readonly #trail: Trail;
	#dir: Promise<string> | undefined;
	#warned = false;

	constructor(
		readonly home: string,
		where: string,
		prefix: string,
		readonly warn: (message: string) => void = () => undefined,
	) {
		this.#trail = {dir: where, dirId: prefix};
	}

	get file(): string {
		return witnessLog(this.home, this.#trail).file;
	}

	/** The newest head verified on this box (at or before `maxSeq`), with what the trail made up to it; undefined if none. */
	async newest(maxSeq = Number.POSITIVE_INFINITY): Promise<Witnessed | undefined> {
		const entry = await witnessLog(this.home, this.#trail)
			.newest(e => e.verified && e.seq <= maxSeq && e.dir === this.#trail.dir && e.dirId === this.#trail.dirId && holdsConfigRecord(e.derived?.ledger))
			.catch(() => undefined);
		const ledger = ledgerFrom(entry?.derived?.ledger);
		return entry && ledger ? {seq: entry.seq, hash: entry.hash, ledger} : undefined;
	}

	/** Keeps a verified head; a witness that cannot be kept is said once, never a reason to fail. */
	async record(point: Witnessed, by: WitnessEntry['by']): Promise<void> {
		if (point.seq === 0) return;
		const entry: WitnessEntry = {v: 1, dir: this.#trail.dir, dirId: this.#trail.dirId, seq: point.seq, hash: point.hash, offset: 1, at: new Date().toISOString(), by, verified: true, derived: {ledger: point.ledger}};
		try {
			await (this.#dir ??= privateDir(this.home, 'calyx', 'witness'));
			await witnessLog(this.home, this.#trail).append(entry);
		} catch (error) {
			if (!this.#warned) this.warn(`this box's witness of ${this.#trail.dir} could not be kept (${error instanceof Error ? error.message : String(error)})`);
			this.#warned = true;
		}
	}

	/** Every head witnessed here against the chain's hashes (`hashAt`), as `audit verify` reports it. */
	async check(hashAt: (seq: number) => string | undefined, from: number): Promise<AnchorReport> {
		const entries = await witnessLog(this.home, this.#trail)
			.entries()
			.catch(() => []);
		const mine = entries.filter(e => e.dir === this.#trail.dir && e.dirId === this.#trail.dirId);
		const judged = mine.filter(e => e.seq > from);
		const contradicted = judged
			.filter(e => hashAt(e.seq) !== e.hash)
			.map(e => ({seq: e.seq, hash: e.hash, current: hashAt(e.seq) ?? null, at: e.at, source: 'witness' as const, file: this.file, by: e.by}));
		return {checked: judged.length, files: [this.file], contradicted, forged: [], unreadable: [], skipped: mine.length - judged.length};
	}
}
