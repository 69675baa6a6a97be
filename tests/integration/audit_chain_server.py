#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""A legacy server for the audit's suite conditions, which Debian's
OpenSSL and GnuTLS no longer speak: SSL 3.0 and export suites.

    audit_chain_server.py --suites 0x0003,0x000A [--max-version 0x0301]
                          [--cert PEM]

Prints "ready PORT" once listening on 127.0.0.1. Every connection: the
ClientHello is read, the first of --suites (in that order) it offers is
chosen, and the answer is a ServerHello at the lower of the client's
version and --max-version (SSL 3.0 at the least), the Certificate
(--cert) and a ServerHelloDone; the client's next flight is read and the
connection closed (no key exchange is ever finished).
An offer it cannot meet gets a handshake_failure alert, a TLS 1.3-only
one protocol_version. The connection handling, hello parsing and
messages are fakeserver.py's.
"""

import argparse
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeserver as fs  # noqa: E402


def rec(version, ctype, payload):
    return struct.pack("!BHH", ctype, version, len(payload)) + payload


def serve(conn, suites, max_version):
    offer = fs.hello_offer(fs.read_client_hello(conn))
    if offer is None:
        conn.sendall(rec(0x0301, 21, b"\x02\x32"))    # decode_error
        return
    version, offered, _ = offer
    version = min(version, max_version)
    if version < 0x0300:
        conn.sendall(rec(0x0300, 21, b"\x02\x46"))    # protocol_version
        return
    chosen = [x for x in suites if x in offered]
    if not chosen:
        conn.sendall(rec(version, 21, b"\x02\x28"))   # handshake_failure
        return
    body = (struct.pack("!H", version) + bytes(range(32)) + b"\x00" +
            struct.pack("!HB", chosen[0], 0))
    msgs = (fs.handshake(2, body) + fs.certificate_message() +
            fs.handshake(14, b""))
    conn.sendall(rec(version, 22, msgs))
    # a probe leaves after the ServerHello; a full handshake sends its
    # key exchange, and ends there, at once, with a close
    conn.settimeout(fs.HELLO_S)
    try:
        conn.recv(65536)
    except OSError:
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--suites", required=True,
                    help="comma-separated suite ids, in preference order")
    ap.add_argument("--max-version", default="0x0301")
    ap.add_argument("--cert")
    args = ap.parse_args()
    fs.OPTS.cert = args.cert
    suites = [int(x, 16) for x in args.suites.split(",")]
    max_version = int(args.max_version, 16)

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    print("ready %d" % srv.getsockname()[1], flush=True)

    def one(conn, peer):
        try:
            conn.settimeout(fs.IDLE_S)
            serve(conn, suites, max_version)
        except OSError as e:
            fs.log("legacy: %s" % e)
        finally:
            conn.close()

    fs.accept_forever(srv, one)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
