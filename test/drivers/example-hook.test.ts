/**
 * The worked example, examples/hooks/gateway-api-weights.sh, run through the exec target exactly as
 * a service definition would run it, with a kubectl stand-in on its PATH (no Kubernetes API server
 * runs here): the patch it builds, the split it reports, and its failures.
 */
import {spawnSync} from 'node:child_process';
import {chmod, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {DriverError} from '../../src/drivers/targets/driver.js';
import {ExecDriver} from '../../src/drivers/targets/exec.js';

const HOOK = resolve(import.meta.dirname, '../../examples/hooks/gateway-api-weights.sh');
const absent = ['bash', 'jq'].filter(tool => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
// CI installs them (.ci/run sets CALYX_TEST_REQUIRE): there, a missing tool is a broken setup, not a reason to skip.
const required = Boolean(process.env.CI) || (process.env.CALYX_TEST_REQUIRE ?? '').split(',').includes('jq');
if (absent.length > 0 && required) throw new Error(`the example hook's tests need ${absent.join(' and ')}, which CI installs: not found`);
if (absent.length > 0) console.log(`skipping the example hook's tests: ${absent.join(' and ')} not installed`);

const ROUTE = {
	apiVersion: 'gateway.networking.k8s.io/v1',
	kind: 'HTTPRoute',
	metadata: {name: 'checkout', namespace: 'shop', generation: 1, resourceVersion: '100'},
	spec: {
		parentRefs: [{name: 'public'}],
		rules: [{matches: [{path: {type: 'PathPrefix', value: '/'}}], backendRefs: [{name: 'checkout-v1', port: 8080, weight: 100}, {name: 'checkout-v2', port: 8080}]}],
	},
	status: {parents: [{parentRef: {name: 'public'}, conditions: [{type: 'Accepted', status: 'True', observedGeneration: 1}]}]},
};

let dir: string;
let routeFile: string;
const opts = () => ({signal: new AbortController().signal});
const failure = (p: Promise<unknown>) => p.then(() => expect.unreachable('should have failed'), (e: unknown) => e as DriverError);

function driver(env: Record<string, string> = {}) {
	return ExecDriver.from(
		{
			kind: 'exec',
			command: [HOOK],
			timeoutMs: 10_000,
			env: {PATH: `${join(dir, 'bin')}:${process.env.PATH}`, ROUTE: 'checkout', NAMESPACE: 'shop', STABLE_BACKEND: 'checkout-v1', CANARY_BACKEND: 'checkout-v2', STUB_ROUTE_FILE: routeFile, ...env},
		},
		{service: 'checkout'},
	);
}

describe.skipIf(absent.length > 0)('example hook: Gateway API HTTPRoute weights', () => {
	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'calyx-gw-'));
		await mkdir(join(dir, 'bin'));
		const stub = join(dir, 'bin', 'kubectl');
		await writeFile(stub, `#!${process.execPath}\n${await readFile(join(import.meta.dirname, 'hooks/kubectl-stub.mjs'), 'utf8')}`);
		await chmod(stub, 0o755);
		routeFile = join(dir, 'route.json');
	});
	beforeEach(() => writeFile(routeFile, JSON.stringify(ROUTE)));
	afterAll(() => rm(dir, {recursive: true, force: true}));

	it('reads the split, counting a weight left out as 1 (the Gateway API default)', async () => {
		const report = await driver().read(opts());
		expect(report).toMatchObject({evidence: 'router', stable: {weight: 100}, canary: {weight: 1}, notes: []});
		expect(report.canaryPercent).toBeCloseTo(100 / 101, 6);
	});

	it('patches both weights under a resourceVersion test, and reports claimed until the Gateway accepts', async () => {
		const report = await driver().apply(25, opts());
		expect(report).toMatchObject({canaryPercent: 25, evidence: 'claimed', stable: {weight: 75}, canary: {weight: 25}});
		expect(report.notes).toEqual(['the Gateway has not accepted generation 2 of the HTTPRoute yet', 'the hook did not read the split back: unverified']);
		const route = JSON.parse(await readFile(routeFile, 'utf8')) as typeof ROUTE;
		expect(route.spec.rules[0]!.backendRefs).toEqual([
			{name: 'checkout-v1', port: 8080, weight: 75},
			{name: 'checkout-v2', port: 8080, weight: 25},
		]);
	});

	it('reports the router as evidence once the Gateway has accepted the new generation', async () => {
		expect(await driver({STUB_ACCEPT: '1'}).apply(5, opts())).toMatchObject({canaryPercent: 5, evidence: 'router', notes: []});
		expect(await driver().read(opts())).toMatchObject({canaryPercent: 5, evidence: 'router'});
	});

	it('an unreachable API server is a temporary failure (exit 75) with kubectl’s words', async () => {
		const error = await failure(driver({STUB_DOWN: '1'}).apply(25, opts()));
		expect(error).toMatchObject({
			code: 'unreachable',
			message: 'exec hook apply 25%: the hook exited with status 75 (temporary failure); stderr: Unable to connect to the server: dial tcp 10.96.0.1:6443: connect: connection refused',
		});
		expect(error.retryable).toBe(true);
	});

	it('a backendRef the route does not have is a refusal naming it', async () => {
		const error = await failure(driver({CANARY_BACKEND: 'checkout-v3'}).read(opts()));
		expect(error.code).toBe('rejected');
		expect(error.message).toContain('rule 0 of the HTTPRoute has no backendRef named checkout-v3');
	});

	it('declines the sanity op in the protocol', async () => {
		await expect(driver().sanity(5, opts())).rejects.toMatchObject({code: 'rejected', message: 'exec hook sanity: the hook refused: this hook steers weights only: give the service an http sanity check'});
	});
});
