#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Finds, per finding code, a test that asserts the code was reported.

    provoked.py TOP CODES

CODES holds the codes, one a word. Prints one line per code, in order:
"yes CODE FILE:LINE" (the first assertion found) or "no CODE WHERE"
(WHERE: the places that name the code without asserting it, comma
separated, or "-").

A mention is not an assertion: a test name, a message, an absence
(!CODE, 'CODE' not in codes, not text('CODE')), one of alternatives
(A|B) and t_docs.sh's own list of codes all name a code without
asserting that a run reported it. The rule, kept simple on purpose:

Shell tests (tests/*/t_*.sh but t_docs.sh; comment lines skipped,
backslash-continued lines joined) assert CODE on a line where
  - an assertion helper takes CODE as a whole argument: expect,
    expect_errors, expect_srv, the hostile case tables ccase, scase,
    pcase (and hcase, hlines they feed), expect_screen;
  - a Python check holds 'CODE' in ..., ... == 'CODE',
    ... == [... 'CODE' ...] or ... in text('CODE') (not summed with
    another text()), as expect_py, line_py, audit, pair_py and the
    other Python-expression helpers take them;
  - grep -q CODE checks a text output, not negated by "!".
C unit tests (tests/unit/test_*.c) assert TP_CODE with
  - assert_true(tp_report_has(..., TP_CODE)),
  - assert_int_equal(X.code or X->code, TP_CODE),
  - F = finding(..., TP_CODE); assert_non_null(F);
unless the same file passes TP_CODE to tp_report_finding: a finding the
test made itself is its input, not something the code under test found.
"""

import glob
import os
import re
import sys

HELPERS = ("expect", "expect_errors", "expect_srv", "ccase", "scase",
           "pcase", "hcase", "hlines", "expect_screen")


def logical_lines(path):
    """(first line number, text) with continuations joined, comments out."""
    out, cur, start = [], "", 0
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not cur:
                start = n
                if line.lstrip().startswith("#"):
                    continue
            if line.endswith("\\"):
                cur += line[:-1] + " "
                continue
            out.append((start, cur + line))
            cur = ""
    if cur:
        out.append((start, cur))
    return out


def shell_forms(code):
    q = "['\"]"
    c = re.escape(code)
    word = r"(?:^|\s)(['\"]?)" + c + r"\1(?=\s|;|$)"
    return [
        re.compile(r"^\s*(?:if\s+)?(?:" + "|".join(HELPERS) + r")\s.*?" +
                   word),
        re.compile(q + c + q + r"\s+in\s"),
        re.compile(r"==\s*" + q + c + q),
        re.compile(r"==\s*\[[^\]]*" + q + c + q),
        re.compile(r"(?<!\+ )\bin text\(" + q + c + q + r"\)(?!\s*\+)"),
        re.compile(r"(?<![!\w])(?<!! )grep -q[A-Za-z]*\s+" + q + "?" + c +
                   r"\b"),
    ]


def c_forms(code):
    c = r"\bTP_" + re.escape(code) + r"\b"
    return [
        re.compile(r"assert_true\(\s*tp_report_has\([^;]*" + c + r"\)\s*\)"),
        re.compile(r"assert_int_equal\([^;,]*(?:\.|->)code,\s*" + c +
                   r"\s*\)"),
        re.compile(r"(\w+)\s*=\s*finding\([^;]*" + c +
                   r"\);\s*assert_non_null\(\1\)"),
    ]


def main():
    top = sys.argv[1]
    with open(sys.argv[2]) as f:
        codes = f.read().split()
    shell = []
    for path in sorted(glob.glob(os.path.join(top, "tests/*/t_*.sh"))):
        if os.path.basename(path) == "t_docs.sh":
            continue
        rel = os.path.relpath(path, top)
        shell += [(rel, n, text) for n, text in logical_lines(path)]
    units = []
    for path in sorted(glob.glob(os.path.join(top, "tests/unit/test_*.c"))):
        with open(path, encoding="utf-8") as f:
            units.append((os.path.relpath(path, top), f.read()))

    for code in codes:
        name = re.compile(r"(?<![A-Za-z0-9_])" + re.escape(code) +
                          r"(?![A-Za-z0-9_])")
        found, mentions = None, []
        forms = shell_forms(code)
        for rel, n, text in shell:
            if any(p.search(text) for p in forms):
                found = "%s:%d" % (rel, n)
                break
            if name.search(text):
                mentions.append("%s:%d" % (rel, n))
        made = re.compile(r"tp_report_finding\([^;,]*,\s*TP_" +
                          re.escape(code) + r"\b")
        cforms = c_forms(code)
        for rel, text in units if found is None else []:
            if made.search(text):
                continue
            for p in cforms:
                m = p.search(text)
                if m:
                    found = "%s:%d" % (rel, text.count("\n", 0,
                                                       m.start()) + 1)
                    break
            if found:
                break
            if re.search(r"\bTP_" + re.escape(code) + r"\b", text):
                mentions.append(rel)
        if found:
            print("yes %s %s" % (code, found))
        else:
            print("no %s %s" % (code, ",".join(mentions) or "-"))


if __name__ == "__main__":
    main()
