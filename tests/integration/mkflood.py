#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes a pcap file of half-open TCP flows, with no network at all.

    mkflood.py syn|hello|smtp|hole|connect|connect-endless|connect-huge|connect-garbage N OUT

syn    N flows of one SYN each, never answered
hello  N flows of SYN, SYN-ACK, ACK and a ClientHello (SNI flood.test),
       never answered
smtp   N flows of SYN, SYN-ACK, ACK, then an SMTP greeting, EHLO and its
       reply in plaintext, never upgraded and never closed
hole   N flows of SYN, SYN-ACK, ACK and a ClientHello padded to 1400
       bytes whose first segment of 100 bytes never arrives: the rest
       waits out of order for the hole to fill
connect          N flows through an HTTP proxy: "CONNECT flood.test:443",
                 its "200", then a ClientHello (each is listed)
connect-endless  the same, but the proxy's answer never ends its headers
                 (1 MiB of header lines): no TLS is ever followed
connect-huge     the client's request has a 10 MiB header: the same
connect-garbage  binary bytes after "CONNECT ": the same

Clients are 100.64.0.0/10 addresses (the flow number spread over the
host bits) with ports from 1024 up; the server is 198.51.100.1:443.
Frames are Ethernet, one millisecond apart; checksums are those of the
IP headers only (readers do not check TCP's).
"""

import struct
import sys

SERVER = bytes([198, 51, 100, 1])
MAC_C = b"\x02\x00\x00\x00\x00\x01"
MAC_S = b"\x02\x00\x00\x00\x00\x02"
GREETING = b"220 mail.flood.test ESMTP\r\n"
EHLO = b"EHLO client.flood.test\r\n"
EHLO_REPLY = b"250-mail.flood.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
CONNECT = b"CONNECT flood.test:443 HTTP/1.1\r\nHost: flood.test:443\r\n"
ESTABLISHED = b"HTTP/1.1 200 Connection established\r\n"
MODES = ("syn", "hello", "smtp", "hole", "connect", "connect-endless",
         "connect-huge", "connect-garbage")


def tunnel_talk(mode, ch):
    """(from the client?, bytes) in order, for the connect modes."""
    line = b"X-Pad: " + b"a" * 1391 + b"\r\n"  # 1400 bytes
    if mode == "connect-garbage":
        yield True, b"CONNECT " + bytes(range(256)) * 4
    elif mode == "connect-huge":
        yield True, CONNECT
        for _ in range(10 * 1024 * 1024 // len(line)):
            yield True, line
    else:
        yield True, CONNECT + b"\r\n"
    yield False, ESTABLISHED
    if mode == "connect-endless":
        for _ in range(1024 * 1024 // len(line)):
            yield False, line
    else:
        yield False, b"\r\n"
    yield True, ch


def ip_checksum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return struct.pack("!H", ~s & 0xFFFF)


def client_hello(pad=0):
    """A TLS 1.2 ClientHello with SNI flood.test (RFC 5246 7.4.1.2,
    RFC 6066 section 3), with a padding extension of pad bytes (RFC 7685)
    when pad > 0."""
    name = b"flood.test"
    sni = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
    exts = struct.pack("!HH", 0, len(sni)) + sni
    # supported_groups x25519, secp256r1; ec_point_formats uncompressed
    exts += struct.pack("!HHHHH", 10, 6, 4, 29, 23)
    exts += struct.pack("!HHBB", 11, 2, 1, 0)
    if pad > 0:
        exts += struct.pack("!HH", 21, pad) + bytes(pad)
    suites = struct.pack("!HHHH", 6, 0xC02F, 0xC02B, 0x009C)
    body = (b"\x03\x03" + bytes(range(32)) + b"\x00" + suites + b"\x01\x00"
            + struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def frame(src, sport, dst, dport, seq, ack, flags, payload=b"",
          to_server=True):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0,
                     0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + ip_checksum(ip) + ip[12:]
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0)
    eth = (MAC_S + MAC_C if to_server else MAC_C + MAC_S) + b"\x08\x00"
    return eth + ip + tcp + payload


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in MODES:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    mode, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ch = client_hello()
    padded = client_hello(1400 - len(ch) - 4)
    t = 1767225600  # 2026-01-01T00:00:00Z
    usec = 0
    with open(out, "wb") as f:
        w = f.write
        w(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))

        def rec(data):
            nonlocal t, usec
            w(struct.pack("<IIII", t, usec, len(data), len(data)) + data)
            usec += 1000
            if usec >= 1000000:
                t, usec = t + 1, 0

        for i in range(n):
            # 100.64.0.0/10: 22 host bits; the port changes when they wrap
            h = i % (1 << 22)
            cli = bytes([100, 64 | (h >> 16), (h >> 8) & 255, h & 255])
            port = 1024 + (i >> 22)
            rec(frame(cli, port, SERVER, 443, 1000, 0, 0x02))
            if mode != "syn":
                rec(frame(SERVER, 443, cli, port, 5000, 1001, 0x12,
                          to_server=False))
                rec(frame(cli, port, SERVER, 443, 1001, 5001, 0x10))
            if mode == "hello":
                rec(frame(cli, port, SERVER, 443, 1001, 5001, 0x18, ch))
            elif mode == "hole":
                rec(frame(cli, port, SERVER, 443, 1101, 5001, 0x18,
                          padded[100:]))
            elif mode == "smtp":
                rec(frame(SERVER, 443, cli, port, 5001, 1001, 0x18,
                          GREETING, to_server=False))
                rec(frame(cli, port, SERVER, 443, 1001, 5001 + len(GREETING),
                          0x18, EHLO))
                rec(frame(SERVER, 443, cli, port, 5001 + len(GREETING),
                          1001 + len(EHLO), 0x18, EHLO_REPLY,
                          to_server=False))
            elif mode.startswith("connect"):
                seq = {True: 1001, False: 5001}
                for client, data in tunnel_talk(mode, ch):
                    src, sport, dst, dport = ((cli, port, SERVER, 443)
                                              if client else
                                              (SERVER, 443, cli, port))
                    rec(frame(src, sport, dst, dport, seq[client],
                              seq[not client], 0x18, data,
                              to_server=client))
                    seq[client] += len(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
