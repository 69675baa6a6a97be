#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""A scripted hostile TLS server (and hostile tlsprobe node).

    hostile_server.py MODE... [--certs DIR] [--host H] [--port P]

Binds one port per MODE (port 0: the kernel picks), prints "mode MODE
PORT" for each when there are several, then "ready PORT" once listening,
and plays each MODE on every connection to its port until killed. The plain misbehaving
servers of tests/integration/fakeserver.py are reused as they are
(http, ssh, smtp, escape, reset, close, stall, bad-suite, hrr); the
modes below add the hostile ones. Modes that speak real TLS need --certs
(the directory mkcerts.py filled).

A connection that starts with "TLSPROBE/1 " is the client's side-channel
hello (sent by a client run with --paired: these servers cannot answer
the mark in their ServerHello random): the sb-* modes answer it with a
hostile line, evil-sideband, peer-evil and the acct-* modes with a
welcome and then a hostile answer to the claim, the other modes that
speak real TLS close it, every other mode plays its behaviour there too.
The acct-* modes are otherwise a well-behaved tlsprobe server (their
welcome and inside-reply say what the client itself sees), so that the
answer to the claim is the only hostile thing:
  acct-malformed  an "account" line of the wrong types
  acct-long       an account whose reason is longer than its field
  acct-huge       an "account" line of 1 MB
  acct-endless    an "account" line that never ends

Every socket operation has a deadline, and threads are bounded, so a
client that goes away never leaves the server stuck.
"""

import argparse
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import fakeserver  # noqa: E402  (the shared misbehaving servers)
from fakeserver import drain_until_gone, read_client_hello  # noqa: E402

IDLE_S = 30.0
HELLO_S = 5.0
MAX_CONNECTIONS = 64
MAGIC = b"TLSPROBE/1 "

# Terminal escapes (clear screen, OSC title, 8-bit CSI) and bidi
# controls (right-to-left override, left-to-right isolate).
EVIL = "\x1b[2J\x1b]0;x\x07\u009b31m\u202etxt.exe\u2066"

CERTS = None
# SHA-256 of leaf.pem's certificate, for the well-behaved welcomes
LEAF_SHA256 = "00" * 32
FLOOD_BYTES = 100 * 1024 * 1024
# RFC 8446 section 4.1.3: the last 8 bytes of a TLS 1.3 server's random
# when it negotiates TLS 1.2.
DOWNGRADE_TLS12 = b"DOWNGRD\x01"


def log(msg):
    sys.stderr.write("hostile_server: %s\n" % msg)
    sys.stderr.flush()


def record(ctype, payload, version=0x0303):
    return struct.pack("!BHH", ctype, version, len(payload)) + payload


def records(ctype, payload, size=16384):
    """payload split into records of at most size bytes."""
    return b"".join(record(ctype, payload[i:i + size])
                    for i in range(0, len(payload), size))


def handshake(msg_type, body):
    return struct.pack("!I", (msg_type << 24) | len(body)) + body


def offered(hello):
    """(cipher suites, session id) of a ClientHello record, or ([], b"")."""
    try:
        p = 5 + 4 + 2 + 32
        sid_len = hello[p]
        sid = hello[p + 1:p + 1 + sid_len]
        p += 1 + sid_len
        n = struct.unpack("!H", hello[p:p + 2])[0]
        suites = [struct.unpack("!H", hello[p + 2 + i:p + 4 + i])[0]
                  for i in range(0, n, 2)]
        return suites, sid
    except (IndexError, struct.error):
        return [], b""


def pick_suite(hello):
    """A TLS 1.2 suite the hello offered (ECDHE first), or 0xC02F."""
    suites, _ = offered(hello)
    for s in (0xC02F, 0xC02B, 0xC030, 0xC02C, 0x009C, 0x002F, 0x0035):
        if s in suites:
            return s
    tls12 = [s for s in suites if s < 0x1300 or s > 0x13FF]
    return tls12[0] if tls12 else 0xC02F


def server_hello_body(hello, suite=None, random=None, extensions=None):
    """A TLS 1.2 ServerHello body for a suite the hello offered."""
    _, sid = offered(hello)
    if suite is None:
        suite = pick_suite(hello)
    if random is None:
        random = bytes(range(32))
    if extensions is None:
        # renegotiation_info, empty (RFC 5746)
        extensions = struct.pack("!HH", 0xFF01, 1) + b"\x00"
    return (struct.pack("!H", 0x0303) + random + bytes([len(sid)]) + sid +
            struct.pack("!HB", suite, 0) + struct.pack("!H", len(extensions)) +
            extensions)


def server_hello(hello, **kw):
    return record(22, handshake(2, server_hello_body(hello, **kw)))


def sendall(conn, data, timeout=IDLE_S):
    conn.settimeout(timeout)
    try:
        conn.sendall(data)
        return True
    except (socket.timeout, OSError):
        return False


def rst(conn):
    # Linger on with a zero timeout: close() then sends RST, not FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))


# ---- raw behaviours: (conn, first bytes read) ----

def serve_silence(conn, first):
    drain_until_gone(conn)


def serve_garbage(conn, first):
    # bytes that no protocol starts with: a binary blob, no text
    sendall(conn, bytes((i * 37 + 11) & 0xFF for i in range(4096)))
    drain_until_gone(conn, HELLO_S)


def serve_giant_length(conn, first):
    sendall(conn, fakeserver.GARBAGE_TLS)
    drain_until_gone(conn, HELLO_S)


def serve_slowloris(conn, first):
    """A valid ServerHello, one byte a second."""
    for b in server_hello(first):
        if not sendall(conn, bytes([b])):
            return
        time.sleep(1.0)
    drain_until_gone(conn, HELLO_S)


def serve_rst_mid(conn, first):
    """Half a ServerHello, then a reset."""
    sendall(conn, server_hello(first)[:30])
    time.sleep(0.1)
    rst(conn)


def serve_hrr_endless(conn, first):
    """A HelloRetryRequest for every record that comes, for ever."""
    hrr = fakeserver.server_hello(0x1301, True)
    conn.settimeout(HELLO_S)
    for _ in range(1000):
        if not sendall(conn, hrr):
            return
        try:
            if not conn.recv(65536):
                return
        except (socket.timeout, OSError):
            return


def serve_sh_silence(conn, first):
    sendall(conn, server_hello(first))
    drain_until_gone(conn)


def serve_zero_window(conn, first):
    # the listening socket's tiny SO_RCVBUF is inherited; never read
    time.sleep(IDLE_S)


def serve_flood_instead(conn, first):
    block = bytes((i * 131 + 7) & 0xFF for i in range(65536))
    conn.settimeout(HELLO_S)
    sent = 0
    try:
        while sent < FLOOD_BYTES:
            conn.sendall(block)
            sent += len(block)
    except (socket.timeout, OSError):
        pass
    log("flood-instead: %d bytes sent" % sent)


def serve_ext_len_lie(conn, first):
    """A ServerHello whose extensions block claims 65535 bytes and holds
    five."""
    body = server_hello_body(first, extensions=b"")[:-2]
    body += struct.pack("!H", 0xFFFF) + struct.pack("!HH", 0xFF01, 1) + b"\x00"
    sendall(conn, record(22, handshake(2, body)))
    drain_until_gone(conn, HELLO_S)


def serve_ext64k(conn, first):
    """A ServerHello with 64 KiB of extensions (one the client never
    offered), split over records as RFC 8446 section 5.1 allows."""
    ext = struct.pack("!HH", 0xFABA, 65531) + bytes(65531)
    msg = handshake(2, server_hello_body(first, extensions=ext))
    sendall(conn, records(22, msg))
    drain_until_gone(conn, HELLO_S)


def serve_alert_storm(conn, first):
    """10,000 warning alerts, then a fatal internal_error."""
    warn = record(21, b"\x01\x70")  # warning, unrecognized_name
    if sendall(conn, warn * 10000, HELLO_S):
        sendall(conn, record(21, b"\x02\x50"), HELLO_S)
    drain_until_gone(conn, HELLO_S)


def serve_close_notify(conn, first):
    sendall(conn, record(21, b"\x01\x00"))
    try:
        conn.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    drain_until_gone(conn, HELLO_S)


def serve_split(conn, first):
    """A valid ServerHello sent as one-byte records, then silence."""
    sendall(conn, records(22, handshake(2, server_hello_body(first)), 1))
    drain_until_gone(conn)


def serve_unknown_record(conn, first):
    sendall(conn, record(0x63, b"hostile record"))
    drain_until_gone(conn, HELLO_S)


def serve_downgrade(conn, first):
    """A TLS 1.2 ServerHello carrying TLS 1.3's downgrade sentinel."""
    random = bytes(range(24)) + DOWNGRADE_TLS12
    sendall(conn, server_hello(first, random=random))
    drain_until_gone(conn, HELLO_S)


def serve_sslv2(conn, first):
    """An SSL 2.0 SERVER-HELLO (two-byte header with the top bit set)."""
    body = bytes([4, 0, 1]) + struct.pack("!HHHH", 0x0002, 0, 3, 16) + \
        b"\x07\x00\xc0" + bytes(16)
    sendall(conn, struct.pack("!H", 0x8000 | len(body)) + body)
    drain_until_gone(conn, HELLO_S)


RAW = {
    "silence": serve_silence,
    "garbage": serve_garbage,
    "giant-length": serve_giant_length,
    "slowloris": serve_slowloris,
    "rst-mid": serve_rst_mid,
    "hrr-endless": serve_hrr_endless,
    "sh-silence": serve_sh_silence,
    "zero-window": serve_zero_window,
    "flood-instead": serve_flood_instead,
    "ext-len-lie": serve_ext_len_lie,
    "ext64k": serve_ext64k,
    "alert-storm": serve_alert_storm,
    "close-notify": serve_close_notify,
    "split-hello": serve_split,
    "unknown-record": serve_unknown_record,
    "downgrade": serve_downgrade,
    "sslv2": serve_sslv2,
}

# ---- the side channel ----


# Short enough for the side channel's fixed fields once its controls
# are escaped (a field that does not fit is refused, and then nothing
# reaches the report to be tested).
E = "\x1b[2J\u009b\u202e\u2066"


def evil_account():
    return {"seen_from": "127.0.0.1:1" + E, "outcome": "alert",
            "version": "TLS1.2" + E[:1], "cipher": "c" + EVIL,
            "sni": "sni" + EVIL, "alert_sent": "a" + E,
            "reason": "reason" + EVIL,
            "client_cert": {"subject": "CN=s" + EVIL, "issuer": "CN=i" + EVIL,
                            "sha256": "ab" * 32},
            "codes": ["CODE" + E, "CLIENT_CERT_REJECTED"]}


def evil_welcome():
    return {"type": "welcome", "version": "0.1.0",
            "unique_id": "id" + E, "seen_from": "127.0.0.9:9" + E,
            "server_local": "127.0.0.8:8" + E,
            "chain_sha256": ["cd" * 32],
            "trusted_cas": ["CN=ca" + EVIL, "O=" + EVIL + ",CN=x"],
            "require_client_cert": True, "expect_id": "exp" + E,
            "challenge": os.urandom(32).hex()}


def evil_inside_reply(client_random="00" * 32, account=None):
    return {"type": "inside-reply", "version": "0.1.0",
            "unique_id": "id" + E, "seen_from": "127.0.0.9:9" + E,
            "server_local": "127.0.0.8:8" + E,
            "chain_sha256": ["cd" * 32], "client_random": client_random,
            "account": account}


def addr(sa):
    return ("[%s]:%d" if ":" in sa[0] else "%s:%d") % sa[:2]


def plain_welcome(conn):
    """What a tlsprobe server with leaf.pem would say."""
    return {"type": "welcome", "version": "0.1.0", "unique_id": "hostile",
            "seen_from": addr(conn.getpeername()),
            "server_local": addr(conn.getsockname()),
            "chain_sha256": [LEAF_SHA256], "trusted_cas": [],
            "require_client_cert": False, "expect_id": None,
            "challenge": os.urandom(32).hex()}


def plain_inside_reply(conn, client_random):
    return {"type": "inside-reply", "version": "0.1.0",
            "unique_id": "hostile", "seen_from": addr(conn.getpeername()),
            "server_local": addr(conn.getsockname()),
            "chain_sha256": [LEAF_SHA256], "client_random": client_random,
            "account": None}


# "id" + E is 14 bytes: an ID cut at 63 bytes falls inside an e-acute.
LONG_ID = "a" * 48 + "\u00e9" * 4


def evil_report():
    """A client report as tlsprobe peer sends it, hostile throughout."""
    return {"tool": "tlsprobe", "version": "0.1.0", "command": "client",
            "target": {"host": "h" + EVIL, "port": 1, "sni": "s" + EVIL,
                       "addresses": ["127.0.0.1" + E]},
            "verdict": "fail" + E,
            "stages": [{"name": "tls" + EVIL, "status": "fail" + E,
                        "ms": 1.0, "detail": "d" + EVIL},
                       {"name": E, "status": "ok", "ms": 0}],
            "session": None, "certificates": [], "peer_report": None,
            "findings": [{"code": "ALERT_RECEIVED", "severity": "error",
                          "side": "server", "summary": "s" + EVIL,
                          "detail": "d" + EVIL, "fix": "f" + EVIL},
                         {"code": "EVIL" + E, "severity": "error" + E,
                          "side": "x" + E, "summary": EVIL,
                          "detail": None, "fix": None}]}


def peer_line(kind):
    return sb_line({"type": kind, "from": "id" + E + LONG_ID,
                    "listen": "127.0.0.1:1" + E, "report": evil_report()})


def sb_line(obj):
    # ensure_ascii: the controls travel as \u escapes, as a careful
    # attacker writes them to get through a JSON parser
    return MAGIC + json.dumps(obj).encode() + b"\n"


def nested(depth):
    return MAGIC + b'{"type":"welcome","x":' + b"[" * depth + b"]" * depth + \
        b"}\n"


SIDEBAND = {
    "evil-sideband": lambda: sb_line(evil_welcome()),
    # the raw bytes too, not JSON-escaped: a parser that lets them
    # through verbatim must not pass them on
    "sb-raw": lambda: MAGIC + ('{"type":"welcome","version":"0","unique_id":'
                               '"id%s"}' % EVIL).encode() + b"\n",
    "sb-malformed": lambda: MAGIC + b'{"type":"welcome",,"unique_id":"\x1b[2J'
                            b'\xe2\x80\xae\x9b\n',
    "sb-huge": lambda: MAGIC + b'{"type":"welcome","x":"' + b"A" * (1 << 20),
    "sb-nested": lambda: nested(10000),
    "sb-deep": lambda: nested(7000),
}


def account_line(account):
    return sb_line({"type": "account", "account": account})


def long_account():
    a = evil_account()
    a["reason"] = "r" * 600  # the field holds 511 bytes
    return a


# a welcome, then these answers to the claim; None: the line is left
# unfinished and the connection held
ACCOUNT = {
    "evil-sideband": lambda: account_line(evil_account()),
    "peer-evil": lambda: account_line(evil_account()),
    "acct-malformed": lambda: MAGIC + json.dumps(
        {"type": "account", "account": {"seen_from": 7, "outcome": [E],
                                        "reason": {"r": EVIL}}}).encode() +
    b"\n",
    "acct-long": lambda: account_line(long_account()),
    "acct-huge": lambda: MAGIC + b'{"type":"account","account":{"reason":"' +
    b"A" * (1 << 20) + b'"}}\n',
    "acct-endless": lambda: MAGIC + b'{"type":"account","account":{"reason":"'
    + b"A" * 100,
}


def read_line(conn, timeout):
    """One line (at most 20000 bytes) before the timeout."""
    conn.settimeout(timeout)
    data = b""
    try:
        while b"\n" not in data and len(data) < 20000:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, OSError):
        pass
    return data


def line_type(line):
    try:
        return json.loads(line[len(MAGIC):].decode()).get("type")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None


def serve_sideband(conn, mode, first):
    kind = line_type(first)
    if mode == "peer-evil" and kind in ("peer-report", "peer-ack"):
        sendall(conn, peer_line("peer-ack"), HELLO_S)
        drain_until_gone(conn, HELLO_S)
        return
    if mode in ACCOUNT:
        if kind != "hello":
            return
        welcome = evil_welcome() if mode in ("evil-sideband", "peer-evil") \
            else plain_welcome(conn)
        sendall(conn, sb_line(welcome), HELLO_S)
        # the claim (a client that wanted no account closes instead)
        if line_type(read_line(conn, HELLO_S)) == "claim":
            sendall(conn, ACCOUNT[mode](), HELLO_S)
            log("%s: claim answered" % mode)
        drain_until_gone(conn, HELLO_S)
        return
    make = SIDEBAND.get(mode)
    if make is None:
        return  # a TLS-speaking mode: close, as a TLS server would
    sendall(conn, make(), HELLO_S)
    drain_until_gone(conn, HELLO_S)


# ---- real TLS, through memory BIOs so that records can be rewritten ----

class Fragmenter:
    """Rewrites the server's outgoing records: plaintext handshake
    records (those before our ChangeCipherSpec) become one-byte
    records; optionally a record of an unknown type goes after the
    first flight."""

    def __init__(self, split=False):
        self.split = split
        self.buf = b""
        self.ccs_sent = False

    def feed(self, data):
        self.buf += data
        out = b""
        while len(self.buf) >= 5:
            n = struct.unpack("!H", self.buf[3:5])[0]
            if len(self.buf) < 5 + n:
                break
            rec, self.buf = self.buf[:5 + n], self.buf[5 + n:]
            ctype, ver = rec[0], struct.unpack("!H", rec[1:3])[0]
            if ctype == 20:
                self.ccs_sent = True
            if self.split and ctype == 22 and not self.ccs_sent:
                out += b"".join(struct.pack("!BHH", 22, ver, 1) + rec[5 + i:6 + i]
                                for i in range(n))
            else:
                out += rec
        return out


def tls_context(chain, key, client_ca=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key)
    if client_ca is not None:
        ctx.verify_mode = ssl.CERT_OPTIONAL
        ctx.load_verify_locations(client_ca)
    return ctx


def tls_serve(conn, ctx, mode):
    """A real handshake through memory BIOs; then the mode's afterwards."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_side=True)
    frag = Fragmenter(split=(mode == "split-tls"))
    deadline = time.monotonic() + HELLO_S
    first = []  # the client's first bytes, for its ClientHello random

    def flush():
        data = out.read()
        if data:
            data = frag.feed(data)
            if data:
                conn.sendall(data)

    def pull():
        conn.settimeout(max(0.05, deadline - time.monotonic()))
        data = conn.recv(65536)
        if not data:
            inc.write_eof()
            return False
        if sum(len(d) for d in first) < 43:
            first.append(data)
        inc.write(data)
        return True

    try:
        while True:
            try:
                obj.do_handshake()
                flush()
                break
            except ssl.SSLWantReadError:
                flush()
                if not pull():
                    return
        log("%s: handshake done (%s)" % (mode, obj.version()))
        if mode == "flood-after":
            chunk = b"F" * 16384
            sent = 0
            conn.settimeout(HELLO_S)
            while sent < FLOOD_BYTES:
                obj.write(chunk)
                flush()
                sent += len(chunk)
            log("flood-after: %d bytes sent" % sent)
            return
        # the client's "inside" line, then an answer for evil-sideband
        deadline = time.monotonic() + HELLO_S
        line = b""
        while b"\n" not in line and len(line) < 20000:
            try:
                line += obj.read(65536)
            except ssl.SSLWantReadError:
                flush()
                if not pull():
                    return
        # record header (5), handshake header (4), version (2): the
        # ClientHello random
        client_random = b"".join(first)[11:43].hex()
        if line.startswith(MAGIC) and mode in ACCOUNT:
            if mode == "evil-sideband":
                # no account inside: the client claims it
                reply = evil_inside_reply()
            elif mode == "peer-evil":
                reply = evil_inside_reply(account=evil_account())
            else:
                reply = plain_inside_reply(conn, client_random)
            obj.write(sb_line(reply))
            flush()
        drain_until_gone(conn, HELLO_S)
    except (ssl.SSLError, socket.timeout, OSError) as e:
        log("%s: %s" % (mode, e))


TLS = {
    # mode: (chain file, key file) inside --certs
    "evil-cert": ("evil-chain.pem", "evil.key"),
    "evil-sideband": ("leaf.pem", "leaf.key"),
    "many-sans": ("sans.pem", "sans.key"),
    "big-chain": ("bigchain.pem", "leaf.key"),
    "flood-after": ("leaf.pem", "leaf.key"),
    "split-tls": ("leaf.pem", "leaf.key"),
    "sb-raw": ("leaf.pem", "leaf.key"),
    "sb-malformed": ("leaf.pem", "leaf.key"),
    "sb-huge": ("leaf.pem", "leaf.key"),
    "sb-nested": ("leaf.pem", "leaf.key"),
    "sb-deep": ("leaf.pem", "leaf.key"),
    # a tlsprobe peer node gone bad: every side-channel answer hostile
    "peer-evil": ("leaf.pem", "leaf.key"),
    "acct-malformed": ("leaf.pem", "leaf.key"),
    "acct-long": ("leaf.pem", "leaf.key"),
    "acct-huge": ("leaf.pem", "leaf.key"),
    "acct-endless": ("leaf.pem", "leaf.key"),
}

# the plain misbehaving servers, as fakeserver.py plays them
REUSED = ("http", "ssh", "smtp", "escape", "reset", "close", "stall",
          "bad-suite", "hrr")

MODES = sorted(set(RAW) | set(TLS) | set(REUSED))


def handle(conn, peer, mode, ctx, slots):
    try:
        conn.settimeout(IDLE_S)
        if mode in REUSED:
            fakeserver.HANDLERS[mode](conn)
            return
        if mode == "zero-window":
            serve_zero_window(conn, b"")
            return
        if mode == "silence":
            serve_silence(conn, b"")
            return
        conn.settimeout(HELLO_S)
        try:
            first = conn.recv(len(MAGIC), socket.MSG_PEEK)
        except (socket.timeout, OSError):
            first = b""
        if first == MAGIC:
            if mode in SIDEBAND or mode in TLS:
                serve_sideband(conn, mode, read_client_hello(conn))
                return
        if mode in TLS:
            tls_serve(conn, ctx, mode)
            return
        hello = read_client_hello(conn)
        RAW[mode](conn, hello)
    except OSError as e:
        log("%s: %s: %s" % (mode, peer, e))
    finally:
        try:
            conn.close()
        except OSError:
            pass
        slots.release()


def listener(mode, host, port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if mode == "zero-window":
        # accepted sockets inherit it: the window closes after a few
        # hundred bytes, since nobody ever reads
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    srv.bind((host, port))
    srv.listen(64)
    return srv


def accept_loop(srv, mode, ctx):
    slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
    while True:
        conn, peer = srv.accept()
        if not slots.acquire(blocking=False):
            conn.close()
            continue
        log("%s: connection from %s" % (mode, peer[:2]))
        threading.Thread(target=handle, args=(conn, peer[:2], mode, ctx, slots),
                         daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description="scripted hostile servers")
    ap.add_argument("modes", nargs="+", metavar="MODE",
                    help="one of: " + " ".join(MODES))
    ap.add_argument("--certs", help="the directory mkcerts.py filled")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0,
                    help="with one MODE only")
    args = ap.parse_args()
    for mode in args.modes:
        if mode not in MODES:
            ap.error("unknown mode %s; the modes: %s" % (mode, " ".join(MODES)))
        if mode in TLS and not args.certs:
            ap.error("mode %s speaks TLS: --certs DIR is needed" % mode)

    if args.certs:
        global LEAF_SHA256
        with open(os.path.join(args.certs, "leaf.pem")) as f:
            pem = f.read().split("-----END CERTIFICATE-----")[0]
        LEAF_SHA256 = hashlib.sha256(ssl.PEM_cert_to_DER_cert(
            pem + "-----END CERTIFICATE-----\n")).hexdigest()

    # One process, one port per mode: a test starts its servers at once.
    loops = []
    for mode in args.modes:
        ctx = None
        if mode in TLS:
            chain, key = TLS[mode]
            ctx = tls_context(os.path.join(args.certs, chain),
                              os.path.join(args.certs, key))
        srv = listener(mode, args.host,
                       args.port if len(args.modes) == 1 else 0)
        loops.append((srv, mode, ctx))
        if len(args.modes) > 1:
            print("mode %s %d" % (mode, srv.getsockname()[1]), flush=True)
    print("ready %d" % loops[0][0].getsockname()[1], flush=True)
    for srv, mode, ctx in loops[1:]:
        threading.Thread(target=accept_loop, args=(srv, mode, ctx),
                         daemon=True).start()
    accept_loop(*loops[0])


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
