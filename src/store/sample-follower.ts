import type {Sample} from '../core/model/index.js';
import {isNodeError} from './errors.js';
import {linesBackward, readTail} from './lines.js';
import {parseSample, readSamples, revOf} from './metrics-log.js';
import {openData} from './safe-fs.js';

/** How many deployments' samples one reader follows at once (the console follows the one in its detail). */
const FOLLOWED = 8;

/**
 * A deployment's newest samples for a reader that asks again and again (the console's detail, each
 * second, while fifty canaries are sampled into the same log): the first ask reads backwards from
 * the end, as `readSamples` does; each later one reads only the lines appended since, forward. The
 * log only grows, save for a crashed commit's lines cut off by recovery, seen as a shorter or
 * replaced file, which starts the following over.
 */
export class SampleFollower {
	/** Bytes accounted for: every complete line before this is committed and was taken in. */
	#end?: number;
	#ino?: bigint;
	readonly #rings = new Map<string, {limit: number; samples: Sample[]; needle: Buffer}>();
	#queue: Promise<unknown> = Promise.resolve();

	constructor(readonly path: string) {}

	recent(id: string, limit: number, throughRev: number): Promise<Sample[]> {
		const run = this.#queue.then(() => this.#recent(id, limit, throughRev));
		this.#queue = run.catch(() => undefined);
		return run;
	}

	async #recent(id: string, limit: number, throughRev: number): Promise<Sample[]> {
		if (limit <= 0) return [];
		await this.#advance(throughRev);
		let ring = this.#rings.get(id);
		if (!ring || ring.limit < limit) {
			ring = {limit, samples: await readSamples(this.path, id, limit, throughRev, this.#end), needle: Buffer.from(`"deploymentId":${JSON.stringify(id)}`)};
			this.#rings.delete(id);
			this.#rings.set(id, ring);
			if (this.#rings.size > FOLLOWED) this.#rings.delete(this.#rings.keys().next().value!);
		}
		return ring.samples.slice(-limit);
	}

	async #advance(throughRev: number): Promise<void> {
		let fh;
		try {
			fh = await openData(this.path, 'read');
		} catch (error) {
			if (!isNodeError(error, 'ENOENT')) throw error;
			this.#restart(undefined, 0);
			return;
		}
		try {
			const {size, ino} = await fh.stat({bigint: true});
			if (this.#end === undefined || ino !== this.#ino || Number(size) < this.#end) {
				this.#restart(ino, await this.#committedEnd(throughRev));
				return;
			}
			const want = Number(size) - this.#end;
			if (want === 0) return;
			const buf = Buffer.allocUnsafe(want);
			const {bytesRead} = await fh.read(buf, 0, want, this.#end);
			this.#take(buf.subarray(0, bytesRead), throughRev);
		} finally {
			await fh.close();
		}
	}

	#take(buf: Buffer, throughRev: number): void {
		let pos = 0;
		for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, pos)) {
			const line = buf.subarray(pos, nl);
			// A commit under way: its lines are taken once it has committed.
			if ((revOf(line) ?? 0) > throughRev) break;
			// Only a followed deployment's lines are parsed (fifty canaries append fifty a second), as readSamples does.
			const parsed = this.#followed(line) ? parseSample(this.path, line, this.#end! + pos) : undefined;
			const ring = parsed && this.#rings.get(parsed.deploymentId);
			if (ring) {
				ring.samples.push(parsed.sample);
				if (ring.samples.length > ring.limit) ring.samples.splice(0, ring.samples.length - ring.limit);
			}
			pos = nl + 1;
		}
		this.#end! += pos;
	}

	#followed(line: Buffer): boolean {
		for (const ring of this.#rings.values()) if (line.indexOf(ring.needle) >= 0) return true;
		return false;
	}

	/** The end of the last committed line: a torn tail and a commit under way are not taken. */
	async #committedEnd(throughRev: number): Promise<number> {
		const tail = await readTail(this.path);
		for await (const {line, start} of linesBackward(this.path, tail.tornAt ?? tail.size)) {
			if ((revOf(line) ?? 0) <= throughRev) return start + line.length + 1;
		}
		return 0;
	}

	#restart(ino: bigint | undefined, end: number): void {
		this.#rings.clear();
		this.#ino = ino;
		this.#end = end;
	}
}
