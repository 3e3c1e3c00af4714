import {createWriteStream, mkdirSync, type WriteStream} from 'node:fs';
import {dirname} from 'node:path';

/**
 * The console's own log, in a file under $XDG_STATE_HOME/calyx/: never the terminal, where it
 * would tear the frame. A log that cannot be written is dropped, never shown on screen.
 */
export interface ConsoleLog {
	info(message: string, data?: Record<string, unknown>): void;
	error(message: string, error: unknown): void;
	close(): Promise<void>;
}

export const silentLog: ConsoleLog = {info() {}, error() {}, close: async () => {}};

export function openConsoleLog(path: string): ConsoleLog {
	let stream: WriteStream | undefined;
	try {
		mkdirSync(dirname(path), {recursive: true, mode: 0o700});
		stream = createWriteStream(path, {flags: 'a', mode: 0o600});
		stream.on('error', () => {
			stream = undefined;
		});
	} catch {
		return silentLog;
	}
	const write = (level: string, message: string, data?: Record<string, unknown>) =>
		stream?.write(`${JSON.stringify({at: new Date().toISOString(), pid: process.pid, level, message, ...data})}\n`);
	return {
		info: (message, data) => write('info', message, data),
		error: (message, error) => write('error', message, {error: error instanceof Error ? (error.stack ?? error.message) : String(error)}),
		close: () =>
			new Promise(resolve => {
				if (!stream) resolve();
				else stream.end(resolve);
			}),
	};
}
