import {readdirSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {definitionSummary} from '../../src/core/view/service.js';
import {checkDefinition, readDefinitionFile} from '../../src/cli/service-file.js';

const EXAMPLES = resolve(import.meta.dirname, '../../examples/services');

describe('the example service definitions', () => {
	it('are valid: the engine\'s schema and the drivers\' accept them, defaults filled in', () => {
		const files = readdirSync(EXAMPLES).filter(f => f.endsWith('.yaml')).sort();
		expect(files).toEqual(['checkout-gateway.yaml', 'checkout-haproxy.yaml', 'web-prometheus.yaml']);
		const [gateway, haproxy, web] = files.map(f => checkDefinition(readDefinitionFile(join(EXAMPLES, f)), f));
		expect(definitionSummary(haproxy!)).toMatchObject({
			name: 'checkout',
			target: 'haproxy backend checkout servers checkout-v1/checkout-v2 via /run/haproxy/admin.sock, weights kept in /etc/haproxy/haproxy.cfg, timeout 2000 ms',
			sanity: ['5%, 25%: GET http://127.0.0.1:8081/healthz answers 2xx within 3000 ms'],
		});
		expect(gateway!.target).toEqual({
			kind: 'exec',
			command: ['/usr/local/lib/calyx/gateway-api-weights.sh'],
			shell: false,
			timeoutMs: 10_000,
			env: {ROUTE: 'checkout', NAMESPACE: 'shop', STABLE_BACKEND: 'checkout-v1', CANARY_BACKEND: 'checkout-v2'},
		});
		expect(definitionSummary(gateway!).sanity).toEqual(['every tier: GET https://shop.example.com/checkout/healthz answers 2xx within 5000 ms']);
		// The gate read from Prometheus: TES Δ as a pair, the error rate, a custom metric with its own bands.
		expect(web!.metrics).toMatchObject({source: 'prometheus', prometheus: {address: 'http://127.0.0.1:9090'}, checks: {tesDelta: {canary: expect.any(String), stable: expect.any(String)}}});
		expect(Object.keys(web!.metrics!.checks!).sort()).toEqual(['errorRate', 'tesDelta']);
		expect(web!.metrics!.custom).toEqual([expect.objectContaining({name: 'p95', direction: 'above', warning: 300, critical: 500, unit: 'ms', failureLimit: 2})]);
	});
});
