import Module, {createRequire} from 'node:module';
import * as ink from 'ink';
import React, {type ComponentType, type ReactNode} from 'react';

/**
 * The published ink-table, as the console drew its detail tables with until they became lines of
 * their own (src/ui/model/table-lines.ts): the tests hold those lines to what ink-table draws.
 *
 * ink-table 3.1.0 is CommonJS and calls `require("ink")`, but ink 6 is ESM with top-level await,
 * which `require` cannot load. Its `require("ink")` and `require("react")` are answered here with
 * the ink and React this process already imported (in the bundled build, the copies inside the
 * bundle: one React, one ink), during this one load and for ink-table's own files only; everything
 * else resolves as usual.
 */
type Loader = (request: string, parent: {filename?: string} | undefined, isMain: boolean) => unknown;

export type Scalar = string | number | boolean | null | undefined;
export type ScalarDict = Record<string, Scalar>;

export interface InkTableProps<T extends ScalarDict> {
	data: T[];
	columns?: Array<keyof T>;
	padding?: number;
	header?: ComponentType<{children?: ReactNode}>;
	cell?: ComponentType<{column: number; children?: ReactNode}>;
	skeleton?: ComponentType<{children?: ReactNode}>;
}

const INK_TABLE_FILE = /[/\\]node_modules[/\\]ink-table[/\\]/;

export function loadInkTable(): ComponentType<InkTableProps<ScalarDict>> {
	const loader = Module as unknown as {_load: Loader};
	const original = loader._load;
	loader._load = function (request, parent, isMain) {
		if (parent?.filename && INK_TABLE_FILE.test(parent.filename)) {
			if (request === 'ink') return ink;
			if (request === 'react') return React;
		}
		return original.call(this, request, parent, isMain);
	};
	try {
		const loaded = createRequire(import.meta.url)('ink-table') as {default: ComponentType<InkTableProps<ScalarDict>>};
		return loaded.default;
	} finally {
		loader._load = original;
	}
}

export const InkTable = loadInkTable();
