import type {Command} from 'commander';
import {ACTIVE} from '../../core/index.js';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {usage} from '../errors.js';
import {startEngineLoop, type EngineLoop} from '../../drivers/engine-loop.js';
import {assertMayLead} from '../engine-trust.js';
import {demoTrust, isEmpty, seedDemo} from '../demo-seed.js';
import {duration} from '../parse.js';
import {glyphsFor} from '../../core/view/glyphs.js';
import type {ListenAddress} from '../../drivers/exporter/address.js';
import {listenOption, metricsExporter, notifier} from './engine.js';

const WATCH_ONLY: EngineLoop = {role: 'follower', onRoleChange: () => () => undefined, stop: async () => undefined};

export function registerUi(program: Command, io: Io) {
	const cmd = program
		.command('ui')
		.description('the live console (needs a terminal); runs the engine in-process as leader or follower')
		.option('--readonly', 'show, never act (also CALYX_READONLY=1)')
		.option('--demo-if-empty', 'seed the demo first when the data directory is empty')
		.option('--no-bell', "don't ring the terminal's bell when a deployment halts, fails its rollback or waits for keys (also CALYX_BELL=off)")
		.option('--ascii', 'draw only ASCII (… as ~, → as >, borders in +-|), for a terminal whose locale is not UTF-8 (also CALYX_ASCII=1; by default from LC_ALL, LC_CTYPE, LANG)')
		.option('--bake <duration>', 'with --demo-if-empty: the demo canaries\' bake time per tier (default 10s; 2m leaves time to practise halt and resume)', duration)
		.option('--metrics-listen <host:port>', "serve calyx's metrics at /metrics on this address while this console leads the engine (503 while it follows)", listenOption)
		.action(
			action<{readonly?: boolean; demoIfEmpty?: boolean; bake?: number; bell?: boolean; ascii?: boolean; metricsListen?: ListenAddress}>(io, async (cli, _args, o) => {
				if (o.bake !== undefined && !o.demoIfEmpty) throw usage('--bake: only with --demo-if-empty (it sets the bake of the demo it seeds; npm start -- --bake 2m)');
				const glyphs = o.ascii ? {ascii: true} : glyphsFor(cli.io.env);
				if ('problem' in glyphs) throw usage(glyphs.problem);
				if (!cli.io.stdin.isTTY || !cli.io.stdout.isTTY) {
					throw usage('ui: the console needs a terminal (TTY); use the commands (calyx canary list, calyx canary status --watch) in scripts');
				}
				// Only `npm start` (--demo-if-empty) creates a store: a mistyped path must not open an empty console.
				const store = o.demoIfEmpty ? (await cli.initStore({trust: demoTrust(cli)})).store : await cli.store();
				if (o.demoIfEmpty && isEmpty(await store.read())) await seedDemo(store, cli.io.env, o.bake !== undefined ? {bakeMs: o.bake} : {});
				const identity = cli.io.env.CALYX_KEY ? cli.key(undefined) : undefined;
				const readonly = o.readonly === true || cli.io.env.CALYX_READONLY === '1';
				if (readonly && o.metricsListen) throw usage('--metrics-listen: a read-only console never leads the engine, so it has no metrics to serve (run it on the leading console or calyx engine)');
				// Bound before the engine starts: a port in use ends the console before it drives anything.
				// A console that would lead refuses a box whose trust verifies nothing of the store's (engine-trust.ts).
				if (!readonly)
					await assertMayLead(cli, store).catch(async (error: unknown) => {
						await store.close();
						throw error;
					});
				const exporter = o.metricsListen ? await metricsExporter(cli, store, o.metricsListen, 'refuse') : undefined;
				// A read-only console watches: it never drives the engine, not even as leader, nor notifies.
				// What it could not do is said after the console, not written over its screen.
				const unsaid: string[] = [];
				const notify = readonly ? undefined : await notifier(cli, store, message => unsaid.length < 20 && unsaid.push(message));
				const onTick = (_actions: unknown, cycle: {durationMs: number}) => (exporter?.ticked(cycle.durationMs), notify?.ticked());
				const engine = readonly
					? WATCH_ONLY
					: await startEngineLoop(exporter?.engineStore ?? store, {intervalMs: 1000, clock: cli.clock, onTick}).catch(async (error: unknown) => {
							await notify?.close();
							await exporter?.close();
							throw error;
						});
				exporter?.follow(engine);
				notify?.follow(engine);
				// Imported here, not at the top: no CLI command but this one loads Ink or React.
				const {runConsole} = await import('../../ui/index.js');
				try {
					await runConsole({
						store,
						dataDir: await cli.storeLabel(),
						readonly,
						...(identity ? {identity} : {}),
						engine,
						clock: cli.clock,
						bell: o.bell !== false && cli.io.env.CALYX_BELL !== 'off',
						ascii: glyphs.ascii,
						...(notify ? {notify: notify.health} : {}),
					});
				} finally {
					// Quitting the leading console stops the engine: live canaries wait for another one.
					const live = engine.role === 'leader' ? (await store.read().catch(() => undefined))?.deployments.filter(d => ACTIVE.includes(d.status)).length : 0;
					await engine.stop();
					await notify?.close();
					await exporter?.close();
					await store.close();
					for (const message of unsaid) cli.err(`calyx: ${message}`);
					if (live) cli.err(`calyx: the engine stopped with this console; ${live} live canar${live === 1 ? 'y is' : 'ies are'} not driven until another engine runs (calyx engine, or calyx ui)`);
				}
				// The console sets 129/143 when a signal ended it; keep that for the caller.
				return typeof process.exitCode === 'number' ? process.exitCode : 0;
			}),
		);
	examples(cmd, 'calyx ui', 'CALYX_KEY=alice calyx ui', 'calyx ui --readonly');
}
