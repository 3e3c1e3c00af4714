import {z} from 'zod';
import {EnvRef, FileRef} from './metrics-source.js';

/**
 * Where the engine leader tells people that a canary needs them (config `notify`): webhook sinks,
 * each with the events it wants and the least severity. Plain data: src/drivers/notify sends.
 */

/** What a sink may ask for, in the words the config uses. */
export const NOTIFY_EVENTS = ['halted', 'rolled_back', 'rollback_failed', 'awaiting_cosign', 'deadline_near', 'completed'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * Fixed per event, so that a sink's minimum means the same everywhere: critical waits for a person
 * with traffic at stake (a halt, a rollback that did not verify); warning asks for a person soon or
 * says the canary is over badly; info is a canary that completed.
 */
export const SEVERITY_OF: Record<NotifyEvent, Severity> = {
	halted: 'critical',
	rollback_failed: 'critical',
	rolled_back: 'warning',
	awaiting_cosign: 'warning',
	deadline_near: 'warning',
	completed: 'info',
};

export const SINK_KINDS = ['webhook', 'slack'] as const;

const oneOf = (values: readonly string[]) => ({error: `must be one of ${values.join(', ')}`});

/** An address written into the config is shown by `config show` and kept in the data directory: no credentials in it. */
const PlainUrl = z
	.string()
	.max(2048)
	.refine(a => URL.canParse(a) && /^https?:$/.test(new URL(a).protocol), 'an http:// or https:// address')
	.refine(a => !URL.canParse(a) || (new URL(a).username === '' && new URL(a).password === '' && new URL(a).search === ''), 'must not carry credentials (user:password@ or a ?query): give the address by reference, {env: NAME} or {file: /path}');

export const Sink = z
	.object({
		/** `webhook`: calyx's JSON document; `slack`: a Slack-compatible incoming webhook (`{"text": …}` in mrkdwn). */
		kind: z.enum(SINK_KINDS, oneOf(SINK_KINDS)),
		/** Plain for an address without credentials; a reference, read when the engine sends, for a secret one (every Slack webhook). */
		url: z.union([PlainUrl, EnvRef, FileRef], {error: 'an http(s) address, or where the engine finds it: {env: NAME} or {file: /absolute/path}'}),
		events: z.array(z.enum(NOTIFY_EVENTS, oneOf(NOTIFY_EVENTS))).min(1).max(NOTIFY_EVENTS.length),
		minSeverity: z.enum(SEVERITIES, oneOf(SEVERITIES)).default('info'),
	})
	.strict()
	.refine(s => s.kind !== 'slack' || typeof s.url !== 'string', {
		message: 'a Slack webhook address is a secret (anyone who has it posts to the channel): give it by reference, {env: NAME} or {file: /absolute/path}',
		path: ['url'],
	});
export type Sink = z.infer<typeof Sink>;

export const SINK_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

export const NotifyConfig = z
	.object({
		sinks: z.record(z.string(), Sink).default({}),
		/** How long before a second key's deadline (a lease's, a tier request's) `deadline_near` is sent. */
		deadlineNearMs: z.number().int().min(60_000, 'at least 1m').max(24 * 3_600_000, 'at most 24h').default(10 * 60_000),
	})
	.strict()
	.superRefine((n, ctx) => {
		for (const name of Object.keys(n.sinks)) {
			if (!SINK_NAME.test(name)) ctx.addIssue({code: 'custom', path: ['sinks', name], message: 'a sink name is a letter, then letters, digits, "_" or "-" (at most 32)'});
		}
	});
export type NotifyConfig = z.infer<typeof NotifyConfig>;
