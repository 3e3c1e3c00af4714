import {displayText} from '../../core/text.js';
import type {Reachability} from '../../store/api.js';
import {clockTime} from './format.js';

const ERROR_MAX = 80;

/**
 * `store: the etcd cluster does not answer since 03:12:04 UTC: shown as of then, no engine here
 * decides (http://10.0.0.1:2379, … : no answer in time)`: what matters first, as a narrow header cuts
 * the end; undefined while it answers. The endpoints and the client's error: escaped, bounded.
 */
export function storeTroubleText(r: Reachability, now: number): string | undefined {
	if (r.reachable) return undefined;
	return `store: the etcd cluster does not answer since ${clockTime(new Date(r.since).toISOString(), now)}: shown as of then, no engine here decides (${displayText(r.endpoints, 120)}: ${displayText(r.error, ERROR_MAX)})`;
}
