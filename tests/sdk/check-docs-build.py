#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The API reference builds without a warning.

Usage: check-docs-build.py GI_DOCGEN KIT_GIR_DIR TOML CONTENT_DIR GIR [TOML CONTENT_DIR GIR]...

Runs `gi-docgen generate --fatal-warnings` for each book into a
temporary directory (what -Ddocs=true does into the build directory), and
checks that its overview page and a page per class came out.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

CORE = "{http://www.gtk.org/introspection/core/1.0}"


def main(argv):
    gi_docgen, include_dir, books = argv[0], argv[1], argv[2:]
    if not books or len(books) % 3:
        print(__doc__, file=sys.stderr)
        return 2
    shared_content = os.path.dirname(os.path.abspath(books[1]))
    tmp = tempfile.mkdtemp(prefix="duet-docs-build.")
    failed = False
    try:
        for i in range(0, len(books), 3):
            toml, content, gir = books[i:i + 3]
            out = os.path.join(tmp, os.path.basename(gir))
            proc = subprocess.run([gi_docgen, "generate", "--quiet", "--fatal-warnings",
                                   "--config", toml, "--content-dir", content,
                                   "--content-dir", shared_content,
                                   "--add-include-path", include_dir,
                                   "--output-dir", out, "--no-namespace-dir", gir],
                                  capture_output=True, text=True, timeout=120)
            output = (proc.stdout + proc.stderr).strip()
            if proc.returncode != 0 or "WARNING" in output.upper():
                print("%s: gi-docgen failed or warned (exit %d):\n%s" % (gir, proc.returncode, output))
                failed = True
                continue
            ns = ET.parse(gir).getroot().find(CORE + "namespace")
            expected = ["index.html", "overview.html"] + \
                ["class.%s.html" % c.get("name") for c in ns.findall(CORE + "class")]
            missing = [page for page in expected if not os.path.exists(os.path.join(out, page))]
            if missing:
                print("%s: the reference lacks %s" % (gir, ", ".join(missing)))
                failed = True
            else:
                print("%s: %d pages, no warnings" % (os.path.basename(gir), len(os.listdir(out))))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
