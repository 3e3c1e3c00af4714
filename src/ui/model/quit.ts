import type {Key} from 'ink';
import {cancels, ignoredEarly, typedBlind, yThenEnter} from './confirm-keys.js';
import type {ConsoleState, KeyContext} from './console-state.js';

/**
 * Quitting the console that leads the engine stops the engine with it. While canaries are live,
 * that is a decision: the operator is told what happens to them, and quits only with y then Enter.
 */
export interface QuitRisk {
	/** Canaries the engine drives now (sampled, gated, promoted, halted). */
	live: number;
	/** Who drives them once this console is gone: a waiting follower, nobody, or not known. */
	takeover: 'follower' | 'none' | 'unknown';
}

export interface QuitQuestion {
	risk: QuitRisk;
	/** Wall time the question appeared (for the typeahead guard). */
	openedAt: number;
	armed: boolean;
	error?: string;
}

export type QuitStep = {quit: true} | {stay: true} | {question: QuitQuestion};

const canaries = (n: number) => `${n} live canar${n === 1 ? 'y' : 'ies'}`;

/** What quitting does to the live canaries, in a sentence. */
export function quitConsequence(risk: QuitRisk): string {
	const them = canaries(risk.live);
	switch (risk.takeover) {
		case 'follower':
			return `the engine stops with this console; another engine is waiting and takes over the ${them} within seconds`;
		case 'none':
			return `the engine stops with this console and no other engine is waiting: nothing samples, gates, promotes or halts the ${them} until one runs (calyx engine, or calyx ui)`;
		case 'unknown':
			return `the engine stops with this console; whether another engine takes over the ${them} is not known`;
	}
}

/** Quitting now asks first only when it leaves live canaries behind (undefined risk: quit at once). */
export const needsQuestion = (risk: QuitRisk | undefined): risk is QuitRisk => risk !== undefined && risk.live > 0;

export const askQuit = (risk: QuitRisk, openedAt: number): QuitQuestion => ({risk, openedAt, armed: false});

/** y then Enter quits; Esc, Ctrl-C and any other key stay. Keys typed before the question showed do not count. */
export function stepQuit(q: QuitQuestion, input: string, key: Key, at: number): QuitStep {
	if (cancels(input, key)) return {stay: true};
	const early = q.armed ? undefined : typedBlind(q.openedAt, at, true, input, key);
	if (early) return {question: {...q, error: ignoredEarly(early)}};
	switch (yThenEnter(q.armed, input, key)) {
		case 'arm':
			return {question: {...q, armed: true, error: undefined}};
		case 'confirm':
			return {quit: true};
		case 'cancel':
			return {stay: true};
	}
}

/** The console after q or Ctrl-C: quitting, or asking first when that leaves live canaries without its engine. */
export function quit(s: ConsoleState, ctx: KeyContext, at: number): ConsoleState {
	return needsQuestion(ctx.quitRisk) ? {...s, quitting: askQuit(ctx.quitRisk, at), status: undefined} : {...s, quit: true};
}

/** The console after a key while the question is open. */
export function quitKey(s: ConsoleState, q: QuitQuestion, input: string, key: Key, at: number, now: number): ConsoleState {
	const step = stepQuit(q, input, key, at);
	if ('quit' in step) return {...s, quitting: undefined, quit: true};
	if ('stay' in step) return {...s, quitting: undefined, status: {tone: 'info', text: 'still running: the console did not quit', at: now}};
	return {...s, quitting: step.question};
}
