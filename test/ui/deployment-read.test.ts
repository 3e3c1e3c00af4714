import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {initStore} from '../../src/store/index.js';
import {clockAt, healthy, seedCanary, tempDir} from '../store/helpers.js';

// What an open detail reads each second with the list index instead of the whole document (see use-store-state.ts).
describe('one deployment read with the list', () => {
	it('is the deployment read() holds, at its revision and audit head; the same object while its bytes hold; a commit later, the new one', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const clock = clockAt();
		const {deploymentId} = await seedCanary(store, clock);
		const readOne = async (id: string) => (await store.listDeployments({archived: false, deployment: id})).one;

		const state = await store.read();
		const one = await readOne(deploymentId);
		expect(one).toEqual({rev: state.rev, auditHead: state.auditHead, deployment: state.deployments.find(d => d.id === deploymentId)});
		expect(Object.isFrozen(one!.deployment)).toBe(true);
		expect((await readOne(deploymentId))!.deployment).toBe(one!.deployment);
		expect((await store.listDeployments({archived: false})).one).toBeUndefined();

		await store.run({actor: 'human:alice', type: 'metrics.record', id: deploymentId, sample: healthy}, {clock});
		const after = await store.read();
		const list = await store.listDeployments({archived: false, deployment: deploymentId});
		expect(list.source).toBe('index');
		expect(list.one).toEqual({rev: after.rev, auditHead: after.auditHead, deployment: after.deployments.find(d => d.id === deploymentId)});
		expect(list.one!.rev).toBe(list.rev);
		expect(list.one!.deployment.sampleCount).toBe(one!.deployment.sampleCount + 1);
		// With the rows as written (the console's ask each second): the same deployment, its line alone parsed.
		const rows = await store.listDeployments({archived: false, checked: false, deployment: deploymentId});
		expect(rows).toMatchObject({source: 'rows', rev: after.rev, deployments: list.deployments});
		expect(rows.one).toEqual(list.one);
		expect((await store.listDeployments({archived: false, checked: false, deployment: deploymentId})).one!.deployment).toBe(rows.one!.deployment);
		// One not in the document: the list as a checked read gives it, with no deployment.
		expect(await store.listDeployments({archived: false, checked: false, deployment: 'DEP-20991231-999'})).toMatchObject({source: 'index', rev: after.rev});
		await store.close();
	});

	it('answers nothing for an id not in the document; from a document without list rows, the deployment of the state read whole', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const {deploymentId} = await seedCanary(store, clockAt());
		expect((await store.listDeployments({archived: false, deployment: 'DEP-20991231-999'})).one).toBeUndefined();
		// Pretty-printed by hand: read() still reads it (plain JSON), and the list comes from it.
		const state = await store.read();
		writeFileSync(join(dir, 'state.json'), JSON.stringify(state, null, 2));
		const list = await store.listDeployments({archived: false, deployment: deploymentId});
		expect(list.source).toBe('document');
		expect(list.one).toEqual({rev: state.rev, auditHead: state.auditHead, deployment: state.deployments.find(d => d.id === deploymentId)});
		expect(await store.listDeployments({archived: false, checked: false, deployment: deploymentId})).toEqual(list);
		await store.close();
	});
});
