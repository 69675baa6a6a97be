#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""A resolver that knows no names, for DNS failure tests.

    fakedns.py [--host 127.0.0.1] [--port 53] [--silent] [--record NAME=ADDR]...

Answers every UDP query with NXDOMAIN, or with --silent never answers
at all (a dead resolver). Each --record gives NAME one more A (IPv4) or
AAAA (IPv6) record, answered in the order given; a query of a known
name for a type it has none of gets an empty NOERROR answer. Prints
"ready PORT" on stdout once bound, and logs each query on stderr.
"""

import argparse
import ipaddress
import socket
import struct
import sys

# RFC 1035 section 4.1.1: header flags.
QR = 0x8000
OPCODE_MASK = 0x7800
RD = 0x0100
RA = 0x0080
RCODE_NXDOMAIN = 3
QTYPE_A = 1
QTYPE_AAAA = 28


def question_end(msg):
    """Offset just past the first question, or None if malformed."""
    off = 12
    while off < len(msg):
        n = msg[off]
        if n == 0:
            off += 1
            break
        if n & 0xC0:  # no compression pointers in a query's question
            return None
        off += 1 + n
    else:
        return None
    off += 4  # QTYPE, QCLASS
    return off if off <= len(msg) else None


def qname(msg):
    labels, off = [], 12
    while off < len(msg) and msg[off] != 0 and len(labels) < 128:
        n = msg[off]
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    return ".".join(labels) + "."


def nxdomain(query):
    """The NXDOMAIN response to query (its question echoed), or None."""
    if len(query) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", query[:6])
    if flags & QR or qdcount != 1:
        return None
    end = question_end(query)
    if end is None:
        return None
    rflags = QR | (flags & OPCODE_MASK) | (flags & RD) | RA | RCODE_NXDOMAIN
    return struct.pack("!HHHHHH", qid, rflags, 1, 0, 0, 0) + query[12:end]


def answer(query, records):
    """The response to query from records ({name: [ip_address]}): its
    addresses of the type asked (RFC 1035 section 4.1.3 resource records,
    the name as a pointer to the question), NOERROR with none when the
    name has none of that type, NXDOMAIN for a name it does not know."""
    end = question_end(query) if len(query) >= 12 else None
    if end is None:
        return None
    name = qname(query).lower()
    if name not in records:
        return nxdomain(query)
    qid, flags, qdcount = struct.unpack("!HHH", query[:6])
    if flags & QR or qdcount != 1:
        return None
    qtype = struct.unpack("!H", query[end - 4:end - 2])[0]
    version = {QTYPE_A: 4, QTYPE_AAAA: 6}.get(qtype)
    rrs = [a for a in records[name] if a.version == version]
    rflags = QR | (flags & OPCODE_MASK) | (flags & RD) | RA
    out = struct.pack("!HHHHHH", qid, rflags, 1, len(rrs), 0, 0) + query[12:end]
    for a in rrs:
        out += struct.pack("!HHHIH", 0xC00C, qtype, 1, 60, len(a.packed)) + a.packed
    return out


def main():
    ap = argparse.ArgumentParser(description="NXDOMAIN for every name")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--silent", action="store_true",
                    help="never answer (a resolver that is down)")
    ap.add_argument("--record", action="append", default=[],
                    metavar="NAME=ADDR", help="an A or AAAA record of NAME")
    args = ap.parse_args()
    records = {}
    for r in args.record:
        name, addr = r.split("=", 1)
        name = name.lower().rstrip(".") + "."
        records.setdefault(name, []).append(ipaddress.ip_address(addr))

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((args.host, args.port))
    print("ready %d" % sock.getsockname()[1], flush=True)

    while True:
        query, peer = sock.recvfrom(4096)
        sys.stderr.write("fakedns: query %s from %s%s\n" % (
            qname(query), peer[0], " (not answered)" if args.silent else ""))
        sys.stderr.flush()
        if args.silent:
            continue
        response = answer(query, records)
        if response is not None:
            sock.sendto(response, peer)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
