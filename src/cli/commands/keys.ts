import type {Command} from 'commander';
import {amendment, generateKeyPair, keyVerdict, registration, type KeyStatement, type Role, type SignedStatement} from '../../core/index.js';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {unknownId, usage} from '../errors.js';
import {name, text} from '../parse.js';
import {table} from '../render/table.js';
import {collect, describeStatement, now, readStatement, signForRegistry, signingAdmins, type StatementOptions} from '../statement.js';

const ADMIN_HELP = 'an admin key that signs the statement (repeat for a threshold above 1; default CALYX_ADMIN_KEY)';
const REQUEST_HELP = 'write the statement to this file for admins to sign (calyx trust sign), then apply it (calyx keys apply)';

const role = (value: string, field = '--role'): Role => {
	if (value !== 'human' && value !== 'agent') throw usage(`${field}: "${value}" is not one of human, agent`);
	return value;
};

const withStatementOptions = (command: Command) =>
	command.option('--admin-key <file>', ADMIN_HELP, collect).option('--request-out <file>', REQUEST_HELP);

const COMMAND_OF = {register: 'key.register', revoke: 'key.revoke', role: 'key.role'} as const;

/** Applies a signed statement, or says where the request was written. */
async function submit(cli: Cli, signed: SignedStatement | undefined, opts: StatementOptions): Promise<Record<string, unknown> | undefined> {
	if (!signed) {
		cli.emit({ok: true, request: opts.requestOut}, r => `wrote the request to ${r.request}: an admin signs it (calyx trust sign ${r.request} --admin-key …), then: calyx keys apply ${r.request}`);
		return undefined;
	}
	const {result} = await cli.run<Record<string, unknown>>({type: COMMAND_OF[signed.statement.action], statement: signed});
	return result;
}


export function registerKeys(program: Command, io: Io) {
	const keys = program.command('keys').description('the key registry: human and agent signing keys, each registered by a statement the trust\'s admins sign');

	const add = withStatementOptions(
		keys
			.command('add')
			.description('create a key pair: the private half to a 0600 file of yours, the public half registered by an admin\'s statement')
			.requiredOption('--role <role>', 'human or agent')
			.requiredOption('--id <name>', 'the key id (letters, digits, ., _, -)', name)
			.requiredOption('--owner <name>', 'who holds it: a person for a human key, a named agent for an agent key (case aside: Alice is alice)', name)
			.option('--out <file>', 'where to write the private key (default: ~/.config/calyx/keys/<id>.pem)'),
	).action(
		action<{role: string; id: string; owner: string; out?: string} & StatementOptions>(io, async (cli, _args, given) => {
			const r = role(given.role);
			const opts = signingAdmins(cli, given);
			const {defaultKeyPath, discardKey, saveKey} = await import('../../store/keyring.js');
			const {existsSync} = await import('node:fs');
			const {resolve, sep} = await import('node:path');
			const path = resolve(opts.out ?? defaultKeyPath(opts.id, cli.io.env));
			if (existsSync(path)) {
				throw usage(`--id: a private key already exists at ${path} (never overwritten); to register it: calyx keys register --key ${path} --owner ${opts.owner}`);
			}
			// Everyone who can read the data directory could read a private key kept there.
			// An etcd store's data is on its cluster: only a data directory's own path is checked then.
			const dataDir = (await cli.etcdTarget()) ? undefined : resolve(cli.dataDir);
			if ((dataDir !== undefined && path.startsWith(dataDir + sep)) || existsSync(resolve(path, '..', 'state.json'))) {
				throw usage(`--out: ${path} is inside a data directory; private keys live outside it (default: ${defaultKeyPath(opts.id, cli.io.env)})`);
			}
			const pair = generateKeyPair();
			// The private half first: a path that cannot be written leaves nothing registered or requested.
			try {
				saveKey({id: opts.id, role: r, privateKey: pair.privateKey}, path);
			} catch (error) {
				throw usage(`--out: cannot write the private key to ${path}: ${(error as Error).message}; nothing was registered`);
			}
			let result: Record<string, unknown> | undefined;
			try {
				const signed = signForRegistry(cli, registration({keyId: opts.id, role: r, owner: opts.owner, publicKey: pair.publicKey, at: now(cli)}), opts);
				result = await submit(cli, signed, opts);
			} catch (error) {
				discardKey(path);
				throw error;
			}
			if (!result) return;
			const fp = String(result.fingerprint);
			cli.emit({ok: true, id: opts.id, role: r, owner: opts.owner, fingerprint: fp, privateKey: path, trust: cli.trust.source, demo: cli.trust.demo}, x =>
				[`registered ${x.role} key ${x.id} of ${x.owner} (${fp.slice(0, 16)})${x.demo ? ' under the demo trust: not for production' : ''}`, `private key: ${x.privateKey} (mode 0600; keep it off shared disks)`].join('\n'),
			);
		}),
	);
	examples(add, 'calyx keys add --role human --id alice --owner alice --admin-key admin', 'calyx keys add --role agent --id ci-bot --owner ci --request-out ci-bot.request.json');

	const register = withStatementOptions(
		keys
			.command('register')
			.description('register the public half of a key you already hold (e.g. in a second data directory)')
			.requiredOption('--owner <name>', 'who holds it', name)
			.option('--key <file>', 'private key file or id (default: CALYX_KEY); only its public half is stored'),
	).action(
		action<{key?: string; owner: string} & StatementOptions>(io, async (cli, _args, given) => {
			const key = cli.key(given.key);
			const o = signingAdmins(cli, given);
			const result = await submit(cli, signForRegistry(cli, registration({keyId: key.id, role: key.role, owner: o.owner, publicKey: key.publicKey, at: now(cli)}), o), o);
			if (result) cli.emit({ok: true, id: key.id, role: key.role, owner: o.owner, fingerprint: String(result.fingerprint)}, r => `registered ${r.role} key ${r.id} of ${r.owner} (${r.fingerprint.slice(0, 16)}) from ${key.path}`);
		}),
	);
	examples(register, 'calyx --data /srv/calyx-staging keys register --key alice --owner alice --admin-key admin');

	const apply = keys
		.command('apply <file>')
		.description('apply a statement the admins signed (calyx trust sign): a registration, revocation or role change')
		.action(
			action(io, async (cli, [file]) => {
				const read = readStatement(file!);
				if (read.statement.kind !== 'calyx.key') throw usage(`${file}: a service definition statement, not a key's: apply it with calyx service apply --signed ${file}`, 'INVALID_STATEMENT');
				const signed = read as SignedStatement;
				await submit(cli, signed, {});
				cli.emit({ok: true, applied: signed.statement.action, keyId: signed.statement.keyId}, () => `applied: ${describeStatement(signed.statement)}`);
			}),
		);
	examples(apply, 'calyx keys apply alice.request.json');

	const list = keys
		.command('list')
		.description('list registered keys, each checked against the trust file')
		.action(
			action(io, async cli => {
				const store = await cli.store();
				const [state, trust] = await Promise.all([store.read(), store.checkedTrust()]);
				const rows = state.keys.map(k => {
					const v = keyVerdict(trust, k);
					const status = !v.ok ? `untrusted: ${v.reason.message}` : v.key.revokedAt ? `revoked: ${v.key.revokeReason}` : 'active';
					return {id: k.id, role: k.role, owner: k.owner ?? null, fingerprint: k.fingerprint, addedAt: k.addedAt, trusted: v.ok, status, ...(v.ok ? {} : {problem: v.reason.code})};
				});
				cli.emit({trust: store.trust.source, demo: store.trust.demo, keys: rows}, shown =>
					[
						...(shown.demo ? ['demo trust: not for production'] : []),
						table(
							['ID', 'ROLE', 'OWNER', 'FINGERPRINT', 'ADDED', 'STATUS'],
							shown.keys.map(k => [k.id, k.role, k.owner ?? '-', k.fingerprint.slice(0, 16), cli.time(k.addedAt), k.status]),
						),
					].join('\n'),
				);
			}),
		);
	examples(list, 'calyx keys list', 'calyx keys list --json');

	/** A revocation or role change: built on the key's last statement, so a stale one cannot apply. */
	const amend = async (cli: Cli, id: string, given: StatementOptions, build: (record: Parameters<typeof amendment>[0]) => KeyStatement) => {
		const o = signingAdmins(cli, given);
		const state = await (await cli.store()).read();
		const record = state.keys.find(k => k.id === id);
		if (!record) throw unknownId('key', id);
		return submit(cli, signForRegistry(cli, build(record), o), o);
	};

	const revoke = withStatementOptions(
		keys
			.command('revoke <id>')
			.description('revoke a key: its signatures no longer count, even on leases it already signed')
			.requiredOption('--reason <text>', 'why (recorded in the audit trail)', text('text')),
	).action(
		action<{reason: string} & StatementOptions>(io, async (cli, [id], o) => {
			const result = await amend(cli, id!, o, record => amendment(record, 'revoke', now(cli), o.reason));
			if (result) cli.emit({ok: true, id, revoked: true, reason: o.reason}, r => `revoked key ${r.id}: ${r.reason}`);
		}),
	);
	examples(revoke, 'calyx keys revoke ci-bot --reason "laptop lost" --admin-key admin');

	const setRole = withStatementOptions(
		keys
			.command('set-role <id> <role>')
			.description('change a key\'s role (human or agent)')
			.requiredOption('--reason <text>', 'why (recorded in the audit trail)', text('text')),
	).action(
		action<{reason: string} & StatementOptions>(io, async (cli, [id, to], o) => {
			const next = role(to!, 'role');
			const result = await amend(cli, id!, o, record => amendment(record, 'role', now(cli), o.reason, next));
			if (result) cli.emit({ok: true, id, role: next}, r => `key ${r.id} is now a ${r.role} key`);
		}),
	);
	examples(setRole, 'calyx keys set-role ops-bot agent --reason "was registered as human by mistake" --admin-key admin');
}
