#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scripted misbehaving TCP servers for the client's tests.

    fakeserver.py MODE [--host H] [--port P] [--cert PEM] [--delay S]

Binds (port 0 by default, so the kernel picks a free one), prints
"ready PORT" on stdout once listening, then serves every connection in a
thread of its own until it is killed. Every socket operation has a
timeout, so a client that goes away never leaves a thread behind for
long.

Modes:
  ssh          sends an SSH-2.0 identification line at once
  smtp         sends an SMTP 220 greeting at once
  ftp          sends an FTP 220 greeting at once
  http         reads the request bytes, answers 400 Bad Request, closes
  reset        reads the ClientHello, then resets (SO_LINGER 0 -> RST)
  close        reads the ClientHello, then closes normally (FIN, no alert)
  stall        reads whatever comes and never answers
  garbage-tls  answers the ClientHello with a TLS record header whose
               length is impossible, then junk, and keeps the line open
  escape       sends a banner full of terminal escape sequences
  bad-suite    answers every ClientHello with a TLS 1.2 ServerHello for
               suite 0x0000 (TLS_NULL_WITH_NULL_NULL), never offered
  hrr          answers every ClientHello with a HelloRetryRequest for
               TLS_AES_128_GCM_SHA256 and x25519, whatever was offered

The modes below speak TLS 1.2 only and choose, in their own order, the
first of their suites the ClientHello offers (a handshake_failure alert
when none is, protocol_version to an older hello, TLS 1.3 included):
  hello-stall    ServerHello and Certificate (--cert, DER of its first
                 certificate), then silence: never a ServerKeyExchange
                 nor a ServerHelloDone, the line kept open
  hello-trickle  ServerHello at once, then the Certificate one byte a
                 second
  trickle        the whole answer one byte a second, from its first byte
  flood          endless handshake records of HelloRequest messages, as
                 fast as the line takes them, and never a ServerHello
  hello-flood    ServerHello, then the same endless HelloRequests
  slow           a complete first flight for RSA key exchange suites
                 (ServerHello, Certificate, ServerHelloDone), each answer,
                 alerts too, --delay seconds (default 1) after the hello

The next two answer whatever was offered, TLS 1.3 hellos included:
  sh-silence     a TLS 1.2 ServerHello for
                 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, then silence
  sh-trickle     that ServerHello and a Certificate record after it, one
                 byte a second, forever
"""

import argparse
import socket
import ssl
import struct
import sys
import threading
import time

# How long one connection may live without the client doing anything.
IDLE_S = 30.0
# How long we wait for the ClientHello before acting anyway.
HELLO_S = 5.0
# At most this many connections at once; more are closed at once.
MAX_CONNECTIONS = 64

BANNERS = {
    "ssh": b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
    "smtp": b"220 mail.test ESMTP ready\r\n",
    "ftp": b"220 FTP server ready\r\n",
    # OSC "set window title" terminated by BEL, then SGR red, then a
    # cursor-moving CSI and a bare carriage return: all must be defused.
    "escape": b"\x1b]0;pwned\x07\x1b[31mEVIL banner\x1b[2J\x1b[H\r"
              b"\x9b31m\x1b[0m\r\n",
}

HTTP_BODY = b"400 Bad Request: this port speaks plain HTTP\n"
HTTP_400 = (b"HTTP/1.1 400 Bad Request\r\n"
            b"Server: fakeserver\r\n"
            b"Content-Type: text/plain\r\n"
            b"Content-Length: " + str(len(HTTP_BODY)).encode() + b"\r\n"
            b"Connection: close\r\n"
            b"\r\n" + HTTP_BODY)

# RFC 8446 section 5.1: a record's length must not exceed 2^14 (+256
# for ciphertext in TLS 1.2, +2048 at most); 0xFFFF is absurd.
GARBAGE_TLS = b"\x16\x03\x03\xff\xff" + bytes(range(7, 250)) * 2


def read_client_hello(conn):
    """Reads one TLS record (the ClientHello), or what arrives before
    the peer stops sending; returns the bytes read."""
    conn.settimeout(HELLO_S)
    data = b""
    want = 5
    try:
        while len(data) < want:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
            if len(data) >= 5 and want == 5:
                if data[0] == 0x16:
                    want = 5 + struct.unpack("!H", data[3:5])[0]
                else:
                    break  # not TLS: take what came
    except (socket.timeout, OSError):
        pass
    return data


def drain_until_gone(conn, timeout=IDLE_S):
    """Reads and discards until the peer closes, or the timeout."""
    conn.settimeout(timeout)
    try:
        while conn.recv(65536):
            pass
    except (socket.timeout, OSError):
        pass


def serve_banner(conn, mode):
    conn.sendall(BANNERS[mode])
    drain_until_gone(conn)


def serve_http(conn):
    conn.settimeout(HELLO_S)
    try:
        conn.recv(65536)
    except (socket.timeout, OSError):
        pass
    conn.sendall(HTTP_400)
    try:
        conn.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    drain_until_gone(conn, HELLO_S)


def serve_reset(conn):
    read_client_hello(conn)
    # Linger on with a zero timeout: close() then sends RST, not FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))


def serve_close(conn):
    read_client_hello(conn)
    conn.shutdown(socket.SHUT_RDWR)


def serve_stall(conn):
    drain_until_gone(conn)


_first_seen = threading.Event()


def serve_version_then_stall(conn):
    """The first connection's hello is refused with a fatal
    protocol_version alert; every later connection is accepted and never
    answered, so that a client looking for the versions this server
    speaks waits for nothing but its own deadline."""
    first = not _first_seen.is_set()
    _first_seen.set()
    read_client_hello(conn)
    if first:
        conn.sendall(record(21, b"\x02\x46"))
    drain_until_gone(conn)


def serve_garbage_tls(conn):
    read_client_hello(conn)
    conn.sendall(GARBAGE_TLS)
    drain_until_gone(conn)


def server_hello(suite, hrr):
    """A ServerHello (or, with hrr, a HelloRetryRequest: RFC 8446
    section 4.1.3) choosing suite, as one record."""
    if hrr:
        random = bytes.fromhex("CF21AD74E59A6111BE1D8C021E65B891"
                               "C2A211167ABB8C5E079E09E2C8A8339C")
        # supported_versions TLS 1.3, key_share selected_group x25519
        ext = (struct.pack("!HHH", 43, 2, 0x0304) +
               struct.pack("!HHH", 51, 2, 0x001D))
    else:
        random = bytes(range(32))
        ext = struct.pack("!HH", 0xFF01, 1) + b"\x00"
    body = (struct.pack("!H", 0x0303) + random + b"\x00" +
            struct.pack("!HB", suite, 0) + struct.pack("!H", len(ext)) + ext)
    msg = struct.pack("!I", (2 << 24) | len(body)) + body
    return struct.pack("!BHH", 22, 0x0303, len(msg)) + msg


def serve_sh_trickle(conn):
    read_client_hello(conn)
    # a Certificate record that claims 16 KiB, never more than begun
    data = (server_hello(0xC02F, False) +
            struct.pack("!BHH", 22, 0x0303, 0x4000) +
            struct.pack("!I", (11 << 24) | (0x4000 - 4)))
    data += bytes(0x4000 - 4)
    for i in range(len(data)):
        conn.sendall(data[i:i + 1])
        time.sleep(1.0)


def serve_hello(conn, suite, hrr):
    read_client_hello(conn)
    conn.sendall(server_hello(suite, hrr))
    drain_until_gone(conn, HELLO_S)


# TLS 1.2 suites, in the server's order: seven ECDHE_RSA ones (AES-GCM,
# ChaCha20, AES-CBC), then four with static RSA key exchange; "slow"
# keeps to static RSA (no ServerKeyExchange).
STALL_SUITES = [0xC02F, 0xC030, 0xCCA8, 0xC027, 0xC028, 0xC013, 0xC014,
                0x009C, 0x009D, 0x003C, 0x002F]
SLOW_SUITES = [0x009C, 0x002F, 0x0035]
# Options given on the command line (--cert, --delay).
OPTS = argparse.Namespace(cert=None, delay=1.0)


def hello_offer(hello):
    """The legacy version, the suites and the supported_versions of a
    ClientHello record (RFC 5246 section 7.4.1.2, RFC 8446 4.1.2);
    None when it cannot be read."""
    try:
        body = hello[9:]
        version = struct.unpack("!H", body[0:2])[0]
        at = 2 + 32
        at += 1 + body[at]
        n = struct.unpack("!H", body[at:at + 2])[0]
        suites = [struct.unpack("!H", body[at + 2 + i:at + 4 + i])[0]
                  for i in range(0, n, 2)]
        at += 2 + n
        at += 1 + body[at]
        versions = []
        if at + 2 <= len(body):
            end = at + 2 + struct.unpack("!H", body[at:at + 2])[0]
            at += 2
            while at + 4 <= end:
                etype, elen = struct.unpack("!HH", body[at:at + 4])
                if etype == 43:
                    data = body[at + 5:at + 4 + elen]
                    versions = [struct.unpack("!H", data[i:i + 2])[0]
                                for i in range(0, len(data) - 1, 2)]
                at += 4 + elen
        return version, suites, versions
    except (IndexError, struct.error):
        return None


def record(ctype, payload):
    return struct.pack("!BHH", ctype, 0x0303, len(payload)) + payload


def handshake(htype, body):
    return struct.pack("!I", (htype << 24) | len(body)) + body


def certificate_message():
    """A Certificate message (RFC 5246 section 7.4.2) holding --cert."""
    der = b"\x30\x03\x02\x01\x00"
    if OPTS.cert:
        with open(OPTS.cert) as f:
            pem = f.read()
        end = pem.index("-----END CERTIFICATE-----") + 25
        der = ssl.PEM_cert_to_DER_cert(pem[:end])
    entry = struct.pack("!I", len(der))[1:] + der
    return handshake(11, struct.pack("!I", len(entry))[1:] + entry)


def records(msgs):
    """Handshake messages as records of at most 16384 bytes."""
    return b"".join(record(22, msgs[i:i + 16384])
                    for i in range(0, len(msgs), 16384))


def tls12_answer(conn, suites):
    """Reads the ClientHello; returns (alert, None) with an alert record,
    or (None, ServerHello) for the first of suites offered."""
    offer = hello_offer(read_client_hello(conn))
    if offer is None:
        return record(21, b"\x02\x32"), None      # decode_error
    version, offered, versions = offer
    if version < 0x0303 or 0x0304 in versions:
        return record(21, b"\x02\x46"), None      # protocol_version
    chosen = [x for x in suites if x in offered]
    if not chosen:
        return record(21, b"\x02\x28"), None      # handshake_failure
    ext = struct.pack("!HH", 0xFF01, 1) + b"\x00"
    body = (struct.pack("!H", 0x0303) + bytes(range(32)) + b"\x00" +
            struct.pack("!HB", chosen[0], 0) + struct.pack("!H", len(ext)) +
            ext)
    return None, handshake(2, body)


def send_slowly(conn, data, gap):
    for i in range(len(data)):
        conn.sendall(data[i:i + 1])
        time.sleep(gap)


def serve_hello_stall(conn):
    alert, hello = tls12_answer(conn, STALL_SUITES)
    conn.sendall(alert or records(hello + certificate_message()))
    drain_until_gone(conn)


def serve_hello_trickle(conn):
    alert, hello = tls12_answer(conn, STALL_SUITES)
    if alert:
        conn.sendall(alert)
    else:
        conn.sendall(records(hello))
        send_slowly(conn, records(certificate_message()), 1.0)
    drain_until_gone(conn)


def serve_trickle(conn):
    alert, hello = tls12_answer(conn, STALL_SUITES)
    send_slowly(conn, alert or records(hello + certificate_message()), 1.0)
    drain_until_gone(conn)


def flood(conn):
    """HelloRequest messages (type 0, empty) until the peer goes."""
    chunk = record(22, handshake(0, b"") * 4096) * 16
    try:
        while True:
            conn.sendall(chunk)
    except OSError:
        pass


def serve_flood(conn):
    read_client_hello(conn)
    flood(conn)


def serve_hello_flood(conn):
    alert, hello = tls12_answer(conn, STALL_SUITES)
    if alert:
        conn.sendall(alert)
        drain_until_gone(conn)
        return
    conn.sendall(records(hello))
    flood(conn)


def serve_slow(conn):
    alert, hello = tls12_answer(conn, SLOW_SUITES)
    time.sleep(OPTS.delay)
    conn.sendall(alert or records(hello + certificate_message() +
                                  handshake(14, b"")))
    drain_until_gone(conn, HELLO_S)


HANDLERS = {
    "hello-stall": serve_hello_stall,
    "hello-trickle": serve_hello_trickle,
    "trickle": serve_trickle,
    "slow": serve_slow,
    "flood": serve_flood,
    "hello-flood": serve_hello_flood,
    "bad-suite": lambda c: serve_hello(c, 0x0000, False),
    "hrr": lambda c: serve_hello(c, 0x1301, True),
    "sh-silence": lambda c: serve_hello(c, 0xC02F, False),
    "sh-trickle": serve_sh_trickle,
    "ssh": lambda c: serve_banner(c, "ssh"),
    "smtp": lambda c: serve_banner(c, "smtp"),
    "ftp": lambda c: serve_banner(c, "ftp"),
    "escape": lambda c: serve_banner(c, "escape"),
    "http": serve_http,
    "reset": serve_reset,
    "close": serve_close,
    "stall": serve_stall,
    "garbage-tls": serve_garbage_tls,
    "version-then-stall": serve_version_then_stall,
}


def accept_forever(srv, serve):
    """Accepts on srv, each connection to serve(conn, peer) on a thread of
    its own, at most MAX_CONNECTIONS at once: more are closed at once, so
    that a flood cannot make the server spawn without bound."""
    slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def run(conn, peer):
        try:
            serve(conn, peer)
        finally:
            slots.release()

    while True:
        conn, peer = srv.accept()
        if not slots.acquire(blocking=False):
            conn.close()
            continue
        threading.Thread(target=run, args=(conn, peer[:2]),
                         daemon=True).start()


def pump(src, dst, size=65536):
    """Copies what src sends to dst until either end closes or fails,
    then shuts both down."""
    try:
        while True:
            data = src.recv(size)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def handle(conn, peer, mode):
    log("%s: connection from %s" % (mode, peer))
    try:
        conn.settimeout(IDLE_S)
        HANDLERS[mode](conn)
    except OSError as e:
        log("%s: %s: %s" % (mode, peer, e))
    finally:
        try:
            conn.close()
        except OSError:
            pass


def log(msg):
    sys.stderr.write("fakeserver: %s\n" % msg)
    sys.stderr.flush()


def main():
    ap = argparse.ArgumentParser(description="scripted misbehaving servers")
    ap.add_argument("mode", choices=sorted(HANDLERS))
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cert", help="PEM certificate the TLS 1.2 modes send")
    ap.add_argument("--delay", type=float, default=1.0,
                    help="slow: seconds before each answer")
    args = ap.parse_args()
    OPTS.cert, OPTS.delay = args.cert, args.delay

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    srv.bind((args.host, args.port))
    srv.listen(16)
    print("ready %d" % srv.getsockname()[1], flush=True)

    accept_forever(srv, lambda conn, peer: handle(conn, peer, args.mode))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
