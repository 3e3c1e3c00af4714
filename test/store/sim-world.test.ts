import {existsSync, lstatSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {emptyWorld, SimFleet, type SimWorld} from '../../src/core/index.js';
import {StoreError} from '../../src/store/index.js';
import {SimWorldFile} from '../../src/store/sim-world.js';
import {Child, listing, sha, tempDir, until, refusal} from './helpers.js';

const withService = (name: string, version = '1.4.0') => (world: SimWorld) => new SimFleet(world).addService(name, version);

describe('the simulated world file (sim-world.json)', () => {
	it('is an empty world while missing, and reading it creates nothing', async () => {
		const dir = tempDir();
		const file = new SimWorldFile(dir);
		expect(file.path).toBe(join(dir, 'sim-world.json'));
		expect(await file.read()).toEqual(emptyWorld());
		expect(listing(dir)).toEqual([]);
	});

	it('is written whole by an update, which returns what its function returns and leaves no lock behind', async () => {
		const dir = tempDir();
		const file = new SimWorldFile(dir);
		const out = await file.update(world => {
			withService('checkout')(world);
			return Object.keys(world.services);
		});
		expect(out).toEqual(['checkout']);
		const text = readFileSync(file.path, 'utf8');
		expect(text.endsWith('}\n')).toBe(true);
		expect(JSON.parse(text)).toEqual(await file.read());
		expect((await file.read()).services.checkout!.fleet).toEqual({service: 'checkout', replicas: 10, stable: {version: '1.4.0'}, canary: null});
		expect(listing(dir)).toEqual(['sim-world.json']);
		// Another instance (another process's driver) sees the same world.
		expect(await new SimWorldFile(dir).read()).toEqual(await file.read());
	});

	it('is left as it was when the update function throws, and the next update goes ahead', async () => {
		const dir = tempDir();
		const file = new SimWorldFile(dir);
		await file.update(withService('checkout'));
		const before = sha(file.path);
		await expect(
			file.update(world => {
				withService('half-done')(world);
				throw new Error('changed my mind');
			}),
		).rejects.toThrow('changed my mind');
		expect(sha(file.path)).toBe(before);
		expect(Object.keys((await file.read()).services)).toEqual(['checkout']);
		await file.update(withService('search'));
		expect(Object.keys((await file.read()).services).sort()).toEqual(['checkout', 'search']);
	});

	const CORRUPT: Array<[string, string, RegExp]> = [
		['not JSON', '{"kind":"simulated","seed":1,"services":{', /is not JSON: the simulated world cannot be read \(remove it to start an empty one\)/],
		['empty', '', /is not JSON/],
		['against its schema', JSON.stringify({kind: 'simulated', seed: 'one', services: {}}), /: seed: .*\(remove the file to start an empty simulated world\)/],
		['a fleet with a bad share', JSON.stringify({kind: 'simulated', seed: 1, services: {checkout: {fleet: {service: 'checkout', replicas: 10, stable: {version: '1'}, canary: null}, load: 400, scenario: {kind: 'healthy'}, tierPolls: 0, polls: 0}}}), /: services\.checkout\.load: /],
	];
	for (const [name, content, message] of CORRUPT) {
		it(`${name}: is reported as CORRUPT naming the file, by reads and updates alike, and never rewritten`, async () => {
			const dir = tempDir();
			const file = new SimWorldFile(dir);
			writeFileSync(file.path, content);
			const before = {sum: sha(file.path), files: listing(dir)};
			for (const attempt of [() => file.read(), () => file.update(withService('checkout')), () => new SimWorldFile(dir).read()]) {
				const error = await refusal(attempt());
				expect(error.code).toBe('CORRUPT');
				expect(error.path).toBe(file.path);
				expect(error.message).toContain(file.path);
				expect(error.message).toMatch(message);
			}
			expect({sum: sha(file.path), files: listing(dir)}).toEqual(before);
		});
	}

	it('refuses a sim-world.json that is a symbolic link (UNSAFE), to a world or to nothing, and writes through neither', async () => {
		const dir = tempDir();
		const elsewhere = join(tempDir(), 'world.json');
		writeFileSync(elsewhere, `${JSON.stringify(emptyWorld(7))}\n`);
		const file = new SimWorldFile(dir);
		symlinkSync(elsewhere, file.path);
		const before = sha(elsewhere);
		for (const attempt of [() => file.read(), () => file.update(withService('checkout'))]) {
			const error = await refusal(attempt());
			expect(error.code).toBe('UNSAFE');
			expect(error.path).toBe(file.path);
			expect(error.message).toMatch(/is a symbolic link/);
		}
		expect(lstatSync(file.path).isSymbolicLink()).toBe(true);
		expect(sha(elsewhere)).toBe(before);

		// A dangling link is no missing file: it is not taken for an empty world, nor replaced.
		const dangling = tempDir();
		const planted = join(tempDir(), 'not-yet');
		const other = new SimWorldFile(dangling);
		symlinkSync(planted, other.path);
		for (const attempt of [() => other.read(), () => other.update(withService('checkout'))]) expect((await refusal(attempt())).code).toBe('UNSAFE');
		expect(lstatSync(other.path).isSymbolicLink()).toBe(true);
		expect(existsSync(planted)).toBe(false);
	});

	it('loses no update when one process runs many at once', async () => {
		const dir = tempDir();
		const files = [new SimWorldFile(dir), new SimWorldFile(dir)];
		await Promise.all(
			Array.from({length: 30}, (_, i) =>
				files[i % 2]!.update(world => {
					withService(`s${i}`)(world);
					world.seed += 1;
				}),
			),
		);
		const world = await files[0]!.read();
		expect(Object.keys(world.services)).toHaveLength(30);
		expect(world.seed).toBe(1 + 30);
	});

	it('loses no update when several processes update it at once, and a reader never sees a torn file', async () => {
		const dir = tempDir();
		const PROCS = 4;
		const COUNT = 25;
		const updaters = Array.from({length: PROCS}, (_, i) => new Child('sim-world-updater.ts', [dir, String(COUNT), `p${i}`]));
		const file = new SimWorldFile(dir);
		let reads = 0;
		let lastPolls = 0;
		try {
			await Promise.all(updaters.map(u => u.waitFor(l => l === 'ready', 'updater ready', 120_000)));
			for (const u of updaters) u.send('go');
			// Lock-free reads all along: each one a whole world, the shared count never going back.
			await until(
				async () => {
					const world = await file.read();
					const polls = world.services.shared?.polls ?? 0;
					expect(polls).toBeGreaterThanOrEqual(lastPolls);
					lastPolls = polls;
					reads += 1;
					for (const u of updaters) if (u.proc.exitCode !== null && !u.lines.some(l => l.startsWith('done'))) throw new Error(`an updater died: ${u.stderr}`);
					return updaters.every(u => u.lines.some(l => l.startsWith('done')));
				},
				'every updater done',
				150_000,
			);
		} finally {
			await Promise.all(updaters.map(u => u.kill()));
		}
		expect(reads).toBeGreaterThan(0);
		const world = await file.read();
		expect(world.services.shared!.polls).toBe(PROCS * COUNT);
		for (let p = 0; p < PROCS; p++) for (let i = 0; i < COUNT; i++) expect(world.services[`p${p}-${i}`], `p${p}-${i}`).toBeDefined();
		expect(Object.keys(world.services)).toHaveLength(PROCS * COUNT + 1);
		// No temp file or lock left behind by the writers.
		expect(listing(dir)).toEqual(['sim-world.json']);
	}, 240_000);
});
