#!/usr/bin/env python3
"""A TCP relay in front of loopback servers, counting connections.

    conn_relay.py --log FILE [--hold MS] ADDR=BACKEND_PORT|reset ...

Listens on every ADDR (a loopback address such as 127.0.6.3) on one port
number, the same for all, and relays each connection to
127.0.0.1:BACKEND_PORT; "reset" instead reads what arrives and answers
with a TCP reset (a faulty endpoint). Prints "ready PORT" once every
address listens. Each connection adds "open ADDR T" to the log when
accepted and "close ADDR T" when the client's side ends (T in seconds,
monotonic clock).

One thread, one event loop, and in each turn the ends are handled before
the accepts: a client that closed one connection before it opened the
next is seen to have done so. That is not quite enough on a busy
machine, where a reset sent from one core can reach the relay after a
SYN sent from the other; --hold MS holds what each connection carries
during its first MS milliseconds, so that every connection lasts at
least that long and a cap that is not kept shows as an overlap of that
length, far above the race's tens of microseconds.
"""
import argparse
import selectors
import socket
import struct
import sys
import time

sel = selectors.DefaultSelector()


def log(f, what, addr):
    f.write("%s %s %.6f\n" % (what, addr, time.monotonic()))
    f.flush()


HOLD = 0.0
held = []  # the connections with bytes held back


class Conn:
    def __init__(self, addr, client, backend):
        self.addr = addr
        self.client = client
        self.backend = backend
        self.closed = False
        self.hold_until = time.monotonic() + HOLD
        self.queue = []  # (socket, bytes), or (socket, None): a FIN


def forward(c, dst, data, f):
    """Sends data (None: a FIN) now, or queues it while c is held."""
    if c.queue or time.monotonic() < c.hold_until:
        if not c.queue:
            held.append(c)
        c.queue.append((dst, data))
        return
    try:
        if data is None:
            dst.shutdown(socket.SHUT_WR)
            return
        dst.setblocking(True)
        dst.sendall(data)
        dst.setblocking(False)
    except (ConnectionError, OSError):
        close_conn(c, f)


def release_held(f):
    now = time.monotonic()
    for c in list(held):
        if c.closed:
            held.remove(c)
            continue
        if now < c.hold_until:
            continue
        held.remove(c)
        queue, c.queue = c.queue, []
        for dst, data in queue:
            if not c.closed:
                forward(c, dst, data, f)


def close_conn(c, f):
    if c.closed:
        return
    c.closed = True
    for s in (c.client, c.backend):
        if s is None:
            continue
        try:
            sel.unregister(s)
        except (KeyError, ValueError):
            pass  # the backend's end was read already
        # a reset both ways, as the probes close: no TIME_WAIT pile-up
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        s.close()
    log(f, "close", c.addr)


def accept(lsock, addr, backend_port, f):
    try:
        client, _ = lsock.accept()
    except BlockingIOError:
        return
    log(f, "open", addr)
    backend = None
    if backend_port is not None:
        backend = socket.create_connection(("127.0.0.1", backend_port))
        backend.setblocking(False)
    client.setblocking(False)
    c = Conn(addr, client, backend)
    sel.register(client, selectors.EVENT_READ, ("client", c))
    if backend is not None:
        sel.register(backend, selectors.EVENT_READ, ("backend", c))


def pump(side, c, f):
    src = c.client if side == "client" else c.backend
    dst = c.backend if side == "client" else c.client
    try:
        data = src.recv(65536)
    except (ConnectionError, OSError):
        data = b""
    if not data and side == "backend":
        # the server is done: a FIN to the client, as the server sent
        sel.unregister(c.backend)
        forward(c, c.client, None, f)
        return
    if not data or dst is None:
        # the client is gone, or the "reset" endpoint answers its first
        # bytes with a reset
        close_conn(c, f)
        return
    forward(c, dst, data, f)


def main():
    global HOLD
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--hold", type=float, default=0.0)
    ap.add_argument("endpoints", nargs="+")
    a = ap.parse_args()
    HOLD = a.hold / 1000.0
    f = open(a.log, "a")
    port = 0
    for spec in a.endpoints:
        addr, backend = spec.split("=", 1)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        port = s.getsockname()[1]
        s.listen(128)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ,
                     ("listen", (addr, None if backend == "reset"
                                 else int(backend))))
    print("ready %d" % port, flush=True)
    while True:
        wait = None
        if held:
            wait = max(0.0, min(c.hold_until for c in held)
                       - time.monotonic())
        events = sel.select(wait)
        # ends and data first, accepts last (see the docstring)
        events.sort(key=lambda e: e[0].data[0] == "listen")
        for key, _ in events:
            kind, what = key.data
            if kind == "listen":
                accept(key.fileobj, what[0], what[1], f)
            elif not what.closed:
                pump(kind, what, f)
        release_held(f)


if __name__ == "__main__":
    sys.exit(main())
