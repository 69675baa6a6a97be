#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""A hostile node on the probes' side channel.

    hostile_peer.py CERT KEY

Binds 127.0.0.1 on a port the kernel picks, prints "ready PORT", then
serves until killed. Like a tlsprobe server it speaks TLS and the
TLSPROBE/1 side channel on one port, but every string it sends holds
terminal escapes (CSI, OSC with BEL, the C1 CSI), bidi controls
(U+202E, U+2066), an escape written as text ("\\x1b[31m", which a
tlsprobe reads back as the byte), and its node ID ("from") is cut by a
63-byte field in the middle of a UTF-8 character:
  hello        -> welcome, then a claim on the same connection ->
                  account (it never checks the signature)
  peer-report  -> peer-ack carrying a whole client report
  inside (TLS) -> inside-reply, without an account, so that the client
                  claims it
Its handshakes are Python's ssl, which cannot answer the mark in the
ServerHello random: a client speaks to it only with --paired.
"""

import json
import os
import socket
import ssl
import sys
import threading

ESC = "\x1b[2J\x1b]0;title\x07\u009b31m\u202e\u2066evil\\x1b[31m"
SHORT = "\x1b[2J\u202e\u2066"          # for 16- and 32-byte fields
# 63 bytes is where tlsprobe cuts a node ID: an "é" straddles it (the
# escapes come after the cut: escaped, they would move it)
NODE_ID = "A" * 62 + "\u00e9" * 4 + ESC
SHA = "ab" * 32


def line(doc):
    return ("TLSPROBE/1 " + json.dumps(doc) + "\n").encode()


def account():
    return {"seen_from": ESC, "outcome": "alert",
            "version": SHORT, "cipher": ESC, "sni": ESC,
            "alert_sent": ESC, "reason": ESC + " " + ESC,
            "client_cert": {"subject": ESC, "issuer": ESC,
                            "sha256": SHA},
            "codes": ["CLIENT_CERT_REJECTED", SHORT]}


def welcome():
    return {"type": "welcome", "version": SHORT, "unique_id": ESC,
            "seen_from": ESC, "server_local": ESC, "chain_sha256": [],
            "trusted_cas": [ESC, "CN=" + ESC], "require_client_cert": True,
            "expect_id": ESC, "challenge": os.urandom(32).hex()}


def report():
    stage = {"status": "fail", "ms": 1.5, "detail": ESC, "local": ESC,
             "remote": ESC}
    return {
        "tool": "tlsprobe", "version": "0.1.0", "command": "client",
        "target": {"host": ESC, "port": 4433, "sni": ESC,
                   "addresses": [ESC]},
        "verdict": "fail",
        "stages": [dict(stage, name="\x1b[2Jx"), dict(stage, name="\u202edns"),
                   dict(stage, name="tls")],
        "session": {"version": ESC, "cipher": ESC, "group": ESC,
                    "signature": ESC, "alpn": ESC, "resumed": False},
        "certificates": [{"position": 0, "subject": ESC, "issuer": ESC,
                          "sha256": ESC, "not_before": ESC,
                          "not_after": ESC, "san": [ESC],
                          "key": "\u00e9" * 20, "signature": ESC,
                          "is_ca": False, "self_signed": False}],
        "handshake": [],
        "peer_report": {"seen_from": ESC, "server_local": ESC,
                        "sent_sha256": [ESC], "unique_id": ESC,
                        "trusted_cas": [ESC], "require_client_cert": True,
                        "account": {"outcome": ESC, "alert_sent": ESC,
                                    "reason": ESC, "codes": [ESC]}},
        "ms": 3.0,
        "findings": [{"code": "UNKNOWN_CA", "severity": "error",
                      "side": "server", "summary": ESC, "detail": ESC,
                      "fix": ESC}],
    }


def read_line(conn, limit=65536):
    buf = b""
    while b"\n" not in buf and len(buf) < limit:
        data = conn.recv(4096)
        if not data:
            break
        buf += data
    return buf


def parse(got):
    try:
        return json.loads(got[len("TLSPROBE/1 "):].decode())
    except ValueError:
        return {}


def side_channel(conn):
    doc = parse(read_line(conn))
    if doc.get("type") == "hello":
        conn.sendall(line(welcome()))
        # a client that wants the account claims it here
        if parse(read_line(conn)).get("type") == "claim":
            conn.sendall(line({"type": "account", "account": account()}))
    elif doc.get("type") == "peer-report":
        conn.sendall(line({"type": "peer-ack", "from": NODE_ID,
                           "listen": ESC, "report": report()}))


def tls(conn, ctx):
    try:
        t = ctx.wrap_socket(conn, server_side=True)
    except (OSError, ssl.SSLError):
        return
    try:
        got = read_line(t)
        if got.startswith(b"TLSPROBE/1 "):
            t.sendall(line({"type": "inside-reply", "version": SHORT,
                            "unique_id": ESC, "seen_from": ESC,
                            "server_local": ESC, "chain_sha256": [],
                            "client_random": SHA, "account": None}))
            read_line(t)
    except (OSError, ssl.SSLError):
        pass
    finally:
        t.close()


def handle(conn, ctx):
    conn.settimeout(5)
    try:
        head = conn.recv(11, socket.MSG_PEEK)
        if head.startswith(b"TLSPROBE/1"):
            side_channel(conn)
        else:
            tls(conn, ctx)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    srv = socket.create_server(("127.0.0.1", 0))
    print("ready %d" % srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn, ctx),
                         daemon=True).start()


if __name__ == "__main__":
    main()
