#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Makes a big capture out of a small one, for benchmarks.

    replicate-pcap.py IN OUT MEGABYTES SERVER_PORT

IN is a pcap file (Ethernet, microsecond timestamps, as tcpdump -i lo
writes it) of TCP connections to SERVER_PORT. OUT gets copies of IN one
after the other until it holds MEGABYTES (10^6 bytes) or more. In copy k
the client's address becomes a 100.64.0.0/10 address of its own (k
spread over the host bits), its port is moved by k (mod 64512, above
1023), the server's address becomes 198.51.100.1, and the timestamps
move on by the length of IN plus a millisecond, so that every copy is a
new set of connections, later in time. The IPv4 header checksum is
recomputed; TCP checksums are left as they are (loopback captures carry
partial ones anyway). Frames that are not IPv4 over Ethernet are copied
unchanged. Prints "COPIES FRAMES BYTES".
"""

import struct
import sys

SERVER = bytes([198, 51, 100, 1])


def ip_checksum(h):
    h = h[:10] + b"\0\0" + h[12:]
    s = sum(struct.unpack("!%dH" % (len(h) // 2), h))
    while s >> 16:
        s = (s >> 16) + (s & 0xFFFF)
    return ~s & 0xFFFF


def main():
    if len(sys.argv) != 5:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    src, dst = sys.argv[1], sys.argv[2]
    want = int(float(sys.argv[3]) * 1000000)
    server_port = int(sys.argv[4])
    data = open(src, "rb").read()
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        print("replicate-pcap: %s: not a little-endian microsecond pcap"
              % src, file=sys.stderr)
        return 2
    linktype = struct.unpack("<I", data[20:24])[0]
    if linktype != 1:
        print("replicate-pcap: %s: link type %d, not Ethernet"
              % (src, linktype), file=sys.stderr)
        return 2

    # the frames of IN: (sec, usec, frame, ip offset or -1, client side)
    frames = []
    off = 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        fr = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(fr) < incl:
            break
        ipo = -1
        to_server = True
        if len(fr) >= 14 + 20 and fr[12:14] == b"\x08\x00" and \
                fr[14] >> 4 == 4 and fr[23] == 6:
            ihl = (fr[14] & 15) * 4
            if len(fr) >= 14 + ihl + 4:
                ipo = 14
                sport = struct.unpack("!H", fr[14 + ihl:16 + ihl])[0]
                to_server = sport != server_port
        frames.append((sec * 1000000 + usec, orig, fr, ipo, to_server))
    if not frames:
        print("replicate-pcap: %s: no frames" % src, file=sys.stderr)
        return 2
    t0 = frames[0][0]
    span = frames[-1][0] - t0 + 1000

    out = open(dst, "wb")
    out.write(data[:24])
    written, copies, n = 24, 0, 0
    while written < want:
        k = copies
        h = k % (1 << 22)
        client = bytes([100, 64 | (h >> 16), (h >> 8) & 255, h & 255])
        shift = k % 64512
        buf = []
        for t, orig, fr, ipo, to_server in frames:
            t += k * span
            if ipo >= 0:
                b = bytearray(fr)
                ihl = (b[ipo] & 15) * 4
                tcp = ipo + ihl
                if to_server:
                    b[ipo + 12:ipo + 16] = client
                    b[ipo + 16:ipo + 20] = SERVER
                    p = tcp
                else:
                    b[ipo + 12:ipo + 16] = SERVER
                    b[ipo + 16:ipo + 20] = client
                    p = tcp + 2
                port = struct.unpack("!H", b[p:p + 2])[0]
                port = 1024 + (port - 1024 + shift) % 64512
                b[p:p + 2] = struct.pack("!H", port)
                b[ipo + 10:ipo + 12] = struct.pack(
                    "!H", ip_checksum(bytes(b[ipo:ipo + ihl])))
                fr = bytes(b)
            buf.append(struct.pack("<IIII", t // 1000000, t % 1000000,
                                   len(fr), orig))
            buf.append(fr)
            written += 16 + len(fr)
            n += 1
        out.write(b"".join(buf))
        copies += 1
    out.close()
    print(copies, n, written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
