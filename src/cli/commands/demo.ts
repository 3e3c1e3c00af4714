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
				const {store} = await cli.initStore({trust: demoTrust(cli)});
				const etcd = (await cli.etcdTarget()) !== undefined;
				const where = await cli.storeLabel();
				try {
					if (!isEmpty(await store.read())) throw refusedError(`${where} is not empty: the demo seeds an empty ${etcd ? 'store (try another name: etcd://…/demo2)' : 'data directory (try --data /tmp/calyx-demo)'}`, 'NOT_EMPTY');
					const seeded = await seedDemo(store, cli.io.env, o.bake !== undefined ? {bakeMs: o.bake} : {});
					cli.emit({ok: true, ...(etcd ? {store: where} : {dataDir: where}), ...seeded}, () => {
						// The commands name the store, so that they open this demo from any working directory.
						const calyx = `calyx ${etcd ? '--store' : '--data'} ${shellWord(where)}`;
						return [
							`seeded the demo in ${where}: ${seeded.deployments.length} canaries started`,
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
