#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""A server with one known vulnerability, for the audit's attack checks.

    audit_attacks_server.py --heartbleed|--ccs|--ticketbleed|
        --compression|--no-fallback|--sslv2 --cert PEM --key PEM

Prints "ready PORT" once it listens on 127.0.0.1 (port 0: the kernel
picks), then serves each connection in a thread of its own. It looks at
each ClientHello without taking it off the socket: the hello that
provokes its vulnerability is answered by hand, as the vulnerable
server did; every other one goes to a real TLS server (Python's ssl,
OpenSSL), so that the cipher audit before the checks sees a real
server. No memory is ever leaked: the "memory" sent is a fixed pattern.

  --heartbleed   a hello with the heartbeat extension gets it echoed
                 and a first flight; a heartbeat request is answered
                 with the 16 KiB its length claims (OpenSSL 1.0.1f)
  --ccs          TLS 1.2 by hand for every hello (RSA key exchange): an
                 early ChangeCipherSpec is taken in silence, a second
                 one answered with decryption_failed (OpenSSL 1.0.1f)
  --ticketbleed  a hello resuming with a ticket gets its session ID
                 echoed 32 bytes long, then ChangeCipherSpec (F5 BIG-IP)
  --compression  a hello offering DEFLATE gets it chosen
  --no-fallback  TLS 1.0-1.2; a hello with TLS_FALLBACK_SCSV is answered
                 at its version as if the SCSV were not there
  --sslv2        an SSL 2.0 CLIENT-HELLO gets a SERVER-HELLO
  --heartbleed-once  as --heartbleed for the first heartbeat request
                 only; later ones get an honest answer (the audit must
                 then say unknown: an answer it cannot repeat is no proof)
"""

import argparse
import os
import socket
import ssl
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeserver  # noqa: E402  (its record helpers and ClientHello reader)
from fakeserver import handshake, record, records  # noqa: E402

IDLE_S = 10.0
MEMORY = bytes((i * 7 + 3) & 0xff for i in range(0x4000))
# what --ccs accepts: RSA key exchange, no ServerKeyExchange to write
CCS_SUITES = [0x009C, 0x002F, 0x0035]
HTTP_OK = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
           b"Content-Length: 3\r\nConnection: close\r\n\r\nok\n")


def peek_hello(conn):
    """The first record (the ClientHello) without taking it, or what
    came before the peer stopped sending."""
    conn.settimeout(fakeserver.HELLO_S)
    deadline = time.monotonic() + fakeserver.HELLO_S
    data = b""
    while time.monotonic() < deadline:
        try:
            data = conn.recv(65536, socket.MSG_PEEK)
        except (socket.timeout, OSError):
            return data
        if not data:
            return data
        if data[0] & 0x80 and len(data) >= 2:
            if len(data) >= 2 + ((data[0] & 0x7f) << 8 | data[1]):
                return data
        elif len(data) >= 5 and len(data) >= 5 + struct.unpack(
                "!H", data[3:5])[0]:
            return data
        time.sleep(0.01)
    return data


def parse_hello(data):
    """A dict of what the ClientHello record offers, or None."""
    try:
        if data[0] != 22:
            return None
        body = data[9:]
        h = {"version": struct.unpack("!H", body[0:2])[0]}
        at = 34
        h["sid"] = body[at + 1:at + 1 + body[at]]
        at += 1 + body[at]
        n = struct.unpack("!H", body[at:at + 2])[0]
        h["suites"] = [struct.unpack("!H", body[at + 2 + i:at + 4 + i])[0]
                       for i in range(0, n, 2)]
        at += 2 + n
        h["compression"] = list(body[at + 1:at + 1 + body[at]])
        at += 1 + body[at]
        h["ext"] = {}
        if at + 2 <= len(body):
            # to the end of what came, whatever the lengths say: the
            # hello of testssl.sh's Ticketbleed check counts them short,
            # which F5's parser never minded
            at += 2
            while at + 4 <= len(body):
                etype, elen = struct.unpack("!HH", body[at:at + 4])
                h["ext"][etype] = body[at + 4:at + 4 + elen]
                at += 4 + elen
        return h
    except (IndexError, struct.error):
        return None


def server_hello(version, suite, sid=b"", compression=0, ext=b""):
    ext += struct.pack("!HH", 0xFF01, 1) + b"\x00"
    body = (struct.pack("!H", version) + bytes(range(32)) +
            struct.pack("!B", len(sid)) + sid +
            struct.pack("!HB", suite, compression) +
            struct.pack("!H", len(ext)) + ext)
    return handshake(2, body)


def first_flight(version, suite, **kw):
    """ServerHello, Certificate, ServerHelloDone as records."""
    return records(server_hello(version, suite, **kw) +
                   fakeserver.certificate_message() + handshake(14, b""))


def first_suite(h):
    return next(s for s in h["suites"] if s not in (0x00FF, 0x5600))


def read_record(conn):
    """One whole record from the client: (type, payload) or None."""
    head = b""
    while len(head) < 5:
        chunk = conn.recv(5 - len(head))
        if not chunk:
            return None
        head += chunk
    want = struct.unpack("!H", head[3:5])[0]
    payload = b""
    while len(payload) < want:
        chunk = conn.recv(want - len(payload))
        if not chunk:
            return None
        payload += chunk
    return head[0], payload


LEAKS = {"left": None}   # --heartbleed-once: leaks still to give
LEAKS_LOCK = threading.Lock()


def leak_now():
    with LEAKS_LOCK:
        if LEAKS["left"] is None:
            return True
        LEAKS["left"] -= 1
        return LEAKS["left"] >= 0


def serve_heartbleed(conn, h):
    fakeserver.read_client_hello(conn)
    conn.sendall(first_flight(h["version"], first_suite(h),
                              ext=struct.pack("!HHB", 15, 1, 1)))
    conn.settimeout(IDLE_S)
    while True:
        rec = read_record(conn)
        if rec is None:
            return
        if rec[0] == 24 and len(rec[1]) >= 3 and rec[1][0] == 1:
            # OpenSSL 1.0.1f trusted the length: the bytes after the 3
            # sent came from its own memory
            claimed = struct.unpack("!H", rec[1][1:3])[0]
            if not leak_now():
                # a fixed server: the payload as sent (none), padding
                claimed = len(rec[1]) - 3
            leak = rec[1][3:3 + claimed] + MEMORY[:max(0, claimed - len(
                rec[1]) + 3)]
            reply = b"\x02" + struct.pack("!H", claimed) + leak + bytes(16)
            conn.sendall(struct.pack("!BHH", 24, h["version"], len(reply)) +
                         reply)


def serve_ccs(conn):
    alert, sh = fakeserver.tls12_answer(conn, CCS_SUITES)
    if alert is not None:
        conn.sendall(alert)
        return
    conn.sendall(records(sh + fakeserver.certificate_message() +
                         handshake(14, b"")))
    conn.settimeout(IDLE_S)
    early = False
    while True:
        rec = read_record(conn)
        if rec is None:
            return
        if rec[0] == 20 and not early:
            early = True     # taken: keys from an empty master secret
        elif early:
            # what came next was "decrypted" with those keys, and failed
            conn.sendall(record(21, b"\x02\x15"))
            return
        else:
            return


def serve_ticketbleed(conn, h):
    fakeserver.read_client_hello(conn)
    # the F5 bug: 32 bytes copied whatever the length of the ID sent;
    # what follows the ID differs each time, as memory would
    sid = (h["sid"] + os.urandom(32))[:32]
    conn.sendall(records(server_hello(0x0303, first_suite(h), sid=sid)) +
                 record(20, b"\x01"))
    fakeserver.drain_until_gone(conn, IDLE_S)


def serve_compression(conn, h):
    fakeserver.read_client_hello(conn)
    conn.sendall(first_flight(h["version"], first_suite(h), compression=1))
    fakeserver.drain_until_gone(conn, IDLE_S)


def serve_no_fallback(conn, h):
    fakeserver.read_client_hello(conn)
    conn.sendall(first_flight(h["version"], first_suite(h)))
    fakeserver.drain_until_gone(conn, IDLE_S)


def serve_sslv2(conn):
    fakeserver.read_client_hello(conn)
    der = fakeserver.certificate_message()[10:]
    specs = b"\x01\x00\x80\x03\x00\x80\x07\x00\xc0"
    conn_id = bytes(range(16))
    msg = (struct.pack("!BBBHHHH", 4, 0, 1, 0x0002, len(der), len(specs),
                       len(conn_id)) + der + specs + conn_id)
    conn.sendall(struct.pack("!H", 0x8000 | len(msg)) + msg)
    fakeserver.drain_until_gone(conn, IDLE_S)


def serve_real(conn, ctx):
    """A real TLS server for everything else, answering HTTP (testssl.sh
    runs some checks on HTTP services only)."""
    conn.settimeout(IDLE_S)
    with ctx.wrap_socket(conn, server_side=True) as tls:
        if tls.recv(4096):
            tls.sendall(HTTP_OK)


def handle(conn, mode, ctx):
    try:
        data = peek_hello(conn)
        if not data:
            return
        if mode == "sslv2" and data[0] & 0x80:
            return serve_sslv2(conn)
        if mode == "ccs":
            return serve_ccs(conn)
        h = parse_hello(data)
        if h is not None and h["suites"]:
            if mode.startswith("heartbleed") and 15 in h["ext"]:
                return serve_heartbleed(conn, h)
            if mode == "ticketbleed" and h["ext"].get(35):
                return serve_ticketbleed(conn, h)
            if mode == "compression" and 1 in h["compression"]:
                return serve_compression(conn, h)
            if mode == "no-fallback" and 0x5600 in h["suites"]:
                return serve_no_fallback(conn, h)
        serve_real(conn, ctx)
    except (OSError, ssl.SSLError, StopIteration) as e:
        sys.stderr.write("audit_attacks_server: %s: %s\n" % (mode, e))
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    modes = ap.add_mutually_exclusive_group(required=True)
    for m in ("heartbleed", "ccs", "ticketbleed", "compression",
              "no-fallback", "sslv2", "heartbleed-once"):
        modes.add_argument("--" + m, dest="mode", action="store_const",
                           const=m)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    args = ap.parse_args()
    fakeserver.OPTS.cert = args.cert
    if args.mode == "heartbleed-once":
        LEAKS["left"] = 1

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if args.mode == "no-fallback":
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    print("ready %d" % srv.getsockname()[1], flush=True)
    fakeserver.accept_forever(
        srv, lambda conn, peer: handle(conn, args.mode, ctx))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
