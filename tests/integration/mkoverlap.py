#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes a pcap file of one TLS 1.2 handshake whose hellos travel in two
TCP segments that overlap, with no network at all.

    mkoverlap.py MODE OUT

client-conflict  the ClientHello's two segments overlap on the server
                 name; the second copy says evil!.example where the first
                 says first.example (5 bytes differ)
client-same      the same overlap, the same bytes in both copies
client-late      as client-conflict, but the second segment arrives
                 first: it is the first copy
server-conflict  the ServerHello's two segments overlap on the cipher
                 suite: 0xC02F first, 0xC030 in the second copy
server-same      the same overlap, the same bytes

The client is 100.64.0.2:40000 (ISN 1000), the server 198.51.100.1:443
(ISN 5000). The handshake goes on to both change_cipher_spec records
and application data, then both FINs. Prints the relative sequence
number of the first byte that differs (the first data byte is 1).
"""

import struct
import sys

CLI = bytes([100, 64, 0, 2])
SRV = bytes([198, 51, 100, 1])
CPORT, SPORT = 40000, 443
MAC_C = b"\x02\x00\x00\x00\x00\x01"
MAC_S = b"\x02\x00\x00\x00\x00\x02"


def ip_checksum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return struct.pack("!H", ~s & 0xFFFF)


def record(ctype, body):
    return struct.pack("!BHH", ctype, 0x0303, len(body)) + body


def handshake(htype, body):
    return bytes([htype]) + struct.pack("!I", len(body))[1:] + body


def client_hello(name):
    """RFC 5246 7.4.1.2 with server_name (RFC 6066 section 3)."""
    sni = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
    exts = struct.pack("!HH", 0, len(sni)) + sni
    exts += struct.pack("!HHHHH", 10, 6, 4, 29, 23)
    exts += struct.pack("!HHBB", 11, 2, 1, 0)
    suites = struct.pack("!HHHH", 6, 0xC02F, 0xC030, 0x009C)
    body = (b"\x03\x03" + bytes(range(32)) + b"\x00" + suites + b"\x01\x00"
            + struct.pack("!H", len(exts)) + exts)
    return record(22, handshake(1, body))


def server_hello(suite):
    """RFC 5246 7.4.1.3, with renegotiation_info."""
    exts = struct.pack("!HHB", 0xFF01, 1, 0)
    body = (b"\x03\x03" + bytes(range(100, 132)) + b"\x00"
            + struct.pack("!HB", suite, 0) + struct.pack("!H", len(exts))
            + exts)
    return (record(22, handshake(2, body))
            + record(22, handshake(14, b"")))


def frame(to_server, seq, ack, flags, payload=b""):
    src, dst = (CLI, SRV) if to_server else (SRV, CLI)
    sport, dport = (CPORT, SPORT) if to_server else (SPORT, CPORT)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0,
                     0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + ip_checksum(ip) + ip[12:]
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0)
    eth = (MAC_S + MAC_C if to_server else MAC_C + MAC_S) + b"\x08\x00"
    return eth + ip + tcp + payload


def main():
    modes = ("client-conflict", "client-same", "client-late",
             "server-conflict", "server-same")
    if len(sys.argv) != 3 or sys.argv[1] not in modes:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    mode, out = sys.argv[1], sys.argv[2]
    side, kind = mode.split("-")
    ch = client_hello(b"first.example")
    sh = server_hello(0xC02F)
    if side == "client":
        at = ch.index(b"first.example")
        other = ch[:at] + b"evil!" + ch[at + 5:]
        if kind == "same":
            other = ch
        # [0, at+8) then [at, end): 8 bytes of the name overlap
        first, second, second_off = ch[:at + 8], other[at:], at
    else:
        at = sh.index(struct.pack("!H", 0xC02F), 5 + 4 + 2 + 32 + 1)
        other = sh[:at] + struct.pack("!H", 0xC030) + sh[at + 2:]
        if kind == "same":
            other = sh
        first, second, second_off = sh[:at + 2], other[at - 3:], at - 3
    c, s = 1001, 5001  # the next sequence number of each side
    frames = [frame(True, 1000, 0, 0x02),
              frame(False, 5000, 1001, 0x12),
              frame(True, 1001, 5001, 0x10)]
    if side == "client":
        one = frame(True, c, s, 0x18, first)
        two = frame(True, c + second_off, s, 0x18, second)
        frames += [two, one] if kind == "late" else [one, two]
        c += len(ch)
        frames.append(frame(False, s, c, 0x18, sh))
        s += len(sh)
    else:
        frames.append(frame(True, c, s, 0x18, ch))
        c += len(ch)
        frames.append(frame(False, s, c, 0x18, first))
        frames.append(frame(False, s + second_off, c, 0x18, second))
        s += len(sh)
    # ClientKeyExchange, CCS, Finished; then the server's; then data
    fin = record(22, bytes(40))
    flight = record(22, handshake(16, bytes(33))) + record(20, b"\x01") + fin
    frames.append(frame(True, c, s, 0x18, flight))
    c += len(flight)
    flight = record(20, b"\x01") + fin
    frames.append(frame(False, s, c, 0x18, flight))
    s += len(flight)
    data = record(23, bytes(30))
    frames.append(frame(True, c, s, 0x18, data))
    c += len(data)
    frames.append(frame(False, s, c, 0x18, data))
    s += len(data)
    frames.append(frame(True, c, s, 0x11))
    frames.append(frame(False, s, c + 1, 0x11))
    frames.append(frame(True, c + 1, s + 1, 0x10))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        t = 1767225600
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", t, i * 1000, len(fr), len(fr)) + fr)
    # the first byte that differs: relative seq 1 is the stream's first
    base = ch if side == "client" else sh
    diff = [i for i in range(len(base)) if base[i] != other[i]]
    print(1 + diff[0] if diff else 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
