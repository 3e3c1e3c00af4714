/**
 * What a new configuration changes, setting by setting: objects are walked to their leaves, arrays
 * and scalars are values (as `calyx config show` lists them). The engine records the paths in
 * `config.changed`; `calyx config apply` shows the whole change before and after it writes.
 */
export interface ConfigChange {
	path: string;
	/** Absent when the setting is new, or removed. */
	from?: unknown;
	to?: unknown;
}

/** Every setting by its dotted path. */
export function configLeaves(value: unknown, prefix = ''): Array<[string, unknown]> {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return prefix ? [[prefix, value]] : [];
	return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => configLeaves(v, prefix ? `${prefix}.${k}` : k));
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The settings that differ, in the order of the new configuration, then those it removes. */
export function configChanges(before: unknown, after: unknown): ConfigChange[] {
	const old = new Map(configLeaves(before));
	const now = new Map(configLeaves(after));
	const changes: ConfigChange[] = [];
	for (const [path, to] of now) {
		if (!old.has(path)) changes.push({path, to});
		else if (!same(old.get(path), to)) changes.push({path, from: old.get(path), to});
	}
	for (const [path, from] of old) if (!now.has(path)) changes.push({path, from});
	return changes;
}
