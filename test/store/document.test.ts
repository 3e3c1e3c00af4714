import {existsSync, readFileSync, truncateSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {SCHEMA_VERSION} from '../../src/core/index.js';
import {initStore, openStore, StoreError} from '../../src/store/index.js';
import {MAX_DOCUMENT_BYTES} from '../../src/store/document.js';
import {clockAt, listing, sha, tempDir, refusal} from './helpers.js';

const intent = (title: string) => ({type: 'intent.create' as const, actor: 'human:alice', service: 'checkout', fromVersion: '1.4.0', toVersion: '1.5.0', title});

describe('initialising and opening a data directory', () => {
	it('refuses to open a directory without state, naming it', async () => {
		const dir = tempDir();
		const error = await refusal(openStore(dir));
		expect(error.code).toBe('NOT_INITIALISED');
		expect(error.message).toContain(join(dir, 'state.json'));
	});

	it('creates the directory and the initial state once, and opens it the second time', async () => {
		const dir = join(tempDir(), 'nested', 'data');
		const first = await initStore(dir);
		expect(first.created).toBe(true);
		const state = await first.store.read();
		expect(state).toMatchObject({schemaVersion: SCHEMA_VERSION, rev: 0, auditHead: {seq: 0, hash: ''}, keys: [], deployments: []});
		// The simulated target's world is no part of the document, and initialising makes none.
		expect(state).not.toHaveProperty('world');
		expect(existsSync(join(dir, 'sim-world.json'))).toBe(false);
		const before = sha(join(dir, 'state.json'));
		const second = await initStore(dir);
		expect(second.created).toBe(false);
		expect(sha(join(dir, 'state.json'))).toBe(before);
	});

	it('initialises once when two callers race', async () => {
		const dir = tempDir();
		const results = await Promise.all([initStore(dir), initStore(dir)]);
		expect(results.map(r => r.created).sort()).toEqual([false, true]);
		expect((await results[0]!.store.read()).rev).toBe(0);
	});

	it('sweeps a temp file left by a writer that died before its rename, on repair (not on open)', async () => {
		const dir = tempDir();
		await initStore(dir);
		const stray = join(dir, '.state.json.4242.1.deadbeef.tmp');
		writeFileSync(stray, '{"half":');
		const store = await openStore(dir);
		expect(existsSync(stray)).toBe(true); // opening writes nothing
		await store.repair();
		expect(existsSync(stray)).toBe(false);
	});

	it('refuses to start over when the state is missing beside an audit trail', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		await store.run(intent('one'), {clock: clockAt()});
		const audit = sha(join(dir, 'audit.ndjson'));
		writeFileSync(join(dir, 'moved-away'), readFileSync(join(dir, 'state.json')));
		const {rmSync} = await import('node:fs');
		rmSync(join(dir, 'state.json'));
		const error = await refusal(initStore(dir));
		expect(error.message).toMatch(/state\.json is missing but .*audit\.ndjson holds/);
		expect(existsSync(join(dir, 'state.json'))).toBe(false);
		expect(sha(join(dir, 'audit.ndjson'))).toBe(audit);
	});

	it('writes one entity per line and reads back exactly what it wrote', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		for (const t of ['a', 'b', 'c']) await store.run(intent(t), {clock: clockAt()});
		const text = readFileSync(join(dir, 'state.json'), 'utf8');
		expect(text.split('\n').filter(l => l.includes('"title"'))).toHaveLength(3);
		const fresh = await (await openStore(dir)).read();
		expect(fresh).toEqual(await store.read());
		// Still one JSON document: the state, and the list's rows derived from it (list-rows.ts).
		const {list, ...rest} = JSON.parse(text) as Record<string, unknown>;
		expect(rest).toEqual(fresh);
		expect(list).toEqual([['id', 'service', 'from', 'to', 'status', 'percent', 'tierIndex', 'tiers', 'worst', 'createdAt', 'updatedAt', 'target']]);
	});

	it('hands out frozen state, so a caller cannot change it behind the validation', async () => {
		const {store} = await initStore(tempDir());
		await store.run(intent('a'), {clock: clockAt()});
		const state = await store.read();
		expect(() => {
			(state.intents[0] as {title: string}).title = 'changed';
		}).toThrow(TypeError);
		await expect(store.mutate(s => ({state: (s.config.sampleWindow = 5, s), events: [], result: null}))).rejects.toThrow(TypeError);
	});

	it('keeps the last two good files as backups', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		for (const t of ['a', 'b', 'c']) await store.run(intent(t), {clock: clockAt()});
		const revOf = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')).rev;
		expect([revOf('state.json'), revOf('state.json.bak1'), revOf('state.json.bak2')]).toEqual([3, 2, 1]);
	});
});

const BAD_FILES: Array<[string, (good: string) => string | Buffer, RegExp]> = [
	['empty', () => '', /is empty \(0 bytes\)/],
	['truncated', good => good.slice(0, Math.floor(good.length / 2)), /ends early at line \d+, column \d+ \(character \d+\): the file is truncated/],
	['null', () => 'null', /does not hold a state document \(it holds null\)/],
	['NUL-filled', good => Buffer.alloc(good.length), /is filled with NUL bytes/],
	['garbled', good => good.replace('"rev":', '"rev" '), /is not valid JSON at line 1, column \d+/],
	['schema-violating', good => good.replace('"maxResourceLoad":85', '"maxResourceLoad":850'), /fails its schema at config\.maxResourceLoad: /],
];

describe('a bad state file is reported, left as it is, and nothing is written', () => {
	for (const [name, damage, message] of BAD_FILES) {
		it(`${name}: names the file, where it goes wrong and the last good backup`, async () => {
			const dir = tempDir();
			const {store} = await initStore(dir);
			for (const t of ['a', 'b']) await store.run(intent(t), {clock: clockAt()});
			const statePath = join(dir, 'state.json');
			writeFileSync(statePath, damage(readFileSync(statePath, 'utf8')));
			// A dead writer's temp file too: with the state unreadable, not even that is cleaned up.
			writeFileSync(join(dir, '.state.json.4242.1.deadbeef.tmp'), '{"half":');
			const before = {state: sha(statePath), audit: sha(join(dir, 'audit.ndjson')), files: listing(dir)};

			const reopened = await openStore(dir);
			for (const attempt of [reopened.read(), reopened.run(intent('c'), {clock: clockAt()}), store.run(intent('d'), {clock: clockAt()})]) {
				const error = await refusal(attempt);
				expect(error.code).toBe('CORRUPT');
				expect(error.path).toBe(statePath);
				expect(error.message).toContain(statePath);
				expect(error.message).toMatch(message);
				expect(error.message).toContain(`last good backup: ${statePath}.bak1 (rev 1)`);
				expect(error.detail.backup).toBe(`${statePath}.bak1`);
				if (name === 'schema-violating') expect(error.detail.field).toBe('config.maxResourceLoad');
				else expect(error.detail.position).toBeTypeOf('number');
			}
			expect({state: sha(statePath), audit: sha(join(dir, 'audit.ndjson')), files: listing(dir)}).toEqual(before);
		});
	}

	it('says so when there is no good backup either', async () => {
		const dir = tempDir();
		await initStore(dir);
		writeFileSync(join(dir, 'state.json'), 'null');
		const error = await refusal((await openStore(dir)).read());
		expect(error.message).toMatch(/no good backup beside it/);
	});
});

describe('schema versions', () => {
	it('migrates a version-0 document in memory, and writes it as the current version with an audit event', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const {schemaVersion: _v, auditHead: _h, ...v0} = JSON.parse(JSON.stringify(await store.read()));
		writeFileSync(join(dir, 'state.json'), JSON.stringify({...v0, rev: 4}, null, 2));
		const reopened = await openStore(dir);
		const state = await reopened.read();
		expect(state.schemaVersion).toBe(SCHEMA_VERSION);
		expect(state.auditHead).toEqual({seq: 0, hash: ''});
		expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).schemaVersion).toBeUndefined();

		const {rev, events} = await reopened.run(intent('after'), {clock: clockAt()});
		expect(rev).toBe(5);
		expect(events.map(e => e.kind)).toEqual(['store.migrated', 'intent.created']);
		expect(events[0]!.data).toEqual({from: 0, to: SCHEMA_VERSION});
		expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).schemaVersion).toBe(SCHEMA_VERSION);
		expect((await reopened.verifyAudit()).ok).toBe(true);
	});

	it('refuses a document from a newer version clearly, and leaves it alone', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const path = join(dir, 'state.json');
		writeFileSync(path, JSON.stringify({...(await store.read()), schemaVersion: SCHEMA_VERSION + 1}));
		const before = sha(path);
		const error = await refusal((await openStore(dir)).run(intent('x'), {clock: clockAt()}));
		expect(error.code).toBe('VERSION');
		expect(error.message).toContain(path);
		expect(error.message).toMatch(new RegExp(`newer calyx \\(schema version ${SCHEMA_VERSION + 1}\\); this one reads versions 0 to ${SCHEMA_VERSION}`));
		expect(sha(path)).toBe(before);
	});

	it('refuses a schemaVersion that is not a version at all', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		writeFileSync(join(dir, 'state.json'), JSON.stringify({...(await store.read()), schemaVersion: 'one'}));
		const error = await refusal((await openStore(dir)).read());
		expect(error.code).toBe('CORRUPT');
		expect(error.detail.field).toBe('schemaVersion');
	});

	it('refuses an unknown top-level field, naming it and what is allowed, and writes nothing', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const path = join(dir, 'state.json');
		writeFileSync(path, JSON.stringify({...(await store.read()), ballast: 'x'.repeat(1000)}));
		const before = sha(path);
		const error = await refusal((await openStore(dir)).run(intent('x'), {clock: clockAt()}));
		expect(error.code).toBe('CORRUPT');
		expect(error.detail.field).toBe('ballast');
		expect(error.message).toMatch(/unknown field \(allowed: .*deployments/);
		expect(sha(path)).toBe(before);
	});

	it('refuses a state file over the size cap before reading it', async () => {
		const dir = tempDir();
		await initStore(dir);
		const path = join(dir, 'state.json');
		truncateSync(path, MAX_DOCUMENT_BYTES + 1);
		const error = await refusal((await openStore(dir)).read());
		expect(error.code).toBe('CORRUPT');
		expect(error.message).toMatch(/MB, over the 128 MB a calyx state file may hold/);
	});
});
