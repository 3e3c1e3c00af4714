/**
 * A status code as words for people: `awaiting_promotion` → `awaiting promotion`. Screens and CLI
 * text show the words; --json, the store and scripts keep the codes, and a filter matches either.
 */
export const statusWord = (code: string): string => code.replaceAll('_', ' ');
