import type {Etcd3} from 'etcd3';
import {canonicalJson} from '../../core/canonical.js';
import {emptyLedger, ledgerFrom, ledgerLine, ledgerStep, type Ledger} from '../../core/ledger.js';
import {lastConfigRecord, type ConfigRecord} from '../../core/config-record.js';

/** Whether a line may record the configuration (core/config-record.ts): those are parsed, the others not. */
const configLine = (line: Buffer) => line.includes('"kind":"config.changed"') || line.includes('"kind":"store.trust_bound"');
import type {AuditFilter, Head, StoredEvent} from '../audit-log.js';
import {auditMatcher, chainFields, GENESIS, hashOfLine, parseEvent} from '../audit-log.js';
import {StoreError} from '../errors.js';
import {eachLine} from '../lines.js';
import type {AnchorReport} from '../api.js';
import type {KeyLayout} from './keys.js';
import type {EtcdWitness} from './witness.js';
import {allKeys, PAGE} from './pages.js';

/** A line of the trail and the key that holds it (each key holds one commit's lines). */
interface Line {
	key: string;
	line: Buffer;
}

/** Keys of the trail read in a write's transaction, and the seq they follow. */
export interface Fetched {
	after: number;
	kvs: ReadonlyArray<{key: Buffer; value: Buffer}>;
	/** More keys follow than the page read (a process far behind the head). */
	more: boolean;
}

/** The first line that does not chain, as `audit verify` reports it (1-based over the whole trail). */
export interface ChainBreak {
	line: number;
	seq?: number;
	reason: string;
}

/**
 * The audit trail on etcd: one key per commit (`a/<seq of its first event>`), the same lines and
 * hash chain as the file store's audit.ndjson. This process verifies the chain before any write
 * extends it, from the point it verified last (in memory: the first write of a process reads the
 * trail once), and folds the registries the trail's statements made as it goes (core/ledger.ts).
 */
export class EtcdTrail {
	#point: Point = origin();
	/** Where the trail on the cluster starts, as last read: after the events a retention removed. */
	#base: Point | undefined;

	constructor(
		readonly client: Etcd3,
		readonly keys: KeyLayout,
		readonly where: string,
		readonly witness?: EtcdWitness,
	) {}

	/** Where this process has verified the trail to: a write reads the lines after it with the state. */
	get verifiedSeq(): number {
		return this.#point.seq;
	}

	/** A read of the keys holding the lines after `seq` (a commit boundary), for a transaction. */
	rangeAfter(seq: number) {
		return this.client
			.getAll()
			.inRange({start: this.keys.auditAt(seq + 1), end: `${this.keys.prefix}a0`})
			.sort('Key', 'Ascend')
			.limit(PAGE);
	}

	async #linesAfter(seq: number, fetched?: Fetched): Promise<Line[]> {
		// What a write's transaction read is used when it is all there is; a longer way is read a page at a time.
		const kvs = fetched?.after === seq && !fetched.more ? fetched.kvs : await allKeys(this.client, {start: this.keys.auditAt(seq + 1), end: `${this.keys.prefix}a0`});
		const lines: Line[] = [];
		for (const kv of kvs) {
			const key = kv.key.toString();
			eachLine({start: 0, buf: kv.value}, line => void lines.push({key, line}));
		}
		return lines;
	}

	/**
	 * Verifies the trail from this process's last verified point through `head` (the head the state
	 * just read names) and returns the registries it made. TAMPERED when it does not chain or does not
	 * reach the head: nothing may extend such a trail. `fetched`: the lines a write read with the state.
	 */
	async verifyTo(head: Head, fetched?: Fetched): Promise<Ledger> {
		const p = this.#point;
		if (head.seq === p.seq && head.hash === p.hash) return p.ledger;
		// A head behind the point, or the point off the trail: start again from the first event kept.
		let from = head.seq > p.seq ? p : origin();
		// A process's first check starts where this box last verified the trail, not at its first event.
		if (from.seq === 0) from = (await this.#witnessed(head)) ?? (await this.#start());
		let lines = await this.#linesAfter(from.seq, fetched);
		// The trail no longer holds the events after this point: a retention removed them since.
		if (from !== this.#base && from.seq > 0 && lines.length > 0 && chainFields(lines[0]!.line)?.seq !== from.seq + 1) {
			const start = await this.#start();
			if (start.seq > from.seq) [from, lines] = [start, await this.#linesAfter(start.seq)];
		}
		const walked = walk(lines, from, head.seq);
		if ('break' in walked) throw this.#tampered(walked.break);
		const unvouched = from === this.#base ? vouchProblem(lines, from) : undefined;
		if (unvouched) throw this.#tampered({line: from.seq + 1, reason: unvouched});
		if (walked.seq !== head.seq || walked.hash !== head.hash) {
			throw this.#tampered({line: walked.seq + 1, reason: `the trail ends at seq ${walked.seq}, but the state's head is seq ${head.seq} (${head.hash.slice(0, 12)}…)`});
		}
		this.#point = walked;
		await this.witness?.record(walked, 'write');
		return walked.ledger;
	}

	/** The hash of the event at `seq` on the cluster, if the trail holds it. */
	async #hashAt(seq: number): Promise<string | undefined> {
		const res = await this.client.getAll().inRange({start: this.keys.audit, end: this.keys.auditAt(seq + 1)}).sort('Key', 'Descend').limit(1).exec();
		let hash: string | undefined;
		for (const kv of res.kvs) eachLine({start: 0, buf: kv.value}, line => void (chainFields(line)?.seq === seq && (hash = chainFields(line)!.hash)));
		return hash;
	}

	/** The newest head this box verified, to start from; TAMPERED when the cluster's head is behind it. */
	async #witnessed(head: Head): Promise<Point | undefined> {
		const latest = await this.witness?.newest();
		if (!latest) return undefined;
		// Another process of this box may have verified a newer head than the state just read: it must be on the trail.
		if (latest.seq > head.seq && (await this.#hashAt(latest.seq)) !== latest.hash) {
			throw this.#tampered({line: head.seq + 1, reason: `this box verified the trail up to seq ${latest.seq} (${this.witness!.file}), but the cluster's trail does not hold that head (its head is seq ${head.seq}): events removed, or the store restored from an older copy`});
		}
		const w = latest.seq > head.seq ? await this.witness!.newest(head.seq) : latest;
		if (!w) return undefined;
		// The commits just before it are hashed again, and must still lead to the head this box saw:
		// a line edited in place there is caught by a write; older ones by audit verify.
		const before = await this.client
			.getAll()
			.inRange({start: this.keys.audit, end: this.keys.auditAt(w.seq + 1)})
			.sort('Key', 'Descend')
			.limit(RECHECK_COMMITS)
			.exec();
		const lines: Line[] = [];
		for (const kv of [...before.kvs].reverse()) eachLine({start: 0, buf: kv.value}, line => void lines.push({key: kv.key.toString(), line}));
		const first = lines[0] && chainFields(lines[0].line);
		if (!first) return w;
		const walked = walk(lines, {seq: first.seq - 1, hash: first.prevHash, ledger: emptyLedger()}, w.seq);
		if ('break' in walked) throw this.#tampered(walked.break);
		if (walked.seq !== w.seq || walked.hash !== w.hash) throw this.#tampered({line: w.seq, reason: `this box verified seq ${w.seq} as ${w.hash.slice(0, 12)}… (${this.witness!.file}); the trail on the cluster says ${walked.hash.slice(0, 12)}… (rewritten)`});
		return w;
	}

	/** A commit of this process extends the verified point by the lines it wrote. */
	advance(from: Head, bytes: Buffer, to: Head): void {
		const p = this.#point;
		if (p.seq !== from.seq || p.hash !== from.hash) return;
		const lines: Line[] = [];
		eachLine({start: 0, buf: bytes}, line => void lines.push({key: '', line}));
		const walked = walk(lines, p, to.seq);
		if (!('break' in walked) && walked.hash === to.hash) {
			this.#point = walked;
			void this.witness?.record(walked, 'write');
		}
	}

	/** The whole trail checked from its first event, as `audit verify` reports it. */
	async verifyAll(): Promise<{count: number; head: Head; firstBad?: ChainBreak; ledger: Ledger; config?: ConfigRecord; retainedThrough?: number; witnesses?: AnchorReport}> {
		const from = await this.#start();
		const lines = await this.#linesAfter(from.seq);
		const hashes = new Map(lines.map(l => chainFields(l.line)).flatMap(f => (f ? [[f.seq, f.hash] as const] : [])));
		const witnesses = this.witness ? {witnesses: await this.witness.check(seq => hashes.get(seq), from.seq)} : {};
		const walked = walk(lines, from, Number.POSITIVE_INFINITY);
		const retained = from.seq > 0 ? {retainedThrough: from.seq} : {};
		if ('break' in walked) return {count: walked.break.line - 1 - from.seq, head: walked.at, firstBad: walked.break, ledger: walked.at.ledger, ...retained, ...witnesses};
		const unvouched = from.seq > 0 ? vouchProblem(lines, from) : undefined;
		const firstBad = unvouched ? {firstBad: {line: from.seq + 1, reason: unvouched}} : {};
		const config = lastConfigRecord(lines.filter(l => configLine(l.line)).map(l => parseEvent(this.where, l.line, 0)));
		return {count: walked.seq - from.seq, head: {seq: walked.seq, hash: walked.hash}, ledger: walked.ledger, ...(config ? {config} : {}), ...retained, ...firstBad, ...witnesses};
	}

	/** The point the trail on the cluster starts from: its base after a retention, else before the first event. */
	async #start(): Promise<Point> {
		const text = await this.client.get(this.keys.auditBase).string();
		if (text === null) return origin();
		const base = parseBase(text);
		if (!base) throw this.#tampered({line: 1, reason: `${this.keys.auditBase} is not a retention's base`});
		this.#base = base;
		return base;
	}

	/** The point at `seq` (a commit boundary at or before the head), verified from where the trail starts. */
	async pointAt(seq: number): Promise<Point & {lines: Buffer[]}> {
		const from = await this.#start();
		const lines = (await this.#linesAfter(from.seq)).filter(l => (chainFields(l.line)?.seq ?? 0) <= seq);
		const walked = walk(lines, from, seq);
		if ('break' in walked) throw this.#tampered(walked.break);
		return {...walked, lines: lines.map(l => l.line)};
	}

	/** Events oldest first, through `head` (a commit in flight is not shown); with a limit, the newest matching. */
	async events(filter: AuditFilter, head: Head): Promise<StoredEvent[]> {
		const through = Math.min(head.seq, filter.throughSeq ?? head.seq);
		const plain = !filter.subject && !filter.deploymentId && !filter.related && filter.limit !== undefined;
		// Heads are commit boundaries: the keys before the one at through + 1 hold every event up to it.
		const range = {start: this.keys.audit, end: this.keys.auditAt(through + 1)};
		const kvs = plain
			? [...(await this.client.getAll().inRange(range).sort('Key', 'Descend').limit(filter.limit!).exec()).kvs].reverse()
			: await allKeys(this.client, range);
		const {matches} = auditMatcher(filter);
		const out: StoredEvent[] = [];
		for (const kv of kvs) {
			const key = kv.key.toString();
			eachLine({start: 0, buf: kv.value}, (line, start) => {
				const event = parseEvent(`${this.where} ${key}`, line, start);
				if (event.seq <= through && matches(event)) out.push(event);
			});
		}
		return filter.limit === undefined ? out : out.slice(-filter.limit);
	}

	#tampered(b: ChainBreak): StoreError {
		const finding = `${this.where}: the audit trail does not verify at event ${b.line}${b.seq ? ` (seq ${b.seq})` : ''}: ${b.reason}`;
		return new StoreError('TAMPERED', `${finding}; nothing was written (calyx audit verify --store ${this.where})`, this.where, {finding});
	}
}

type Point = Head & {ledger: Ledger};

const RETAINED = '"kind":"audit.retained"';
/** Commits before the witnessed head that a process's first check hashes again. */
const RECHECK_COMMITS = 256;

/** A retention's base as kept at `t/base`: the last removed event's seq and hash, and the registries up to it. */
function parseBase(text: string): Point | undefined {
	try {
		const v = JSON.parse(text) as Partial<Point> & {ledger?: unknown};
		const ledger = ledgerFrom(v.ledger);
		return typeof v.seq === 'number' && v.seq > 0 && typeof v.hash === 'string' && /^[0-9a-f]{64}$/.test(v.hash) && ledger ? {seq: v.seq, hash: v.hash, ledger} : undefined;
	} catch {
		return undefined;
	}
}

/**
 * A base is only as good as the chained event that vouches for it: the `audit.retained` event the
 * retention committed before it removed anything names the same seq, hash and registries. Why a
 * base is not vouched for, or undefined.
 */
function vouchProblem(lines: readonly Line[], base: Point): string | undefined {
	for (const {line} of lines) {
		if (!line.includes(RETAINED)) continue;
		const event = JSON.parse(line.toString('utf8')) as {data?: {through?: unknown; hash?: unknown; ledger?: unknown}};
		if (event.data?.through !== base.seq) continue;
		if (event.data.hash !== base.hash) return `the trail's base says seq ${base.seq} hashed ${base.hash.slice(0, 12)}…, its audit.retained event ${String(event.data.hash).slice(0, 12)}…`;
		if (canonicalJson(ledgerFrom(event.data.ledger) ?? null) !== canonicalJson(base.ledger)) return `the trail's base at seq ${base.seq} carries registries its audit.retained event does not`;
		return undefined;
	}
	return `the trail starts after seq ${base.seq} (a retention's base), but no audit.retained event vouches for it`;
}
/** Before the first event: the head an empty trail's state names (hash ''). */
const origin = (): Point => ({seq: 0, hash: '', ledger: emptyLedger()});

/** Follows the chain from `from` through seq `to`: the point reached, or the first line that breaks it. */
function walk(lines: readonly Line[], from: Point, to: number): Point | {break: ChainBreak; at: Point} {
	let at: Point = from;
	for (const [i, {key, line}] of lines.entries()) {
		const f = chainFields(line);
		const n = from.seq + i + 1;
		const fail = (reason: string) => ({break: {line: n, ...(f ? {seq: f.seq} : {}), reason: key ? `${key}: ${reason}` : reason}, at});
		if (!f) return fail('not an audit line');
		if (f.seq > to) break;
		if (f.seq !== at.seq + 1) return fail(`seq ${f.seq} follows seq ${at.seq} (an event removed or inserted)`);
		if (f.prevHash !== (at.seq === 0 ? GENESIS : at.hash)) return fail('its prevHash is not the previous event\'s hash (an event before it changed)');
		if (hashOfLine(line, f) !== f.hash) return fail('its hash does not match its content (edited)');
		const ledger = ledgerLine(line) ? ledgerStep(at.ledger, JSON.parse(line.toString('utf8')) as Parameters<typeof ledgerStep>[1]) : at.ledger;
		at = {seq: f.seq, hash: f.hash, ledger};
	}
	return at;
}
