import type {BatchStore} from '../../store/api.js';

const WRITES = new Set<PropertyKey>(['run', 'runMany', 'mutate']);

/**
 * The store as the engine loop sees it, with each write timed (lock wait, commit and all) into
 * `observe`: the latency the engine pays, measured without touching the store itself. Everything
 * else is the store's own, bound to it (its methods keep their private fields).
 */
export function timedStore(store: BatchStore, observe: (seconds: number) => void): BatchStore {
	return new Proxy(store, {
		get(target, prop) {
			const value: unknown = Reflect.get(target, prop, target);
			if (typeof value !== 'function') return value;
			if (!WRITES.has(prop)) return value.bind(target);
			return async (...args: unknown[]) => {
				const started = performance.now();
				try {
					return await value.apply(target, args);
				} finally {
					observe((performance.now() - started) / 1000);
				}
			};
		},
	});
}
