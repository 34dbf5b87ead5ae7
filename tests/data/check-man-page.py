#!/usr/bin/env python3
# Checks a generated man page: groff renders it without a warning, every
# option the binary's help mentions is in the page, and every option the
# page names is one the binary has (or is listed with --known), so that the
# page and the binary cannot drift apart.
#
# usage: check-man-page.py --groff GROFF --binary EXE --help-args ARGS
#            [--help-args ARGS...] [--known OPTION...] PAGE
# ARGS is one help invocation, split at spaces ("serve --help").

import argparse
import os
import subprocess
import sys

import duet_help


def render_warnings(groff, page):
    """groff's warnings (-ww: all of them) at two line lengths"""
    problems = []
    env = dict(os.environ, LC_ALL='C.UTF-8')
    for width in ('78n', '80n'):
        result = subprocess.run([groff, '-man', '-Tutf8', '-ww', '-z', '-rLL=' + width, page],
                                 env=env, capture_output=True, text=True, timeout=60)
        if result.returncode != 0 or result.stderr:
            problems.append(f'groff at {width} (exit {result.returncode}):\n{result.stderr}')
    return problems


def page_text(groff, page):
    """The page as a reader sees it: groff's plain text, hyphenation off so
    that options are never split across lines"""
    env = dict(os.environ, LC_ALL='C.UTF-8')
    result = subprocess.run([groff, '-man', '-Tutf8', '-P-cbou', '-rHY=0', '-rLL=200n', page],
                            env=env, capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.replace('\u2010', '-').replace('\u2212', '-')


parser = argparse.ArgumentParser()
parser.add_argument('--groff', required=True)
parser.add_argument('--binary', required=True)
parser.add_argument('--help-args', action='append', required=True)
parser.add_argument('--known', action='append', default=[],
                    help='an option the page may name that --help does not show')
parser.add_argument('page')
args = parser.parse_args()

problems = render_warnings(args.groff, args.page)

helped = set()
for invocation in args.help_args:
    helped |= duet_help.mentioned_options(duet_help.help_text(args.binary, invocation.split()))
if not helped:
    problems.append('the help shows no options at all')

text = page_text(args.groff, args.page)
documented = duet_help.mentioned_options(text)
for option in sorted(helped - documented):
    problems.append(f'{option} is in the help but not in the man page')
# EXAMPLES may show other commands' options (duet-server token --db)
described = duet_help.mentioned_options(text.split('\nEXAMPLES\n')[0])
for option in sorted(described - helped - set(args.known)):
    problems.append(f'the man page names {option}, which the help does not show')

name = os.path.basename(args.page)
for problem in problems:
    print(f'{name}: {problem}')
if problems:
    sys.exit(1)
print(f'{name}: renders cleanly; {len(helped)} options, all documented')
