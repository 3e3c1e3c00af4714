import type {Command} from 'commander';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {refusedError} from '../errors.js';
import {duration} from '../parse.js';
import {demoTrust, isEmpty, seedDemo, DEMO_KEYS} from '../demo-seed.js';

/** A path as one shell word: as it is when nothing in it is special to a shell, else single-quoted. */
const shellWord = (path: string) => (/^[\w/.,:@%+=-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`);

export function registerDemo(program: Command, io: Io) {
	const cmd = program
		.command('demo')
		.description('seed an empty data directory with a live demo on the simulated target')
		.option('--bake <duration>', 'bake time per tier of the demo canaries (default 10s)', duration)
		.action(
			action<{bake?: number}>(io, async (cli, _args, o) => {
				const {initStore} = await import('../../store/index.js');
				const {store} = await initStore(cli.dataDir, {trust: demoTrust(cli)});
				try {
					if (!isEmpty(await store.read())) throw refusedError(`${cli.dataDir} is not empty: the demo seeds an empty data directory (try --data /tmp/calyx-demo)`, 'NOT_EMPTY');
					const seeded = await seedDemo(store, cli.io.env, o.bake !== undefined ? {bakeMs: o.bake} : {});
					cli.emit({ok: true, dataDir: cli.dataDir, ...seeded}, shown => {
						// The commands name the directory, so that they open this demo from any working directory.
						const calyx = `calyx --data ${shellWord(shown.dataDir)}`;
						return [
							`seeded the demo in ${shown.dataDir}: ${seeded.deployments.length} canaries started`,
							`keys: ${DEMO_KEYS.human} (human), ${DEMO_KEYS.agent} (agent) in ~/.config/calyx/keys`,
							`watch them: ${calyx} ui   (or run the engine headless: ${calyx} engine)`,
						].join('\n');
					});
				} finally {
					await store.close();
				}
			}),
		);
	examples(cmd, 'calyx --data /tmp/calyx-demo demo && calyx --data /tmp/calyx-demo ui');
}
