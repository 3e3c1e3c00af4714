import {describe, expect, it} from 'vitest';
import {ManualClock} from '../../src/core/index.js';
import type {Reachability, ReachabilitySource} from '../../src/store/api.js';
import {storeTroubleText} from '../../src/ui/model/store-trouble.js';
import {PAYLOADS} from '../untrusted.js';
import {FakeStore} from './helpers/fake-store.js';

import {waitForFrame} from './helpers/ink.js';
import {fixture, mount} from './helpers/mount.js';

/** A store whose backend answers or not, as the test says (an etcd store's probe, made to order). */
class CutOffStore extends FakeStore {
	now: Reachability = {reachable: true};
	readonly listeners = new Set<() => void>();
	reachability(): ReachabilitySource {
		return {get: () => this.now, subscribe: l => (this.listeners.add(l), () => this.listeners.delete(l))};
	}
	set(next: Reachability): void {
		this.now = next;
		for (const l of this.listeners) l();
	}
}

describe('a store whose cluster stops answering, on the console', () => {
	it('says so first on the header while it does not answer, and not once it does again', async () => {
		const fx = fixture(0);
		const store = new CutOffStore(fx, new ManualClock(fx.clock.now()));
		const {r} = await mount({store, size: {columns: 200, rows: 30}});
		expect(r.lastFrame()).not.toContain('store:');
		store.set({reachable: false, since: fx.clock.now(), error: '14 UNAVAILABLE: No connection established', endpoints: 'http://10.0.0.1:2379, http://10.0.0.2:2379'});
		const cut = await waitForFrame(r, /store: the etcd cluster does not answer since \S+ UTC: shown as of then, no engine here decides \(http:\/\/10\.0\.0\.1:2379, http:\/\/10\.0\.0\.2:2379: 14 UNAVAILABLE/);
		expect(cut.split('\n')[1]).toMatch(/^store: the etcd cluster/);
		store.set({reachable: true});
		await waitForFrame(r, f => !f.includes('store:'));
		r.unmount();
	});

	it('shows the client\'s error escaped and bounded', () => {
		const text = storeTroubleText({reachable: false, since: Date.parse('2026-11-26T03:12:00Z'), error: `${PAYLOADS.title}${'x'.repeat(500)}`, endpoints: 'http://a:1'}, Date.parse('2026-11-26T04:00:00Z'))!;
		expect(text).not.toMatch(/[\u0000-\u001f]/);
		expect(text.length).toBeLessThan(260);
		expect(storeTroubleText({reachable: true}, 0)).toBeUndefined();
	});
});
