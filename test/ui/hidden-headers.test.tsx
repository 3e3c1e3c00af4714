import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {iso, serviceRecordOf, serviceStatement, signStatement, type ServiceDefinition} from '../../src/core/index.js';
import {hideHeaderValues} from '../../src/ui/model/hidden-headers.js';
import {shownEvents} from '../../src/ui/model/shown.js';
import {testSigners} from '../trust.js';
import {FakeStore} from './helpers/fake-store.js';
import {frameOf, KEY, press, selectedLine, waitForFrame} from './helpers/ink.js';
import {fixture, mount} from './helpers/mount.js';

afterEach(() => cleanup());

const TOKEN = 'tenant-7f3a9c-secret';

const DEFINITION: ServiceDefinition = {
	name: 'billing',
	target: {kind: 'simulated'},
	metrics: {
		source: 'prometheus',
		prometheus: {address: 'http://prom.internal:9090', headers: {Authorization: {env: 'PROM_TOKEN'}, 'X-Scope-OrgID': TOKEN}},
		checks: {cpu: {query: 'avg(cpu{version="{{canary}}"})'}},
	},
};

function applyDefinition(store: FakeStore) {
	const statement = serviceStatement(DEFINITION, 'billing reads Prometheus', iso(store.clock.now()), serviceRecordOf(store.state, 'billing'));
	store.external({type: 'service.apply', actor: 'admin', statement: signStatement(statement, testSigners().admins)});
}

describe('header values never reach the screen', () => {
	it('hideHeaderValues hides every plain header value at any depth, shows where a secret is read (not a secret); what has none is shared, not copied', () => {
		const other = {reason: 'x', list: [1, 2]};
		const value = {a: [{metrics: {prometheus: {address: 'http://p', headers: {Authorization: 'Bearer abc', 'X-Org': {file: '/run/token'}}}}}], other};
		const hidden = hideHeaderValues(value);
		expect(hidden.a[0]!.metrics.prometheus).toEqual({address: 'http://p', headers: {Authorization: '[not shown]', 'X-Org': {file: '/run/token'}}});
		expect(hidden.other).toBe(other);
		expect(value.a[0]!.metrics.prometheus.headers.Authorization).toBe('Bearer abc');
		expect(hideHeaderValues(other)).toBe(other);
	});

	it('an audit event carrying a definition (service.applied holds the signed statement) shows no header value', () => {
		const fx = fixture();
		const store = new FakeStore(fx, fx.clock);
		applyDefinition(store);
		const applied = shownEvents(store.log).find(e => e.kind === 'service.applied')!;
		const data = JSON.stringify(applied.data);
		expect(data).toContain('"headers":{"Authorization":{"env":"PROM_TOKEN"},"X-Scope-OrgID":"[not shown]"}');
		expect(data).not.toContain(TOKEN);
		// The log as stored keeps them: only what is drawn hides them.
		expect(JSON.stringify(store.log.find(e => e.kind === 'service.applied')!.data)).toContain(TOKEN);
	});

	it('on screen: the audit event view of service.applied, scrolled through whole', async () => {
		const {r, store} = await mount({size: {columns: 100, rows: 30}});
		applyDefinition(store);
		await press(r, '3');
		await waitForFrame(r, f => selectedLine(f).includes('service.applied'));
		await press(r, KEY.enter);
		const frames = [await waitForFrame(r, 'Audit event #')];
		for (let i = 0; i < 200; i++) {
			const before = frameOf(r);
			await press(r, 'j');
			const after = await waitForFrame(r, f => f !== before, 300).catch(() => undefined);
			if (!after) break;
			frames.push(after);
		}
		const all = frames.join('\n');
		expect(all).toContain('"X-Scope-OrgID": "[not shown]"');
		expect(all).toContain('"env": "PROM_TOKEN"');
		expect(all).not.toContain(TOKEN);
	});
});
