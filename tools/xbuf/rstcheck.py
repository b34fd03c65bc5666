#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Parse reST files with docutils; any warning or error fails the check."""
import sys

import docutils.core

status = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        docutils.core.publish_doctree(
            text, source_path=path,
            settings_overrides={"halt_level": 2, "report_level": 2})
    except docutils.utils.SystemMessage as err:
        print(f"{err}", file=sys.stderr)
        status = 1
sys.exit(status)
