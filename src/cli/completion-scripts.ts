import type {IdKind} from './complete-ids.js';

/**
 * The completion scripts `calyx completion` prints, from the program's commands (commands/completion.ts).
 * The program's shape becomes lookup functions (subcommands, flags, what each flag and argument
 * takes); one walker reads the words typed so far through them. bash and zsh share the walker and
 * the lookups (POSIX shell that both parse alike); fish gets the same in its own syntax. Ids come
 * from `calyx __complete ids <kind>` at each Tab, with the --data typed on the line.
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** What a flag's value or an argument is: free text, a path, an id of the data directory, or one of a list. */
export type Kind = 'text' | 'file' | 'dir' | IdKind | {choices: readonly string[]};

export interface CommandSpec {
	/** `canary list`; the program itself is ''. */
	path: string;
	subcommands: string[];
	/** `value` is undefined for a flag that takes none. */
	options: Array<{flags: string[]; value?: Kind | undefined}>;
	args: Kind[];
}

/** Every word a script holds comes from the program; one a shell would read as syntax is a bug in the program. */
const WORD = /^[A-Za-z0-9_.:@+,=|-]*( [A-Za-z0-9_.:@+,=|-]+)*$/;
function word(text: string): string {
	if (!WORD.test(text)) throw new Error(`completion: "${text}" cannot be written into a shell script`);
	return `'${text}'`;
}
const kindWord = (kind: Kind) => (typeof kind === 'string' ? kind : `=${kind.choices.join(',')}`);

/** One lookup: a key matched against patterns, each printing its lines. */
interface Lookup {
	name: string;
	rows: Array<{patterns: string[]; lines: string[]}>;
}

function lookups(specs: CommandSpec[], prefix: string): Lookup[] {
	const root = specs.find(s => s.path === '')!;
	const sub = (s: CommandSpec) => s.subcommands.map(name => `${s.path}|${name}`);
	const valued = (s: CommandSpec) => s.options.filter(o => o.value !== undefined);
	return [
		{name: `${prefix}subs`, rows: specs.filter(s => s.subcommands.length > 0).map(s => ({patterns: [word(s.path)], lines: s.subcommands}))},
		{name: `${prefix}issub`, rows: [{patterns: specs.flatMap(sub).map(word), lines: []}]},
		{name: `${prefix}opts`, rows: specs.map(s => ({patterns: [word(s.path)], lines: s.options.map(o => o.flags[0]!)}))},
		{
			name: `${prefix}optkind`,
			rows: [
				...specs.flatMap(s => valued(s).map(o => ({patterns: o.flags.map(f => word(`${s.path}|${f}`)), lines: [kindWord(o.value!)]}))),
				// The program's own flags are read after any command.
				...valued(root).map(o => ({patterns: o.flags.map(f => `*${word(`|${f}`)}`), lines: [kindWord(o.value!)]})),
			],
		},
		{name: `${prefix}argkind`, rows: specs.flatMap(s => s.args.map((kind, i) => ({patterns: [word(`${s.path}|${i}`)], lines: [kindWord(kind)]})))},
	].filter(l => l.rows.length > 0);
}

/** A lookup as a POSIX shell function: prints its lines, or (issub) succeeds, when the key matches. */
function shLookup(l: Lookup): string {
	const rows = l.rows.map(r => `    ${r.patterns.join('|')}) ${r.lines.length > 0 ? `printf '%s\\n' ${r.lines.map(word).join(' ')}` : 'return 0'} ;;`);
	return [`${l.name}() {`, '  case $1 in', ...rows, '  esac', l.name.endsWith('issub') ? '  return 1' : '', '}'].filter(Boolean).join('\n');
}

function fishLookup(l: Lookup): string {
	const rows = l.rows.map(r => `    case ${r.patterns.map(p => (p.startsWith('*') ? `'*${p.slice(2)}` : p)).join(' ')}\n      ${r.lines.length > 0 ? `printf '%s\\n' ${r.lines.map(word).join(' ')}` : 'return 0'}`);
	return [`function ${l.name}`, '  switch $argv[1]', ...rows, '  end', l.name.endsWith('issub') ? '  return 1' : '', 'end'].filter(Boolean).join('\n');
}

/** The walker for bash and zsh (no `path`: zsh ties it to PATH). Prints candidates, or @file / @dir. */
const SH_WALKER = `_calyx_reply() {
  local cur=$1 at='' n=0 pending='' w kind
  shift
  _calyx_data=''
  while [ $# -gt 0 ]; do
    w=$1
    shift
    case $w in
      --data=*) _calyx_data=\${w#--data=} ;;
      --*=*) ;;
      -*)
        kind=$(_calyx_optkind "$at|$w")
        if [ -n "$kind" ]; then
          if [ $# -gt 0 ]; then
            [ "$w" = --data ] && _calyx_data=$1
            shift
          else
            pending=$kind
          fi
        fi ;;
      *)
        if _calyx_issub "$at|$w"; then at=\${at:+$at }$w; n=0; else n=$((n + 1)); fi ;;
    esac
  done
  if [ -n "$pending" ]; then _calyx_values "$pending"; return; fi
  case $cur in
    -*) _calyx_opts "$at"; [ -n "$at" ] && _calyx_opts ''; return ;;
  esac
  if [ -n "$(_calyx_subs "$at")" ]; then _calyx_subs "$at"; return; fi
  kind=$(_calyx_argkind "$at|$n")
  if [ -n "$kind" ]; then _calyx_values "$kind"; fi
}
_calyx_values() {
  case $1 in
    file) echo @file ;;
    dir) echo @dir ;;
    text) ;;
    '='*) echo "\${1#=}" | tr ',' '\\n' ;;
    *) if [ -n "$_calyx_data" ]; then "$_calyx_cmd" __complete ids "$1" --data "$_calyx_data"; else "$_calyx_cmd" __complete ids "$1"; fi 2>/dev/null ;;
  esac
}`;

const BASH_FRONT = `_calyx() {
  local cur=\${COMP_WORDS[COMP_CWORD]} reply
  _calyx_cmd=\${COMP_WORDS[0]}
  reply=$(_calyx_reply "$cur" "\${COMP_WORDS[@]:1:COMP_CWORD-1}")
  case $reply in
    @file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
    @dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;
    *) local IFS=$'\\n'; COMPREPLY=($(compgen -W "$reply" -- "$cur")) ;;
  esac
}
complete -F _calyx calyx`;

const ZSH_FRONT = `_calyx() {
  local reply
  local -a cands
  _calyx_cmd=\${words[1]}
  reply=$(_calyx_reply "\${words[CURRENT]}" "\${(@)words[2,CURRENT-1]}")
  case $reply in
    @file) _files ;;
    @dir) _files -/ ;;
    *) cands=(\${(f)reply}); compadd -a cands ;;
  esac
}
compdef _calyx calyx`;

const FISH_WALKER = `function __calyx_reply
  set -l cur $argv[1]
  set -e argv[1]
  set -l at ''
  set -l n 0
  set -l pending ''
  set -g __calyx_data ''
  while set -q argv[1]
    set -l w $argv[1]
    set -e argv[1]
    switch $w
      case '--data=*'
        set __calyx_data (string replace -- '--data=' '' $w)
      case '--*=*'
      case '-*'
        set -l kind (__calyx_optkind "$at|$w")
        if test -n "$kind"
          if set -q argv[1]
            test "$w" = --data; and set __calyx_data $argv[1]
            set -e argv[1]
          else
            set pending $kind
          end
        end
      case '*'
        if __calyx_issub "$at|$w"
          set at (string trim -- "$at $w")
          set n 0
        else
          set n (math $n + 1)
        end
    end
  end
  if test -n "$pending"
    __calyx_values $pending
    return
  end
  if string match -q -- '-*' $cur
    __calyx_opts $at
    test -n "$at"; and __calyx_opts ''
    return
  end
  set -l subs (__calyx_subs $at)
  if set -q subs[1]
    printf '%s\\n' $subs
    return
  end
  set -l kind (__calyx_argkind "$at|$n")
  test -n "$kind"; and __calyx_values $kind
end
function __calyx_values
  switch $argv[1]
    case file
      __fish_complete_path (commandline -ct)
    case dir
      __fish_complete_directories (commandline -ct)
    case text
    case '=*'
      string split , -- (string sub -s 2 -- $argv[1])
    case '*'
      set -l data
      test -n "$__calyx_data"; and set data --data $__calyx_data
      $__calyx_cmd __complete ids $argv[1] $data 2>/dev/null
  end
end
function __calyx_complete
  set -l words (commandline -opc)
  set -g __calyx_cmd $words[1]
  __calyx_reply (commandline -ct) $words[2..-1]
end
complete -c calyx -f -a '(__calyx_complete)'`;

export function scriptFor(shell: Shell, name: string, specs: CommandSpec[]): string {
	const head = `# ${name} completion for ${shell}, printed by \`${name} completion ${shell}\` from the commands and flags of this ${name}.`;
	if (shell === 'fish') return [head, ...lookups(specs, '__calyx_').map(fishLookup), FISH_WALKER, ''].join('\n');
	const body = [...lookups(specs, '_calyx_').map(shLookup), SH_WALKER];
	return [shell === 'zsh' ? `#compdef ${name}\n${head}` : head, ...body, shell === 'zsh' ? ZSH_FRONT : BASH_FRONT, ''].join('\n');
}
