import {displayText} from '../../core/text.js';
import type {Reachability} from '../../store/api.js';
import {clockTime} from './format.js';

const ERROR_MAX = 80;

/**
 * `store: the etcd cluster at … does not answer since 03:12:04 UTC (…): what is shown is as of then,
 * and no engine here decides`; undefined while it answers. The error is the client's: escaped, bounded.
 */
export function storeTroubleText(r: Reachability, now: number): string | undefined {
	if (r.reachable) return undefined;
	return `store: the etcd cluster at ${displayText(r.endpoints, 120)} does not answer since ${clockTime(new Date(r.since).toISOString(), now)} (${displayText(r.error, ERROR_MAX)}): what is shown is as of then, and no engine here decides`;
}
