// A command hook of the tests' own, speaking calyx's exec protocol (src/drivers/targets/exec.ts).
// argv[2] picks a behaviour; the tests copy this file into a temp dir and make it executable.
import {spawn} from 'node:child_process';
import {readFileSync, writeFileSync, existsSync} from 'node:fs';

const [mode, ...rest] = process.argv.slice(2);
const reply = value => process.stdout.write(`${JSON.stringify(value)}\n`);
const request = () => JSON.parse(readFileSync(0, 'utf8'));

switch (mode) {
	case 'router': {
		// A router whose split lives in a file: read reports it, apply writes it and reads it back.
		const [stateFile, logFile] = rest;
		const req = request();
		if (logFile) writeFileSync(logFile, `${JSON.stringify(req)}\n`, {flag: 'a'});
		const load = () => (existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : {canary: 0});
		if (req.op === 'apply') {
			process.stderr.write(`patching ${req.service} to ${req.desired}%\n`);
			writeFileSync(stateFile, JSON.stringify({canary: req.desired}));
		}
		if (req.op === 'sanity') {
			reply(req.tier <= 25 ? {ok: true, output: `smoke tests passed at ${req.tier}%`} : {ok: false, output: `checkout: 3 of 12 smoke tests failed at ${req.tier}%`});
			break;
		}
		const {canary} = load();
		reply({ok: true, canaryPercent: canary, evidence: 'router', stable: {weight: 100 - canary, version: '1.4.0'}, canary: {weight: canary, version: '1.5.0'}});
		break;
	}
	case 'sleep':
	case 'stubborn': {
		// Hangs, with a grandchild in its process group; `stubborn` also ignores SIGTERM.
		if (mode === 'stubborn') process.on('SIGTERM', () => process.stderr.write('ignoring SIGTERM\n'));
		const child = spawn('sleep', ['60'], {stdio: 'ignore'});
		writeFileSync(rest[0], JSON.stringify({hook: process.pid, grandchild: child.pid}));
		process.stderr.write('waiting for the API server...\n');
		setTimeout(() => undefined, 60_000);
		break;
	}
	case 'fail':
		process.stderr.write('error: httproutes.gateway.networking.k8s.io "checkout" not found\u001b[2J\n');
		process.exit(3);
		break;
	case 'tempfail':
		process.stderr.write('the API server is not answering\n');
		process.exit(75);
		break;
	case 'garbage':
		process.stdout.write('Patched! \u001b[32mOK\u001b[0m\n');
		break;
	case 'huge':
		process.stdout.write('x'.repeat(1024 * 1024));
		break;
	case 'chatty':
		process.stderr.write('debug: '.repeat(200_000));
		reply({ok: true, canaryPercent: 5, evidence: 'router'});
		break;
	case 'args':
		reply({ok: true, canaryPercent: 0, notes: rest});
		break;
	case 'env':
		reply({ok: true, canaryPercent: 0, notes: [process.env.CALYX_TEST_SECRET ?? 'absent', process.env.ROUTE ?? 'absent', process.env.CALYX_HOOK_OP, process.env.CALYX_SERVICE]});
		break;
	case 'refuse':
		reply({ok: false, error: 'HTTPRoute checkout has no backendRef for the canary'});
		break;
	case 'badreply':
		reply({ok: true, canaryPercent: 150});
		break;
	case 'claimed':
		request();
		reply({ok: true, canaryPercent: 25});
		break;
	case 'stuck':
		// Says it applied, but reads back the old split.
		reply({ok: true, canaryPercent: 5, evidence: 'router'});
		break;
	default:
		process.stderr.write(`unknown mode ${mode}\n`);
		process.exit(64);
}
