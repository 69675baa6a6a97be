#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Judges the runs of a hostile-peer test in one pass, as TAP lines.

    judge.py DIR FIRST CHECKS

DIR holds each run NAME as NAME.out, NAME.err, NAME.rc ("STATUS MS")
and NAME.cmd; CHECKS has one check a line, fields separated by tabs:

  case  NAME RC BOUND_MS CODE...  exit RC within BOUND_MS, stdout one
                                  JSON report with every CODE (A|B: one
                                  of them; !C: not C)
  text  NAME RC BOUND_MS          exit RC within BOUND_MS, some stdout
  clean NAME...                   nothing unsafe for a terminal on the
                                  stdout and stderr of each run
  py    NAME WHAT EXPR            EXPR over the JSON report d (codes,
                                  text(CODE)) holds
  lines NAME RC BOUND_MS CODE...  as case, for JSON Lines: every line a
                                  report, CODE in at least one of them

RC "-" takes any exit status.

TAP numbers start at FIRST. A failure is followed by comments: why, and
the run's command, status and report.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clean_output import json_offences, offences  # noqa: E402


class Run:
    def __init__(self, d, name):
        self.name = name
        base = os.path.join(d, name)
        self.out = self._read(base + ".out")
        self.err = self._read(base + ".err")
        self.cmd = self._read(base + ".cmd").decode(errors="replace").strip()
        try:
            rc, ms = self._read(base + ".rc").split()
            self.rc, self.ms = int(rc), int(ms)
        except ValueError:
            self.rc, self.ms = None, None

    @staticmethod
    def _read(path):
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return b""

    def doc(self):
        return json.loads(self.out)

    def lines(self):
        return [json.loads(x) for x in self.out.splitlines() if x.strip()]

    def context(self):
        out = ["command: %s" % self.cmd,
               "exit status %s after %s ms" % (self.rc, self.ms)]
        docs = []
        try:
            docs = [self.doc()]
        except ValueError:
            try:
                docs = self.lines()
            except ValueError:
                if self.out:
                    out.append("stdout: %s" % ascii(self.out[:600]))
        for d in docs[:8]:
            if not isinstance(d, dict):
                continue
            for s in d.get("stages") or []:
                out.append("stage %s: %s %s" % (s.get("name"), s.get("status"),
                           ascii(s.get("detail") or "")[:200]))
            for f in d.get("findings") or []:
                out.append("finding %s: %s | %s" % (
                    f.get("code"), ascii(f.get("summary"))[:200],
                    ascii(f.get("detail"))[:200]))
            if "stats" in d:
                out.append("stats: %s" % d["stats"])
        if self.err:
            out.append("stderr: %s" % ascii(self.err[:400]))
        return out


def codes_of(d):
    return [f["code"] for f in d.get("findings") or []]


def want_codes(codes, wanted):
    why = []
    for c in wanted:
        if c.startswith("!"):
            if c[1:] in codes:
                why.append("%s reported, must not be" % c[1:])
        elif not any(a in codes for a in c.split("|")):
            why.append("%s missing (got: %s)" % (c, " ".join(codes) or "none"))
    return why


def status_time(run, rc, bound):
    why = []
    if run.rc is None:
        return ["the run left no exit status"]
    if rc != "-" and run.rc != int(rc):
        why.append("exit status %d, wanted %s" % (run.rc, rc))
    if run.ms > int(bound):
        why.append("took %d ms, the bound is %s ms" % (run.ms, bound))
    return why


def check(d, fields):
    """(description, [why it failed], context lines)."""
    kind, name = fields[0], fields[1]
    run = Run(d, name)
    if kind in ("case", "lines"):
        rc, bound, wanted = fields[2], fields[3], fields[4:]
        why = status_time(run, rc, bound)
        try:
            if kind == "case":
                codes = codes_of(run.doc())
            else:
                codes = sorted({c for x in run.lines() for c in codes_of(x)})
            why += want_codes(codes, wanted)
        except ValueError as e:
            why.append("stdout is not %s (%s)" % (
                "one JSON report" if kind == "case" else "JSON Lines", e))
        desc = "%s: exit %s, %s (%s ms)" % (name, rc, " ".join(wanted),
                                           run.ms)
        return desc, why, run.context()
    if kind == "text":
        rc, bound = fields[2], fields[3]
        why = status_time(run, rc, bound)
        if not run.out:
            why.append("nothing on stdout")
        return "%s: exit %s (%s ms)" % (name, rc, run.ms), why, run.context()
    if kind == "clean":
        why = []
        for n in fields[1:]:
            r = Run(d, n)
            for what, data in (("stdout", r.out), ("stderr", r.err)):
                found = ["offset %d line %d: %s" % o for o in offences(data)]
                found += ["JSON string %s: %s" % o
                          for o in json_offences(data)]
                if found:
                    why.append("%s %s: %d unsafe: %s" % (
                        n, what, len(found), "; ".join(found[:4])))
        return ("%s: nothing unsafe for a terminal on stdout or stderr"
                % " ".join(fields[1:]), why, [])
    if kind == "py":
        what, expr = fields[2], fields[3]
        try:
            doc = run.doc()
            env = {"d": doc, "codes": codes_of(doc), "json": json,
                   "text": lambda c: " ".join(
                       (f.get("summary") or "") + " " + (f.get("detail") or "")
                       for f in doc.get("findings") or [] if f["code"] == c)}
            why = [] if eval(expr, env) else ["false: %s" % expr]
        except Exception as e:  # the report's shape is part of the test
            why = ["%s: %s (%s)" % (type(e).__name__, e, expr)]
        return "%s: %s" % (name, what), why, run.context()
    return "%s: unknown check %s" % (name, kind), ["bad check line"], []


def main(d, first, checks):
    n = int(first)
    with open(checks, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 2:
                continue
            desc, why, ctx = check(d, fields)
            if not why:
                print("ok %d - %s" % (n, desc))
            else:
                print("not ok %d - %s" % (n, desc))
                for w in why:
                    print("#   %s" % w)
                for c in ctx:
                    print("#   %s" % c)
            n += 1


if __name__ == "__main__":
    main(*sys.argv[1:4])
