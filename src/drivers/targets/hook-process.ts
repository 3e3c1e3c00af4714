/**
 * Runs one hook process: argv (no shell), its own process group, one input on stdin, bounded
 * stdout and stderr, and a kill of the whole group when the caller's signal aborts (a timeout, the
 * engine stepping down) or stdout overflows. The group matters: a hook that runs `kubectl` leaves a
 * grandchild holding the pipes; killing only the hook would leave it running and the call waiting.
 *
 * This module says what happened; exec.ts decides what it means.
 */
import {spawn} from 'node:child_process';

export interface ProcessSpec {
	file: string;
	args: string[];
	env: Record<string, string>;
	cwd?: string;
	/** More on stdout than this kills the hook: a reply is one small JSON document. */
	maxStdout: number;
	/** stderr beyond this is drained and counted, not kept: a chatty hook is not a failure. */
	maxStderr: number;
	/** Between SIGTERM and SIGKILL: time for a hook to clean up, bounded. */
	killGraceMs: number;
}

export interface ProcessOutcome {
	stdout: string;
	stderr: string;
	/** All bytes written on stderr, kept or not. */
	stderrBytes: number;
	exitCode: number | null;
	signal: NodeJS.Signals | null;
	/** Why calyx killed it, if it did: the abort reason, or the overflow. */
	killed?: {why: 'aborted'; reason: unknown} | {why: 'oversized'};
	/** The process could not start (ENOENT, EACCES). */
	spawnError?: NodeJS.ErrnoException;
	pid?: number;
}

/** After the kill, how long to wait for the pipes to close before giving up on them. */
export const PIPE_CLOSE_MS = 1000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
	try {
		// A negative pid signals the group: the hook was started as its leader (detached).
		process.kill(-pid, signal);
	} catch {
		// Already gone.
	}
}

export function runProcess(spec: ProcessSpec, input: string, signal: AbortSignal): Promise<ProcessOutcome> {
	return new Promise(resolve => {
		const out: Buffer[] = [];
		const err: Buffer[] = [];
		let outBytes = 0;
		let errKept = 0;
		let errBytes = 0;
		let killed: ProcessOutcome['killed'];
		let exit: {code: number | null; signal: NodeJS.Signals | null} | undefined;
		let settled = false;
		let graceTimer: ReturnType<typeof setTimeout> | undefined;
		let closeTimer: ReturnType<typeof setTimeout> | undefined;

		const child = spawn(spec.file, spec.args, {
			cwd: spec.cwd,
			env: spec.env,
			stdio: ['pipe', 'pipe', 'pipe'],
			// Its own process group (and session), so that a kill reaches everything it started.
			detached: true,
			shell: false,
		});

		const settle = (extra: Partial<ProcessOutcome> = {}) => {
			if (settled) return;
			settled = true;
			clearTimeout(graceTimer);
			clearTimeout(closeTimer);
			signal.removeEventListener('abort', onAbort);
			child.stdout?.destroy();
			child.stderr?.destroy();
			resolve({
				stdout: Buffer.concat(out).toString('utf8'),
				stderr: Buffer.concat(err).toString('utf8'),
				stderrBytes: errBytes,
				exitCode: exit?.code ?? null,
				signal: exit?.signal ?? null,
				killed,
				pid: child.pid,
				...extra,
			});
		};

		const kill = (why: NonNullable<ProcessOutcome['killed']>) => {
			if (killed || child.pid === undefined) return;
			killed = why;
			killGroup(child.pid, 'SIGTERM');
			graceTimer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), spec.killGraceMs);
			// Pipes held open by something that escaped the group must not hold the call: bound the wait.
			closeTimer = setTimeout(() => settle(), spec.killGraceMs + PIPE_CLOSE_MS);
		};
		const onAbort = () => kill({why: 'aborted', reason: signal.reason});

		child.on('error', (error: NodeJS.ErrnoException) => {
			// spawn failures (ENOENT, EACCES) come here, with no exit to wait for.
			if (child.pid === undefined) settle({spawnError: error});
		});
		child.stdout.on('data', (chunk: Buffer) => {
			outBytes += chunk.length;
			if (outBytes > spec.maxStdout) return kill({why: 'oversized'});
			out.push(chunk);
		});
		child.stderr.on('data', (chunk: Buffer) => {
			errBytes += chunk.length;
			if (errKept < spec.maxStderr) {
				const kept = chunk.subarray(0, spec.maxStderr - errKept);
				err.push(kept);
				errKept += kept.length;
			}
		});
		child.on('exit', (code, sig) => {
			exit = {code, signal: sig};
			// Whatever the hook started stays in its group: end it too, now that the hook is done.
			if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
		});
		child.on('close', () => settle());

		// A hook that does not read its stdin closes the pipe: EPIPE is its business, not a crash of ours.
		child.stdin.on('error', () => undefined);
		child.stdin.end(input);

		if (signal.aborted) onAbort();
		else signal.addEventListener('abort', onAbort, {once: true});
	});
}
