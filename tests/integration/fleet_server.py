#!/usr/bin/env python3
"""Many TLS endpoints in one process, for tests of --targets.

    fleet_server.py --log FILE [--port N] ADDR=CERT,KEY[,DELAY] ...

Listens on every ADDR (a loopback address such as 127.0.1.7) on one port
number, the same for all, each with its own certificate and key; DELAY
(seconds) is waited before the handshake, so that probes of it overlap.
Prints "ready PORT" once every address listens. Each connection adds two
lines to the log: "open ADDR T" when accepted and "close ADDR T" when it
ends (T in seconds, monotonic clock), so that a test can count the
connections to one address that were open at once. --port N listens on
N rather than a port the kernel picks: a second server in place of the
first, for a later run of the same targets.
"""
import argparse
import socket
import ssl
import sys
import threading
import time

lock = threading.Lock()


def log(f, what, addr):
    with lock:
        f.write("%s %s %.6f\n" % (what, addr, time.monotonic()))
        f.flush()


def serve(conn, ctx, addr, delay, f):
    log(f, "open", addr)
    try:
        conn.settimeout(5)
        if delay:
            time.sleep(delay)
        with ctx.wrap_socket(conn, server_side=True) as tls:
            try:
                while tls.recv(4096):
                    pass
            except (ssl.SSLError, OSError):
                pass
    except (ssl.SSLError, OSError):
        pass
    finally:
        conn.close()
        log(f, "close", addr)


def accept_loop(sock, ctx, addr, delay, f):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve, args=(conn, ctx, addr, delay, f),
                         daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("endpoints", nargs="+")
    a = ap.parse_args()
    f = open(a.log, "a")
    port = a.port
    socks = []
    for spec in a.endpoints:
        addr, files = spec.split("=", 1)
        parts = files.split(",")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(parts[0], parts[1])
        delay = float(parts[2]) if len(parts) > 2 else 0.0
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        port = s.getsockname()[1]
        s.listen(64)
        socks.append((s, ctx, addr, delay))
    for s, ctx, addr, delay in socks:
        threading.Thread(target=accept_loop, args=(s, ctx, addr, delay, f),
                         daemon=True).start()
    print("ready %d" % port, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
