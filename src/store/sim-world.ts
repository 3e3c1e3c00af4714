import {SimWorld, emptyWorld} from '../core/sim/world.js';
import {writeDurable} from './durable.js';
import {StoreError} from './errors.js';
import {DEFAULT_LOCK_TIMEOUT_MS, withFileLock} from './lock.js';
import {storePaths} from './paths.js';
import {readData} from './safe-fs.js';

/**
 * The simulated target's world, in a file of its own (`sim-world.json`): the state document does
 * not know it exists. Only the simulated driver (and the demo that seeds it) reads and writes it.
 * Reads are lock-free (the file is replaced atomically); updates hold a lock of its own, so a
 * driver call never waits on the state's write lock. A missing file is an empty world; a corrupt
 * one is reported with its path, never reset.
 */
export class SimWorldFile {
	readonly path: string;
	readonly #lock: string;

	constructor(dataDir: string) {
		const paths = storePaths(dataDir);
		this.path = paths.simWorld;
		this.#lock = paths.simWorldLock;
	}

	async read(): Promise<SimWorld> {
		let raw: Buffer;
		try {
			raw = await readData(this.path);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyWorld();
			throw error;
		}
		let json: unknown;
		try {
			json = JSON.parse(raw.toString('utf8'));
		} catch {
			throw new StoreError('CORRUPT', `${this.path} is not JSON: the simulated world cannot be read (remove it to start an empty one)`, this.path);
		}
		const parsed = SimWorld.safeParse(json);
		if (!parsed.success) {
			const issue = parsed.error.issues[0]!;
			throw new StoreError('CORRUPT', `${this.path}: ${issue.path.join('.') || '(document)'}: ${issue.message} (remove the file to start an empty simulated world)`, this.path);
		}
		return parsed.data;
	}

	/** Reads, changes and writes the world as one step among its writers; returns what `fn` returns. */
	async update<T>(fn: (world: SimWorld) => T, timeoutMs = DEFAULT_LOCK_TIMEOUT_MS): Promise<T> {
		return withFileLock({lock: this.#lock}, timeoutMs, async held => {
			const world = await this.read();
			const out = fn(world);
			await held.assertHeld('writing the simulated world');
			await writeDurable(this.path, [Buffer.from(`${JSON.stringify(world)}\n`)]);
			return out;
		});
	}
}
