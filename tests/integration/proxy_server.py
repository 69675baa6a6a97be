#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scripted proxies with the answers real ones give rarely, for t_proxy.sh.

    proxy_server.py MODE [--cert PEM --key PEM] [--backend PORT]

Binds 127.0.0.1 on a port the kernel picks, prints "ready PORT" once
listening, and serves every connection in a thread of its own until it
is killed; every socket operation has a timeout.

Modes:
  http-502       answers CONNECT with 502 Bad Gateway
  http-504       answers CONNECT with 504 Gateway Timeout
  http-nostatus  answers CONNECT with "HTTP/1.1 OK" (no status code)
  http-close     answers CONNECT with 200, reads the ClientHello, closes
  http-escape    answers CONNECT with 407, its reason phrase and its
                 Proxy-Authenticate scheme full of terminal escapes
  socks5-rep-N   a SOCKS5 proxy that takes no authentication and answers
                 every CONNECT with reply N (4, 5, 6: host unreachable,
                 connection refused, TTL expired)
  tls            answers whatever comes with a TLS alert record, as a TLS
                 server does to bytes that are not a ClientHello
  http-mitm      a TLS-inspecting CONNECT proxy: answers 200, ends the
                 client's TLS itself with --cert/--key, opens its own TLS
                 to the target (no verification) and relays what each
                 side says inside
  tls-relay      no proxy protocol: a TLS-terminating middlebox (a load
                 balancer, say) that ends TLS with --cert/--key and opens
                 its own TLS to 127.0.0.1:--backend
"""

import argparse
import os
import socket
import ssl
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakeserver import pump  # noqa: E402  (the relay's copy loop)


def read_head(c):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 8192:
        chunk = c.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def read_exact(c, n):
    data = b""
    while len(data) < n:
        chunk = c.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def socks5(c, rep):
    ver, n = read_exact(c, 2)
    read_exact(c, n)
    c.sendall(bytes([5, 0]))
    head = read_exact(c, 4)
    atyp = head[3]
    if atyp == 1:
        read_exact(c, 4)
    elif atyp == 4:
        read_exact(c, 16)
    else:
        read_exact(c, read_exact(c, 1)[0])
    read_exact(c, 2)
    c.sendall(bytes([5, rep, 0, 1, 0, 0, 0, 0, 0, 0]))



def relay(c, ctx, host, port):
    """Ends the client's TLS on c with ctx, opens TLS of its own to
    host:port without verifying it, and relays the two insides."""
    inner = ctx.wrap_socket(c, server_side=True)
    up = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    up.check_hostname = False
    up.verify_mode = ssl.CERT_NONE
    out = up.wrap_socket(socket.create_connection((host, port), 5),
                         server_hostname=host)
    threading.Thread(target=pump, args=(out, inner), daemon=True).start()
    pump(inner, out)


def serve(c, mode, ctx, backend):
    c.settimeout(10)
    try:
        if mode == "http-mitm":
            host, port = read_head(c).decode("latin-1").split(" ")[1] \
                .rsplit(":", 1)
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            relay(c, ctx, host, int(port))
            return
        if mode == "tls-relay":
            relay(c, ctx, "127.0.0.1", backend)
            return
        if mode == "http-502":
            read_head(c)
            c.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0"
                      b"\r\n\r\n")
        elif mode == "http-504":
            read_head(c)
            c.sendall(b"HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0"
                      b"\r\n\r\n")
        elif mode == "http-nostatus":
            read_head(c)
            c.sendall(b"HTTP/1.1 OK\r\n\r\n")
        elif mode == "http-escape":
            read_head(c)
            c.sendall(b"HTTP/1.1 407 \x1b[2J\x1b]0;owned\x07Denied\xe2\x80\xae"
                      b"\r\nProxy-Authenticate: \x1b[31mEvil\x9b1m realm=x"
                      b"\r\n\r\n")
        elif mode == "http-close":
            read_head(c)
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            c.recv(4096)
        elif mode.startswith("socks5-rep-"):
            socks5(c, int(mode[len("socks5-rep-"):]))
        elif mode == "tls":
            c.recv(4096)
            c.sendall(bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32]))
    except (OSError, EOFError, ValueError, IndexError):
        pass
    finally:
        if mode not in ("http-mitm", "tls-relay"):
            c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--backend", type=int)
    a = ap.parse_args()
    mode, ctx = a.mode, None
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    print("ready %d" % srv.getsockname()[1], flush=True)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c, mode, ctx, a.backend),
                         daemon=True).start()


if __name__ == "__main__":
    main()
