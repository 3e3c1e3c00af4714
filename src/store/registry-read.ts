import {chainStatements, registryDifferences, type KeyEvent} from '../core/registry-chain.js';
import {serviceChain, serviceDifferences} from '../core/service-chain.js';
import type {State} from '../core/model/index.js';
import {statementProblem, type AnySignedStatement, type Trust} from '../core/trust.js';
import {trustEras} from '../core/trust-eras.js';
import {configAgainst, lastConfigRecord} from '../core/config-record.js';
import {blocks} from './lines.js';

/** The kinds of event whose statements the document's registries must match, and those that record its configuration. */
const NEEDLES = [Buffer.from('"kind":"key.'), Buffer.from('"kind":"service.'), Buffer.from('"kind":"store.trust_bound"'), Buffer.from('"kind":"trust.rebound"'), Buffer.from('"kind":"config.changed"')];

/** Where the next event line of a wanted kind starts in `buf` at or after `from`, or -1. */
function nextHit(buf: Buffer, from: number): number {
	let first = -1;
	for (const needle of NEEDLES) {
		const at = buf.indexOf(needle, from);
		if (at >= 0 && (first < 0 || at < first)) first = at;
	}
	return first;
}

/**
 * The key and service events of the audit trail up to `throughSeq`, read without parsing the other
 * lines: a trail of a million events holds a handful of them, and only those lines are parsed.
 */
export async function keyEvents(path: string, throughSeq = Number.MAX_SAFE_INTEGER): Promise<KeyEvent[]> {
	const out: KeyEvent[] = [];
	for await (const {buf, torn} of blocks(path)) {
		if (torn) break;
		for (let at = nextHit(buf, 0); at >= 0; at = nextHit(buf, at + 1)) {
			const start = buf.lastIndexOf(10, at) + 1;
			const end = buf.indexOf(10, at);
			let event: KeyEvent;
			try {
				event = JSON.parse(buf.toString('utf8', start, end < 0 ? buf.length : end)) as KeyEvent;
			} catch {
				continue;
			}
			if (event.seq > throughSeq) return out;
			out.push(event);
			if (end < 0) break;
			at = end;
		}
	}
	return out;
}

/**
 * The document's keys against those the trail's statements register (core/registry-chain.ts), and
 * its service definitions against those the trail's statements applied (core/service-chain.ts),
 * and its configuration against the last the trail recorded (core/config-record.ts), for `audit verify`.
 */
export async function registryAgainstTrail(auditPath: string, trust: Trust, state: State, throughSeq: number) {
	const events = await keyEvents(auditPath, throughSeq);
	const services = state.services ?? [];
	// Each statement under the trust it was committed under: before a rebind, the trust it moved from.
	const eras = trustEras(events, trust);
	// Records an earlier trust's admins signed that this trust does not verify: no difference, but they sign nothing now.
	const earlier = <T extends {statements?: readonly AnySignedStatement[]}>(records: readonly T[], name: (r: T) => string) =>
		records.filter(r => r.statements?.some(s => eras.earlier(s) && statementProblem(trust, s) !== undefined)).map(name);
	return {
		registry: {keys: state.keys.length, differences: registryDifferences(trust, chainStatements(events), state.keys, eras), earlier: earlier(state.keys, k => k.id)},
		services: {count: services.length, differences: serviceDifferences(trust, serviceChain(events), services, eras), earlier: earlier(services, s => s.name)},
		binding: eras.binding ? {...eras.binding, thisTrust: eras.bound} : undefined,
		ignored: eras.ignored,
		config: configAgainst(lastConfigRecord(events), state.config),
	};
}
