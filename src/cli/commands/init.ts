import type {Command} from 'commander';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';

export function registerInit(program: Command, io: Io) {
	const cmd = program
		.command('init')
		.description('create the data directory with the default config (idempotent)')
		.action(
			action(io, async cli => {
				const {initStore} = await import('../../store/index.js');
				const {created, store} = await initStore(cli.dataDir);
				await store.close();
				cli.emit({ok: true, dataDir: cli.dataDir, created}, () =>
					created ? `initialised ${cli.dataDir}` : `${cli.dataDir} is already initialised; nothing changed`,
				);
			}),
		);
	examples(cmd, 'calyx init', 'calyx --data /srv/calyx init');
}
