# The options a Duet binary's --help says it has, for the checks of its man
# page and its bash completion (check-man-page.py, check-bash-completion.py).

import os
import re
import subprocess

# GOption's option lines: "  -p, --port=PORT   ..." or "  --db=PATH   ..."
OPTION_LINE = re.compile(r'^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)')
ANY_OPTION = re.compile(r'(?<![\w-])--[a-z][a-z0-9-]*')


def help_text(binary, args):
    """stdout and stderr of BINARY ARGS (duet-server prints its usage on
    stderr), which must exit 0."""
    env = dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE='')
    # the text is what matters here, not what a sanitizer build leaks
    env['ASAN_OPTIONS'] = env.get('ASAN_OPTIONS', '') + ':detect_leaks=0'
    result = subprocess.run([binary] + args, env=env, capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise SystemExit(f'{binary} {" ".join(args)} exited {result.returncode}:\n'
                         f'{result.stdout}{result.stderr}')
    return result.stdout + result.stderr


def listed_options(text):
    """The long options of the option lines"""
    return {m.group(1) for m in map(OPTION_LINE.match, text.splitlines()) if m}


def mentioned_options(text):
    """Every --option anywhere in the text"""
    return set(ANY_OPTION.findall(text))
