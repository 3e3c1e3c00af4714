import {readFileSync, renameSync, rmSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {iso} from '../core/clock.js';
import {addSignature, SignedServiceStatement, SignedStatement, statementProblem, type AnySignedStatement, type AnyStatement, type Signed} from '../core/index.js';
import {definitionSummary} from '../core/view/service.js';
import {metricsLines, metricsView} from './render/metrics.js';
import {loadAdminKey} from '../store/keyring.js';
import {ensureDemoTrust, writeNew} from '../store/trust.js';
import type {Cli} from './context.js';
import {keyFor, usage} from './errors.js';

/** How a command that changes the registry gets its admin signatures. */
export interface StatementOptions {
	/** Admin key files or ids; default: CALYX_ADMIN_KEY (comma-separated). */
	adminKey?: string[];
	/** Write the statement for admins to sign (calyx trust sign) instead of applying it. */
	requestOut?: string;
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];

export const now = (cli: Cli) => iso(cli.clock.now());

/**
 * The admin keys a registry command signs with: --admin-key, else CALYX_ADMIN_KEY. Under the demo
 * trust with none named, the user's own demo admin (made on first need, before the store opens):
 * the demo works out of the box and says what it is everywhere.
 */
export function signingAdmins<O extends StatementOptions>(cli: Cli, opts: O): O {
	const refs = opts.adminKey ?? (cli.io.env.CALYX_ADMIN_KEY ? cli.io.env.CALYX_ADMIN_KEY.split(',').filter(Boolean) : []);
	if (refs.length > 0 || opts.requestOut || !cli.trust.demo) return {...opts, adminKey: refs};
	const {trust, admin} = ensureDemoTrust(cli.io.env);
	cli.useTrust(trust);
	return {...opts, adminKey: [admin.path]};
}

/**
 * Signs a statement (a key's or a service's) with the admin keys `signingAdmins` chose and returns
 * it ready to apply, or writes it as a request when --request-out is given.
 */
export function signForRegistry<S extends AnyStatement>(cli: Cli, statement: S, opts: StatementOptions): Signed<S> | undefined {
	let signed: Signed<S> = {statement, signatures: []};
	for (const ref of opts.adminKey ?? []) signed = withAdmin(cli, signed, ref);
	if (opts.requestOut) {
		writeStatement(opts.requestOut, signed, false);
		return undefined;
	}
	const problem = statementProblem(cli.trust, signed);
	if (problem) {
		throw usage(`--admin-key: ${problem.message}; name admin keys with --admin-key (or CALYX_ADMIN_KEY), or write a request with --request-out for admins to sign (calyx trust sign)`, problem.code);
	}
	return signed;
}

function withAdmin<S extends AnyStatement>(cli: Cli, signed: Signed<S>, ref: string): Signed<S> {
	const admin = keyFor('--admin-key', () => loadAdminKey(ref, cli.io.env));
	return addSignature(signed, admin.privateKey, admin.publicKey);
}

/** A statement file of either kind, told apart by `statement.kind` (a key's when it names none). */
export function readStatement(path: string): AnySignedStatement {
	let raw: unknown;
	try {
		raw = JSON.parse(readFileSync(path, 'utf8'));
	} catch (error) {
		throw usage(`${path}: not a statement file (${(error as Error).message})`);
	}
	const service = (raw as {statement?: {kind?: unknown}} | null)?.statement?.kind === 'calyx.service';
	const parsed = (service ? SignedServiceStatement : SignedStatement).safeParse(raw);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw usage(`${path}: ${issue.path.join('.') || '(top)'}: ${issue.message}`, 'INVALID_STATEMENT');
	}
	return parsed.data;
}

/** A request file: new, or replaced atomically (a rename in its own directory) when signed again. */
export function writeStatement(path: string, signed: AnySignedStatement, replace: boolean): void {
	const text = `${JSON.stringify(signed, null, 2)}\n`;
	if (!replace) return writeNew(path, text);
	const tmp = join(dirname(path), `.${process.pid}.statement.tmp`);
	writeNew(tmp, text);
	try {
		renameSync(tmp, path);
	} catch (error) {
		rmSync(tmp, {force: true});
		throw error;
	}
}

/**
 * What an admin reads before signing: what the statement does, to which key and for whom, or which
 * definition it puts in force for which service (its target, sanity checks and metrics, a line each).
 */
export function describeStatement(s: AnyStatement): string {
	if (s.kind === 'calyx.service') {
		const d = definitionSummary(s.definition);
		// The metrics per metric, header values hidden (the summary's one line of JSON carries them).
		const metrics = metricsView(s.definition);
		const lines = [
			`put in force the definition of service ${s.name} (definition ${s.digest.slice(0, 12)}, ${s.prev ? `a change: it follows statement ${s.prev.slice(0, 12)}` : 'its first'}): ${s.reason}`,
			`  target: ${d.target}`,
			...d.sanity.map(l => `  sanity: ${l}`),
			...(metrics ? metricsLines(metrics).map(l => `  ${l}`) : []),
		];
		return lines.join('\n');
	}
	const what = s.action === 'register' ? `register ${s.role} key ${s.keyId}` : s.action === 'revoke' ? `revoke key ${s.keyId}` : `make key ${s.keyId} a ${s.role} key`;
	return `${what} of ${s.owner} (fingerprint ${s.fingerprint.slice(0, 16)}…)${s.reason ? `: ${s.reason}` : ''}`;
}
