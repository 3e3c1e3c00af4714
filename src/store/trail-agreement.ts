import type {State} from '../core/model/index.js';
import type {Trust} from '../core/trust.js';
import type {VerifyReport} from './api.js';
import {verifyArchive} from './archive-verify.js';
import type {StorePaths} from './paths.js';
import {registryAgainstTrail} from './registry-read.js';

/** What the document and the archive hold, against what the trail's events say they should (through the head). */
export async function trailAgreement(
	paths: StorePaths,
	trust: Trust,
	state: State,
	head: {rev: number; auditHead: {seq: number}},
): Promise<Required<Pick<VerifyReport, 'registry' | 'services' | 'archive' | 'config'>> & Pick<VerifyReport, 'binding' | 'ignored'> & {agrees: boolean}> {
	const {registry, services, binding, ignored, config} = await registryAgainstTrail(paths.audit, trust, state, head.auditHead.seq);
	// An archive that cannot be read through is a difference, reported with the rest: never a pass.
	const archive = await verifyArchive(paths, head.rev).catch((error: unknown) => ({records: 0, differences: [{problem: error instanceof Error ? error.message : String(error)}]}));
	const agrees = [registry, services, archive, config].every(r => r.differences.length === 0) && ignored.length === 0;
	return {registry, services, archive, config, ...(binding ? {binding} : {}), ...(ignored.length > 0 ? {ignored} : {}), agrees};
}
