import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {openStore} from '../../src/store/index.js';
import {snapshot} from '../cli/helpers.js';
import {refusal} from './helpers.js';
import {canary, lines, revOf, type Raw} from './journal-helpers.js';

describe('the state journal refuses what no commit wrote, naming it, and writes nothing', () => {
	it('refuses a journal that does not continue the document, naming it, and writes nothing', async () => {
		const {record, journal, dir} = await canary();
		await record(60);
		const [line] = lines(journal);
		const record1 = JSON.parse(line!) as {rev: number};
		writeFileSync(journal, `${JSON.stringify({...record1, rev: record1.rev + 5})}\n`);
		const before = snapshot(dir);
		const reader = await openStore(dir);
		const error = await refusal(reader.read());
		expect(error.code).toBe('CORRUPT');
		expect(error.path).toBe(journal);
		expect(error.message).toMatch(/state\.journal: its records start at rev \d+, but the document is at rev \d+/);
		await refusal(reader.run({type: 'intent.create', actor: 'human:alice', service: 'checkout', fromVersion: '1.4.0', toVersion: '1.5.0'}));
		expect(snapshot(dir)).toEqual(before);
	});

	it('refuses a line that fails the schema of a record, naming the field and its byte', async () => {
		const {record, journal, dir} = await canary();
		await record(60);
		const good = lines(journal)[0]!;
		const bad = async (edit: (r: Raw) => void) => {
			const r = JSON.parse(good) as Raw;
			edit(r);
			writeFileSync(journal, `${JSON.stringify(r)}\n`);
			return (await refusal((await openStore(dir)).read())).message;
		};
		const at = (field: string) => `state.journal: the line at byte 0 fails its schema at ${field}`;
		expect(await bad(r => (r.moves[0]!.sampleCount = -1))).toContain(at('moves[0].sampleCount: a whole number from 0'));
		const place = "the position of one of its deployment's samples in the record, after the one before";
		expect(await bad(r => (r.moves[0]!.window.add = [1]))).toContain(at(`moves[0].window.add[0]: ${place}`));
		expect(await bad(r => r.moves[0]!.window.add.push(0))).toContain(at(`moves[0].window.add[1]: ${place}`));
		expect(await bad(r => Object.assign(r.moves[0]!.window, {keep: 3}))).toContain(at('moves[0].window.keep: unknown field (allowed: drop, add)'));
		// What only an audited rewrite changes (a status, a lease, a plan) has no place in a move.
		for (const field of ['status', 'leaseId', 'plan']) expect(await bad(r => (r.moves[0]![field] = 'forged'))).toContain(at(`moves[0].${field}: unknown field (allowed: id, window, sampleCount, feeds, bake)`));
		// A feed carries what the engine writes there and nothing else: it goes into every later record.
		const feed = Object.keys(JSON.parse(good).moves[0].feeds as object)[0]!;
		expect(await bad(r => Object.assign(r.moves[0]!.feeds![feed]!, {blob: 'x'.repeat(1000)}))).toContain(at(`moves[0].feeds.${feed}`));
		expect(await bad(r => Object.assign(r.moves[0]!.bake!, {extra: 1}))).toContain(at('moves[0].bake'));
		expect(await bad(r => r.moves.push(r.moves[0]!))).toMatch(/the record at byte 0 moves deployment "DEP-[\d-]+" twice/);
		expect(await bad(r => (r.samples[0]!.sample = {at: 'now', cpu: 'high'}))).toMatch(/fails its schema at samples\[0\]\.sample\./);
		expect(await bad(r => r.samples.push({deploymentId: 'DEP-20991231-001', sample: r.samples[0]!.sample}))).toContain('holds samples[1] of deployment "DEP-20991231-001", which it does not move');
		expect(await bad(r => Object.assign(r, {config: {}}))).toContain(at('config: unknown field (allowed: rev, moves, samples)'));
		writeFileSync(journal, 'not json\n');
		expect((await refusal((await openStore(dir)).read())).message).toMatch(/state\.journal: the line at byte 0 is not JSON/);
	});

	it('refuses a move no commit could make of its deployment: each rule named, by every read', async () => {
		const {record, journal, dir, deploymentId} = await canary();
		await record(60);
		const good = lines(journal)[0]!;
		const bad = async (edit: (r: Raw) => void, alone = true) => {
			const r = JSON.parse(good) as Raw;
			edit(r);
			writeFileSync(journal, `${JSON.stringify(r)}\n`);
			const reader = await openStore(dir);
			const message = (await refusal(reader.read())).message;
			// The console's detail reads one deployment, moved along alone: it refuses the same record
			// (what it cannot know alone aside: the other deployments, the window's setting).
			if (alone) expect((await refusal(reader.listDeployments({archived: false, checked: false, deployment: deploymentId}))).message).toBe(message);
			return message;
		};
		const dep = `deployment "${deploymentId}"`;
		const rev = (JSON.parse(good) as Raw).rev;
		const of = (what: string) => `state.journal: the record of rev ${rev} ${what}`;
		const stranger = await bad(r => ([r.moves[0]!.id, r.samples[0]!.deploymentId] = ['DEP-20991231-001', 'DEP-20991231-001']), false);
		expect(stranger).toContain(of('moves deployment "DEP-20991231-001", which the document does not hold'));
		expect(await bad(r => (r.moves[0]!.window.drop = 999))).toContain(of(`drops 999 samples from ${dep}'s window, which holds 1`));
		expect(await bad(r => (r.moves[0]!.sampleCount += 5))).toMatch(/counts \d+ samples for deployment "DEP-[\d-]+", where it had \d+ and the record holds 1 more/);
		const early = await bad(r => (r.samples[0]!.sample.at = '2020-01-01T00:00:00.000Z'));
		expect(early).toContain(of(`adds to ${dep}'s window a sample from 2020-01-01T00:00:00.000Z, before its tier began`));
		const flood = await bad(r => {
			const sample = r.samples[0]!.sample;
			r.samples = Array.from({length: 70}, () => ({deploymentId, sample}));
			r.moves[0]!.window.add = r.samples.map((_, i) => i);
			r.moves[0]!.sampleCount += 69;
		}, false);
		expect(flood).toContain(of(`leaves ${dep}'s window with 71 samples, over the 60 it holds`));
		expect(await bad(r => (r.moves[0]!.feeds!.bogus = {source: 'push'}))).toMatch(/gives deployment "DEP-[\d-]+" a feed for "bogus", not one of its gate metrics \(/);
		expect(await bad(r => delete r.moves[0]!.bake)).toContain(of(`removes ${dep}'s bake, which only an audited commit does`));
		// Only its samples moved, but its list row with them (the level: no sample left): the list would show the document's.
		const cleared = await bad(r => {
			r.moves[0]!.window = {drop: 1, add: []};
			r.moves[0]!.sampleCount -= 1;
			r.samples = [];
		});
		expect(cleared).toContain(`state.journal: the records up to rev ${rev} change ${dep}'s list row`);
	});

	it('refuses a move of a deployment that is not live (a halted one takes no samples)', async () => {
		const {store, record, journal, dir, deploymentId} = await canary();
		await record(60);
		const good = JSON.parse(lines(journal)[0]!) as Raw;
		await store.run({type: 'canary.halt', actor: 'human:alice', id: deploymentId, reason: 'look first'});
		expect(lines(journal)).toEqual([]);
		const held = (await store.read()).deployments.find(d => d.id === deploymentId)!;
		const forged = {...good, rev: revOf(join(dir, 'state.json')) + 1, moves: [{...good.moves[0]!, window: {drop: 0, add: []}, sampleCount: held.sampleCount}], samples: []};
		writeFileSync(journal, `${JSON.stringify(forged)}\n`);
		expect((await refusal((await openStore(dir)).read())).message).toContain(`moves deployment "${deploymentId}", which is halted (only a live one takes samples)`);
	});
});
