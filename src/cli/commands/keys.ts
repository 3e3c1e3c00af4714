import type {Command} from 'commander';
import {generateKeyPair} from '../../core/lease.js';
import type {Role} from '../../core/model/index.js';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {usage} from '../errors.js';
import {text} from '../parse.js';
import {table} from '../render/table.js';

export function registerKeys(program: Command, io: Io) {
	const keys = program.command('keys').description('the key registry: human and agent signing keys');

	const add = keys
		.command('add')
		.description('create a key pair: the private half to a 0600 file of yours, the public half into the registry')
		.requiredOption('--role <role>', 'human or agent')
		.requiredOption('--id <name>', 'the key id (letters, digits, ., _, -)')
		.option('--out <file>', 'where to write the private key (default: ~/.config/calyx/keys/<id>.pem)')
		.action(
			action<{role: string; id: string; out?: string}>(io, async (cli, _args, opts) => {
				if (opts.role !== 'human' && opts.role !== 'agent') throw usage(`--role: "${opts.role}" is not one of human, agent`);
				const {defaultKeyPath, discardKey, saveKey} = await import('../../store/keyring.js');
				const {existsSync} = await import('node:fs');
				const {resolve, sep} = await import('node:path');
				const path = resolve(opts.out ?? defaultKeyPath(opts.id, cli.io.env));
				if (existsSync(path)) {
					throw usage(`--id: a private key already exists at ${path} (never overwritten); to use it in this data directory: calyx keys register --key ${path}`);
				}
				// Everyone who can read the data directory could read a private key kept there.
				if (path.startsWith(resolve(cli.dataDir) + sep) || existsSync(resolve(path, '..', 'state.json'))) {
					throw usage(`--out: ${path} is inside a data directory; private keys live outside it (default: ${defaultKeyPath(opts.id, cli.io.env)})`);
				}
				const pair = generateKeyPair();
				// The private half first: a path that cannot be written leaves nothing registered.
				try {
					saveKey({id: opts.id, role: opts.role as Role, privateKey: pair.privateKey}, path);
				} catch (error) {
					throw usage(`--out: cannot write the private key to ${path}: ${(error as Error).message}; nothing was registered`);
				}
				let result: {fingerprint: string};
				try {
					({result} = await cli.run<{fingerprint: string}>({type: 'key.register', id: opts.id, role: opts.role as Role, publicKey: pair.publicKey}));
				} catch (error) {
					discardKey(path);
					throw error;
				}
				cli.emit({ok: true, id: opts.id, role: opts.role, fingerprint: result.fingerprint, privateKey: path}, () =>
					[`registered ${opts.role} key ${opts.id} (${result.fingerprint.slice(0, 16)})`, `private key: ${path} (mode 0600; keep it off shared disks)`].join('\n'),
				);
			}),
		);
	examples(add, 'calyx keys add --role human --id alice', 'calyx keys add --role agent --id ci-bot --out /etc/calyx/ci-bot.pem');

	const register = keys
		.command('register')
		.description('register the public half of a key you already hold (e.g. in a second data directory)')
		.option('--key <file>', 'private key file or id (default: CALYX_KEY); only its public half is stored')
		.action(
			action<{key?: string}>(io, async (cli, _args, o) => {
				const key = cli.key(o.key);
				const {result} = await cli.run<{fingerprint: string}>({type: 'key.register', id: key.id, role: key.role, publicKey: key.publicKey});
				cli.emit({ok: true, id: key.id, role: key.role, fingerprint: result.fingerprint}, r => `registered ${r.role} key ${r.id} (${r.fingerprint.slice(0, 16)}) from ${key.path}`);
			}),
		);
	examples(register, 'calyx --data /srv/calyx-staging keys register --key alice');

	const list = keys
		.command('list')
		.description('list registered keys')
		.action(
			action(io, async cli => {
				const state = await (await cli.store()).read();
				const rows = state.keys.map(k => ({
					id: k.id,
					role: k.role,
					fingerprint: k.fingerprint,
					addedAt: k.addedAt,
					revoked: k.revokedAt ? {at: k.revokedAt, reason: k.revokeReason} : null,
				}));
				cli.emit({keys: rows}, shown =>
					table(
						['ID', 'ROLE', 'FINGERPRINT', 'ADDED', 'STATUS'],
						shown.keys.map(k => [k.id, k.role, k.fingerprint.slice(0, 16), cli.time(k.addedAt), k.revoked ? `revoked: ${k.revoked.reason}` : 'active']),
					),
				);
			}),
		);
	examples(list, 'calyx keys list', 'calyx keys list --json');

	const revoke = keys
		.command('revoke <id>')
		.description('revoke a key: its signatures no longer count, even on leases it already signed')
		.requiredOption('--reason <text>', 'why (recorded in the audit trail)', text('text'))
		.action(
			action<{reason: string}>(io, async (cli, [id], opts) => {
				await cli.run({type: 'key.revoke', id: id!, reason: opts.reason});
				cli.emit({ok: true, id, revoked: true, reason: opts.reason}, r => `revoked key ${r.id}: ${r.reason}`);
			}),
		);
	examples(revoke, 'calyx keys revoke ci-bot --reason "laptop lost"');
}
