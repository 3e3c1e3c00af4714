import {readFileSync} from 'node:fs';
import type {Command} from 'commander';
import {iso} from '../../core/clock.js';
import {fingerprintOf, TrustFile, trustFrom} from '../../core/trust.js';
import {keyVerdict} from '../../core/registry.js';
import {shortTrustId, signRebind, trustId} from '../../core/trust-binding.js';
import {loadAdminKey} from '../../store/keyring.js';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {keyFor, usage} from '../errors.js';
import {text} from '../parse.js';
import {collect} from '../statement.js';

type RebindOpts = {from: string; adminKey?: string[]; reason: string};

/** The trust file the store is bound to, read as given: its id must be the binding's, which the engine checks. */
function readFrom(path: string): TrustFile {
	let raw: unknown;
	try {
		raw = JSON.parse(readFileSync(path, 'utf8'));
	} catch (error) {
		throw usage(`--from: cannot read ${path} as JSON: ${(error as Error).message}`);
	}
	const parsed = TrustFile.safeParse(raw);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw usage(`--from: ${path}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
	}
	try {
		trustFrom(parsed.data, path);
	} catch (error) {
		throw usage(`--from: ${path}: ${(error as Error).message}`);
	}
	return parsed.data;
}

/**
 * Moves the store to this process's trust (CALYX_TRUST): what a new trust file takes (an admin
 * added or replaced, a new threshold). The store's own trust signs it: its admins' keys, enough
 * of them for its threshold (core/trust-binding.ts).
 */
export function registerRebind(trust: Command, io: Io) {
	const rebind = trust
		.command('rebind')
		.description('move the store to this process\'s trust file (CALYX_TRUST), signed by the admins of the trust it is bound to')
		.requiredOption('--from <file>', 'the trust file the store is bound to now (calyx trust show names its id)')
		.requiredOption('--admin-key <file>', 'an admin key of that trust (repeat until its threshold is met)', collect)
		.requiredOption('--reason <text>', 'why the trust changes (recorded in the audit trail)', text('text'))
		.action(
			action<RebindOpts>(io, async (cli, _args, o) => {
				const from = readFrom(o.from);
				const to = trustId(cli.trust);
				const admins = (o.adminKey ?? []).map(ref => keyFor('--admin-key', () => loadAdminKey(ref, cli.io.env)));
				// The event that bound the store: the statement is good for this store and this binding alone.
				const bound = (await (await cli.store()).checkedTrust()).foreign;
				// A --from that is not the bound trust is the engine's to refuse (WRONG_TRUST); with the right one, a key of another trust is said at its flag.
				const fromTrust = trustFrom(from, o.from);
				for (const admin of bound?.trust === trustId(fromTrust) ? admins : []) {
					if (!fromTrust.admins.some(a => a.fingerprint === fingerprintOf(admin.publicKey))) {
						throw usage(`--admin-key: ${admin.path} is not an admin of the trust in --from (${o.from}), whose admins are ${fromTrust.admins.map(a => a.id).join(', ')}: a rebind is signed by the admins of the trust the store is bound to`);
					}
				}
				const after = bound?.at ?? '0'.repeat(64);
				const statement = {v: 1 as const, kind: 'calyx.rebind' as const, from: trustId(fromTrust), to, after, at: iso(cli.clock.now()), reason: o.reason};
				const signed = signRebind(statement, from, admins);
				const {rev} = await cli.run({type: 'trust.rebind', rebind: signed, reason: o.reason});
				// What the old admins signed that the new trust does not verify: those keys sign nothing from now on.
				const store = await cli.store();
				const [state, now] = await Promise.all([store.read(), store.checkedTrust()]);
				const unverified = state.keys.filter(k => !k.revokedAt && !keyVerdict(now, k).ok).map(k => k.id);
				cli.emit({ok: true, from: statement.from, to, trust: cli.trust.source, rev, unverified}, r =>
					[
						`the store moved from trust ${shortTrustId(r.from)} to ${shortTrustId(r.to)} (${r.trust}): only processes under it write now`,
						`run every box that writes with ${r.trust}`,
						...(r.unverified.length > 0 ? [`${r.unverified.length} key(s) no admin of this trust signed now sign nothing (leases and tiers they cosign are refused) until their holders have new keys registered under it (calyx keys add with a new --id): ${r.unverified.join(', ')}`] : []),
					].join('\n'),
				);
			}),
		);
	examples(rebind, 'CALYX_TRUST=/etc/calyx/trust.json calyx trust rebind --from /etc/calyx/trust.json.old --admin-key admin --reason "bob joins the admins"');
}
