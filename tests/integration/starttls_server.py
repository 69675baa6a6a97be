#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scripted STARTTLS servers for the client's tests.

    starttls_server.py PROTO MODE --cert FILE --key FILE [--host H] [--port P]
                       [--ciphers LIST] [--max-tls12]

Binds (port 0 by default, so the kernel picks a free one), prints
"ready PORT" on stdout once listening, then serves every connection in a
thread of its own until it is killed. Every socket operation has a
timeout, so a client that goes away never leaves a thread behind for
long.

PROTO: smtp, imap, pop3, ftp, xmpp, postgres, ldap.

Modes:
  ok       the plaintext prelude, then a TLS handshake with --cert and
           --key, then one line inside TLS
  nocap    no STARTTLS: SMTP leaves it out of the EHLO reply, IMAP answers
           NO, POP3 -ERR, FTP 502, XMPP leaves it out of the stream
           features, PostgreSQL 'N', LDAP resultCode 2 (protocolError)
  refuse   XMPP and SMTP only: offers STARTTLS, then answers it with
           <failure/> (XMPP) or 454 (SMTP)
  busy     SMTP and FTP only: a 421 greeting, then it closes
  close    the greeting (for PostgreSQL and LDAP: the request read), then
           it closes
  stall    the greeting, then silence
  garbage  binary bytes where the greeting belongs
  tls      TLS from the first byte (no prelude at all)
  tls-stall  the prelude, then silence where the ServerHello belongs
  tls-plain  the prelude, then an SMTP banner where the ServerHello
           belongs
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
# How long a step waits for the client's next command.
STEP_S = 5.0
MAX_CONNECTIONS = 64
MAX_LINE = 4096

XMPP_TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"
LDAP_STARTTLS_OID = b"1.3.6.1.4.1.1466.20037"
GARBAGE = b"\x80\x81\xfe\xff\x00\x01\x02binary greeting\r\n"


class Gone(Exception):
    """The client closed, or did not send what the step waits for."""


def log(msg):
    sys.stderr.write("starttls_server: %s\n" % msg)
    sys.stderr.flush()


def recv_line(conn):
    """One line, read byte by byte so that nothing after it is taken."""
    conn.settimeout(STEP_S)
    line = b""
    while not line.endswith(b"\n"):
        b = conn.recv(1)
        if not b:
            raise Gone("closed after %r" % line)
        line += b
        if len(line) > MAX_LINE:
            raise Gone("line too long")
    log("< %r" % line)
    return line


def recv_until(conn, marker):
    """Bytes until marker has arrived (the client waits after it)."""
    conn.settimeout(STEP_S)
    data = b""
    while marker not in data:
        b = conn.recv(1)
        if not b:
            raise Gone("closed after %r" % data)
        data += b
        if len(data) > 16 * MAX_LINE:
            raise Gone("too much")
    log("< %r" % data)
    return data


def recv_exact(conn, n):
    conn.settimeout(STEP_S)
    data = b""
    while len(data) < n:
        b = conn.recv(n - len(data))
        if not b:
            raise Gone("closed after %r" % data)
        data += b
    log("< %r" % data)
    return data


def send(conn, data):
    log("> %r" % data)
    conn.sendall(data)


def send_pieces(conn, data, cuts):
    """Sends data in pieces cut at the given offsets, so the client must
    put a reply together from several reads."""
    last = 0
    for cut in cuts + [len(data)]:
        if cut > last:
            send(conn, data[last:cut])
            time.sleep(0.01)  # separate segments for the client
            last = cut


def drain_until_gone(conn, timeout=IDLE_S):
    conn.settimeout(timeout)
    try:
        while conn.recv(65536):
            pass
    except (socket.timeout, OSError):
        pass


def serve_tls(conn, ctx, proto):
    conn.settimeout(STEP_S)
    tls = ctx.wrap_socket(conn, server_side=True)
    log("TLS up: %s %s" % (tls.version(), tls.cipher()[0]))
    try:
        tls.sendall(("hello from %s over TLS\n" % proto).encode())
        tls.settimeout(STEP_S)
        while tls.recv(4096):
            pass
    except (OSError, ssl.SSLError):
        pass


# ---- the preludes: each returns True when TLS is to start ----

def smtp(conn, mode):
    if mode == "busy":
        send(conn, b"421 4.3.2 mail.test too busy, try again later\r\n")
        return False
    send(conn, b"220 mail.test ESMTP starttls_server\r\n")
    if mode in ("close", "stall"):
        return mode
    recv_line(conn)  # EHLO
    reply = (b"250-mail.test greets tlsprobe.invalid\r\n"
             b"250-PIPELINING\r\n250-SIZE 10240000\r\n" +
             (b"" if mode == "nocap" else b"250-STARTTLS\r\n") +
             b"250 8BITMIME\r\n")
    # cut inside a line, inside the CR LF and right after it
    send_pieces(conn, reply, [7, 40, 41, 60, 61])
    if mode == "nocap":
        return False
    line = recv_line(conn)
    if line.strip().upper() != b"STARTTLS":
        send(conn, b"500 5.5.1 unexpected\r\n")
        return False
    if mode == "refuse":
        send(conn, b"454 4.7.0 TLS not available due to temporary reason\r\n")
        return False
    send(conn, b"220 2.0.0 Ready to start TLS\r\n")
    return True


def imap(conn, mode):
    send(conn, b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] "
               b"imap.test ready\r\n")
    if mode in ("close", "stall"):
        return mode
    line = recv_line(conn)
    # a client may ask for the capabilities first (openssl s_client
    # does, and then reads a single line after STARTTLS: it gets its
    # tagged OK alone)
    asked = False
    while line.split(b" ", 1)[-1].strip().upper() == b"CAPABILITY":
        asked = True
        send(conn, b"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n" +
             line.split(b" ", 1)[0] + b" OK CAPABILITY completed\r\n")
        line = recv_line(conn)
    tag = line.split(b" ", 1)[0]
    if mode == "nocap":
        send(conn, tag + b" NO STARTTLS is not available here\r\n")
        return False
    if not asked:
        send(conn, b"* CAPABILITY IMAP4rev1 STARTTLS\r\n")
    send(conn, tag + b" OK Begin TLS negotiation now\r\n")
    return True


def pop3(conn, mode):
    send(conn, b"+OK pop.test POP3 ready\r\n")
    if mode in ("close", "stall"):
        return mode
    recv_line(conn)  # STLS
    if mode == "nocap":
        send(conn, b"-ERR STLS is not available\r\n")
        return False
    send(conn, b"+OK Begin TLS negotiation\r\n")
    return True


def ftp(conn, mode):
    if mode == "busy":
        send(conn, b"421 Too many connections, try again later\r\n")
        return False
    send_pieces(conn, b"220-ftp.test welcome\r\n220-a second line\r\n"
                      b"  and a line that is not a reply line\r\n"
                      b"220 ready\r\n", [5, 23])
    if mode in ("close", "stall"):
        return mode
    recv_line(conn)  # AUTH TLS
    if mode == "nocap":
        send(conn, b"502 Command not implemented\r\n")
        return False
    send(conn, b"234 AUTH TLS successful\r\n")
    return True


def xmpp(conn, mode):
    head = recv_until(conn, b"version='1.0'>")
    if b"to='" in head:
        log("stream to %r" % head.split(b"to='", 1)[1].split(b"'", 1)[0])
    send(conn, b"<?xml version='1.0'?><stream:stream from='xmpp.test' "
               b"id='s1' version='1.0' xmlns='jabber:client' "
               b"xmlns:stream='http://etherx.jabber.org/streams'>")
    if mode in ("close", "stall"):
        return mode
    starttls = ("<starttls xmlns='%s'><required/></starttls>" %
                XMPP_TLS_NS).encode()
    send(conn, b"<stream:features>" +
         (b"" if mode == "nocap" else starttls) +
         b"<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
         b"<mechanism>PLAIN</mechanism></mechanisms></stream:features>")
    if mode == "nocap":
        return False
    recv_until(conn, b"/>")  # <starttls/>
    if mode == "refuse":
        send(conn, ("<failure xmlns='%s'/></stream:stream>" %
                    XMPP_TLS_NS).encode())
        return False
    send(conn, ("<proceed xmlns='%s'/>" % XMPP_TLS_NS).encode())
    return True


def postgres(conn, mode):
    req = recv_exact(conn, 8)
    if struct.unpack("!II", req) != (8, 80877103):
        log("not an SSLRequest: %r" % req)
        return False
    if mode in ("close", "stall"):
        return mode
    if mode == "nocap":
        send(conn, b"N")
        return False
    send(conn, b"S")
    return True


def ber(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    return bytes([tag, 0x82]) + struct.pack("!H", n) + body


def ldap(conn, mode):
    head = recv_exact(conn, 2)
    if head[0] != 0x30 or head[1] & 0x80:
        log("not a short LDAPMessage: %r" % head)
        return False
    body = recv_exact(conn, head[1])
    if LDAP_STARTTLS_OID not in body:
        log("not a StartTLS request")
        return False
    if mode in ("close", "stall"):
        return mode
    code, text = (2, b"unsupported extended operation") \
        if mode == "nocap" else (0, b"")
    resp = (ber(0x0a, bytes([code])) + ber(0x04, b"") + ber(0x04, text) +
            (ber(0x8a, LDAP_STARTTLS_OID) if code == 0 else b""))
    send(conn, ber(0x30, ber(0x02, b"\x01") + ber(0x78, resp)))
    return code == 0


PRELUDES = {"smtp": smtp, "imap": imap, "pop3": pop3, "ftp": ftp,
            "xmpp": xmpp, "postgres": postgres, "ldap": ldap}
MODES = ["ok", "nocap", "refuse", "busy", "close", "stall", "garbage", "tls",
         "tls-stall", "tls-plain"]


def handle(conn, peer, args, ctx, slots):
    try:
        conn.settimeout(IDLE_S)
        if args.mode == "garbage":
            send(conn, GARBAGE)
            drain_until_gone(conn)
            return
        if args.mode == "tls":
            serve_tls(conn, ctx, args.proto)
            return
        go = PRELUDES[args.proto](
            conn, "ok" if args.mode.startswith("tls-") else args.mode)
        if go is True and args.mode == "tls-stall":
            go = "stall"
        if go is True and args.mode == "tls-plain":
            send(conn, b"220 mail.test ESMTP still in plaintext\r\n")
            go = "stall"
        if go == "close":
            conn.shutdown(socket.SHUT_RDWR)
        elif go == "stall":
            drain_until_gone(conn)
        elif go is True:
            serve_tls(conn, ctx, args.proto)
        else:
            drain_until_gone(conn, STEP_S)
    except (Gone, OSError, ssl.SSLError) as e:
        log("%s %s: %s: %s" % (args.proto, args.mode, peer, e))
    finally:
        try:
            conn.close()
        except OSError:
            pass
        slots.release()


def main():
    ap = argparse.ArgumentParser(description="scripted STARTTLS servers")
    ap.add_argument("proto", choices=sorted(PRELUDES))
    ap.add_argument("mode", choices=MODES)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--ciphers", help="OpenSSL cipher list (TLS 1.2 and "
                    "older) the TLS side accepts")
    ap.add_argument("--max-tls12", action="store_true",
                    help="no TLS 1.3")
    args = ap.parse_args()
    if args.mode == "busy" and args.proto not in ("smtp", "ftp"):
        ap.error("busy: smtp and ftp only")
    if args.mode == "refuse" and args.proto not in ("xmpp", "smtp"):
        ap.error("refuse: xmpp and smtp only")

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.ciphers:
        ctx.set_ciphers(args.ciphers)
    if args.max_tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    srv.listen(16)
    print("ready %d" % srv.getsockname()[1], flush=True)

    slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
    while True:
        conn, peer = srv.accept()
        if not slots.acquire(blocking=False):
            conn.close()
            continue
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        log("%s %s: connection from %s" % (args.proto, args.mode, peer[:2]))
        threading.Thread(target=handle, args=(conn, peer[:2], args, ctx,
                                              slots), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
