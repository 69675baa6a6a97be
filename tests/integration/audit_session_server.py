#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""A TLS server that requires ALPN, for the audit's alpn check.

    audit_session_server.py --cert PEM --key PEM [--alpn h2,...]

No common server refuses a ClientHello without ALPN (gnutls-serv's
--alpn-fatal and OpenSSL refuse only a list without a match), yet RFC
7301 section 3.2 lets a server that needs a protocol answer with
no_application_protocol. This one does, to a library's ClientHello
without the ALPN extension; any other hello is handed, bytes as read, to
Python's ssl module, which finishes a real handshake (choosing from
--alpn) and then reads until the client goes.

A library's hello is one that offers encrypt_then_mac or status_request
(GnuTLS, OpenSSL and browsers do). The cipher audit's bare probes offer
neither, and no ALPN: refused too, they would leave the audit nothing
to check.

Prints "ready PORT" once listening on 127.0.0.1 (port 0: the kernel's
pick), serves each connection in a thread, every read bounded.
"""

import argparse
import os
import socket
import ssl
import struct
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakeserver import drain_until_gone, read_client_hello, record  # noqa

IDLE_S = 10.0
EXT_ALPN = 16                  # RFC 7301 section 3.1
EXT_STATUS_REQUEST = 5         # RFC 6066 section 8
EXT_ENCRYPT_THEN_MAC = 22      # RFC 7366
ALERT_NO_APPLICATION_PROTOCOL = 120


def extensions(hello):
    """The extension types of a ClientHello record, [] when unreadable
    (RFC 5246 section 7.4.1.2)."""
    try:
        body = hello[9:]
        at = 2 + 32
        at += 1 + body[at]
        at += 2 + struct.unpack("!H", body[at:at + 2])[0]
        at += 1 + body[at]
        end = at + 2 + struct.unpack("!H", body[at:at + 2])[0]
        at += 2
        types = []
        while at + 4 <= end:
            etype, elen = struct.unpack("!HH", body[at:at + 4])
            types.append(etype)
            at += 4 + elen
        return types
    except (IndexError, struct.error):
        return []


def serve(conn, ctx):
    hello = read_client_hello(conn)
    offered = extensions(hello)
    library = EXT_STATUS_REQUEST in offered or EXT_ENCRYPT_THEN_MAC in offered
    if library and EXT_ALPN not in offered:
        conn.sendall(record(21, bytes([2, ALERT_NO_APPLICATION_PROTOCOL])))
        return
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_side=True)
    inc.write(hello)
    conn.settimeout(IDLE_S)
    while True:
        try:
            tls.do_handshake()
            conn.sendall(out.read())
            break
        except ssl.SSLWantReadError:
            conn.sendall(out.read())
            data = conn.recv(65536)
            if not data:
                return
            inc.write(data)
    drain_until_gone(conn, IDLE_S)


def handle(conn, ctx):
    try:
        serve(conn, ctx)
    except (OSError, ssl.SSLError) as e:
        sys.stderr.write("audit_session_server: %s\n" % e)
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--alpn", default="h2")
    args = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(args.alpn.split(","))
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    print("ready %d" % srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn, ctx), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
