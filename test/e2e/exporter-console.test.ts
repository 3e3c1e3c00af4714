/**
 * The console's --metrics-listen: served only while that console leads the engine. A headless
 * engine leads first (the console follows: 503); once it stops, the console takes over and serves.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {createServer, type AddressInfo} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {until} from '../drivers/haproxy-harness.js';
import {BIN, sandbox, useTerminal} from './tmux.js';

const {open, waitScreen, quitConsole} = useTerminal('exporter');
const engines: ChildProcess[] = [];
afterEach(() => {
	for (const child of engines.splice(0)) child.kill('SIGKILL');
});

/** A port free a moment ago (the console prints nothing the test could read a picked port from). */
async function freePort(): Promise<number> {
	const probe = createServer();
	await new Promise<void>(done => probe.listen(0, '127.0.0.1', done));
	const {port} = probe.address() as AddressInfo;
	await new Promise(done => probe.close(done));
	return port;
}

const get = async (url: string) => {
	try {
		const res = await fetch(url, {signal: AbortSignal.timeout(2000)});
		return {status: res.status, body: await res.text()};
	} catch {
		return {status: 0, body: ''};
	}
};

describe('calyx ui --metrics-listen', () => {
	it('answers 503 while another engine leads, and the metrics once the console takes the lead', async () => {
		const box = sandbox();
		const engine = spawn(process.execPath, [BIN, '--data', box.data, 'engine'], {env: box.env, stdio: ['ignore', 'pipe', 'ignore']});
		engines.push(engine);
		let said = '';
		engine.stdout!.on('data', d => (said += d));
		await until(() => said.includes('leader: driving'), 15_000, 'the headless engine to lead');

		const port = await freePort();
		const url = `http://127.0.0.1:${port}/metrics`;
		open(box, ['ui', '--metrics-listen', `127.0.0.1:${port}`]);
		await waitScreen(s => /^› DEP-/m.test(s), 'the list');
		let answer = await get(url);
		await until(async () => (answer = await get(url)).status !== 0, 10_000, 'the console to listen');
		expect(answer.status).toBe(503);
		expect(answer.body).toMatch(/does not lead the engine/);

		engine.kill('SIGTERM');
		await until(async () => (answer = await get(url)).status === 200, 20_000, 'the console to take the lead and serve');
		expect(answer.body).toMatch(/^calyx_engine_leader 1$/m);
		expect(answer.body).toMatch(/^calyx_deployment_status\{deployment="DEP-\d{8}-\d+",service="[a-z]+",status="[a-z_]+"\} 1$/m);
		await quitConsole();
	});
});
