import {createHash} from 'node:crypto';
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {riskOf} from '../../src/core/index.js';
import {EngineError} from '../../src/core/errors.js';
import {openStore} from '../../src/store/index.js';
import {keyedStore, runToEnd, startCanary} from './archive-fixture.js';
import {refusal} from './helpers.js';

const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);

describe('the archive: a deployment that ends leaves the document', () => {
	it('moves a completed deployment, its intent and its lease to the archive in the commit that ends it, audited with its digest', async () => {
		const {dir, store, clock, env} = await keyedStore();
		const {deploymentId, intentId, leaseId} = await startCanary(store, clock, '1.4.0', '1.5.0');
		await runToEnd(store, env, clock, deploymentId);
		const state = await store.read();
		expect(state.deployments).toEqual([]);
		expect(state.intents.map(i => i.id)).not.toContain(intentId);
		expect(state.leases.map(l => l.id)).not.toContain(leaseId);
		expect(state.history).toMatchObject({archived: 1, statuses: {completed: 1}, lastIds: {deployment: deploymentId, intent: intentId, lease: leaseId}});
		expect(state.history!.services.checkout!.standing).toEqual([expect.objectContaining({id: deploymentId, version: '1.5.0'})]);

		const found = await store.deployment(deploymentId);
		expect(found).toMatchObject({archived: true, deployment: {id: deploymentId, status: 'completed', toVersion: '1.5.0'}});
		const [event] = (await store.audit()).filter(e => e.kind === 'deployment.archived');
		expect(event).toMatchObject({subject: deploymentId, actor: 'store', data: {status: 'completed', intent: intentId, leases: [leaseId]}});
		// The digest the audit trail names is the digest of the record as the archive holds it.
		const line = readFileSync(join(dir, 'archive.ndjson')).subarray(event!.data.at as number, (event!.data.at as number) + (event!.data.len as number)).toString();
		const record = line.slice(line.indexOf('"record":') + 9, -2);
		expect(createHash('sha256').update(record).digest('hex')).toBe(event!.data.sha256);
		expect(JSON.parse(record)).toMatchObject({deployment: {id: deploymentId}, intent: {id: intentId, status: 'deployed'}, leases: [{id: leaseId}]});
		// Listed, and read the same by a fresh process; the chain verifies.
		expect((await store.listDeployments()).deployments.map(d => [d.id, d.status])).toEqual([[deploymentId, 'completed']]);
		expect((await store.listDeployments({archived: false})).deployments).toEqual([]);
		expect((await (await openStore(dir)).deployment(deploymentId))?.deployment).toEqual(found!.deployment);
		expect(await store.verifyAudit()).toMatchObject({ok: true});
	});

	it('rolls back an archived completed deployment: brought back, rolled back, archived again; the newest line wins', async () => {
		const {dir, store, clock, env} = await keyedStore();
		const {deploymentId} = await startCanary(store, clock, '1.4.0', '1.5.0');
		await runToEnd(store, env, clock, deploymentId);
		await store.run({type: 'rollback', actor: 'human:alice', id: deploymentId, reason: 'bad release found after completion'}, {clock});
		expect((await store.read()).deployments.map(d => [d.id, d.status])).toEqual([[deploymentId, 'rolling_back']]);
		// While it is live again, it is listed once.
		expect((await store.listDeployments()).deployments.map(d => d.id)).toEqual([deploymentId]);
		await runToEnd(store, env, clock, deploymentId);
		expect(await store.deployment(deploymentId)).toMatchObject({archived: true, deployment: {status: 'rolled_back', rollback: {verified: true}}});
		expect(lines(join(dir, 'archive.index.ndjson'))).toHaveLength(2);
		const state = await store.read();
		expect(state.history).toMatchObject({archived: 1, statuses: {completed: 0, rolled_back: 1}});
		expect(state.history!.services.checkout).toMatchObject({standing: [], rollbacks: [expect.objectContaining({id: deploymentId})]});
		expect((await store.listDeployments()).deployments.map(d => [d.id, d.status])).toEqual([[deploymentId, 'rolled_back']]);
	});

	it('refuses to roll back an archived deployment a newer one superseded, and writes nothing to the archive or the document', async () => {
		const {dir, store, clock, env} = await keyedStore();
		const first = await startCanary(store, clock, '1.4.0', '1.5.0');
		await runToEnd(store, env, clock, first.deploymentId);
		const second = await startCanary(store, clock, '1.5.0', '1.6.0');
		await runToEnd(store, env, clock, second.deploymentId);
		const before = {state: readFileSync(join(dir, 'state.json')), archive: readFileSync(join(dir, 'archive.ndjson')), index: readFileSync(join(dir, 'archive.index.ndjson'))};
		const error = await store.run({type: 'rollback', actor: 'human:alice', id: first.deploymentId, reason: 'undo'}, {clock}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(EngineError);
		expect(error).toMatchObject({code: 'SUPERSEDED', message: expect.stringContaining(second.deploymentId)});
		expect(readFileSync(join(dir, 'archive.ndjson'))).toEqual(before.archive);
		expect(readFileSync(join(dir, 'archive.index.ndjson'))).toEqual(before.index);
		expect(readFileSync(join(dir, 'state.json'))).toEqual(before.state);
		// A command the archived deployment cannot take is refused in the engine's usual words.
		await expect(store.run({type: 'canary.promote', actor: 'human:alice', id: second.deploymentId}, {clock})).rejects.toThrow(/completed/);
		expect(readFileSync(join(dir, 'state.json'))).toEqual(before.state);
	});

	it('keeps what the decisions that look back need: the version in place, new ids past the archived ones, recent rollbacks in the risk score', async () => {
		const {store, clock, env} = await keyedStore();
		const first = await startCanary(store, clock, '1.4.0', '1.5.0');
		await runToEnd(store, env, clock, first.deploymentId);
		await store.run({type: 'rollback', actor: 'human:alice', id: first.deploymentId, reason: 'undo'}, {clock});
		await runToEnd(store, env, clock, first.deploymentId);
		// An intent without --from starts from what the last completed deployment left: none stands now.
		const {result: intent} = await store.run<{id: string; fromVersion: string}>({type: 'intent.create', actor: 'human:alice', service: 'checkout', fromVersion: '1.4.0', toVersion: '1.5.1'}, {clock});
		expect(intent.id).not.toBe(first.intentId);
		expect(intent.id > first.intentId).toBe(true);
		const state = await store.read();
		expect(riskOf(state, state.intents.find(i => i.id === intent.id)!, clock.now()).factors).toContainEqual(expect.objectContaining({name: 'recent rollbacks', points: 10, detail: expect.stringMatching(/^1 of this service/)}));
		const second = await startCanary(store, clock, '1.4.0', '1.6.0');
		expect(second.deploymentId > first.deploymentId).toBe(true);
		expect(second.leaseId).not.toBe(first.leaseId);
	});

	it('is vouched for by the audit trail: a record edited with its index made to agree, or removed, fails audit verify', async () => {
		const {dir, store, clock, env} = await keyedStore();
		const first = await startCanary(store, clock, '1.4.0', '1.5.0');
		await runToEnd(store, env, clock, first.deploymentId);
		const second = await startCanary(store, clock, '1.5.0', '1.6.0');
		await runToEnd(store, env, clock, second.deploymentId);
		expect(await store.verifyAudit()).toMatchObject({ok: true, archive: {records: 2, differences: []}});
		const archivePath = join(dir, 'archive.ndjson');
		const indexPath = join(dir, 'archive.index.ndjson');
		const [original, index] = [readFileSync(archivePath, 'utf8'), readFileSync(indexPath, 'utf8')];
		// The first record says it went to 9.9.9; its index line gets the new digest, so reads find nothing amiss.
		const [line1, line2] = original.split('\n');
		const forged = line1!.replace('"toVersion":"1.5.0"', '"toVersion":"9.9.9"');
		const body = forged.slice(forged.indexOf('"record":') + 9, -1);
		const [index1, index2] = index.split('\n');
		const reindexed = JSON.stringify({...JSON.parse(index1!), len: Buffer.byteLength(forged) + 1, sha256: createHash('sha256').update(body).digest('hex')});
		const shift = Buffer.byteLength(forged) - Buffer.byteLength(line1!);
		const moved = JSON.stringify({...JSON.parse(index2!), at: JSON.parse(index2!).at + shift});
		writeFileSync(archivePath, `${forged}\n${line2}\n`);
		writeFileSync(indexPath, `${reindexed}\n${moved}\n`);
		const fresh = await openStore(dir);
		expect((await fresh.deployment(first.deploymentId))?.deployment.toVersion).toBe('9.9.9');
		const report = await fresh.verifyAudit();
		expect(report.ok).toBe(false);
		// (Its list row still says 1.5.0: that is said too.)
		expect(report.archive!.differences).toEqual([
			{id: first.deploymentId, problem: expect.stringContaining('another list row')},
			{id: first.deploymentId, problem: expect.stringMatching(/^its record differs from what audit seq \d+ archived$/)},
		]);
		// Removed altogether: the event that archived it still names it.
		writeFileSync(archivePath, `${line2}\n`);
		writeFileSync(indexPath, `${JSON.stringify({...JSON.parse(index2!), at: 0})}\n`);
		const gone = await (await openStore(dir)).verifyAudit();
		expect(gone.archive!.differences).toEqual([{id: first.deploymentId, problem: expect.stringMatching(/archived it, but the archive does not hold that record$/)}]);
	});

	it('has every field of its index vouched for too: a list row, a length or the ids it names, changed, fail audit verify', async () => {
		const {dir, store, clock, env} = await keyedStore();
		const {deploymentId, intentId} = await startCanary(store, clock, '1.4.0', '1.5.0');
		await runToEnd(store, env, clock, deploymentId);
		const indexPath = join(dir, 'archive.index.ndjson');
		const line = JSON.parse(readFileSync(indexPath, 'utf8')) as {row: unknown[]; refs: string[]; len: number};
		const tampered = [
			{...line, row: line.row.map(v => (v === '1.5.0' ? '9.9.9' : v))},
			{...line, refs: line.refs.map(r => (r === intentId ? 'INT-20261125-077' : r))},
			{...line, len: line.len + 1},
		];
		const problems: string[] = [];
		for (const forged of tampered) {
			writeFileSync(indexPath, `${JSON.stringify(forged)}\n`);
			const report = await (await openStore(dir)).verifyAudit();
			expect(report.ok).toBe(false);
			problems.push(...report.archive!.differences.map(d => d.problem));
		}
		expect(problems).toEqual([
			expect.stringContaining('another list row'),
			expect.stringContaining('other intent and lease ids'),
			expect.stringContaining('another length'),
		]);
		// A line that does not parse at all is a difference too, not a pass.
		writeFileSync(indexPath, 'not json\n');
		expect(await (await openStore(dir)).verifyAudit()).toMatchObject({ok: false, archive: {differences: [{problem: expect.stringContaining('is not JSON')}]}});
		// An id the index was made to name is not taken for the intent it was archived with.
		writeFileSync(indexPath, `${JSON.stringify(tampered[1])}\n`);
		expect((await (await openStore(dir)).archived('INT-20261125-077'))?.intent?.id).toBe(intentId);
	});

	it('is appended to only where its index says it ends: a removed archive is reported, never written over', async () => {
		const {dir, store, clock, env} = await keyedStore();
		const first = await startCanary(store, clock, '1.4.0', '1.5.0');
		await runToEnd(store, env, clock, first.deploymentId);
		const second = await startCanary(store, clock, '1.5.0', '1.6.0');
		rmSync(join(dir, 'archive.ndjson'));
		const missing = await refusal((await openStore(dir)).deployment(first.deploymentId));
		expect(missing).toMatchObject({code: 'CORRUPT', message: expect.stringContaining('the archive is missing')});
		const error = await refusal(runToEnd(store, env, clock, second.deploymentId));
		expect(error.message).toMatch(/archive\.ndjson is 0 bytes, but .*archive\.index\.ndjson has its last record end at byte \d+/);
		// The commit that would have ended it was not made: the deployment is still live, the archive still gone.
		expect((await store.read()).deployments.map(d => d.id)).toEqual([second.deploymentId]);
		expect(existsSync(join(dir, 'archive.ndjson'))).toBe(false);
	});

	it('has its index rebuilt by repair when it was lost or damaged, audited; a lost archive is left for a restore', async () => {
		const {dir, store, clock, env} = await keyedStore();
		for (const [from, to] of [['1.4.0', '1.5.0'], ['1.5.0', '1.6.0']] as const) {
			const {deploymentId} = await startCanary(store, clock, from, to);
			await runToEnd(store, env, clock, deploymentId);
		}
		const indexPath = join(dir, 'archive.index.ndjson');
		const good = readFileSync(indexPath, 'utf8');
		const listed = (await store.listDeployments()).deployments;
		for (const damage of [() => rmSync(indexPath), () => writeFileSync(indexPath, good.split('\n')[0]! + '\n'), () => writeFileSync(indexPath, `{"rev":1,"id":"x"}\n${good}`)]) {
			damage();
			const fresh = await openStore(dir);
			// Not "unknown": a reader that cannot find an id says why, when the index is gone.
			if (!existsSync(indexPath)) await expect(fresh.deployment(listed[0]!.id)).rejects.toThrow(/calyx repair/);
			const plan = await fresh.repair({dryRun: true});
			expect(plan.actions).toEqual([expect.stringMatching(/^rebuild .*archive\.index\.ndjson from .*archive\.ndjson: /)]);
			expect(await fresh.repair()).toMatchObject({applied: true});
			expect(readFileSync(indexPath, 'utf8')).toBe(good);
			expect((await fresh.listDeployments()).deployments).toEqual(listed);
			expect((await fresh.audit({limit: 1}))[0]).toMatchObject({kind: 'archive.reindexed', data: {records: 2}});
			expect(await fresh.verifyAudit()).toMatchObject({ok: true});
		}
		// The archive itself cut: nothing to rebuild from, said and left.
		writeFileSync(join(dir, 'archive.ndjson'), '');
		const plan = await (await openStore(dir)).repair({dryRun: true});
		expect(plan).toMatchObject({actions: [], left: [expect.stringMatching(/records were lost; restore both files from a backup$/)]});
	});
});
