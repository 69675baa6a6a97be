#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compares `tlsprobe pcap --json FILE` with Wireshark's view of FILE.

    pcap_compare.py REPORT EXIT_STATUS TSV [EXPECT...]

TSV is what tshark_fields (captures.sh) wrote: one line per frame with a
ClientHello, ServerHello, Certificate or plaintext alert. Prints one
line per field, "ok WHAT" or "not ok WHAT", followed by "#   " lines
that say, per connection, what each side said. Exits 0 when it could
compare (whatever the verdicts), 2 on bad usage.

EXPECT, for every connection or, with "N:", for the N-th (0-based, in
the order of tshark's TCP streams):
  rc=0|1|0,1           the exit status (default 0,1)
  conns=N              the number of TLS connections
  outcome=established  the handshake's outcome
  alert=none|LEVEL/DESCRIPTION/FROM
  leaf=SUBJECT         the first certificate's subject holds SUBJECT
  certs=none           no certificate reported
  history~LETTERS      the history holds each of LETTERS
  starttls=PROTO|none  the STARTTLS prelude TLS came after (none: null)
"""

import hashlib
import json
import subprocess
import sys

COLUMNS = ["stream", "ip_src", "sport", "sni", "alpn", "cipher", "ja3",
           "ja3s", "supported_version", "ipv6_src", "ip_dst", "ipv6_dst",
           "dport", "type", "version", "certificate", "alert_level",
           "alert_desc"]

VERSIONS = {0x0300: "SSL3.0", 0x0301: "TLS1.0", 0x0302: "TLS1.1",
            0x0303: "TLS1.2", 0x0304: "TLS1.3"}

# RFC 8446 section 6 and the IANA TLS Alert registry.
ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
          21: "decryption_failed", 22: "record_overflow",
          30: "decompression_failure", 40: "handshake_failure",
          41: "no_certificate", 42: "bad_certificate",
          43: "unsupported_certificate", 44: "certificate_revoked",
          45: "certificate_expired", 46: "certificate_unknown",
          47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied",
          50: "decode_error", 51: "decrypt_error", 60: "export_restriction",
          70: "protocol_version", 71: "insufficient_security",
          80: "internal_error", 86: "inappropriate_fallback",
          90: "user_canceled", 100: "no_renegotiation",
          109: "missing_extension", 110: "unsupported_extension",
          112: "unrecognized_name", 113: "bad_certificate_status_response",
          115: "unknown_psk_identity", 116: "certificate_required",
          120: "no_application_protocol"}
LEVELS = {1: "warning", 2: "fatal"}


def num(s):
    return int(s, 0)


def endpoint(ip, port):
    return "[%s]:%s" % (ip, port) if ":" in ip else "%s:%s" % (ip, port)


def cipher_ids():
    """IANA name -> id, from OpenSSL's own table (not tlsprobe's)."""
    ids = {}
    try:
        out = subprocess.run(["openssl", "ciphers", "-V", "-stdname",
                              "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
                             capture_output=True, text=True).stdout
    except OSError:
        return ids
    for line in out.splitlines():
        parts = line.split()
        # "0x13,0x02 - TLS_AES_256_GCM_SHA384 - TLS_AES_256_GCM_SHA384 ..."
        if len(parts) >= 3 and parts[0].startswith("0x"):
            hi, lo = parts[0].split(",")
            ids[parts[2]] = (num(hi) << 8) | num(lo)
    return ids


def read_tshark(path):
    """tcp.stream -> what Wireshark saw of that connection."""
    conns = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        f = line.rstrip("\n").split("\t")
        f += [""] * (len(COLUMNS) - len(f))
        row = dict(zip(COLUMNS, f))
        if row["stream"] == "":
            continue
        c = conns.setdefault(int(row["stream"]), {
            "ch": None, "sh": [], "certs": [], "alerts": [], "stream":
            int(row["stream"])})
        src = endpoint(row["ip_src"] or row["ipv6_src"], row["sport"])
        dst = endpoint(row["ip_dst"] or row["ipv6_dst"], row["dport"])
        types = [int(t) for t in row["type"].split(",") if t]
        if 1 in types and c["ch"] is None:
            c["ch"] = {"client": src, "server": dst,
                       "sni": row["sni"] or None,
                       "alpn": [a for a in row["alpn"].split(",") if a],
                       "ja3": row["ja3"]}
        if 2 in types:
            sv = row["supported_version"].split(",")[0]
            hv = row["version"].split(",")[0]
            c["sh"].append({"from": src,
                            "cipher": num(row["cipher"].split(",")[0]),
                            "version": num(sv) if sv else num(hv),
                            "alpn": row["alpn"] or None,
                            "ja3s": row["ja3s"]})
        if 11 in types and row["certificate"]:
            c["certs"].append({"from": src, "der": [
                bytes.fromhex(h.replace(":", ""))
                for h in row["certificate"].split(",")]})
        if row["alert_desc"]:
            for lv, ds in zip(row["alert_level"].split(","),
                              row["alert_desc"].split(",")):
                c["alerts"].append({"from": src, "level": num(lv),
                                    "desc": num(ds)})
    return [conns[k] for k in sorted(conns) if conns[k]["ch"] is not None]


def parse_expect(args):
    every, per = {}, {}
    for a in args:
        idx = None
        if a[:1].isdigit() and ":" in a.split("=")[0]:
            i, a = a.split(":", 1)
            idx = int(i)
        if "~" in a and ("=" not in a or a.index("~") < a.index("=")):
            k, v = a.split("~", 1)
            k += "~"
        elif "=" in a:
            k, v = a.split("=", 1)
        else:
            raise SystemExit("pcap_compare.py: bad EXPECT %r" % a)
        (every if idx is None else per.setdefault(idx, {}))[k] = v
    return every, per


def main():
    if len(sys.argv) < 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    report, status, tsv = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    every, per = parse_expect(sys.argv[4:])

    def want(i, key):
        return per.get(i, {}).get(key, every.get(key))

    def verdict(what, problems):
        if problems:
            print("not ok " + what)
            for p in problems:
                print("#   " + p)
        else:
            print("ok " + what)

    rcs = [int(x) for x in every.get("rc", "0,1").split(",")]
    try:
        d = json.load(open(report))
        hs = d["handshakes"]
        problems = []
        if d.get("command") != "pcap":
            problems.append("command is %r, not 'pcap'" % d.get("command"))
    except Exception as e:
        d, hs = None, []
        problems = ["stdout is not a pcap JSON report (%s): %r" % (
            e, open(report, "rb").read()[:200])]
    if status not in rcs:
        problems.append("exit status %d, wanted %s" % (status, every.get(
            "rc", "0,1")))
    verdict("tlsprobe pcap --json gives a report, exit status %s" %
            every.get("rc", "0 or 1"), problems)
    if d is None:
        return 0

    ws = read_tshark(tsv)
    problems = []
    if len(hs) != len(ws):
        problems.append("tlsprobe: %d TLS connections, tshark: %d" % (
            len(hs), len(ws)))
    if "conns" in every and len(ws) != int(every["conns"]):
        problems.append("tshark: %d TLS connections, the scenario made %s"
                        % (len(ws), every["conns"]))
    verdict("%d TLS connections, as tshark" % len(ws), problems)

    by_client = {}
    for h in hs:
        by_client.setdefault(h.get("client"), h)
    pairs = []
    problems = []
    for i, w in enumerate(ws):
        h = by_client.get(w["ch"]["client"])
        if h is None:
            problems.append("stream %d: no handshake with client %s "
                            "(tlsprobe has: %s)" % (
                                w["stream"], w["ch"]["client"],
                                ", ".join(str(x.get("client")) for x in hs)))
        elif h.get("server") != w["ch"]["server"]:
            problems.append("stream %d (%s): server %r, tshark %r" % (
                w["stream"], w["ch"]["client"], h.get("server"),
                w["ch"]["server"]))
        pairs.append((i, w, h))
    verdict("client and server endpoints", problems)
    pairs = [(i, w, h) for i, w, h in pairs if h is not None]

    def field(what, expected_of, got_of):
        problems = []
        for i, w, h in pairs:
            exp, got = expected_of(i, w), got_of(h)
            if exp != got:
                problems.append("%s: tlsprobe %r, expected %r" % (
                    w["ch"]["client"], got, exp))
        verdict(what, problems)

    ids = cipher_ids()

    def cipher_id(name):
        if name is None:
            return None
        if name.lower().startswith("0x"):
            return num(name)
        return ids.get(name, "unknown name %s" % name)

    def last_sh(w):
        return w["sh"][-1] if w["sh"] else None

    def alpn_of(w):
        # the server's choice as its ServerHello says (TLS 1.3 moved it
        # into EncryptedExtensions: none in clear)
        sh = last_sh(w)
        return sh["alpn"] if sh and sh["alpn"] else None

    field("sni", lambda i, w: w["ch"]["sni"], lambda h: h.get("sni"))
    field("alpn (the server's choice in its ServerHello, else null)",
          lambda i, w: alpn_of(w), lambda h: h.get("alpn"))
    field("alpn_offered (the ClientHello's list)",
          lambda i, w: w["ch"]["alpn"], lambda h: h.get("alpn_offered"))
    field("version",
          lambda i, w: VERSIONS.get(last_sh(w)["version"], hex(
              last_sh(w)["version"])) if last_sh(w) else None,
          lambda h: h.get("version"))
    field("cipher (by id)",
          lambda i, w: last_sh(w)["cipher"] if last_sh(w) else None,
          lambda h: cipher_id(h.get("cipher")))
    field("ja3", lambda i, w: w["ch"]["ja3"], lambda h: h.get("ja3"))
    field("ja3s", lambda i, w: last_sh(w)["ja3s"] if last_sh(w) else "",
          lambda h: h.get("ja3s") or "")

    problems = []
    for i, w, h in pairs:
        exp = want(i, "outcome")
        if exp is not None and h.get("outcome") != exp:
            problems.append("%s: outcome %r, expected %r (history %r)" % (
                w["ch"]["client"], h.get("outcome"), exp, h.get("history")))
        hexp = want(i, "history~")
        if hexp is not None:
            for letter in hexp:
                if letter not in (h.get("history") or ""):
                    problems.append("%s: history %r has no %r" % (
                        w["ch"]["client"], h.get("history"), letter))
    verdict("outcome", problems)

    if any(want(i, "starttls") is not None for i, w, h in pairs):
        problems = []
        for i, w, h in pairs:
            exp = want(i, "starttls")
            if exp is None:
                continue
            exp = None if exp == "none" else exp
            got = h.get("starttls", "absent")
            if got != exp:
                problems.append("%s: starttls %r, expected %r" % (
                    w["ch"]["client"], got, exp))
        verdict("starttls", problems)

    problems = []
    for i, w, h in pairs:
        a = h.get("alert")
        exp = want(i, "alert")
        if exp == "none" and a is not None:
            problems.append("%s: alert %r, expected none" % (
                w["ch"]["client"], a))
        elif exp not in (None, "none"):
            lv, ds, fr = exp.split("/")
            got = None if a is None else "%s/%s/%s" % (
                a.get("level"), a.get("description"), a.get("from"))
            if got != exp:
                problems.append("%s: alert %s, expected %s" % (
                    w["ch"]["client"], got, exp))
        # the first plaintext alert tshark saw must be the one reported
        if w["alerts"]:
            t = w["alerts"][0]
            side = "client" if t["from"] == w["ch"]["client"] else "server"
            texp = "%s/%s/%s" % (LEVELS.get(t["level"], t["level"]),
                                 ALERTS.get(t["desc"], t["desc"]), side)
            got = None if a is None else "%s/%s/%s" % (
                a.get("level"), a.get("description"), a.get("from"))
            if got != texp:
                problems.append("%s: alert %s, tshark saw %s" % (
                    w["ch"]["client"], got, texp))
    verdict("alert (level, description, side)", problems)

    problems = []
    for i, w, h in pairs:
        certs = h.get("certificates") or []
        server_certs = [c for c in w["certs"]
                        if c["from"] == w["ch"]["server"]]
        if want(i, "certs") == "none" and certs:
            problems.append("%s: %d certificates, expected none" % (
                w["ch"]["client"], len(certs)))
        leaf = want(i, "leaf")
        if leaf is not None and (not certs or
                                 leaf not in certs[0].get("subject", "")):
            problems.append("%s: first certificate %r, expected subject %r"
                            % (w["ch"]["client"],
                               certs[0].get("subject") if certs else None,
                               leaf))
        if server_certs:
            der = server_certs[0]["der"]
            exp = [hashlib.sha256(x).hexdigest() for x in der]
            got = [(c.get("sha256") or "").replace(":", "").lower()
                   for c in certs]
            if got != exp:
                problems.append("%s: certificate SHA-256 %s, tshark's %s" %
                                (w["ch"]["client"], got, exp))
        elif certs:
            problems.append("%s: %d certificates, tshark saw none in clear"
                            % (w["ch"]["client"], len(certs)))
    verdict("certificates (the server's, as on the wire)", problems)
    return 0


if __name__ == "__main__":
    sys.exit(main())
