#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""A SOCKS4 and SOCKS4a proxy on loopback, CONNECT only.

    socks4_proxy.py

Debian's small SOCKS servers speak SOCKS5 alone (microsocks) or need a
system-wide setup (dante), so curl's --socks4 and --socks4a are served
here: VN 4, CD 1, DSTPORT, DSTIP, USERID NUL, and for DSTIP 0.0.0.x a
host name and NUL; the answer is VN 0 and CD 90 (granted) or 91 (the
target could not be reached), then bytes are relayed both ways. Listens
on 127.0.0.1, a port the kernel picks, and prints "ready PORT". Every
read and the whole relay have deadlines: a client that stalls is
dropped.
"""
import select
import socket
import sys
import threading
import time

LIMIT = 10.0  # seconds a connection may last


def until_nul(c, limit=512):
    out = b""
    while True:
        b = c.recv(1)
        if not b or len(out) > limit:
            raise OSError("no NUL")
        if b == b"\0":
            return out
        out += b


def exact(c, n):
    out = b""
    while len(out) < n:
        b = c.recv(n - len(out))
        if not b:
            raise OSError("closed")
        out += b
    return out


def relay(a, b):
    end = time.monotonic() + LIMIT
    while time.monotonic() < end:
        r, _, _ = select.select([a, b], [], [], 0.5)
        for s in r:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)


def serve(c):
    up = None
    try:
        c.settimeout(5)
        head = exact(c, 8)
        if head[0] != 4 or head[1] != 1:
            return
        until_nul(c)  # the userid: not used
        port = int.from_bytes(head[2:4], "big")
        if head[4:7] == b"\0\0\0" and head[7] != 0:
            host = until_nul(c, 255).decode("ascii", "replace")
        else:
            host = socket.inet_ntoa(head[4:8])
        try:
            up = socket.create_connection((host, port), timeout=5)
        except OSError:
            c.sendall(b"\0\x5b" + head[2:8])
            return
        c.sendall(b"\0\x5a" + head[2:8])
        relay(c, up)
    except OSError:
        pass
    finally:
        c.close()
        if up is not None:
            up.close()


def main():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    print("ready %d" % ls.getsockname()[1], flush=True)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
