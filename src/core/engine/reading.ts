import {z} from 'zod';
import {ms} from '../clock.js';
import {invalid, refused} from '../errors.js';
import {Split, TargetKind} from '../model/index.js';
import {textProblem} from '../text.js';
import {READING_MAX_AGE_MS, splitTextProblem, type TargetReading} from '../target.js';

const Reading = z.object({kind: TargetKind, split: Split, load: z.number().min(0).max(1000).optional(), at: z.iso.datetime({offset: true}), metrics: z.object({ok: z.boolean(), detail: z.string().max(600)}).strict().optional()}).strict();

/** The target reading a start carries, validated, and fresh enough to snapshot. */
export function readingOf(raw: unknown, now: number): TargetReading {
	const parsed = Reading.safeParse(raw);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw invalid('INVALID_READING', `reading.${issue.path.join('.') || '(all)'}: ${issue.message} (read the target first: calyx canary start reads it for you)`);
	}
	// The versions are the target's words: held to the rules of any text stored (they go into the snapshot).
	const problem = splitTextProblem(parsed.data.split) ?? (parsed.data.metrics ? textProblem(parsed.data.metrics.detail, 600) : undefined);
	if (problem) throw invalid('INVALID_READING', `reading.split.${problem}`);
	const age = now - ms(parsed.data.at);
	if (Math.abs(age) > READING_MAX_AGE_MS) {
		// A reading dated ahead of the engine's clock is as unusable: it cannot say which moment it describes.
		const when = age >= 0 ? `was read ${Math.round(age / 1000)} s ago` : `reading is dated ${Math.round(-age / 1000)} s ahead of the engine's clock`;
		throw refused('STALE_READING', `the target ${when}: a snapshot must be at most ${READING_MAX_AGE_MS / 1000} s old; read it again`);
	}
	return parsed.data as TargetReading;
}
