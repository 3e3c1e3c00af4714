import type {Command} from 'commander';
import {definitionDigest, leasesVoidedBy, serviceRecordOf, serviceStatement, serviceVerdict, type ServiceDefinition, type ServiceRecord, type SignedServiceStatement, type Trust} from '../../core/index.js';
import {definitionSummary, recordSummary, type ServiceSummary} from '../../core/view/service.js';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {usage} from '../errors.js';
import {SERVICE_NAME, SERVICE_NAME_RULE, text} from '../parse.js';
import {metricsLines, metricsView, withoutSecrets, type MetricsView} from '../render/metrics.js';
import {table} from '../render/table.js';
import {registerCheck} from './service-check.js';
import {collect, now, readStatement, signForRegistry, signingAdmins, type StatementOptions} from '../statement.js';

type ApplyOpts = {file?: string; signed?: string; reason?: string} & StatementOptions;

const ADMIN_HELP = 'an admin key that signs the statement (repeat for a threshold above 1; default CALYX_ADMIN_KEY)';
const REQUEST_HELP = 'write the statement to this file for admins to sign (calyx trust sign), then apply it (calyx service apply --signed)';

/** The file's definition, checked by the engine's schema, the drivers' and on this machine. */
async function definitionFrom(path: string): Promise<ServiceDefinition> {
	const {checkDefinition, checkHere, readDefinitionFile} = await import('../service-file.js');
	const definition = checkDefinition(readDefinitionFile(path), path);
	await checkHere(definition, path);
	return definition;
}

interface Applied {
	name: string;
	digest: string;
	previous: string | null;
	target: string;
}

async function submit(cli: Cli, signed: SignedServiceStatement): Promise<void> {
	const {result} = await cli.run<Applied>({type: 'service.apply', statement: signed});
	const {target} = definitionSummary(signed.statement.definition);
	const voided = leasesVoidedBy(await (await cli.store()).read(), result.name).map(l => l.id);
	cli.emit({ok: true, ...result, voidedLeases: voided, trust: cli.trust.source, demo: cli.trust.demo}, r =>
		[
			`applied the definition of service ${r.name} (${r.digest.slice(0, 12)}; ${r.previous ? `replaces ${r.previous.slice(0, 12)}` : 'its first'})${r.demo ? ' under the demo trust: not for production' : ''}`,
			`target: ${target}`,
			...(voided.length > 0 ? [`${voided.length === 1 ? 'lease' : 'leases'} ${voided.join(', ')} of ${r.name} no longer ${voided.length === 1 ? 'verifies' : 'verify'} (CONTENT_CHANGED): issue and sign ${voided.length === 1 ? 'a new one' : 'new ones'}`] : []),
		].join('\n'),
	);
}

/** --file: check, sign (or write the request), apply. An unchanged definition writes nothing. */
async function applyFile(cli: Cli, o: ApplyOpts): Promise<void> {
	if (!o.reason) throw usage('--reason: required with --file (recorded in the audit trail and shown to the admins who sign)');
	const definition = await definitionFrom(o.file!);
	const opts = signingAdmins(cli, o);
	const state = await (await cli.store()).read();
	const record = serviceRecordOf(state, definition.name);
	const digest = definitionDigest(definition);
	if (record && record.digest === digest && serviceVerdict(cli.trust, record).ok) {
		cli.emit({ok: true, name: definition.name, digest, unchanged: true}, r => `service ${r.name} already has this definition (${r.digest.slice(0, 12)}): nothing to apply`);
		return;
	}
	const signed = signForRegistry(cli, serviceStatement(definition, o.reason, now(cli), record), opts);
	if (signed) return submit(cli, signed);
	cli.emit({ok: true, request: opts.requestOut}, r => `wrote the request to ${r.request}: an admin signs it (calyx trust sign ${r.request} --admin-key …), then: calyx service apply --signed ${r.request}`);
}

/** --signed: a request the admins signed; its definition is checked here again before it applies. */
async function applySigned(cli: Cli, path: string): Promise<void> {
	const signed = readStatement(path);
	if (signed.statement.kind !== 'calyx.service') throw usage(`--signed: ${path} is a key statement: apply it with calyx keys apply ${path}`, 'INVALID_STATEMENT');
	const {checkDefinition, checkHere} = await import('../service-file.js');
	checkDefinition(signed.statement.definition, path);
	await checkHere(signed.statement.definition, path);
	await submit(cli, signed as SignedServiceStatement);
}

interface Row extends Omit<ServiceSummary, 'metrics'> {
	/** Per metric, the source's header values hidden (the summary's one line of JSON would print them). */
	metrics?: MetricsView;
	appliedAt: string;
	appliedBy: string;
	trusted: boolean;
}

const rowOf = (record: ServiceRecord, trust: Trust): Row => {
	const {metrics: _oneLine, ...summary} = recordSummary(record, trust);
	const metrics = metricsView(record.definition);
	return {...summary, ...(metrics ? {metrics} : {}), appliedAt: record.appliedAt, appliedBy: record.appliedBy, trusted: !summary.problem};
};

function registerApply(service: Command, io: Io) {
	const apply = service
		.command('apply')
		.description('put a service definition in force (YAML or JSON): a statement the trust\'s admins sign, chained to the service\'s last one')
		.option('-f, --file <file>', 'the definition: name, target (kind simulated, haproxy or exec, and its settings), sanity, metrics')
		.option('--reason <text>', 'why (shown to the admins who sign, recorded in the audit trail)', text('text'))
		.option('--admin-key <file>', ADMIN_HELP, collect)
		.option('--request-out <file>', REQUEST_HELP)
		.option('--signed <file>', 'apply a request the admins signed (calyx trust sign) instead of a definition file')
		.action(
			action<ApplyOpts>(io, async (cli, _args, o) => {
				if (!o.file === !o.signed) throw usage('-f/--file or --signed: give one (a definition file to sign, or a request the admins signed)');
				if (o.signed) {
					if (o.reason || o.adminKey || o.requestOut) throw usage('--signed: a signed request carries its reason and signatures; --reason, --admin-key and --request-out go with --file');
					return applySigned(cli, o.signed);
				}
				return applyFile(cli, o);
			}),
		);
	examples(
		apply,
		'calyx service apply -f checkout.yaml --reason "checkout moves behind HAProxy" --admin-key admin',
		'calyx service apply -f checkout.yaml --reason "CHG-4411" --request-out checkout.request.json',
		'calyx trust sign checkout.request.json --admin-key admin && calyx service apply --signed checkout.request.json',
	);
}

export function registerService(program: Command, io: Io) {
	const service = program.command('service').description('service definitions: the target that carries a service\'s traffic and its sanity checks, put in force by the trust\'s admins');
	registerApply(service, io);
	registerCheck(service, io);

	const list = service
		.command('list')
		.description('list service definitions, each checked against the trust file (a service without one runs on the simulated target)')
		.action(
			action(io, async cli => {
				const store = await cli.store();
				const state = await store.read();
				const rows = (state.services ?? []).map(r => rowOf(r, store.trust));
				cli.emit({trust: store.trust.source, demo: store.trust.demo, services: rows}, shown =>
					[
						...(shown.demo ? ['demo trust: not for production'] : []),
						table(
							['NAME', 'TARGET', 'DEFINITION', 'APPLIED', 'STATUS'],
							shown.services.map(s => [s.name, s.target, s.digest!.slice(0, 12), cli.time(s.appliedAt), s.problem ? `untrusted: ${s.problem}` : 'in force']),
						),
					].join('\n'),
				);
			}),
		);
	examples(list, 'calyx service list', 'calyx service list --json');

	const show = service
		.command('show <name>')
		.description('show a service\'s definition in force (its metrics per metric: queries, bands, budget; header values never shown), its digest and the statements that put it there')
		.action(
			action(io, async (cli, [name]) => {
				if (!SERVICE_NAME.test(name!)) throw usage(`name: ${SERVICE_NAME_RULE}`);
				const store = await cli.store();
				const record = serviceRecordOf(await store.read(), name!);
				if (!record) throw usage(`name: no definition for service ${name} (see calyx service list; without one it runs on the simulated target)`, 'NOT_FOUND');
				const history = record.statements.map(s => ({at: s.statement.at, digest: s.statement.digest, reason: s.statement.reason, signatures: s.signatures.length}));
				cli.emit({...rowOf(record, store.trust), definition: withoutSecrets(record.definition), history}, r =>
					[
						`service ${r.name}  ${r.trusted ? 'IN FORCE' : 'UNTRUSTED'}`,
						...(r.problem ? [`  - UNTRUSTED_SERVICE: ${r.problem}`] : []),
						`target:   ${r.target}`,
						...r.sanity.map((l, i) => `${i === 0 ? 'sanity:  ' : '         '} ${l}`),
						...(r.metrics ? metricsLines(r.metrics) : []),
						`digest:   ${r.digest}`,
						`applied:  ${cli.time(r.appliedAt)} by ${r.appliedBy}`,
						'history:',
						...r.history.map(h => `  ${cli.time(h.at)}  ${h.digest.slice(0, 12)}  ${h.reason} (${h.signatures} admin signature(s))`),
						'definition:',
						...JSON.stringify(r.definition, null, 2).split('\n').map(l => `  ${l}`),
					].join('\n'),
				);
			}),
		);
	examples(show, 'calyx service show checkout', 'calyx service show checkout --json');
}
