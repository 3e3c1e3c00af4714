/**
 * Renames the store makes can be made to fail, one at a time: a fault between two steps of a
 * commit. A test file mocks node:fs/promises with `withFailingRename` and sets `fault.failRename`.
 */
type Fs = typeof import('node:fs/promises');

export const fault = {failRename: undefined as ((from: string, to: string) => boolean) | undefined};

export function withFailingRename(fs: Fs): Fs {
	const rename: Fs['rename'] = async (from, to) => {
		if (fault.failRename?.(String(from), String(to))) throw Object.assign(new Error(`injected: rename ${String(from)} → ${String(to)}`), {code: 'EIO'});
		return fs.rename(from, to);
	};
	return {...fs, rename, default: {...fs, rename}} as Fs;
}
