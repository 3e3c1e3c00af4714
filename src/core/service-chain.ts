import {SignedServiceStatement, type ServiceRecord} from './model/index.js';
import type {KeyEvent} from './registry-chain.js';
import {foldServiceStatements, recordEdited} from './service.js';
import {statementDigest, type Trust} from './trust.js';
import type {TrustEras} from './trust-eras.js';

export interface ServiceDifference {
	service: string;
	problem: string;
}

/**
 * The service definitions as the audit trail tells them: each service's statements, in the order
 * they were committed. A record only proves what it holds; what it lacks (a definition deleted by
 * hand, which would put the service back on the simulator) only the trail can show.
 */
export function serviceChain(events: Iterable<KeyEvent>): Map<string, SignedServiceStatement[]> {
	const byService = new Map<string, SignedServiceStatement[]>();
	for (const e of events) {
		if (e.kind !== 'service.applied') continue;
		const parsed = SignedServiceStatement.safeParse(e.data.statement);
		if (!parsed.success) continue;
		const name = parsed.data.statement.name;
		byService.set(name, [...(byService.get(name) ?? []), parsed.data]);
	}
	return byService;
}

const digests = (list: readonly SignedServiceStatement[]) => list.map(s => statementDigest(s.statement)).join();

/** Every service where the document and the trail disagree, and how; empty when they agree. */
export function serviceDifferences(trust: Trust, chain: Map<string, SignedServiceStatement[]>, services: readonly ServiceRecord[], eras?: Pick<TrustEras, 'of'>): ServiceDifference[] {
	const out: ServiceDifference[] = [];
	for (const record of services) {
		const fromChain = chain.get(record.name);
		if (!fromChain) {
			out.push({service: record.name, problem: 'in the document, but no statement of it is in the audit trail (inserted by hand?)'});
			continue;
		}
		if (digests(record.statements) !== digests(fromChain)) {
			out.push({service: record.name, problem: `its ${record.statements.length} statement(s) in the document are not the ${fromChain.length} of the audit trail`});
			continue;
		}
		const folded = foldServiceStatements(trust, record.name, fromChain, eras?.of);
		const edited = folded.ok ? recordEdited(record, folded) : undefined;
		if (!folded.ok) out.push({service: record.name, problem: `its statements in the trail do not verify under ${eras ? 'the trust each was committed under' : trust.source}`});
		else if (edited && !edited.ok) out.push({service: record.name, problem: edited.reason.message});
	}
	for (const name of chain.keys()) {
		if (!services.some(s => s.name === name)) out.push({service: name, problem: 'applied in the audit trail, but missing from the document (deleted by hand? it would run on the simulator)'});
	}
	return out;
}
