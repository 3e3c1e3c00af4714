/**
 * The built CLI over an end-to-end sandbox's data directory, as the pipeline tests drive it: a
 * command's output and exit code, its JSON answer, a lease both keys signed, and engines run in
 * the background (stopped by the test, SIGKILL for whatever is left).
 */
import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {promisify} from 'node:util';
import {BIN, type Sandbox} from './tmux.js';

export type Doc = Record<string, any>;
const run = promisify(execFile);

/** The built CLI over a sandbox's data directory, as the HAProxy pipeline test drives it, and engines run in the background. */
export function cliOf(box: Sandbox) {
	const calyx = async (args: string[], key = 'demo-operator') => {
		const out = await run(process.execPath, [BIN, '--data', box.data, ...args], {env: {...box.env, CALYX_KEY: key}, encoding: 'utf8'}).catch((e: {stdout: string; stderr: string; code: number}) => e);
		return {stdout: out.stdout, stderr: out.stderr, code: 'code' in out ? out.code : 0};
	};
	/** A command's JSON answer, whatever its exit code (`canary status` exits 1 for a halted canary). */
	const json = async (args: string[], key?: string): Promise<Doc> => {
		const out = await calyx([...args, '--json'], key);
		if (!out.stdout.trim()) throw new Error(`calyx ${args.join(' ')} printed nothing (exit ${out.code}): ${out.stderr}`);
		return JSON.parse(out.stdout) as Doc;
	};
	/** An approved intent and a lease both keys signed, over the service definition in force. */
	const signedLease = async (from: string, to: string, plan: string[]): Promise<string> => {
		const intent = (await json(['intent', 'create', '--service', 'web', '--from', from, '--to', to, '--lines', '20', '--key', 'demo-agent'])).id as string;
		const approved = await calyx(['intent', 'approve', intent, '--reason', 'e2e']);
		if (approved.code !== 0) throw new Error(`intent approve: ${approved.stderr}`);
		const lease = (await json(['lease', 'issue', intent, ...plan])).id as string;
		for (const key of ['demo-operator', 'demo-agent']) {
			const signed = await calyx(['lease', 'sign', lease], key);
			if (signed.code !== 0) throw new Error(`lease sign (${key}): ${signed.stderr}`);
		}
		return lease;
	};
	const engines = new Set<ChildProcess>();
	/** `calyx engine` in the background, the leader that polls Prometheus and moves the canary. */
	const startEngine = (): ChildProcess => {
		const child = spawn(process.execPath, [BIN, '--data', box.data, 'engine', '--interval', '150ms'], {env: {...box.env, CALYX_KEY: 'demo-operator'}, stdio: 'ignore'});
		engines.add(child);
		child.once('exit', () => engines.delete(child));
		return child;
	};
	const stopEngine = async (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		const exited = new Promise(resolve => child.once('exit', resolve));
		child.kill(signal);
		await exited;
	};
	const stopEngines = () => Promise.all([...engines].map(e => stopEngine(e, 'SIGKILL')));
	return {calyx, json, status: (dep: string) => json(['canary', 'status', dep]), signedLease, startEngine, stopEngine, stopEngines};
}
