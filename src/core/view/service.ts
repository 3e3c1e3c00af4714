import {hideHeaderValues} from './hidden-headers.js';
import {canonicalJson} from '../canonical.js';
import type {SanityEntry, ServiceDefinition, ServiceRecord, State} from '../model/index.js';
import {definitionDigest, serviceRecordOf, serviceVerdict} from '../service.js';
import type {Trust} from '../trust.js';

/**
 * A service definition in words, as a cosigner reads it before signing and `lease show` prints it.
 * Core holds the settings as data (the drivers give them meaning), so this reads the fields each
 * kind is known to have and falls back to the JSON for anything else: nothing signed is left out.
 */
export interface ServiceSummary {
	name: string;
	/** The definition's digest (what the lease signs); absent when the service has none. */
	digest?: string;
	/** One line: the target and its key settings, or that there is no definition. */
	target: string;
	/** One line per sanity check, with the tiers it runs at. */
	sanity: string[];
	/** The metrics source as JSON, when the definition names one. */
	metrics?: string;
	/** Why the definition does not verify under this trust, when it does not. */
	problem?: string;
}

export const NO_DEFINITION = 'no service definition: simulated target';

const text = (v: unknown) => (typeof v === 'string' ? v : canonicalJson(v ?? null));
const words = (v: unknown) => (Array.isArray(v) ? v.map(text).join(' ') : text(v));

/** The settings a summary line does not name, as JSON: `{"x":1}`, or '' when every one was named. */
function rest(settings: Record<string, unknown>, named: readonly string[]): string {
	const left = Object.fromEntries(Object.entries(settings).filter(([k]) => k !== 'kind' && !named.includes(k)));
	return Object.keys(left).length > 0 ? ` ${canonicalJson(left)}` : '';
}

function commandLine(s: Record<string, unknown>): string {
	const env = s.env && typeof s.env === 'object' ? Object.entries(s.env).map(([k, v]) => `${k}=${text(v)}`) : [];
	return [
		`exec ${words(s.command)}`,
		s.shell === true ? ' (a /bin/sh script)' : '',
		s.cwd !== undefined ? ` in ${text(s.cwd)}` : '',
		env.length > 0 ? ` env ${env.join(' ')}` : '',
		s.timeoutMs !== undefined ? `, timeout ${text(s.timeoutMs)} ms` : '',
		rest(s, ['command', 'shell', 'cwd', 'env', 'timeoutMs']),
	].join('');
}

export function targetLine(target: ServiceDefinition['target']): string {
	const t = target as Record<string, unknown>;
	switch (target.kind) {
		case 'simulated':
			return 'simulated target';
		case 'haproxy': {
			const servers = (t.servers ?? {}) as Record<string, unknown>;
			return [
				`haproxy backend ${text(t.backend)} servers ${text(servers.stable)}/${text(servers.canary)} via ${text(t.socket)}`,
				t.config !== undefined ? `, weights kept in ${text(t.config)}` : '',
				t.timeoutMs !== undefined ? `, timeout ${text(t.timeoutMs)} ms` : '',
				rest(t, ['backend', 'servers', 'socket', 'config', 'timeoutMs']),
			].join('');
		}
		case 'exec':
			return commandLine(t);
	}
}

export function sanityLine(entry: SanityEntry): string {
	const tiers = entry.tiers ? entry.tiers.map(p => `${p}%`).join(', ') : 'every tier';
	const c = entry.check as Record<string, unknown>;
	const check =
		c.kind === 'http'
			? `GET ${text(c.url)} answers 2xx${c.timeoutMs !== undefined ? ` within ${text(c.timeoutMs)} ms` : ''}${rest(c, ['url', 'timeoutMs'])}`
			: c.kind === 'exec'
				? `${commandLine(c)} (its sanity op)`
				: `${text(c.kind)}${rest(c, [])}`;
	return `${tiers}: ${check}`;
}

export function definitionSummary(definition: ServiceDefinition): Omit<ServiceSummary, 'problem'> {
	return {
		name: definition.name,
		digest: definitionDigest(definition),
		target: targetLine(definition.target),
		sanity: (definition.sanity ?? []).map(sanityLine),
		...(definition.metrics ? {metrics: canonicalJson(hideHeaderValues(definition.metrics))} : {}),
	};
}

/** The record's definition (what a lease on it signs), and whether its statements verify under `trust`. */
export function recordSummary(record: ServiceRecord, trust: Trust): ServiceSummary {
	const verdict = serviceVerdict(trust, record);
	return {...definitionSummary(record.definition), name: record.name, ...(verdict.ok ? {} : {problem: verdict.reason.message})};
}

/** What a lease on `name` signs about its service right now. */
export function serviceSummary(state: Pick<State, 'services'>, trust: Trust, name: string): ServiceSummary {
	const record = serviceRecordOf(state, name);
	return record ? recordSummary(record, trust) : {name, target: NO_DEFINITION, sanity: []};
}
