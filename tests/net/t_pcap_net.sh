#!/bin/sh
# tlsprobe pcap on captures made across namespace hosts: Ethernet frames
# with real MAC addresses on a veth (tcpdump in the client's namespace),
# and Linux "cooked" frames (tcpdump -i any in the server's namespace).
# The client's link has an MTU of 600 and no segmentation offload, so
# the server's flight (the certificate chain: leaf and intermediate)
# spans several segments that must be put back together. Every handshake must be tshark's, field by
# field, in both captures.
#
#   client C 100.64.30.2 --- 100.64.30.1 router R 203.0.113.1 --- 203.0.113.2 server S
. "$(dirname "$0")/../lib.sh"
need_root t_pcap_net
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/captures.sh"
. "$TOP/tests/net/netlib.sh"

for tool in ip tcpdump tshark curl openssl timeout python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "t_pcap_net: $tool is installed"
		exit 1
	fi
done

P=tpc$$
C=${P}c R=${P}r S=${P}s
CLI=100.64.30.2 RIN=100.64.30.1 ROUT=203.0.113.1 SRV=203.0.113.2
PORT=4433

net_cleanup() {
	_cap_stop_all
	stop_servers
	for ns in $C $R $S; do
		ip netns del "$ns" 2>/dev/null
	done
}
at_exit net_cleanup

make_pki server-int.pem server-int.key int1.pem
net_routed "$C" "$R" "$S" "$P" "$CLI" "$RIN" "$ROUT" "$SRV"
setup "MTU 600 in C" ip -n "$C" link set "${P}cr" mtu 600
setup "MTU 600 in R" ip -n "$R" link set "${P}rc" mtu 600
# no segmentation offload: the frames on the wire are what tcpdump sees,
# not one large segment that the stack cuts up later
for l in "$C ${P}cr" "$R ${P}rc" "$R ${P}rs" "$S ${P}sr"; do
	set -- $l
	setup "no GSO on $2" ip -n "$1" link set "$2" gso_max_segs 1
done

# openssl s_server in S, the leaf and its intermediate on the wire
SRV_LOG="$T/s_server.log"
ip netns exec "$S" openssl s_server -accept "$SRV:$PORT" -www \
	-cert "$PKI/server-int.pem" -key "$PKI/server-int.key" \
	-cert_chain "$PKI/int1.pem" >"$SRV_LOG" 2>&1 </dev/null &
srv_track $! "$SRV_LOG"
if ! _srv_wait $! "$SRV_LOG" '^ACCEPT'; then
	_srv_failed_start "openssl s_server in $S" "$SRV_LOG"
	exit 1
fi

CAP_NS=$C CAP_IF=${P}cr cap_start veth "tcp port $PORT" || exit 1
VETH_PID=$CAP_PID VETH=$CAP_FILE
CAP_NS=$S CAP_IF=any cap_start any "tcp port $PORT" || exit 1
CLI_NS=$C CLI_TO=$SRV
export CLI_NS CLI_TO
ossl_client n1 $PORT -tls1_2 -servername server.test -alpn http/1.1
curl_client n2 server.test $PORT --tlsv1.3
curl_client n3 server.test $PORT --tlsv1.2 --tls-max 1.2
cap_stop
ANY=$CAP_FILE
CAP_PID=$VETH_PID cap_stop
unset CLI_NS CLI_TO

# link_type FILE: what tcpdump wrote (tshark's name for it)
link_type() { capinfos -E "$1" 2>/dev/null | sed -n 's/^File encapsulation: *//p'; }

for cap in "veth $VETH Ethernet" "any $ANY Linux cooked-mode capture v2"; do
	set -- $cap
	name=$1 file=$2
	shift 2
	lt=$(link_type "$file")
	check "$name: the capture's link type is $*" [ "$lt" = "$*" ]
	segs=$(tshark -r "$file" -n $TSHARK_TLS -Y 'tls.handshake.type == 11' -T fields \
		-e tcp.segment.count 2>/dev/null | sort -n | tail -n 1)
	check "$name: the server's certificates span several segments ($segs)" \
		[ "${segs:-0}" -gt 1 ]
	pcap_run "$name" "$file"
	tshark_fields "$name" "$file"
	pcap_compare "$name" conns=3 rc=0 outcome=established alert=none \
		0:leaf=CN=localhost 2:leaf=CN=localhost
	check "$name: every client is $CLI, every server $SRV:$PORT" \
		python3 -c '
import json, sys
hs = json.load(open(sys.argv[1]))["handshakes"]
sys.exit(0 if hs and all(h["client"].startswith(sys.argv[2] + ":") and h["server"] == sys.argv[3] for h in hs) else 1)' \
		"$PJSON" "$CLI" "$SRV:$PORT" 2>/dev/null
done
