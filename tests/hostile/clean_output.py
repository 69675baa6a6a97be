#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that what tlsprobe printed is safe to show on a terminal.

    clean_output.py [--nonempty] FILE...

A hostile peer puts escape sequences and bidi controls into everything
it can; none of them may come out. A byte or character is refused when
it is:
  - a C0 control (below 0x20) other than newline and tab, or DEL (0x7f);
  - a C1 control, U+0080 to U+009F, whether encoded in UTF-8 or raw
    (a raw 0x9b is CSI to a terminal that takes 8-bit controls);
  - a bidi control or an invisible format character, the set that
    src/sanitize.c escapes: U+00AD, U+061C, U+180E, U+200B-U+200F,
    U+2028-U+202E, U+2060-U+2064, U+2066-U+2069, U+FEFF,
    U+FFF9-U+FFFB, U+E0000-U+E007F;
  - not valid UTF-8 at all (a terminal guesses what it means).
A file that is JSON (one document, or JSON Lines) has its strings
checked too once decoded: an escape written as \u001b is still an
escape to whoever prints the value.
With --nonempty an empty file is refused too (a run that printed
nothing proves nothing). Exits 0 when every file is clean; else 1, with one line per file naming
the first few offending bytes: offset, line and what they are.
"""

import json
import sys

BIDI = {0x00AD, 0x061C, 0x180E, 0xFEFF} | set(range(0x200B, 0x2010)) | \
    set(range(0x2028, 0x202F)) | set(range(0x2060, 0x2065)) | \
    set(range(0x2066, 0x206A)) | set(range(0xFFF9, 0xFFFC)) | \
    set(range(0xE0000, 0xE0080))
SHOW = 5


def offences(data):
    """(offset, line, what) for each offending byte or character."""
    out = []
    i = 0
    line = 1
    n = len(data)
    while i < n:
        b = data[i]
        if b == 0x0A:
            line += 1
        if b < 0x80:
            if (b < 0x20 and b not in (0x09, 0x0A)) or b == 0x7F:
                out.append((i, line, "control byte 0x%02x" % b))
            i += 1
            continue
        # one UTF-8 sequence, strictly (no overlongs, no surrogates)
        if 0xC2 <= b <= 0xDF:
            k = 2
        elif 0xE0 <= b <= 0xEF:
            k = 3
        elif 0xF0 <= b <= 0xF4:
            k = 4
        else:
            k = 0
        seq = data[i:i + k] if k else b""
        try:
            ch = seq.decode("utf-8") if k else None
        except UnicodeDecodeError:
            ch = None
        if ch is None or len(ch) != 1:
            what = "raw C1 byte 0x%02x" % b if 0x80 <= b <= 0x9F \
                else "byte 0x%02x that is not UTF-8" % b
            out.append((i, line, what))
            i += 1
            continue
        cp = ord(ch)
        if 0x80 <= cp <= 0x9F:
            out.append((i, line, "C1 control U+%04X" % cp))
        elif cp in BIDI:
            out.append((i, line, "bidi/format character U+%04X" % cp))
        i += k
    return out


def json_offences(data):
    """(where, what) for each unsafe character inside a JSON string."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    docs = []
    try:
        docs = [json.loads(text)]
    except ValueError:
        try:
            docs = [json.loads(x) for x in text.splitlines() if x.strip()]
        except ValueError:
            return []
    out = []

    def walk(v, path):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(k, path + "{key}")
                walk(x, "%s.%s" % (path, k))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, "%s[%d]" % (path, i))
        elif isinstance(v, str):
            for o in offences(v.encode("utf-8", "surrogatepass")):
                out.append((path, o[2]))
    for i, d in enumerate(docs):
        walk(d, "line %d: " % (i + 1) if len(docs) > 1 else "")
    return out


def main(paths, nonempty=False):
    bad = 0
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        found = ["empty"] if nonempty and not data else []
        found += ["offset %d line %d: %s" % o for o in offences(data)]
        found += ["JSON string %s: %s" % o for o in json_offences(data)]
        if not found:
            continue
        bad += 1
        shown = "; ".join(found[:SHOW])
        more = len(found) - SHOW
        print("%s: %d unsafe: %s%s" % (path, len(found), shown,
              " (and %d more)" % more if more > 0 else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    nonempty = bool(args) and args[0] == "--nonempty"
    if nonempty:
        args = args[1:]
    if not args:
        sys.stderr.write("usage: clean_output.py [--nonempty] FILE...\n")
        sys.exit(2)
    sys.exit(main(args, nonempty))
