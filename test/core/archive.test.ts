import {describe, expect, it} from 'vitest';
import {archiveEnded, idOrder, nextDeploymentId, nextLeaseId, runDrill, takenIds, type Deployment} from '../../src/core/index.js';

describe('what the document remembers of the ids it archived', () => {
	it('orders ids by their numbers: the 1,000th of a day comes after the 999th, and is never made again', () => {
		expect(idOrder('DEP-20261202-1000', 'DEP-20261202-999')).toBeGreaterThan(0);
		expect(idOrder('DEP-20261203-001', 'DEP-20261202-999')).toBeGreaterThan(0);
		expect(idOrder('LEASE-20261202-101500-10', 'LEASE-20261202-101500-9')).toBeGreaterThan(0);
		expect(idOrder('LEASE-20261202-101500', 'LEASE-20261202-101500-2')).toBeLessThan(0);
		const drill = runDrill();
		const done = drill.state.deployments.find(d => d.status === 'completed')!;
		const ended: Deployment[] = ['DEP-20261202-998', 'DEP-20261202-1000', 'DEP-20261202-999'].map(id => ({...done, id}));
		const {state} = archiveEnded({...drill.state, deployments: ended});
		expect(state.history!.lastIds.deployment).toBe('DEP-20261202-1000');
		expect(nextDeploymentId(Date.parse('2026-12-02T12:00:00Z'), takenIds(state, 'deployment'))).toBe('DEP-20261202-1001');
	});

	it('issues a lease past the newest suffix of its second, even with the older ones archived', () => {
		const now = Date.parse('2026-12-02T10:15:00Z');
		expect(nextLeaseId(now, ['LEASE-20261202-101500-9'])).toBe('LEASE-20261202-101500-10');
		expect(nextLeaseId(now, ['LEASE-20261202-101500'])).toBe('LEASE-20261202-101500-2');
		expect(nextLeaseId(now, ['LEASE-20261202-101459-3'])).toBe('LEASE-20261202-101500');
	});
});
