#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""A TLS server on loopback whose first segment is followed by a second
copy with other bytes, injected on the lo interface (root: AF_PACKET).

    injector.py [same]

Binds 127.0.0.1 port 0, prints "ready PORT", serves one connection:
reads the ClientHello, sends the first 40 bytes of a TLS 1.2 ServerHello
record, finds that segment on lo and sends it again with 4 bytes of its
random changed (with "same": unchanged, an ordinary retransmission),
then the rest of the record, then closes. The receiving stack drops the
copy as old data; a capture sees both. Prints "injected" once done, or
"no-segment" when the segment was not seen on lo.
"""

import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003


def checksum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s >> 16) + (s & 0xFFFF)
    return ~s & 0xFFFF


def server_hello():
    """RFC 5246 7.4.1.3: TLS 1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256."""
    exts = struct.pack("!HHB", 0xFF01, 1, 0)
    body = (b"\x03\x03" + bytes(range(100, 132)) + b"\x00"
            + struct.pack("!HB", 0xC02F, 0) + struct.pack("!H", len(exts))
            + exts)
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    return struct.pack("!BHH", 22, 0x0303, len(hs)) + hs


def find_segment(sniff, sport, payload, deadline):
    """The Ethernet frame on lo from port sport carrying payload."""
    while time.time() < deadline:
        r, _, _ = select.select([sniff], [], [], 0.1)
        if not r:
            continue
        frame, addr = sniff.recvfrom(65535)
        if len(frame) < 14 + 20 + 20 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6:
            continue
        tcp = ip[ihl:]
        doff = (tcp[12] >> 4) * 4
        if struct.unpack("!H", tcp[:2])[0] == sport and tcp[doff:] == payload:
            return frame
    return None


def rewrite(frame, flip):
    """The frame again with bytes of its payload changed, new IP ID and
    checksums."""
    eth, ip = frame[:14], bytearray(frame[14:])
    ihl = (ip[0] & 15) * 4
    tcp = ip[ihl:]
    doff = (tcp[12] >> 4) * 4
    payload = bytearray(tcp[doff:])
    for i in flip:
        payload[i] ^= 0x5A
    tcp = bytearray(tcp[:doff]) + payload
    ip = ip[:ihl]
    ip[4:6] = struct.pack("!H", (struct.unpack("!H", ip[4:6])[0] + 1) & 0xFFFF)
    ip[2:4] = struct.pack("!H", ihl + len(tcp))
    ip[10:12] = b"\x00\x00"
    ip[10:12] = struct.pack("!H", checksum(bytes(ip)))
    tcp[16:18] = b"\x00\x00"
    pseudo = bytes(ip[12:20]) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp[16:18] = struct.pack("!H", checksum(pseudo + bytes(tcp)))
    return eth + bytes(ip) + bytes(tcp)


def main():
    same = len(sys.argv) > 1 and sys.argv[1] == "same"
    sniff = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                          socket.htons(ETH_P_ALL))
    sniff.bind(("lo", 0))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(20)
    port = ls.getsockname()[1]
    print("ready", port, flush=True)
    conn, _ = ls.accept()
    conn.settimeout(5)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        conn.recv(16384)
    except socket.timeout:
        pass
    sh = server_hello()
    first = sh[:40]
    while True:  # what came before on lo is not ours
        r, _, _ = select.select([sniff], [], [], 0)
        if not r:
            break
        sniff.recv(65535)
    conn.sendall(first)
    frame = find_segment(sniff, port, first, time.time() + 3)
    if frame is None:
        print("no-segment", flush=True)
    else:
        # bytes 20 to 23 of the record: the random
        sniff.send(rewrite(frame, [] if same else [20, 21, 22, 23]))
        print("injected", flush=True)
    time.sleep(0.3)
    conn.sendall(sh[40:])
    time.sleep(0.3)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
