/**
 * A Prometheus source's headers as they are sent: plain values as written, credentials read when
 * the engine asks (an environment variable of its process, or a file of its host), so a secret is
 * in neither the definition, the data directory nor the audit trail. A problem names the header and
 * where its value should be, never the value.
 */
import {lstat, readFile} from 'node:fs/promises';
import type {HeaderValue} from '../../core/model/index.js';
import type {PrometheusSettings} from './prometheus.js';

/** A credential is a line, not a document: a larger file is the wrong file. */
const FILE_MAX = 16 * 1024;

export type ResolvedSettings = {ok: true; settings: PrometheusSettings} | {ok: false; problem: string};

/** Who needs a credential's environment variable: named when it is missing. */
const PROMETHEUS_READERS = 'every engine or console that may lead, and every shell that starts a canary, needs it';

/**
 * A value as it is used: plain text as written, a reference read now. `what` names it in a problem
 * (`header Authorization`, `sink ops url`), and `who` says which processes need an env variable.
 */
export async function resolveReference(what: string, value: HeaderValue, env: NodeJS.ProcessEnv, who = PROMETHEUS_READERS): Promise<{value: string} | {problem: string}> {
	if (typeof value === 'string') return {value};
	if ('env' in value) {
		const found = env[value.env];
		return found ? {value: found.trim()} : {problem: `${what}: the environment variable ${value.env} is not set in this process (pid ${process.pid}): ${who}`};
	}
	try {
		const stat = await lstat(value.file);
		if (!stat.isFile()) return {problem: `${what}: ${value.file} is not a regular file`};
		if (stat.size > FILE_MAX) return {problem: `${what}: ${value.file} is ${stat.size} bytes: a credential file holds at most ${FILE_MAX}`};
		const text = (await readFile(value.file, 'utf8')).trim();
		if (text === '' || /[\r\n\0]/.test(text)) return {problem: `${what}: ${value.file} must hold one line`};
		return {value: text};
	} catch (error) {
		return {problem: `${what}: ${value.file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`};
	}
}

/** The settings a query is sent with: the address, the timeout, every header resolved (or the first that cannot be). */
export async function resolveSettings(source: {address: string; headers?: Record<string, HeaderValue>; timeoutMs: number}, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedSettings> {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(source.headers ?? {})) {
		const resolved = await resolveReference(`header ${name}`, value, env);
		if ('problem' in resolved) return {ok: false, problem: resolved.problem};
		headers[name] = resolved.value;
	}
	return {ok: true, settings: {address: source.address, ...(source.headers ? {headers} : {}), timeoutMs: source.timeoutMs}};
}
