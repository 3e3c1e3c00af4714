/**
 * The exec target: a command hook for every router calyx does not speak itself (kubectl and the
 * Gateway API, a cloud load balancer's CLI, nginx, an in-house script). Protocol, version 1:
 *
 *   stdin  (one JSON line): {"protocol":1,"op":"read"|"apply"|"sanity","service":…,"desired":25|null,"tier":25|null,"deployment":…|null}
 *   stdout (one JSON document), for read and apply:
 *          {"ok":true,"canaryPercent":25,"evidence":"router"|"claimed","stable":{"weight":75,"version":"1.4.0"},"canary":{…},"notes":[…]}
 *          for sanity: {"ok":true|false,"output":"…"}
 *          a refusal, any op: {"ok":false,"error":"…"}
 *   exit 0 with the reply; 75 (EX_TEMPFAIL) = a temporary failure, worth a retry; any other status = a
 *   failure not retried. Anything on stderr is kept (bounded) for the reason of a failure.
 *
 * `evidence` defaults to "router" for read (the hook reports what it read) and "claimed" for apply
 * (unless the hook says it read the change back). A timeout (the process group is killed), a
 * non-zero exit, or a reply that does not validate is a DriverError whose reason carries the hook's
 * stderr, clipped and escaped. Hooks must be idempotent: apply may be retried, and a new leader
 * applies again what the last one may already have applied.
 *
 * The hook gets a small environment (PATH, HOME, locale, KUBECONFIG… from the engine's, plus the
 * definition's `env`), not the engine's whole one: it is a command someone else wrote.
 */
import {access, constants} from 'node:fs/promises';
import {delimiter, isAbsolute, join} from 'node:path';
import {z} from 'zod';
import {bounded, checkPercent, DriverError, outsideText, type CallOpts, type RouterReport, type SanityResult, type TargetDriver} from './driver.js';
import {PIPE_CLOSE_MS, runProcess, type ProcessOutcome} from './hook-process.js';
import {AbsolutePath, parseSettings, TimeoutMs} from './settings.js';

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name (letters, digits, "_")');
const Arg = z.string().refine(s => !s.includes('\u0000'), 'must not contain a NUL character');

export const ExecSettings = z
	.object({
		kind: z.literal('exec'),
		/** argv: the program, then its arguments, passed as they are (no shell, no globbing, no `;`). */
		command: z.array(Arg).min(1, 'must name the program to run').max(64),
		/** Run `command[0]` as a /bin/sh script instead: only when the definition asks for it. */
		shell: z.boolean().default(false),
		timeoutMs: TimeoutMs(10_000),
		env: z.record(EnvName, Arg).default({}),
		cwd: AbsolutePath.optional(),
	})
	.strict()
	.refine(s => !s.shell || s.command.length === 1, {message: 'with shell: true, command must be one string (the script)', path: ['command']})
	.refine(s => s.command[0] !== '', {message: 'must name the program to run', path: ['command', 0]});
export type ExecSettings = z.output<typeof ExecSettings>;

export const parseExecSettings = (input: unknown): ExecSettings => parseSettings(ExecSettings, input, 'exec');

/** Bounds on what a hook may write; a reply is one small JSON document. */
export const HOOK_LIMITS = {stdout: 64 * 1024, stderr: 16 * 1024, killGraceMs: 1000} as const;

/** The engine's variables a hook inherits; everything else must be named in the definition's `env`. */
const INHERITED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'KUBECONFIG'];

const Side = z.object({weight: z.number().nonnegative().optional(), version: z.string().max(128).optional(), serving: z.boolean().optional()});
const Refusal = z.object({ok: z.literal(false), error: z.string()});
const RouteReply = z.union([
	z.object({
		ok: z.literal(true),
		canaryPercent: z.number().min(0).max(100),
		evidence: z.enum(['router', 'claimed']).optional(),
		stable: Side.optional(),
		canary: Side.optional(),
		notes: z.array(z.string()).max(20).optional(),
	}),
	Refusal,
]);
// The refusal first: a failed verdict {"ok": false, "output"} and a refusal {"ok": false, "error"} differ only by key.
const SanityReply = z.union([Refusal, z.object({ok: z.boolean(), output: z.string().default('')})]);

type Op = 'read' | 'apply' | 'sanity';

/** What one hook call gave: its parsed reply, its stdout for the audit, and its stderr for reasons. */
interface Answer {
	reply: unknown;
	raw: string;
	label: string;
	/** `; stderr: …` (clipped, escaped), or '' when the hook wrote nothing there. */
	stderr: string;
}

const EX_TEMPFAIL = 75;

const stderrOf = (o: ProcessOutcome): string =>
	o.stderr.trim() === '' ? '' : `; stderr: ${outsideText(o.stderr.trim(), 1000)}${o.stderrBytes > Buffer.byteLength(o.stderr) ? ` (${o.stderrBytes} bytes in all)` : ''}`;

export interface HookRequest {
	protocol: 1;
	op: Op;
	service: string;
	desired: number | null;
	tier: number | null;
	deployment: string | null;
}

/** Why a definition's command cannot run here, or undefined: for `service apply` to refuse early. */
export async function hookProblem(settings: ExecSettings, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
	if (settings.shell) return undefined;
	const program = settings.command[0]!;
	const candidates = program.includes('/') ? [program] : (env.PATH ?? '').split(delimiter).filter(Boolean).map(dir => join(dir, program));
	if (program.includes('/') && !isAbsolute(program)) return `command[0]: ${outsideText(program, 200)} is a relative path: name the program by an absolute path or a name on PATH`;
	for (const path of candidates) {
		if (await access(path, constants.X_OK).then(() => true, () => false)) return undefined;
	}
	return `command[0]: ${outsideText(program, 200)} is not an executable file${program.includes('/') ? '' : ' on PATH'}`;
}

export class ExecDriver implements TargetDriver {
	readonly kind = 'exec' as const;
	readonly #service: string;
	readonly #now: () => number;

	/** The timeout, then SIGTERM → SIGKILL, then the pipes given a moment to close. */
	get boundMs(): number {
		return this.settings.timeoutMs + HOOK_LIMITS.killGraceMs + PIPE_CLOSE_MS;
	}

	constructor(
		readonly settings: ExecSettings,
		env: {service: string; now?: () => number},
	) {
		this.#service = env.service;
		this.#now = env.now ?? Date.now;
	}

	static from(input: unknown, env: {service: string; now?: () => number}): ExecDriver {
		return new ExecDriver(parseExecSettings(input), env);
	}

	async read(opts: CallOpts): Promise<RouterReport> {
		return this.#report(await this.#call('read', null, opts), 'router');
	}

	async apply(desiredPercent: number, opts: CallOpts): Promise<RouterReport> {
		checkPercent(desiredPercent);
		const report = this.#report(await this.#call('apply', desiredPercent, opts), 'claimed');
		if (report.evidence === 'router' && report.canaryPercent !== desiredPercent) {
			throw new DriverError('mismatch', `the hook reads back ${report.canaryPercent}% after applying ${desiredPercent}%`, {report});
		}
		if (report.evidence === 'claimed') report.notes.push('the hook did not read the split back: unverified');
		return report;
	}

	async sanity(tier: number, opts: CallOpts): Promise<SanityResult> {
		const answer = await this.#call('sanity', null, {...opts, context: {...opts.context, tier}});
		const parsed = this.#validate(SanityReply, answer);
		if ('error' in parsed) throw new DriverError('rejected', `${answer.label}: the hook refused: ${outsideText(parsed.error, 500)}${answer.stderr}`);
		return {ok: parsed.ok, output: outsideText(parsed.output)};
	}

	#report(answer: Answer, fallback: 'router' | 'claimed'): RouterReport {
		const parsed = this.#validate(RouteReply, answer);
		if (!parsed.ok) throw new DriverError('rejected', `${answer.label}: the hook refused: ${outsideText(parsed.error, 500)}${answer.stderr}`);
		const side = (s: z.output<typeof Side> | undefined) => ({
			...(s?.weight === undefined ? {} : {weight: s.weight}),
			serving: s?.serving ?? true,
			...(s?.version === undefined ? {} : {version: outsideText(s.version, 128)}),
		});
		return {
			kind: 'exec',
			canaryPercent: parsed.canaryPercent,
			stable: side(parsed.stable),
			canary: side(parsed.canary),
			evidence: parsed.evidence ?? fallback,
			notes: (parsed.notes ?? []).map(n => outsideText(n, 500)),
			raw: answer.raw,
			at: new Date(this.#now()).toISOString(),
		};
	}

	#validate<S extends z.ZodType>(schema: S, answer: Answer): z.output<S> {
		const parsed = schema.safeParse(answer.reply);
		if (parsed.success) return parsed.data;
		const issue = parsed.error.issues[0]!;
		const field = issue.path.join('.') || '(reply)';
		throw new DriverError('protocol', `${answer.label}: the hook's reply does not follow the protocol: ${outsideText(field, 100)}: ${issue.message}${answer.stderr}`, {detail: answer.raw});
	}

	async #call(op: Op, desired: number | null, opts: CallOpts): Promise<Answer> {
		const {command, shell, timeoutMs, cwd} = this.settings;
		const request: HookRequest = {protocol: 1, op, service: this.#service, desired, tier: opts.context?.tier ?? null, deployment: opts.context?.deployment ?? null};
		const label = `exec hook ${op}${desired === null ? '' : ` ${desired}%`}`;
		const outcome = await bounded(opts.signal, timeoutMs, label, signal =>
			runProcess(
				{
					file: shell ? '/bin/sh' : command[0]!,
					args: shell ? ['-c', command[0]!] : command.slice(1),
					env: this.#env(op),
					...(cwd === undefined ? {} : {cwd}),
					maxStdout: HOOK_LIMITS.stdout,
					maxStderr: HOOK_LIMITS.stderr,
					killGraceMs: HOOK_LIMITS.killGraceMs,
				},
				`${JSON.stringify(request)}\n`,
				signal,
			),
		);
		const stderr = stderrOf(outcome);
		return {reply: this.#interpret(label, outcome, stderr), raw: outsideText(outcome.stdout.trim()), label, stderr};
	}

	#env(op: Op): Record<string, string> {
		const env: Record<string, string> = {};
		for (const name of INHERITED) if (process.env[name] !== undefined) env[name] = process.env[name]!;
		return {...env, ...this.settings.env, CALYX_HOOK_OP: op, CALYX_SERVICE: this.#service};
	}

	/** The outcome as a parsed reply, or the failure it is, with the hook's stderr in the reason. */
	#interpret(label: string, o: ProcessOutcome, stderr: string): unknown {
		const program = outsideText(this.settings.command[0]!, 200);
		if (o.spawnError) {
			const code = o.spawnError.code === 'ENOENT' ? 'unreachable' : 'settings';
			const why = o.spawnError.code === 'ENOENT' ? 'not found' : o.spawnError.code === 'EACCES' ? 'not executable' : o.spawnError.message;
			throw new DriverError(code, `${label}: ${program}: ${outsideText(why, 200)}`, {cause: o.spawnError});
		}
		if (o.killed?.why === 'aborted') {
			const reason = o.killed.reason instanceof DriverError ? o.killed.reason : new DriverError('aborted', `${label}: cancelled by the caller`);
			throw new DriverError(reason.code, `${reason.message} (the hook was killed)${stderr}`);
		}
		if (o.killed?.why === 'oversized') throw new DriverError('protocol', `${label}: the hook wrote more than ${HOOK_LIMITS.stdout} bytes on stdout (killed)${stderr}`);
		if (o.signal) throw new DriverError('rejected', `${label}: the hook was killed by ${o.signal}${stderr}`);
		// EX_TEMPFAIL (75), by sysexits.h's convention: "try again later", so a retry may help.
		if (o.exitCode === EX_TEMPFAIL) throw new DriverError('unreachable', `${label}: the hook exited with status 75 (temporary failure)${stderr}`);
		if (o.exitCode !== 0) throw new DriverError('rejected', `${label}: the hook exited with status ${o.exitCode}${stderr}`);
		const text = o.stdout.trim();
		try {
			return JSON.parse(text);
		} catch {
			const shown = text === '' ? 'nothing' : `"${outsideText(text, 300)}"`;
			throw new DriverError('protocol', `${label}: the hook's reply is not one JSON document (it wrote ${shown})${stderr}`);
		}
	}
}
