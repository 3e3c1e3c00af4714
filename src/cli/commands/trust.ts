import {readFileSync} from 'node:fs';
import {resolve} from 'node:path';
import type {Command} from 'commander';
import {generateKeyPair, isEd25519PublicKey, type AnyStatement, signingAdmins as adminsWhoSigned, statementDigest, statementProblem, trustFrom, trustLabel, TrustFile} from '../../core/index.js';
import {defaultKeyPath, discardKey, loadAdminKey, saveKey} from '../../store/keyring.js';
import {SYSTEM_TRUST, trustSource, writeNew} from '../../store/trust.js';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {StoreError} from '../../store/errors.js';
import {describeBinding, shortTrustId, trustId, type Binding} from '../../core/trust-binding.js';
import {ledgerFrom} from '../../core/ledger.js';
import {unboundRefusal} from '../../core/trust-fit.js';
import {keyFor, usage} from '../errors.js';
import {count, text} from '../parse.js';
import {collect, describeStatement, readStatement, writeStatement} from '../statement.js';
import {registerRebind} from './trust-rebind.js';

type InitOpts = {out: string; admin: string; adminOut?: string; addAdmin?: string[]; threshold?: number; separationOfDuties: boolean};

type StoreBinding = {at: string; bound: 'this trust' | 'another trust' | 'not yet' | 'unchecked'; binding?: Binding; why?: string; binds?: boolean} | null;

/** Which trust the store (when there is one) is bound to, as this user's verified trail says. */
async function storeBinding(cli: Cli): Promise<StoreBinding> {
	let store;
	try {
		store = await cli.store();
	} catch (error) {
		if (error instanceof StoreError && error.code === 'NOT_INITIALISED') return null;
		throw error;
	}
	const at = await cli.storeLabel();
	let ledger;
	try {
		ledger = ledgerFrom((await store.anchored()).derived);
	} catch (error) {
		// A read: what a refused write would add ("nothing was written") is not this command's to say.
		const finding = error instanceof StoreError ? error.detail.finding : undefined;
		return {at, bound: 'unchecked', why: finding ? `${finding} (calyx audit verify says more)` : (error as Error).message};
	}
	if (!ledger) return {at, bound: 'unchecked', why: 'the trail does not reach the store\'s head intact (calyx audit verify)'};
	if (!ledger.binding) {
		// One an older version made, holding keys: whether this process would bind it, or is refused there.
		const state = await store.read();
		const refused = unboundRefusal(await store.checkedTrust(), state);
		const holds = state.keys.length + (state.services ?? []).length > 0;
		return {at, bound: 'not yet', ...(refused ? {why: refused} : holds ? {binds: true} : {})};
	}
	return {at, bound: ledger.binding.trust === trustId(cli.trust) ? 'this trust' : 'another trust', binding: ledger.binding};
}

const BINDING_LINES: Record<NonNullable<StoreBinding>['bound'], (b: NonNullable<StoreBinding>) => string> = {
	'this trust': b => `${b.at} is bound to this trust: processes under it write there`,
	'another trust': b => `${b.at} is bound to another trust, ${describeBinding(b.binding!)}: nothing is written there under this one (calyx trust rebind moves it, signed by its admins)`,
	'not yet': b =>
		b.why
			? `${b.at} is bound to no trust yet, and this process writes nothing there: ${b.why}`
			: b.binds
				? `${b.at} is bound to no trust yet, and this process's next write binds it to this trust, which only this trust's admins can move after: check this is the trust file its admins signed with`
				: `${b.at} is bound to no trust yet: its first key registered binds it (when it holds keys already, the first write under the trust whose admins signed them)`,
	unchecked: b => `${b.at}: its binding cannot be checked: ${b.why}`,
};

const bindingLine = (b: StoreBinding) => (b ? BINDING_LINES[b.bound](b) : 'none here (calyx init makes one)');

export function registerTrust(program: Command, io: Io) {
	const trust = program.command('trust').description('the authority over keys and services: the admin keys that register, revoke and change keys, and put service definitions in force');

	const init = trust
		.command('init')
		.description('make an admin key and a trust file naming it (install the file as /etc/calyx/trust.json)')
		.option('--out <file>', 'where to write the trust file', 'trust.json')
		.option('--admin <id>', 'the new admin key\'s id', text('id'), 'admin')
		.option('--admin-out <file>', 'where to write the admin\'s private key (default: ~/.config/calyx/keys/<id>.pem)')
		.option('--add-admin <pem>', 'another admin\'s public key file (repeat for each)', collect)
		.option('--threshold <n>', 'how many admins must sign each statement (default 1)', count())
		.option('--no-separation-of-duties', 'let an intent\'s proposer approve it too')
		.action(
			action<InitOpts>(io, async (cli, _args, o) => {
				const out = resolve(o.out);
				const others = (o.addAdmin ?? []).map((file, i) => {
					const pem = readFileSync(file, 'utf8');
					if (!isEd25519PublicKey(pem)) throw usage(`--add-admin: ${file} is not an Ed25519 public key in PEM form`);
					return {id: `admin-${i + 2}`, publicKey: pem};
				});
				const pair = generateKeyPair();
				const file: TrustFile = {
					v: 1,
					kind: 'calyx.trust',
					demo: false,
					threshold: o.threshold ?? 1,
					admins: [{id: o.admin, publicKey: pair.publicKey}, ...others],
					separationOfDuties: o.separationOfDuties,
				};
				if (file.threshold < 1 || file.threshold > file.admins.length) throw usage(`--threshold: must be from 1 to ${file.admins.length} (the number of admins)`);
				let checked;
				try {
					checked = trustFrom(TrustFile.parse(file), out);
				} catch (error) {
					throw usage(`trust: ${(error as Error).message}`);
				}
				const keyPath = resolve(o.adminOut ?? defaultKeyPath(o.admin, cli.io.env));
				// The private key first, then the file naming it: a failure leaves neither half behind.
				try {
					saveKey({id: o.admin, role: 'admin', privateKey: pair.privateKey}, keyPath);
				} catch (error) {
					throw usage(`--admin-out: cannot write the admin key to ${keyPath}: ${(error as Error).message}; nothing was written`);
				}
				try {
					writeNew(out, `${JSON.stringify(file, null, 2)}\n`);
				} catch (error) {
					discardKey(keyPath);
					throw usage(`--out: cannot write ${out}: ${(error as Error).message} (an existing trust file is never overwritten); nothing was written`);
				}
				cli.emit({ok: true, trust: out, adminKey: keyPath, fingerprint: checked.admins[0]!.fingerprint, threshold: file.threshold, install: SYSTEM_TRUST}, r =>
					[
						`wrote ${r.trust}: ${file.admins.length} admin(s), ${r.threshold} signature(s) per statement`,
						`admin key: ${r.adminKey} (${r.fingerprint.slice(0, 16)}); keep it off the ops boxes, offline if you can`,
						`install the trust file where every calyx process reads it (owned by root, writable by nobody else):`,
						`  sudo install -D -o root -g root -m 0644 ${r.trust} ${r.install}`,
						`then register keys with it: calyx keys add --role human --id alice --owner alice --admin-key ${r.adminKey}`,
					].join('\n'),
				);
			}),
		);
	examples(init, 'calyx trust init', 'calyx trust init --threshold 2 --add-admin bob-admin.pub.pem');

	const show = trust
		.command('show')
		.description('which trust file this environment uses, its admins and threshold')
		.action(
			action(io, async cli => {
				const t = cli.trust;
				const src = trustSource(cli.io.env);
				const binding = await storeBinding(cli);
				cli.emit(
					{path: src.path, demo: t.demo, exists: t.admins.length > 0, id: trustId(t), threshold: t.threshold, separationOfDuties: t.separationOfDuties, admins: t.admins.map(a => ({id: a.id, fingerprint: a.fingerprint})), store: binding},
					r =>
						[
							trustLabel(t),
							`file: ${r.path}${r.exists ? '' : ' (not made yet)'}`,
							`id: ${shortTrustId(r.id)}`,
							`admins: ${r.admins.map(a => `${a.id} (${a.fingerprint.slice(0, 16)})`).join(', ') || 'none'}`,
							`separation of duties: ${r.separationOfDuties ? 'on (an intent is approved by someone other than its proposer)' : 'off'}`,
							`store: ${bindingLine(r.store)}`,
						].join('\n'),
				);
			}),
		);
	examples(show, 'calyx trust show', 'CALYX_TRUST=/etc/calyx/trust.json calyx trust show --json');

	const sign = trust
		.command('sign <file>')
		.description('add your admin signature to a statement request (a key\'s or a service definition\'s, from --request-out), after reading what it does')
		.requiredOption('--admin-key <file>', 'your admin key file or id')
		.action(
			action<{adminKey: string}>(io, async (cli, [file], o) => {
				const signed = readStatement(file!);
				const admin = keyFor('--admin-key', () => loadAdminKey(o.adminKey, cli.io.env));
				const {addSignature} = await import('../../core/index.js');
				const next = addSignature<AnyStatement>(signed, admin.privateKey, admin.publicKey);
				writeStatement(file!, next, true);
				const have = adminsWhoSigned(cli.trust, next).length;
				const ready = statementProblem(cli.trust, next) === undefined;
				cli.emit({ok: true, file, statement: statementDigest(next.statement), signatures: have, threshold: cli.trust.threshold, ready}, r =>
					[
						`signed: ${describeStatement(next.statement)}`,
						`${r.signatures} of ${r.threshold} admin signature(s) valid under ${trustLabel(cli.trust)}`,
						r.ready ? `ready: calyx ${next.statement.kind === 'calyx.service' ? 'service apply --signed' : 'keys apply'} ${r.file}` : 'waiting for more admins: calyx trust sign ' + r.file + ' --admin-key …',
					].join('\n'),
				);
			}),
		);
	examples(sign, 'calyx trust sign alice.request.json --admin-key admin');
	registerRebind(trust, io);
}
