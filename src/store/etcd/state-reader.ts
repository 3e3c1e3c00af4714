import type {Etcd3} from 'etcd3';
import type {Snapshot} from './commit.js';
import type {KeyLayout} from './keys.js';
import type {Kv, SnapshotCodec} from './snapshot.js';
import {unreachable} from './unreachable.js';

type RangeKvs = ReadonlyArray<{key: Buffer; value: Buffer; mod_revision: string | number}>;

/** What a read was built on: the keys of `s/` as of a revision (undefined: none yet, read all). */
interface Base {
	rev: number;
	kvs: ReadonlyMap<string, Kv>;
}

/**
 * Reads of the live state that fetch only what changed: a range of `s/` asks for the keys modified
 * since the revision this process last saw it at, and the keys it saw then carry over (those the
 * meta no longer lists drop out). A reader's cost follows the change, not the size of the state.
 */
export class StateReader {
	#base: Base | undefined;

	constructor(
		readonly client: Etcd3,
		readonly keys: KeyLayout,
		readonly codec: SnapshotCodec,
		readonly endpoints: readonly string[],
	) {}

	/** The range to read (alone or in a transaction), and what to give `absorb` with its reply. */
	range() {
		const base = this.#base;
		const builder = this.client.getAll().prefix(this.keys.state);
		return {builder: base ? builder.minModRevision(base.rev + 1) : builder, base};
	}

	/** The state a range's reply makes with the keys it was built on; kept as the next read's base. */
	absorb(base: Base | undefined, raw: RangeKvs, revision: string | number): Snapshot {
		const fresh: Kv[] = raw.map(kv => ({key: kv.key.toString(), value: kv.value, mod: String(kv.mod_revision)}));
		const returned = new Set(fresh.map(kv => kv.key));
		const carried = base ? [...base.kvs.values()].filter(kv => !returned.has(kv.key)) : [];
		const {state, used} = this.codec.decode(fresh, carried);
		const rev = Number(revision);
		if (!this.#base || rev > this.#base.rev) this.#base = {rev, kvs: new Map(used.map(kv => [kv.key, kv]))};
		return {state, metaMod: used.find(kv => kv.key === this.keys.meta)!.mod};
	}

	async read(): Promise<Snapshot> {
		const {builder, base} = this.range();
		const res = await builder.exec().catch((error: unknown) => {
			throw unreachable(this.endpoints, error);
		});
		return this.absorb(base, res.kvs, res.header.revision);
	}
}
