import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {initStore} from '../../src/store/index.js';
import {deploymentReader} from '../../src/store/deployment-read.js';
import {clockAt, healthy, seedCanary, tempDir} from '../store/helpers.js';

// What an open detail reads each second instead of the whole document (see use-store-state.ts).
describe('one deployment read from the document', () => {
	it('is the deployment read() holds, at its revision and audit head; the same object while its bytes hold; a commit later, the new one', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const clock = clockAt();
		const {deploymentId} = await seedCanary(store, clock);
		const readOne = deploymentReader(store.paths);

		const state = await store.read();
		const one = await readOne(deploymentId);
		expect(one).toEqual({rev: state.rev, auditHead: state.auditHead, deployment: state.deployments.find(d => d.id === deploymentId)});
		expect(Object.isFrozen(one!.deployment)).toBe(true);
		expect((await readOne(deploymentId))!.deployment).toBe(one!.deployment);

		await store.run({actor: 'human:alice', type: 'metrics.record', id: deploymentId, sample: healthy}, {clock});
		const after = await store.read();
		const next = await readOne(deploymentId);
		expect(next).toEqual({rev: after.rev, auditHead: after.auditHead, deployment: after.deployments.find(d => d.id === deploymentId)});
		expect(next!.deployment.sampleCount).toBe(one!.deployment.sampleCount + 1);
		await store.close();
	});

	it('answers nothing it cannot answer for sure: an id not in the document, a document not in the store layout', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const {deploymentId} = await seedCanary(store, clockAt());
		const readOne = deploymentReader(store.paths);
		expect(await readOne('DEP-20991231-999')).toBeUndefined();
		// Pretty-printed by hand: read() still reads it (plain JSON), this reader leaves it to read().
		writeFileSync(join(dir, 'state.json'), JSON.stringify(await store.read(), null, 2));
		expect(await readOne(deploymentId)).toBeUndefined();
		await store.close();
	});
});
