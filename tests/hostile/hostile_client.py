#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""A scripted hostile TLS client (for tlsprobe server).

    hostile_client.py MODE HOST PORT [--certs DIR] [--count N]
                      [--hold SECONDS]

Plays MODE against HOST:PORT and prints one line saying what the server
did: "MODE: answered N bytes (first 0xNN), closed by the server after
N ms" and the like, for the test to check. Exits 0 when it could play
its part (whatever the server did), 1 when it could not even connect.

Modes:
  idle         --count connections (default 1000) that send nothing;
               each waits until the server closes it or --hold runs out
  quick        --count connections (default 5000), each closed at once
  slowloris    a ClientHello at one byte a second (--interval)
  sslv2        an SSL 2.0 CLIENT-HELLO offering SSL 2.0 suites only
  garbage      4 KiB of binary bytes
  huge-length  a handshake record header with length 0xFFFF, then junk
  ext64k       a ClientHello with a 64 KiB padding extension, split over
               records as RFC 8446 section 5.1 allows
  split        a ClientHello in one-byte records
  alert-storm  10,000 warning alerts, then a fatal internal_error
  close-notify a close_notify at once, then FIN
  rst          a ClientHello, then a reset
  unknown-record  a record of content type 0x63
  zero-window  a ClientHello with a tiny receive buffer, never read
  flood        100 MB of bytes that are not TLS
  evil-sni     a ClientHello whose server name carries terminal escapes
               and bidi controls
  evil-alpn    a ClientHello whose ALPN protocols do
  evil-cert    a real handshake (Python's ssl) with a client certificate
               full of escapes (client.pem from mkcerts.py)
  sb-evil      a side-channel hello whose every string is hostile
  sb-raw       the same with the control bytes raw, not JSON-escaped
  sb-huge      a side-channel line of 1 MB with no newline
  sb-nested    a side-channel line of JSON nested 10,000 deep
  sb-malformed a side-channel line that is not JSON
               (each sb-* line is followed by a ClientHello whose
               random carries the mark of the hello's key; left once
               answered)
  claim-garbage  a hello, then after the welcome a line that is not JSON
  claim-first    a claim before any hello
  claim-twice    a hello, then two claims on its challenge
  claim-short    a hello, then a claim whose signature is 63 bytes
  claim-endless  a hello, then after the welcome a line that never ends
               (a byte every --interval seconds, never a newline)
  claim-trickle  a hello, then a claim in one-byte segments
               (each claim-* mode prints what came after the welcome)
"""

import argparse
import hashlib
import hmac
import json
import os
import socket
import ssl
import struct
import sys
import time

EVIL = "\x1b[2J\x1b]0;x\x07\u009b31m\u202etxt.exe\u2066"
E = "\x1b[2J\u009b\u202e\u2066"
MAGIC = b"TLSPROBE/1 "
WAIT_S = 10.0


def record(ctype, payload, version=0x0301):
    return struct.pack("!BHH", ctype, version, len(payload)) + payload


def records(ctype, payload, size=16384):
    return b"".join(record(ctype, payload[i:i + size])
                    for i in range(0, len(payload), size))


def ext(etype, data):
    return struct.pack("!HH", etype, len(data)) + data


def vec16(data):
    return struct.pack("!H", len(data)) + data


def client_hello_body(sni=b"localhost", alpn=(b"h2",), padding=0,
                      random=None):
    """A TLS 1.2 ClientHello body a GnuTLS server answers: ECDHE with
    ECDSA or RSA, AES-GCM, x25519 and P-256."""
    suites = [0xC02B, 0xC02C, 0xC02F, 0xC030, 0x009C]
    exts = b""
    if sni is not None:
        name = b"\x00" + vec16(sni)
        exts += ext(0, vec16(name))
    exts += ext(10, vec16(struct.pack("!HH", 0x001D, 0x0017)))
    exts += ext(11, b"\x01\x00")
    exts += ext(13, vec16(struct.pack("!HHHH", 0x0403, 0x0804, 0x0401,
                                      0x0503)))
    exts += ext(0xFF01, b"\x00")
    exts += ext(23, b"")
    if alpn:
        exts += ext(16, vec16(b"".join(bytes([len(a)]) + a for a in alpn)))
    if padding:
        exts += ext(21, bytes(padding))
    return (struct.pack("!H", 0x0303) + (random or os.urandom(32)) + b"\x00" +
            vec16(b"".join(struct.pack("!H", s) for s in suites)) +
            b"\x01\x00" + vec16(exts))


def client_hello(**kw):
    body = client_hello_body(**kw)
    return struct.pack("!I", (1 << 24) | len(body)) + body


STARTED = []


def connect(host, port, rcvbuf=None):
    if not STARTED:
        # when the first connection was made, for the test to time the
        # server from (a Python start is slow on a busy machine)
        STARTED.append(time.time())
        print("start %d" % (STARTED[0] * 1000), flush=True)
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                      socket.SOCK_STREAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(WAIT_S)
    s.connect((host, port))
    return s


def watch(s, t0, wait=WAIT_S):
    """Reads what the server sends until it closes or resets: the bytes,
    how it ended and when."""
    got = b""
    how = "still open after %.0f s" % wait
    s.settimeout(0.5)
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            how = "reset by the server"
            break
        except OSError as e:
            how = "error %s" % e
            break
        if not chunk:
            how = "closed by the server"
            break
        got += chunk
    return got, how, (time.monotonic() - t0) * 1000


def outcome(s, t0, wait=WAIT_S):
    """What the server sent and how it ended: a line."""
    got, how, ms = watch(s, t0, wait)
    first = "first 0x%02x" % got[0] if got else "nothing"
    return "answered %d bytes (%s), %s after %d ms" % (len(got), first, how,
                                                     ms)


def send_and_watch(host, port, data, rcvbuf=None, wait=WAIT_S):
    s = connect(host, port, rcvbuf)
    t0 = time.monotonic()
    try:
        s.sendall(data)
    except OSError as e:
        return "send failed (%s) after %d ms" % (
            e, (time.monotonic() - t0) * 1000)
    r = outcome(s, t0, wait)
    s.close()
    return r


def play_idle(a):
    socks = []
    for _ in range(a.count):
        try:
            socks.append(connect(a.host, a.port))
        except OSError as e:
            return "idle: only %d connections (%s)" % (len(socks), e)
    t0 = time.monotonic()
    open_ = list(socks)
    closed = 0
    for s in socks:
        s.setblocking(False)
    while open_ and time.monotonic() - t0 < a.hold:
        still = []
        for s in open_:
            try:
                if s.recv(4096) == b"":
                    closed += 1
                    s.close()
                    continue
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
                s.close()
                continue
            still.append(s)
        open_ = still
        time.sleep(0.1)
    for s in open_:
        s.close()
    return "idle: %d connections, %d closed by the server after %d ms" % (
        len(socks), closed, (time.monotonic() - t0) * 1000)


def play_quick(a):
    done = 0
    for _ in range(a.count):
        try:
            s = connect(a.host, a.port)
        except OSError as e:
            return "quick: %d connections, then %s" % (done, e)
        s.close()
        done += 1
    return "quick: %d connections" % done


def play_slowloris(a):
    s = connect(a.host, a.port)
    t0 = time.monotonic()
    data = record(22, client_hello())
    sent = 0
    try:
        for b in data:
            s.sendall(bytes([b]))
            sent += 1
            time.sleep(a.interval)
            if time.monotonic() - t0 > a.hold:
                break
    except OSError as e:
        return "slowloris: the server ended it (%s) after %d bytes, %d ms" % (
            type(e).__name__, sent, (time.monotonic() - t0) * 1000)
    # a closed socket may still take sends for a while: what came back
    return "slowloris: %d bytes sent; %s" % (sent, outcome(s, t0, 1))


def sslv2_hello():
    # SSL 2.0 CLIENT-HELLO: version 0x0002, SSL 2.0 cipher specs only
    specs = bytes.fromhex("010080 020080 030080 060040 0700c0")
    challenge = os.urandom(16)
    body = (b"\x01" + struct.pack("!HHHH", 0x0002, len(specs), 0,
                                  len(challenge)) + specs + challenge)
    return struct.pack("!H", 0x8000 | len(body)) + body


def sb(obj):
    return MAGIC + json.dumps(obj).encode() + b"\n"


# Any 32 bytes do for a public key: the server checks that the random
# was made from it, and a hostile client never needs to sign for real.
KEY = bytes(range(32))


def mark(key):
    """The ClientHello random a tlsprobe client makes from its key
    (src/sideband.h): SHA-256(key)[0..16), then an HMAC of those."""
    head = hashlib.sha256(key).digest()[:16]
    return head + hmac.new(b"TLSPROBE/1 client mark", head,
                           hashlib.sha256).digest()[:16]


def evil_sb_hello():
    return sb({"type": "hello", "version": "0.1.0" + E[:1],
               "unique_id": "id" + E, "local": "127.0.0.1:1" + E,
               "dialled": "127.0.0.1:2" + E,
               "client_random": mark(KEY).hex(), "key": KEY.hex()})


def plain_sb_hello():
    return sb({"type": "hello", "version": "0.1.0", "unique_id": None,
               "local": "127.0.0.1:1", "dialled": "127.0.0.1:2",
               "client_random": mark(KEY).hex(), "key": KEY.hex()})


def sb_claim(sig):
    return sb({"type": "claim", "signature": sig.hex()})


def play_sideband(a):
    """The hostile line, then a handshake whose ClientHello random
    carries the mark of the hello's key (as a tlsprobe client makes
    it), so that whatever the server took from the line can reach its
    report of that handshake; it is left once the server answers."""
    first = send_and_watch(a.host, a.port, payload(a.mode), wait=a.hold)
    s = connect(a.host, a.port)
    t0 = time.monotonic()
    s.sendall(record(22, client_hello(random=mark(KEY))))
    # the whole first flight, until the server waits for us: a close
    # with bytes unread would be a reset, not the FIN meant here
    got = b""
    s.settimeout(a.hold)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
            s.settimeout(0.5)
    except OSError:
        pass
    s.close()
    return "%s: %s; then a ClientHello answered with %d bytes after %d ms" % (
        a.mode, first, len(got), (time.monotonic() - t0) * 1000)


def read_line(s, t0, wait):
    """One line (the welcome), or what came before the server ended."""
    got = b""
    s.settimeout(0.5)
    end = t0 + wait
    while b"\n" not in got and time.monotonic() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            break
        if not chunk:
            break
        got += chunk
    return got


def play_claim(a):
    """A hello and its welcome, then the mode's hostile claim; says
    whether the welcome came and what the server did after it. The
    signatures are garbage: the server must answer them with a null
    account, never with another's."""
    s = connect(a.host, a.port)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t0 = time.monotonic()
    if a.mode == "claim-first":
        s.sendall(sb_claim(bytes(64)))
        r = outcome(s, t0, a.hold)
        s.close()
        return "claim-first: " + r
    s.sendall(plain_sb_hello())
    got = read_line(s, t0, a.hold)
    if not got.startswith(MAGIC) or b'"welcome"' not in got:
        s.close()
        return "%s: no welcome (%d bytes)" % (a.mode, len(got))
    extra = got[got.index(b"\n") + 1:]
    t0 = time.monotonic()
    try:
        if a.mode == "claim-garbage":
            s.sendall(b"\x1b[2J\xe2\x80\xae" +
                      bytes(b for b in range(256) if b != 10) + b"\n")
        elif a.mode == "claim-twice":
            s.sendall(sb_claim(bytes(64)) + sb_claim(b"\x01" * 64))
        elif a.mode == "claim-short":
            s.sendall(sb_claim(bytes(63)))
        elif a.mode == "claim-trickle":
            for b in sb_claim(b"\x02" * 64):
                s.sendall(bytes([b]))
                time.sleep(0.002)
        elif a.mode == "claim-endless":
            s.sendall(MAGIC + b'{"type":"claim","signature":"')
            s.settimeout(a.interval)
            while time.monotonic() - t0 < a.hold:
                s.sendall(b"a")
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    continue
                extra += chunk
                if not chunk:
                    raise ConnectionAbortedError("FIN")
    except OSError as e:
        s.close()
        return "%s: welcome; then the server ended it (%s) after %d ms" % (
            a.mode, type(e).__name__, (time.monotonic() - t0) * 1000)
    got, how, ms = watch(s, t0, a.hold)
    s.close()
    # each line the server sent after the welcome, by its type
    kinds = []
    for line in (extra + got).split(b"\n")[:-1]:
        try:
            obj = json.loads(line[len(MAGIC):].decode())
            kinds.append("%s %s" % (obj["type"], json.dumps(
                obj.get("account"))))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            kinds.append("?")
    return "%s: welcome; then %d lines [%s], %d bytes, %s after %d ms" % (
        a.mode, len(kinds), "; ".join(kinds), len(extra + got), how, ms)


def play_evil_cert(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.load_cert_chain(os.path.join(a.certs, "client.pem"),
                        os.path.join(a.certs, "client.key"))
    s = connect(a.host, a.port)
    t0 = time.monotonic()
    try:
        t = ctx.wrap_socket(s, server_hostname="localhost")
        t.sendall(b"hello\n")
        v = t.version()
        t.close()
        return "evil-cert: handshake done (%s) after %d ms" % (
            v, (time.monotonic() - t0) * 1000)
    except (ssl.SSLError, OSError) as e:
        return "evil-cert: %s" % e


def payload(mode):
    hello = client_hello()
    return {
        "garbage": bytes((i * 37 + 11) & 0xFF for i in range(4096)),
        "huge-length": b"\x16\x03\x01\xff\xff" + bytes(range(7, 250)) * 2,
        "ext64k": records(22, client_hello(padding=65000)),
        "split": records(22, hello, 1),
        "alert-storm": record(21, b"\x01\x70") * 10000 +
        record(21, b"\x02\x50"),
        "close-notify": record(21, b"\x01\x00"),
        "unknown-record": record(0x63, b"hostile record"),
        "sslv2": sslv2_hello(),
        "evil-sni": records(22, client_hello(
            sni=("x" + E + ".test").encode())),
        "evil-alpn": records(22, client_hello(
            alpn=(("h2" + EVIL).encode(), b"\x1b]0;t\x07"))),
        "sb-evil": evil_sb_hello(),
        "sb-raw": MAGIC + ('{"type":"hello","version":"0.1.0","unique_id":'
                           '"id%s","local":"1","dialled":"2",'
                           '"client_random":"%s","key":"%s"}'
                           % (EVIL, mark(KEY).hex(), KEY.hex())).encode() +
        b"\n",
        "sb-huge": MAGIC + b'{"type":"hello","x":"' + b"A" * (1 << 20),
        "sb-nested": MAGIC + b'{"type":"hello","x":' + b"[" * 10000 +
        b"]" * 10000 + b"}\n",
        "sb-malformed": MAGIC + b'{"type":"hello",,"\x1b[2J\xe2\x80\xae\x9b\n',
    }.get(mode)


def play(a):
    if a.mode == "idle":
        return play_idle(a)
    if a.mode == "quick":
        return play_quick(a)
    if a.mode == "slowloris":
        return play_slowloris(a)
    if a.mode == "evil-cert":
        return play_evil_cert(a)
    if a.mode.startswith("sb-"):
        return play_sideband(a)
    if a.mode.startswith("claim-"):
        return play_claim(a)
    if a.mode == "rst":
        s = connect(a.host, a.port)
        s.sendall(record(22, client_hello()))
        time.sleep(0.2)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        s.close()
        return "rst: ClientHello, then a reset"
    if a.mode == "close-notify":
        s = connect(a.host, a.port)
        t0 = time.monotonic()
        s.sendall(payload(a.mode))
        s.shutdown(socket.SHUT_WR)
        r = outcome(s, t0, a.hold)
        s.close()
        return "close-notify: " + r
    if a.mode == "zero-window":
        s = connect(a.host, a.port, rcvbuf=1)
        t0 = time.monotonic()
        s.sendall(record(22, client_hello()))
        # never read: wait for the server to give up (a reset or FIN
        # shows as an error on a later send, or on the final read)
        time.sleep(a.hold)
        r = outcome(s, t0, 0.5)
        s.close()
        return "zero-window: " + r
    if a.mode == "flood":
        s = connect(a.host, a.port)
        t0 = time.monotonic()
        block = bytes((i * 131 + 7) & 0xFF for i in range(65536))
        sent = 0
        try:
            while sent < 100 * 1024 * 1024:
                s.sendall(block)
                sent += len(block)
        except OSError as e:
            return "flood: %d bytes taken, then %s after %d ms" % (
                sent, type(e).__name__, (time.monotonic() - t0) * 1000)
        return "flood: all %d bytes taken after %d ms" % (
            sent, (time.monotonic() - t0) * 1000)
    data = payload(a.mode)
    if data is None:
        raise SystemExit("hostile_client: unknown mode %s" % a.mode)
    return "%s: %s" % (a.mode, send_and_watch(a.host, a.port, data,
                                             wait=a.hold))


MODES = ("idle quick slowloris sslv2 garbage huge-length ext64k split "
         "alert-storm close-notify rst unknown-record zero-window flood "
         "evil-sni evil-alpn evil-cert sb-evil sb-raw sb-huge sb-nested "
         "sb-malformed claim-garbage claim-first claim-twice claim-short "
         "claim-endless claim-trickle").split()


def main():
    ap = argparse.ArgumentParser(description="scripted hostile clients")
    ap.add_argument("mode", choices=MODES)
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--certs", default=".")
    ap.add_argument("--count", type=int)
    ap.add_argument("--hold", type=float, default=WAIT_S,
                    help="how long to wait for the server, seconds")
    ap.add_argument("--interval", type=float, default=1.0,
                    help="slowloris: seconds between bytes")
    a = ap.parse_args()
    if a.count is None:
        a.count = 1000 if a.mode == "idle" else 5000
    try:
        print(play(a), flush=True)
    except OSError as e:
        print("%s: could not play: %s" % (a.mode, e), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
