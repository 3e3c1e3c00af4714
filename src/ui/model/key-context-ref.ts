import type {KeyContext} from './console-model.js';

/**
 * What the keys act on, as a ref the key handler reads. A state the list takes without drawing it
 * (see quiet-list.ts) changes what the keys act on, each second while canaries run, and working
 * that out is a screen model of the whole list: it is deferred until a key or a paste reads it,
 * then worked out from that state and the time it was taken at, as it would have been at once.
 */
export class KeyContextRef {
	#value: KeyContext;
	#pending: (() => Partial<KeyContext>) | undefined;

	constructor(value: KeyContext) {
		this.#value = value;
	}

	get current(): KeyContext {
		const pending = this.#pending;
		if (pending) {
			this.#pending = undefined;
			this.#value = {...this.#value, ...pending()};
		}
		return this.#value;
	}

	/** A render's context: what was deferred before it is dropped (the render drew a newer state). */
	set current(value: KeyContext) {
		this.#pending = undefined;
		this.#value = value;
	}

	/** What the keys act on from `update`, once they are read (the last deferred wins: each is a whole state's). */
	defer(update: () => Partial<KeyContext>): void {
		this.#pending = update;
	}
}
