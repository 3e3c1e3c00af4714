/**
 * What in a service definition only this box reaches. With an etcd store, engines on several
 * boxes take turns leading, and whichever leads drives every target: a router behind a UNIX socket,
 * a hook installed under someone's home directory, a Prometheus on 127.0.0.1 answer the leader on
 * this box and nobody else, so a takeover by another box's engine would steer nothing, or read
 * another box's numbers. With a data directory the engine runs here, and none of this applies.
 *
 * A judgement on the definition's text only: no file is looked at, nothing is asked.
 */
import {isIP} from 'node:net';
import {isAbsolute} from 'node:path';
import type {ServiceDefinition} from '../../core/model/index.js';

/** One field reached from this box only: the field, and what to use instead. */
export interface BoxLocal {
	field: string;
	message: string;
}

const ANY_BOX = 'with an etcd store any box may lead';

/** 127.0.0.0/8, ::1, localhost (and *.localhost): each box's own. 0.0.0.0 is "this host" too. */
function loopback(url: string): string | undefined {
	if (!URL.canParse(url)) return undefined;
	const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
	const local =
		host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0.0.0.0' || host === '::' || (isIP(host) === 4 && host.startsWith('127.')) || /^::ffff:127\./.test(host);
	return local ? host : undefined;
}

/** Directories that are one person's or one boot's: a program there is unlikely to be at the same path on every box. */
function personalDir(path: string, home: string | undefined): string | undefined {
	if (home && home !== '/' && (path === home || path.startsWith(`${home.replace(/\/$/, '')}/`))) return 'a home directory';
	if (/^\/(home|Users)\/[^/]+\//.test(path) || path.startsWith('/root/')) return 'a home directory';
	if (/^\/(tmp|var\/tmp|dev\/shm|run\/user)\//.test(path)) return 'a temporary directory';
	return undefined;
}

/** A hook (target or exec sanity check): its program and its working directory. */
function hookFindings(settings: Record<string, unknown>, at: string, home: string | undefined): BoxLocal[] {
	const out: BoxLocal[] = [];
	const command = settings.command as string[] | undefined;
	const program = command?.[0];
	// A shell script is text, not a path: what it runs is its own business.
	if (program && settings.shell !== true) {
		if (program.includes('/') && !isAbsolute(program)) {
			out.push({field: `${at}.command[0]`, message: `${program} is a relative path: each box's engine would look for it from where it started; ${ANY_BOX}: install the hook at the same absolute path on every box (e.g. /usr/local/libexec/calyx/)`});
		} else {
			const where = personalDir(program, home);
			if (where) out.push({field: `${at}.command[0]`, message: `${program} is under ${where}: most likely on this box only; ${ANY_BOX}: install the hook at the same path on every box (e.g. /usr/local/libexec/calyx/)`});
		}
	}
	const cwd = settings.cwd as string | undefined;
	const cwdWhere = cwd ? personalDir(cwd, home) : undefined;
	if (cwd && cwdWhere) out.push({field: `${at}.cwd`, message: `${cwd} is under ${cwdWhere}: most likely on this box only; ${ANY_BOX}: use a directory that exists on every box`});
	return out;
}

const addressFinding = (field: string, url: string, what: string): BoxLocal[] => {
	const host = loopback(url);
	return host ? [{field, message: `${url} is this box's own address (${host}): a leader on another box would ask itself; ${ANY_BOX}: give ${what} an address every box reaches`}] : [];
};

/** Each field of `definition` reached from this box only, in the definition's order. */
export function boxLocalFields(definition: ServiceDefinition, home: string | undefined): BoxLocal[] {
	const t = definition.target as Record<string, unknown>;
	const out: BoxLocal[] = [];
	if (t.kind === 'haproxy') {
		const socket = String(t.socket);
		if (!/^ipv[46]@/.test(socket)) {
			out.push({
				field: 'target.socket',
				message: `unix socket ${socket} is reachable from this box only; ${ANY_BOX}, and one on another box could not steer this HAProxy: use its stats socket over TCP, which every box reaches ("socket": "ipv4@10.0.0.5:9999", with "stats socket ipv4@10.0.0.5:9999 level admin" in HAProxy)`,
			});
		}
		if (t.config !== undefined) {
			out.push({field: 'target.config', message: `${String(t.config)} is this box's file: a leader on another box would write the weights into its own copy, or fail; ${ANY_BOX}: leave "config" out (the split then lives in HAProxy's runtime)`});
		}
	} else if (t.kind === 'exec') {
		out.push(...hookFindings(t, 'target', home));
	}
	for (const [i, entry] of (definition.sanity ?? []).entries()) {
		const check = entry.check as Record<string, unknown>;
		if (check.kind === 'exec') out.push(...hookFindings(check, `sanity[${i}].check`, home));
		else if (check.kind === 'http' && typeof check.url === 'string') out.push(...addressFinding(`sanity[${i}].check.url`, check.url, 'the check'));
	}
	const prometheus = definition.metrics?.source === 'prometheus' ? definition.metrics.prometheus?.address : undefined;
	if (prometheus) out.push(...addressFinding('metrics.prometheus.address', prometheus, 'Prometheus'));
	return out;
}
