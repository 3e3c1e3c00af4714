import type {Etcd3} from 'etcd3';
import type {Reachability, ReachabilitySource} from '../api.js';

/** How often a console asks the cluster whether it is there, and how long it waits for the answer. */
const PROBE_MS = 1_000;

/**
 * Whether the cluster answers, for a console to say so: a probe (one small read) every second
 * while someone listens, and none otherwise. A change is told at once; `since` is when it changed.
 */
export class ClusterProbe implements ReachabilitySource {
	#now: Reachability = {reachable: true};
	readonly #listeners = new Set<() => void>();
	#timer: NodeJS.Timeout | undefined;

	constructor(
		readonly client: Etcd3,
		readonly key: string,
		readonly endpoints: readonly string[],
	) {}

	get(): Reachability {
		return this.#now;
	}

	subscribe(listener: () => void): () => void {
		this.#listeners.add(listener);
		if (!this.#timer) this.#timer = setTimeout(() => void this.#probe(), PROBE_MS);
		return () => {
			this.#listeners.delete(listener);
			if (this.#listeners.size === 0 && this.#timer) {
				clearTimeout(this.#timer);
				this.#timer = undefined;
			}
		};
	}

	async #probe(): Promise<void> {
		const error = await this.client
			.get(this.key)
			.options({deadline: Date.now() + PROBE_MS})
			.exec()
			.then(
				() => undefined,
				(e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!,
			);
		const was = this.#now;
		if (error === undefined && !was.reachable) this.#set({reachable: true});
		if (error !== undefined && was.reachable) this.#set({reachable: false, since: Date.now(), error, endpoints: this.endpoints.join(', ')});
		if (this.#listeners.size > 0) this.#timer = setTimeout(() => void this.#probe(), PROBE_MS);
		else this.#timer = undefined;
	}

	#set(next: Reachability): void {
		this.#now = next;
		for (const listener of [...this.#listeners]) listener();
	}

	close(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
		this.#listeners.clear();
	}
}
