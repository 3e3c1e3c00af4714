import {safeJson} from '../../core/text.js';
import type {AnchorReport, VerifyReport} from '../../store/api.js';
import {describeBinding} from '../../core/trust-binding.js';

type Contradiction = AnchorReport['contradicted'][number];

const short = (hash: string) => `${hash.slice(0, 12)}…`;

/** Which head was vouched for, by what, when, and what the chain says now. */
export function contradictionLine(c: Contradiction): string {
	const by = c.source === 'checkpoint' ? `a checkpoint signed by ${c.signer?.slice(0, 16)}…` : `a witness (${c.by ?? 'seen'})`;
	const now = c.current === null ? 'the trail no longer reaches that seq' : `the chain now has ${short(c.current)} there`;
	return `seq ${c.seq} was ${short(c.hash)} per ${by} at ${c.at} (${c.file}); ${now}`;
}

const earlierLine = (what: string, names: readonly string[], effect: string) =>
	`${what} signed under a trust the store was rebound from, not by this trust's admins (${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}): as the trail says, but they ${effect}`;

/** `audit verify` as text: the chain first, then what vouched for its head. */
export function verifyText(report: VerifyReport): string {
	const lines: string[] = [];
	const w = report.witnesses;
	if (report.headUnchecked) {
		lines.push(`AUDIT HEAD NOT CHECKED: the chain links through ${report.count} events, but the head state.json records could not be read, so a truncated or rewritten tail would go unseen: ${report.headUnchecked}`);
	} else if (report.firstBad) {
		const {line, seq, reason} = report.firstBad;
		lines.push(`AUDIT TRAIL BROKEN at line ${line}${seq !== undefined ? ` (seq ${seq})` : ''}: ${reason}`);
	} else if (report.ok) {
		const vouched = w && w.checked > 0 ? `; ${w.checked} witnessed heads and checkpoints agree` : '; no witness or checkpoint of it to check against yet';
		lines.push(`audit trail intact: ${report.count} events, chain verified${vouched}`);
	} else {
		const witnessed = (w?.contradicted.length ?? 0) + (w?.forged.length ?? 0) > 0;
		lines.push(`audit trail chain verified: ${report.count} events, but ${witnessed ? 'not what was witnessed of it' : 'not the key registry, service definitions, configuration or archive it vouches for'}`);
	}
	if (w && w.contradicted.length > 0) {
		const more = w.contradicted.length > 1 ? ` (and ${w.contradicted.length - 1} more witnessed heads or checkpoints)` : '';
		lines.push(`AUDIT TRAIL CONTRADICTS A WITNESSED HEAD${more}: ${contradictionLine(w.contradicted[0]!)}: the trail was rewritten since`);
	}
	for (const f of w?.forged ?? []) lines.push(`FORGED CHECKPOINT in ${f.file}: ${f.reason}`);
	const bound = report.binding;
	if (bound && !bound.thisTrust) {
		lines.push(`BOUND TO ANOTHER TRUST: the trail binds this store to ${describeBinding(bound)}, not to this process's trust: what was signed under it is checked here under this one (run with its file to check it)`);
	}
	if (report.ignored?.length) {
		lines.push('TRUST EVENTS THE TRAIL DOES NOT HOLD TO (calyx writes none such: appended by hand?):', ...report.ignored.map(e => `  audit seq ${e.seq}: ${e.why}`));
	}
	const keys = report.registry;
	if (keys?.earlier?.length) lines.push(earlierLine(`${keys.earlier.length} key(s)`, keys.earlier, 'sign nothing under this trust (their holders need new key ids)'));
	const servicesEarlier = report.services?.earlier;
	if (servicesEarlier?.length) lines.push(earlierLine(`${servicesEarlier.length} service definition(s)`, servicesEarlier, 'start nothing under this trust'));
	if (keys && keys.differences.length > 0) {
		lines.push('KEY REGISTRY DIFFERS FROM THE AUDIT TRAIL:', ...keys.differences.map(d => `  ${d.keyId}: ${d.problem}`));
	} else if (keys && report.ok) lines.push(`${keys.keys} keys match the trail's signed statements`);
	const services = report.services;
	if (services && services.differences.length > 0) {
		lines.push('SERVICE DEFINITIONS DIFFER FROM THE AUDIT TRAIL:', ...services.differences.map(d => `  ${d.service}: ${d.problem}`));
	} else if (services && services.count > 0 && report.ok) lines.push(`${services.count} service definitions match the trail's signed statements`);
	const config = report.config;
	if (config && config.differences.length > 0) {
		lines.push('CONFIGURATION DIFFERS FROM THE AUDIT TRAIL:', ...config.differences.map(d => `  ${d.setting}: ${d.problem}`));
	} else if (config?.recorded !== undefined && report.ok) lines.push(`configuration matches the trail's record of it (audit seq ${config.recorded})`);
	const archive = report.archive;
	if (archive && archive.differences.length > 0) {
		lines.push('ARCHIVE DIFFERS FROM THE AUDIT TRAIL:', ...archive.differences.slice(0, 20).map(d => `  ${d.id ?? 'archive'}: ${d.problem}`));
		if (archive.differences.length > 20) lines.push(`  … and ${archive.differences.length - 20} more`);
	} else if (archive && archive.records > 0 && report.ok) lines.push(`${archive.records} archived records match the trail's archiving events`);
	return lines.join('\n');
}

/** One line for syslog or a ticket: a tag, then the signed checkpoint as compact JSON (that parses to exactly what was signed). */
export const checkpointLine = (checkpoint: object) => `calyx-checkpoint ${safeJson(checkpoint)}`;
