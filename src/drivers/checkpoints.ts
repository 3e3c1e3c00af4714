import type {Clock} from '../core/clock.js';
import type {Store} from '../store/api.js';

/** How often the engine leader signs the audit head, at the least. */
export const CHECKPOINT_EVERY_MS = 60_000;

/** Events after which the head is signed at once: a canary halted, a rollback begun or ended. */
export const notableKind = (kind: string) => kind === 'deployment.halted' || kind.startsWith('deployment.roll') || kind === 'rollback.verified' || kind === 'rollback.failed';

/** Events looked at per tick at most: a longer run since the last tick is signed anyway. */
const SCAN_LIMIT = 1000;

/**
 * When the engine leader signs a checkpoint (see store/checkpoint.ts): on its first tick, at least
 * every `everyMs` of its clock, and after any commit (its own or another process's: a halt typed
 * at the CLI) that halts a canary or rolls one back. Each tick reads only the events committed
 * since the one before.
 */
export class Checkpoints {
	#signedAt?: number;
	#scanned?: number;

	constructor(
		readonly store: Store,
		readonly clock: Clock,
		readonly everyMs = CHECKPOINT_EVERY_MS,
	) {}

	/** After a tick: signs if due; the seq signed, or undefined. Throws what signing throws (a chain that does not verify). */
	async afterTick(): Promise<number | undefined> {
		if (!this.store.checkpoint) return undefined;
		const head = (await this.store.read()).auditHead.seq;
		const since = this.#scanned ?? head;
		let notable = false;
		if (head > since) {
			const events = await this.store.audit({limit: Math.min(head - since, SCAN_LIMIT)});
			notable = head - since > SCAN_LIMIT || events.some(e => e.seq > since && notableKind(e.kind));
		}
		this.#scanned = head;
		const now = this.clock.now();
		if (!notable && this.#signedAt !== undefined && now - this.#signedAt < this.everyMs) return undefined;
		const signed = await this.store.checkpoint({clock: this.clock});
		this.#signedAt = now;
		return signed.seq;
	}
}
