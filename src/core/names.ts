/**
 * The names users give things (services, key ids, owners, admins): one rule everywhere, in a file
 * that imports nothing, so that the CLI's quick paths can check a name without loading the schemas.
 */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/i;
export const NAME_RULE = 'letters, digits, ".", "_" or "-" (1–63 characters)';

/**
 * Whether two owner names name one person. Names are ASCII (NAME_PATTERN), compared without
 * case: `alice` and `Alice` are one owner, who cannot hold both keys of the two-key rule.
 */
export const sameOwner = (a: string | undefined, b: string | undefined): boolean => a === b || (a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase());
