import {cpSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {systemClock} from '../../src/core/index.js';
import {mulberry32} from '../../src/core/sim/prng.js';
import {initStore, openStore} from '../../src/store/index.js';
import {isQuarantineOf} from '../../src/store/paths.js';
import {Child, seedCanary, tempDir, until} from './helpers.js';

/** Fewer than crash.test.ts's trials: these look at what is left beside the state, not at the state. */
const CHILDREN = 6;
const DIRS_PER_CHILD = 4;
/** Each directory is written and killed twice: the second writer may die inside the first one's recovery. */
const ROUNDS = 2;
const DEBRIS = /\.tmp$|\.pending$|\.dead-|\.new-|\.bak0$/;

const revOf = (dir: string, file: string) => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as {rev: number}).rev;

async function killSomewhere(dirs: string[], deploymentId: string, rnd: () => number) {
	const writer = new Child('crash-writer.ts');
	try {
		writer.send(`go ${deploymentId} ${dirs.join(' ')}`);
		const wanted = Math.floor(rnd() * 3 * dirs.length);
		await until(() => writer.lines.filter(l => l.startsWith('ack ')).length >= wanted || writer.proc.exitCode !== null, 'acks');
		await new Promise(resolve => setTimeout(resolve, rnd() * 4));
	} finally {
		await writer.kill('SIGKILL');
	}
}

/**
 * After the kills, one successful write: nothing a crashed writer leaves is still there, the
 * newest backup is the document just before the current one, and every file holding bytes moved out
 * of a log is named by a committed audit event.
 */
async function check(dir: string) {
	// The document as the kill left it: samples since may be journal records (store/journal.ts), which the next rewrite takes in.
	const before = revOf(dir, 'state.json');
	const store = await openStore(dir);
	await store.run({type: 'intent.create', fromVersion: '1.4.0', actor: 'human:alice', service: 'checkout', toVersion: '1.5.0'});
	const names = readdirSync(dir);
	expect(names.filter(n => DEBRIS.test(n))).toEqual([]);
	const [state, bak1, bak2] = ['state.json', 'state.json.bak1', 'state.json.bak2'].map(f => revOf(dir, f));
	// The document that stood before this one: the one the kill left, or a recovery's just before this write.
	expect([before, state! - 1]).toContain(bak1);
	expect(bak1).toBeLessThan(state!);
	expect(bak2).toBeLessThan(bak1!);
	const events = await store.audit();
	const named = new Set(events.flatMap(e => (typeof e.data.quarantine === 'string' ? [e.data.quarantine] : [])));
	const quarantines = names.filter(n => isQuarantineOf(join(dir, 'audit.ndjson'), n) || isQuarantineOf(join(dir, 'metrics.ndjson'), n));
	for (const q of quarantines) expect(named, q).toContain(join(dir, q));
	expect((await store.verifyAudit()).ok).toBe(true);
	await store.close();
	return events.some(e => e.kind === 'store.swept' || e.kind === 'log.recovered');
}

describe('kill -9, twice per directory, then one write', () => {
	it(`${CHILDREN * DIRS_PER_CHILD} directories: no debris left, bak1 is the previous state, every quarantine recorded`, async () => {
		const template = tempDir();
		const {store} = await initStore(template);
		const {deploymentId} = await seedCanary(store, systemClock);
		await store.close();
		const rnd = mulberry32(20261202);
		let swept = 0;
		for (let c = 0; c < CHILDREN; c++) {
			const dirs = Array.from({length: DIRS_PER_CHILD}, () => {
				const dir = tempDir();
				cpSync(template, dir, {recursive: true});
				return dir;
			});
			for (let r = 0; r < ROUNDS; r++) await killSomewhere(dirs, deploymentId, rnd);
			for (const dir of dirs) if (await check(dir)) swept++;
		}
		console.info(`debris after kill -9: ${CHILDREN * DIRS_PER_CHILD} directories, ${swept} recorded a sweep or a recovery`);
	}, 180_000);
});
