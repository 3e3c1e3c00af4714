import {appendFileSync, truncateSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {readSamples, sampleLines} from '../../src/store/metrics-log.js';
import {SampleFollower} from '../../src/store/sample-follower.js';
import {tempDir} from './helpers.js';

const at = (i: number) => new Date(Date.UTC(2026, 11, 2) + i * 1000).toISOString();
const line = (id: string, i: number, rev: number) => sampleLines([{deploymentId: id, sample: {at: at(i), tesDelta: 0, errorRate: i % 7, cpu: 50, memory: 60}}], rev);

describe('following a deployment\'s newest samples', () => {
	it('answers as a full backward read would, after appends, a commit under way, a torn tail and a cut', async () => {
		const path = join(tempDir(), 'metrics.ndjson');
		writeFileSync(path, Buffer.concat(Array.from({length: 120}, (_, i) => line(i % 3 === 0 ? 'DEP-A' : 'DEP-B', i, 1 + Math.floor(i / 10)))));
		const follower = new SampleFollower(path);
		const same = async (id: string, limit: number, rev: number) => expect(await follower.recent(id, limit, rev)).toEqual(await readSamples(path, id, limit, rev));
		await same('DEP-A', 10, 12);
		await same('DEP-B', 25, 12);
		// Appended since: read forward, only those.
		appendFileSync(path, Buffer.concat([line('DEP-A', 200, 13), line('DEP-B', 201, 13), line('DEP-A', 202, 13)]));
		await same('DEP-A', 10, 13);
		await same('DEP-B', 25, 13);
		// A commit under way (rev 14 past the committed 13) is not taken until it commits; nor is a torn line.
		appendFileSync(path, line('DEP-A', 203, 14));
		const torn = line('DEP-A', 204, 15);
		appendFileSync(path, torn.subarray(0, 20));
		expect((await follower.recent('DEP-A', 10, 13)).at(-1)!.at).toBe(at(202));
		expect((await follower.recent('DEP-A', 10, 14)).at(-1)!.at).toBe(at(203));
		appendFileSync(path, torn.subarray(20));
		await same('DEP-A', 10, 15);
		expect((await follower.recent('DEP-A', 10, 15)).at(-1)!.at).toBe(at(204));
		// Recovery cut the tail (a crashed commit's lines): followed again from what is left.
		truncateSync(path, 120 * line('DEP-A', 0, 1).length - 300);
		await same('DEP-A', 10, 15);
		await same('DEP-B', 5, 15);
		// A wider ask than the one followed reads backwards again.
		await same('DEP-A', 30, 15);
		expect(await follower.recent('DEP-C', 10, 15)).toEqual([]);
	});
});
