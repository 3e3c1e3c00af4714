import {EventEmitter} from 'node:events';

/**
 * A terminal for mounting the real console (not ink-testing-library): a TTY stdout with a size
 * that counts what is written, and a raw-mode stdin to type into.
 */
export class FakeTtyOut extends EventEmitter {
	readonly isTTY = true;
	chunks: string[] = [];
	bytes = 0;
	constructor(
		public columns = 100,
		public rows = 30,
	) {
		super();
	}
	write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
		const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
		this.chunks.push(text);
		this.bytes += Buffer.byteLength(text);
		const done = rest.find(x => typeof x === 'function') as (() => void) | undefined;
		done?.();
		return true;
	};
	get output(): string {
		return this.chunks.join('');
	}
	resize(columns: number, rows: number): void {
		this.columns = columns;
		this.rows = rows;
		this.emit('resize');
	}
}

export class FakeTtyIn extends EventEmitter {
	readonly isTTY = true;
	#pending: string[] = [];
	rawMode = false;
	setRawMode(on: boolean) {
		this.rawMode = on;
		return this;
	}
	setEncoding() {
		return this;
	}
	ref() {
		return this;
	}
	unref() {
		return this;
	}
	resume() {
		return this;
	}
	pause() {
		return this;
	}
	read(): string | null {
		return this.#pending.shift() ?? null;
	}
	type(text: string): void {
		this.#pending.push(text);
		this.emit('readable');
	}
}

export const asStreams = (out: FakeTtyOut, input: FakeTtyIn) => ({
	stdout: out as unknown as NodeJS.WriteStream,
	stderr: new FakeTtyOut() as unknown as NodeJS.WriteStream,
	stdin: input as unknown as NodeJS.ReadStream,
});
