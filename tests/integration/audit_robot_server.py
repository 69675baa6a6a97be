#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""A relay in front of a real TLS server that holds the server's RSA key
and plays a Bleichenbacher oracle (ROBOT) with it.

    audit_robot_server.py MODE --backend PORT --key PEM

Relays every connection to 127.0.0.1:PORT (openssl s_server with RSA
key exchange and the same key), so that every handshake is a real one;
it reads the client's records until its ClientKeyExchange, decrypts the
premaster itself (raw RSA with the key) and, by MODE:

  oracle    answers padding that is not PKCS#1 v1.5 (0x00 0x02, eight or
            more nonzero bytes, 0x00, 48 bytes of premaster) with a fatal
            decrypt_error alert and a close, as the ROBOT paper's
            vulnerable stacks did; good padding goes on to the server,
            whose Finished check then fails: two answers an attacker can
            tell apart
  fixed     relays everything: every variant draws the server's answer
  flaky     the oracle's answer to bad padding on every other
            ClientKeyExchange, the server's on the others: answers that
            differ, but not the same way twice
  ignore-reneg  relays everything but a renegotiation the client starts
            (a handshake record after its Finished), which it swallows
            with all that follows: a server that never answers one

Prints "ready PORT" once listening; every socket has a timeout.
"""
import argparse
import os
import socket
import sys
import threading

from cryptography.hazmat.primitives import serialization

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakeserver import pump  # noqa: E402  (the relay's copy loop)

TIMEOUT = 10
lock = threading.Lock()
counter = [0]


def good_padding(block, k):
    if len(block) != k or block[0] != 0 or block[1] != 2:
        return False
    sep = block.find(b"\x00", 2)
    return sep >= 10 and k - sep - 1 == 48


def recv_exact(sock, n):
    got = b""
    while len(got) < n:
        chunk = sock.recv(n - len(got))
        if not chunk:
            return None
        got += chunk
    return got



def oracle_says(mode):
    if mode == "oracle":
        return True
    if mode == "fixed":
        return False
    with lock:
        counter[0] += 1
        return counter[0] % 2 == 1


def swallow(conn):
    while conn.recv(65536):
        pass


def client_records(conn, back, key, mode):
    """Relays the client's records until its ClientKeyExchange (in
    ignore-reneg mode, all of them); True when the relay goes on, False
    when it answered or swallowed."""
    n, d = key
    k = (n.bit_length() + 7) // 8
    ccs_seen, after_ccs = False, 0
    while True:
        head = recv_exact(conn, 5)
        if head is None:
            return False
        body = recv_exact(conn, int.from_bytes(head[3:5], "big"))
        if body is None:
            return False
        if mode == "ignore-reneg":
            ccs_seen = ccs_seen or head[0] == 20
            if ccs_seen and head[0] == 22:
                # the first is the client's encrypted Finished, the next
                # the renegotiation's ClientHello
                after_ccs += 1
                if after_ccs == 2:
                    swallow(conn)
                    return False
        elif head[0] == 22 and len(body) >= 6 + k and body[0] == 16:
            c = int.from_bytes(body[6:6 + k], "big")
            block = pow(c, d, n).to_bytes(k, "big")
            if not good_padding(block, k) and oracle_says(mode):
                # fatal decrypt_error (RFC 5246 section 7.2.2)
                conn.sendall(bytes([21, head[1], head[2], 0, 2, 2, 51]))
                return False
            back.sendall(head + body)
            return True
        back.sendall(head + body)


def handle(conn, port, key, mode):
    back = None
    try:
        conn.settimeout(TIMEOUT)
        back = socket.create_connection(("127.0.0.1", port), TIMEOUT)
        # a record relayed at once, not held for a delayed ACK
        for s in (conn, back):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=pump, args=(back, conn),
                         daemon=True).start()
        if client_records(conn, back, key, mode):
            pump(conn, back)
    except OSError:
        pass
    finally:
        # shutdown first: a close alone leaves the pump's recv holding
        # the sockets, and the server waiting for a FIN
        for s in (conn, back):
            if s is None:
                continue
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["oracle", "fixed", "flaky",
                                     "ignore-reneg"])
    ap.add_argument("--backend", type=int, required=True)
    ap.add_argument("--key", required=True)
    args = ap.parse_args()
    with open(args.key, "rb") as f:
        priv = serialization.load_pem_private_key(f.read(), None)
    nums = priv.private_numbers()
    key = (nums.public_numbers.n, nums.d)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    print("ready %d" % srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn, args.backend, key,
                                              args.mode),
                         daemon=True).start()


if __name__ == "__main__":
    main()
