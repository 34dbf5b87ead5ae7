#!/usr/bin/env python3
# Checks every catalogue in po/LINGUAS: msgfmt --check passes, every
# message is translated and none is fuzzy, and its plural forms work: each
# ngettext message gives the catalogue's forms for 0, 1, 2 and 5 (French
# says "0 minute", German "0 Minuten"), with the number in them.
#
# usage: check-translations.py PO_DIR

import gettext
import os
import re
import subprocess
import sys
import tempfile

# (singular, plural) of the app's ngettext messages, with %d
PLURALS = [
    ("Last seen %d minute ago", "Last seen %d minutes ago"),
    ("Last seen %d hour ago", "Last seen %d hours ago"),
    ("Last seen %d day ago", "Last seen %d days ago"),
    ("The call ends in %d second unless the connection comes back",
     "The call ends in %d seconds unless the connection comes back"),
]


def main():
    po_dir = sys.argv[1]
    with open(os.path.join(po_dir, "LINGUAS")) as f:
        languages = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        for lang in languages:
            po = os.path.join(po_dir, lang + ".po")
            mo = os.path.join(tmp, lang + ".mo")
            run = subprocess.run(["msgfmt", "--check", "--statistics", "-o", mo, po],
                                 capture_output=True, text=True)
            stats = run.stderr.strip()
            print("%s: %s" % (lang, stats))
            if run.returncode != 0:
                errors.append("%s: msgfmt --check failed: %s" % (lang, stats))
                continue
            if re.search(r"fuzzy|untranslated", stats):
                errors.append("%s: not every message is translated: %s" % (lang, stats))
            with open(mo, "rb") as f:
                catalogue = gettext.GNUTranslations(f)
            for singular, plural in PLURALS:
                forms = {n: catalogue.ngettext(singular, plural, n) for n in (0, 1, 2, 5)}
                for n, text in forms.items():
                    if text in (singular, plural):
                        errors.append("%s: %r is not translated for %d" % (lang, singular, n))
                    elif "%d" not in text:
                        errors.append("%s: %r for %d has no %%d: %r" % (lang, singular, n, text))
                if forms[1] == forms[2]:
                    errors.append("%s: %r has the same form for 1 and 2" % (lang, singular))
                if forms[2] != forms[5]:
                    errors.append("%s: %r has different forms for 2 and 5" % (lang, singular))
                print("  %s" % " | ".join("%d: %s" % (n, forms[n] % n) for n in sorted(forms)))
    for error in errors:
        print("error:", error)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
