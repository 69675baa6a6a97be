#!/bin/sh
# tlsprobe client and server --capture through a router that misbehaves:
# the packet evidence must reach the findings.
#
#   client C 100.64.20.2 --- 100.64.20.1 router R 198.51.100.1 --- 198.51.100.2 server S
#
#   4431  TLS server    R resets (tcp-reset) every ClientHello: the reset
#                       comes from R (TTL 64), the SYN-ACK from S (63)
#   4432  TLS server    R drops every data segment toward S: the
#                       ClientHello is sent again and again, never ACKed
#   4433  (none)        R answers the SYN with ICMP host unreachable
#   4436  fakeserver    resets after the ClientHello itself (TTL 63)
#   4434  gnutls-serv   R resets what carries "blocked.test" (SNI filter)
#   4435  TLS server    a first flight of several full-size segments
#                       (RSA-4096 leaf + int1) over a 600-byte route MTU
#                       toward C whose ICMP R drops: a path-MTU black hole
#   4437  tlsprobe server  R sends S a reset in the client's name once the
#                       ClientHello has passed (TTL 64, the client's 63)
#
# Nothing leaves these namespaces: C routes only 198.51.100.0/24 (via R),
# S only 100.64.20.0/24.
. "$(dirname "$0")/../lib.sh"
need_root t_capture_net
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/net/netlib.sh"

for tool in ip iptables certtool gnutls-serv timeout; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "t_capture_net: $tool is installed"
		exit 1
	fi
done

P=tpc$$
C=${P}c R=${P}r S=${P}s
SRV=198.51.100.2
TMO=2

at_exit routed_cleanup

make_pki ca1.pem int1.pem int1.key server.pem server.key
big_chain 91 "$SRV"

net_routed "$C" "$R" "$S" "$P" 100.64.20.2 100.64.20.1 198.51.100.1 "$SRV"
setup "PMTU discovery in S" ip netns exec "$S" sysctl -qw \
	net.ipv4.ip_no_pmtu_disc=0 net.ipv4.tcp_mtu_probing=0

# Servers that serve every connection at once, as real ones do: a
# connection whose ClientHello the router swallowed must not hold back
# the retries (s_server and gnutls-serv serve one handshake at a time).
cat >"$T/tls_server.py" <<'END'
import socket, ssl, sys, threading
host, port, chain, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(chain, key)
srv = socket.create_server((host, port))
print("ready %d" % port, flush=True)

def serve(conn):
    conn.settimeout(10)
    try:
        with ctx.wrap_socket(conn, server_side=True) as tls:
            while tls.recv(4096):
                pass
    except (OSError, ssl.SSLError) as e:
        sys.stderr.write("tls_server: %s\n" % e)

while True:
    conn, peer = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
END
# serve PORT CHAIN KEY: that server in S.
serve() {
	start_ready tls_server ip netns exec "$S" python3 "$T/tls_server.py" \
		"$SRV" "$1" "$2" "$3"
}
for port in 4431 4432; do
	setup "TLS server on $port" serve $port "$PKI/server.pem" "$PKI/server.key"
done
# gnutls-serv for the name filter, as in t_path
gnutls_serv() {
	_log="$T/gnutls-serv-$1.log"
	ip netns exec "$S" gnutls-serv -p "$1" --x509certfile "$PKI/server.pem" \
		--x509keyfile "$PKI/server.key" >"$_log" 2>&1 </dev/null &
	srv_track $! "$_log"
	_srv_wait $! "$_log" "IPv4 .* port $1\.\.\.done"
}
setup "gnutls-serv on 4434" gnutls_serv 4434
setup "TLS server on 4435 (RSA-4096 + int1)" serve 4435 "$T/big-chain.pem" \
	"$T/big.key"

# rule ARGS...: an iptables rule in R.
rule() {
	setup "rule $*" ip netns exec "$R" iptables "$@"
}
rule -I FORWARD -p tcp --dport 4431 --tcp-flags PSH PSH -j REJECT \
	--reject-with tcp-reset
rule -I FORWARD -p tcp --dport 4432 --tcp-flags PSH PSH -j DROP
rule -I FORWARD -p tcp --dport 4433 -j REJECT --reject-with icmp-host-unreachable
rule -I FORWARD -p tcp --dport 4434 -m string --string blocked.test \
	--algo bm -j REJECT --reject-with tcp-reset
setup "600-byte route MTU toward C" ip -n "$R" route replace 100.64.20.0/24 \
	dev "${P}rc" src 100.64.20.1 mtu 600
rule -I OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP
rule -I FORWARD -p icmp --icmp-type fragmentation-needed -j DROP

CLIENT_NS=$C
CA="--ca $PKI/ca1.pem --expect-name localhost"

# detail_has CODE TEXT: an expect_py expression: CODE's detail says TEXT.
detail_has() {
	printf '%s' "[f for f in d['findings'] if f['code'] == '$1' and" \
		" '$2' in (f.get('detail') or '')]"
}

# ---- an injected reset ----

run_client injected "$SRV:4431" $CA --no-sideband --timeout $TMO --capture
expect "every ClientHello reset by the router: RESET_DURING_HANDSHAKE" 1 \
	RESET_DURING_HANDSHAKE
expect_py "the detail says the reset was injected, with both TTLs" \
	"$(detail_has RESET_DURING_HANDSHAKE 'reset probably injected by a middlebox (TTL 64 vs 63 in the SYN-ACK)')"
expect_py "the fix points at a device on the path, not the server" \
	"[f for f in d['findings'] if f['code'] == 'RESET_DURING_HANDSHAKE' and 'not the server' in f['fix']]"
expect_py "the timeline: SYN-ACK TTL 63, ClientHello out, RST in TTL 64" \
	"[p for p in d['packets'] if p['flags'] == 'SA' and p['ttl'] == 63] and [p for p in d['packets'] if (p['tls'] or '').startswith('ClientHello')] and [p for p in d['packets'] if p['flags'].startswith('R') and p['dir'] == 'in' and p['ttl'] == 64]"

run_client sni "$SRV:4434" $CA --sni blocked.test --no-sideband \
	--timeout $TMO --capture
expect "SNI blocked.test reset by the router: SNI_FILTERED" 1 SNI_FILTERED
expect_py "SNI_FILTERED: the reset was injected, with both TTLs" \
	"$(detail_has SNI_FILTERED 'reset probably injected by a middlebox (TTL 64 vs 63 in the SYN-ACK)')"

# control: the server's own reset carries the server's TTL
ip netns exec "$S" python3 "$TOP/tests/integration/fakeserver.py" reset \
	--host "$SRV" --port 4436 >"$T/fake.out" 2>"$T/fake.log" </dev/null &
srv_track $! "$T/fake.log"
_srv_wait $! "$T/fake.out" '^ready '
run_client own-reset "$SRV:4436" --no-sideband --timeout $TMO --capture
expect "the server itself resets: RESET_DURING_HANDSHAKE" 1 RESET_DURING_HANDSHAKE
expect_py "its detail says the reset came from the server's host" \
	"$(detail_has RESET_DURING_HANDSHAKE 'same TTL as the SYN-ACK (63)')"

# ---- a black-holed ClientHello ----

run_client dropped "$SRV:4432" $CA --no-sideband --timeout $TMO --capture
expect "every data segment dropped: HANDSHAKE_TIMEOUT" 1 HANDSHAKE_TIMEOUT
expect_py "the detail says the ClientHello was sent again and never acknowledged" \
	"[f for f in d['findings'] if f['code'] == 'HANDSHAKE_TIMEOUT' and 'never acknowledged' in f['detail'] and 'our ClientHello was sent 1 time' not in f['detail']]"
expect_py "the timeline marks the ClientHello's retransmissions" \
	"[p for p in d['packets'] if p['retransmission'] and p['dir'] == 'out' and (p['tls'] or '').startswith('ClientHello')]"

# ---- ICMP unreachable ----

run_client icmp "$SRV:4433" $CA --no-sideband --timeout $TMO --capture
expect "the router answers ICMP host unreachable: NET_UNREACHABLE" 1 NET_UNREACHABLE
expect_py "the detail names the ICMP error seen" \
	"$(detail_has NET_UNREACHABLE 'ICMP host unreachable')"
expect_py "the timeline holds the ICMP error, incoming" \
	"[p for p in d['packets'] if p['icmp'] == 'ICMP host unreachable' and p['dir'] == 'in']"

# ---- a path-MTU black hole ----

run_client pmtu "$SRV:4435" --ca "$PKI/ca1.pem" --sni server.test \
	--no-sideband --timeout $TMO --capture --pcap-out "$T/pmtu.pcap"
expect "path-MTU black hole: PMTU_BLACKHOLE" 1 PMTU_BLACKHOLE
expect_py "PMTU_BLACKHOLE: the capture saw the server's large segments missing" \
	"$(detail_has PMTU_BLACKHOLE 'large segments are lost on the way to us')"
check "--pcap-out in a namespace: the file is written" test -s "$T/pmtu.pcap"

# ---- the server's side: a reset injected toward the server ----
#
# A client in C sends its ClientHello and waits; R sees the ClientHello
# pass toward S and sends S a reset in the client's name (TTL 64, R's own
# packet), while the client's SYN reached S through R (TTL 63).

cat >"$T/inject.py" <<'END'
import socket, struct, sys, time
iface, port = sys.argv[1], int(sys.argv[2])
# ETH_P_ALL: frames R sends out are given only to those
sniff = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
sniff.bind((iface, 0))
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

print("ready %d" % port, flush=True)
while True:
    frame = sniff.recv(65535)
    ip = frame[14:]
    if frame[12:14] != b"\x08\x00" or len(ip) < 40 or ip[0] >> 4 != 4 or ip[9] != 6:
        continue
    ihl = (ip[0] & 15) * 4
    tcp = ip[ihl:]
    sport, dport, seq = struct.unpack("!HHI", tcp[:8])
    doff = (tcp[12] >> 4) * 4
    plen = struct.unpack("!H", ip[2:4])[0] - ihl - doff
    if dport != port or plen <= 0 or tcp[doff] != 0x16:
        continue
    src, dst = ip[12:16], ip[16:20]
    # after the server had the time to answer: mid-handshake
    time.sleep(0.3)
    rst = struct.pack("!HHIIBBHHH", sport, dport, seq + plen, 0, 5 << 4,
                      0x04, 0, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(rst))
    rst = rst[:16] + struct.pack("!H", csum(pseudo + rst)) + rst[18:]
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0x4000, 64, 6, 0,
                      src, dst)
    iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
    raw.sendto(iph + rst, (socket.inet_ntoa(dst), 0))
    print("reset sent", flush=True)
END
cat >"$T/hello_only.py" <<'END'
import socket, ssl, sys, time
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(inc, out, server_hostname="localhost")
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(out.read())
time.sleep(float(sys.argv[3]))
END
start_ready inject ip netns exec "$R" python3 "$T/inject.py" "${P}rs" 4437 ||
	exit 1
ip netns exec "$S" timeout -k 2 30 "$TP" server --listen "$SRV:4437" \
	--cert "$PKI/server.pem" --key "$PKI/server.key" --once --capture \
	--timeout 3 --json >"$T/srv-injected.json" 2>"$T/srv-injected.err" &
_spid=$!
_i=0
while [ $_i -lt 100 ] && ! grep -q 'listening on' "$T/srv-injected.err"; do
	sleep 0.05
	_i=$((_i + 1))
done
ip netns exec "$C" python3 "$T/hello_only.py" "$SRV" 4437 2 \
	>"$T/hello_only.out" 2>&1
wait "$_spid"
OUT="$T/srv-injected.json" ERR="$T/srv-injected.err" RC=0
expect_py "server side: the reset toward the server is RESET_DURING_HANDSHAKE" \
	"'RESET_DURING_HANDSHAKE' in codes"
expect_py "server side: the detail says the reset was injected, with both TTLs" \
	"$(detail_has RESET_DURING_HANDSHAKE 'reset probably injected by a middlebox (TTL 64 vs 63 in the client')"
expect_py "server side: the fix points at a device on the path, not the client" \
	"[f for f in d['findings'] if f['code'] == 'RESET_DURING_HANDSHAKE' and 'not the client' in f['fix']]"
expect_py "server side: the timeline: SYN in TTL 63, ClientHello in, RST in TTL 64" \
	"d['packets'][0]['flags'] == 'S' and d['packets'][0]['ttl'] == 63 and [p for p in d['packets'] if p['dir'] == 'in' and (p['tls'] or '').startswith('ClientHello')] and [p for p in d['packets'] if p['flags'].startswith('R') and p['dir'] == 'in' and p['ttl'] == 64]"
