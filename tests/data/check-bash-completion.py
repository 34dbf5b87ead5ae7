#!/usr/bin/env python3
# Checks a bash completion script the way bash uses it: a non-interactive
# bash sources it, the function that `complete -p COMMAND` names is called
# with COMP_WORDS and COMP_CWORD set, and COMPREPLY must hold what each case
# below expects. The options it offers after "--" must be exactly those the
# binary's --help lists, so that a new option cannot be forgotten here.
#
# usage: check-bash-completion.py --binary EXE SCRIPT

import argparse
import os
import shlex
import subprocess
import shutil
import sys
import tempfile

import duet_help

# command -> [(words, 'exactly' or 'at least', what COMPREPLY holds)]; the
# word being completed is the last one. File names come from a scratch
# directory holding example.db.
CASES = {
    'duet-call': [
        (['duet-call', ''], 'exactly', ['call', 'listen']),
        (['duet-call', '--server', 'http://a:1', 'l'], 'exactly', ['listen']),
        (['duet-call', '--med'], 'exactly', ['--media']),
        (['duet-call', '--media', ''], 'exactly', ['audio', 'audiovideo', 'video']),
        (['duet-call', '--media', '=', 'audio'], 'exactly', ['audio', 'audiovideo']),
        (['duet-call', '--accept-video=p'], 'exactly', ['pause']),
        (['duet-call', '--test-pattern', ''], 'exactly', ['ball', 'motion']),
        (['duet-call', '--user', ''], 'exactly', []),
        (['duet-call', 'listen', '--auto'], 'exactly', ['--auto-accept']),
        (['duet-call', 'listen', '--med'], 'exactly', []),
        (['duet-call', 'call', 'bob', '--in'], 'exactly', ['--initial-video']),
        (['duet-call', '--user', 'listen', ''], 'exactly', ['call', 'listen']),
    ],
    'duet-server': [
        (['duet-server', ''], 'exactly', ['--help', '--version', 'migrate', 'serve', 'token', 'user']),
        (['duet-server', 'migrate', '--f'], 'exactly', ['--force']),
        (['duet-server', 'serve', '--tls-c'], 'exactly', ['--tls-cert']),
        (['duet-server', 'serve', '--port', ''], 'exactly', []),
        (['duet-server', 'user', ''], 'exactly', ['add', 'list', 'passwd', 'remove']),
        (['duet-server', 'user', '--db', 'x.db', 'p'], 'exactly', ['passwd']),
        (['duet-server', 'user', 'add', ''], 'exactly', []),
        (['duet-server', 'user', 'add', '--kdf-cost', ''], 'exactly', ['interactive', 'min']),
        (['duet-server', 'token', '--dev'], 'exactly', ['--device']),
        (['duet-server', 'serve', '--db', 'exa'], 'at least', ['example.db']),
    ],
}

# command -> [(the words before "--", the help invocation listing the same options)]
OPTION_SETS = {
    'duet-call': [(['duet-call'], ['--help'])],
    'duet-server': [(['duet-server', c], [c, '--help']) for c in ('serve', 'user', 'token', 'migrate')],
}


def complete(script, command, words, cwd):
    """COMPREPLY for WORDS, completing the last one"""
    program = f'''
set -u
source {shlex.quote(script)}
spec=$(complete -p {shlex.quote(command)}) || exit 3
function=$(sed -n 's/.* -F \\([^ ]*\\) .*/\\1/p' <<< "$spec")
[[ -n $function ]] || exit 4
COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})
COMP_CWORD={len(words) - 1}
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
COMPREPLY=()
"$function" {shlex.quote(command)} {shlex.quote(words[-1])} {shlex.quote(words[-2])}
printf '%s\\n' "${{COMPREPLY[@]}}"
'''
    result = subprocess.run(['bash', '--norc', '--noprofile', '-c', program],
                            capture_output=True, text=True, timeout=30, cwd=cwd)
    if result.returncode != 0 or result.stderr:
        raise SystemExit(f'bash failed ({result.returncode}) for {words}:\n{result.stderr}')
    return sorted(line for line in result.stdout.splitlines() if line)


parser = argparse.ArgumentParser()
parser.add_argument('--binary', required=True)
parser.add_argument('script')
args = parser.parse_args()
script = os.path.abspath(args.script)
command = os.path.basename(script)
scratch = tempfile.mkdtemp()
open(os.path.join(scratch, 'example.db'), 'w').close()

problems = []
for words, how, expected in CASES[command]:
    got = complete(script, command, words, scratch)
    ok = got == sorted(expected) if how == 'exactly' else set(expected) <= set(got)
    if not ok:
        problems.append(f'{shlex.join(words)!r}: expected {how} {expected}, got {got}')

for words, help_args in OPTION_SETS[command]:
    listed = duet_help.listed_options(duet_help.help_text(args.binary, help_args))
    offered = set(complete(script, command, words + ['--'], scratch))
    if offered != listed:
        problems.append(f'{shlex.join(words)} --: offers {sorted(offered - listed)} that the help '
                        f'does not list, and not {sorted(listed - offered)} that it does')

shutil.rmtree(scratch)
for problem in problems:
    print(f'{command}: {problem}')
if problems:
    sys.exit(1)
print(f'{command}: {len(CASES[command])} cases and the option lists pass')
