/**
 * Building blocks of the targets' settings schemas, and the one way they are parsed: an invalid
 * setting is a `settings` DriverError naming the field and what it allows (`servers.canary: a plain
 * name …`), so `calyx service apply` can print it and exit 2 with nothing registered.
 */
import {isAbsolute} from 'node:path';
import {z} from 'zod';
import {findControl} from '../../core/text.js';
import {DriverError, outsideText} from './driver.js';

/**
 * A name that goes into a text protocol (HAProxy's runtime API is one line, space-separated): the
 * characters HAProxy allows in proxy and server names, and nothing that could end or split a command.
 */
export const Identifier = z
	.string()
	.regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/, 'must be a plain name of 1–64 characters: letters, digits, "_", ".", ":", "-" (no spaces, no control characters)');

const noControl = (s: string) => findControl(s) === undefined;

export const AbsolutePath = z
	.string()
	.min(1)
	.refine(noControl, 'must not contain a control character')
	.refine(isAbsolute, 'must be an absolute path (relative to what? the engine may run anywhere)');

/** sun_path holds 108 bytes with its terminating NUL on Linux: a longer socket path cannot be connected. */
export const SocketPath = AbsolutePath.refine(p => Buffer.byteLength(p) <= 107, 'is longer than the 107 bytes a UNIX socket path may have');

/**
 * Where HAProxy's runtime API listens: its admin UNIX socket (a path), or its stats socket over TCP
 * in HAProxy's own syntax (`ipv4@10.0.0.5:9999`, `ipv6@[fd00::5]:9999`), which every box that may
 * lead an etcd store reaches.
 */
export const RUNTIME_TCP = /^(?:ipv4@([A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))|ipv6@\[([0-9A-Fa-f:.]{2,45})\]):(\d{1,5})$/;
export const RuntimeAddress = z.string().superRefine((address, ctx) => {
	if (/^ipv[46]@/.test(address)) {
		const port = Number(RUNTIME_TCP.exec(address)?.[3]);
		if (!RUNTIME_TCP.test(address)) ctx.addIssue({code: 'custom', message: "must be ipv4@host:port or ipv6@[address]:port (HAProxy's stats socket over TCP)"});
		else if (!(port >= 1 && port <= 65535)) ctx.addIssue({code: 'custom', message: 'has a port out of 1–65535'});
		return;
	}
	// A path: the UNIX socket's own rules, in their own words.
	const path = SocketPath.safeParse(address);
	if (!path.success) ctx.addIssue({code: 'custom', message: path.error.issues[0]!.message});
});

/** A bound on one call: long enough for a slow router, short enough to stay under an engine tick. */
export const TimeoutMs = (fallback: number) => z.number().int().min(10, 'must be at least 10 ms').max(120_000, 'must be at most 120000 ms (2 minutes)').default(fallback);

/** `a.b[2]` from a zod issue path. */
const fieldOf = (path: ReadonlyArray<PropertyKey>) =>
	path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '') || '(settings)';

/** Parses `input` against `schema`, or throws a `settings` DriverError naming the first wrong field. */
export function parseSettings<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
	const parsed = schema.safeParse(input);
	if (parsed.success) return parsed.data;
	const issue = parsed.error.issues[0]!;
	// A record's bad key says only "Invalid key in record"; the key schema's own words are nested.
	const inner = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
	throw new DriverError('settings', outsideText(`${what} settings: ${fieldOf(issue.path)}: ${inner ?? issue.message}`, 500));
}
