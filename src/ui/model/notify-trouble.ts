import {displayText} from '../../core/text.js';
import type {SinkTrouble} from '../../drivers/notify/index.js';
import {clockTime} from './format.js';

// A sink's name comes from the config and its error from a delivery that read another server's
// answer: escaped, and bounded so that one line still fits the rest of the header.
const SINK_MAX = 40;
const ERROR_MAX = 80;

/**
 * `notify: sink slack failing since 03:12:04 UTC (the sink answered HTTP 503), 3 undelivered`, one
 * clause per failing sink; undefined while every sink takes its messages.
 */
export function notifyTroubleText(troubles: readonly SinkTrouble[], now: number): string | undefined {
	if (troubles.length === 0) return undefined;
	const clauses = troubles.map(t => `sink ${displayText(t.sink, SINK_MAX)} failing since ${clockTime(new Date(t.since).toISOString(), now)} (${displayText(t.error, ERROR_MAX)}), ${t.undelivered} undelivered`);
	return `notify: ${clauses.join('; ')}`;
}
