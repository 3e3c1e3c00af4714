import {existsSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {initStore, type Store} from '../../src/store/index.js';
import {clockAt, healthy, seedCanary, tempDir} from './helpers.js';

/** A running canary whose first sample is in (it changed the list row: none → ok), so the next ones only move it along. */
export async function canary() {
	const dir = tempDir();
	const {store} = await initStore(dir);
	const clock = clockAt();
	const {deploymentId} = await seedCanary(store, clock);
	const record = async (cpu = 55, on: Store = store) => {
		clock.advance(1000);
		return on.run({type: 'metrics.record', actor: 'agent:ci-bot', id: deploymentId, sample: {...healthy, cpu}}, {clock});
	};
	await record();
	return {dir, store, clock, deploymentId, record, journal: join(dir, 'state.journal'), doc: join(dir, 'state.json')};
}

/** A journal line as JSON. */
export type Raw = {
	rev: number;
	moves: Array<Record<string, unknown> & {window: {drop: number; add: number[]}; sampleCount: number; feeds?: Record<string, object>; bake?: object}>;
	samples: Array<{deploymentId: string; sample: Record<string, unknown> & {at: string}}>;
};
export const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
export const fileOf = (path: string) => {
	const st = statSync(path, {bigint: true});
	return `${st.ino}:${st.size}:${st.mtimeNs}`;
};
/** The document's own revision, from its first line (the rev a reader gets adds the journal's records). */
export const revOf = (path: string) => Number(/"rev":(\d+)/.exec(readFileSync(path, 'latin1').slice(0, 200))![1]);
