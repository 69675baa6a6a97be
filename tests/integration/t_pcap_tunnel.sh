#!/bin/sh
# tlsprobe pcap through proxies: tcpdump on lo records curl and openssl
# s_client reaching an openssl s_server through real proxies on loopback
# (tinyproxy for HTTP CONNECT, microsocks for SOCKS5, with and without
# authentication, socks4_proxy.py for SOCKS4 and 4a). Each capture holds
# both legs of one run: the client to the proxy, the tunnel, and the
# proxy to the server, the same TLS bytes in plain sight. The report
# must agree with tshark (told which port is the proxy's) on both legs,
# name the tunnel and its target on the first, and give the tunnelled
# handshake the very JA3, JA4, SNI, version and cipher of the direct
# one. A refused CONNECT (tinyproxy's port rule, 403), a SOCKS5 CONNECT
# to a closed port and a tunnel that carries no TLS are counted, not
# listed; credentials never show. Made captures of a hostile proxy
# (endless headers, a 10 MiB header, binary after "CONNECT ") are read
# in bounded time and list nothing.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/captures.sh"

need_root t_pcap_tunnel
for tool in tcpdump tshark openssl curl tinyproxy microsocks timeout python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "t_pcap_tunnel: $tool is installed (scripts/install-deps.sh)"
		exit 1
	fi
done

make_pki ca1.pem server.pem server.key
start_openssl_server -cert "$PKI/server.pem" -key "$PKI/server.key" || exit 1
SECRET=Pr0xySecret42

# tinyproxy NAME [CONFIG LINES...]: tinyproxy in the foreground on a
# free loopback port, with a config of its own; sets PROXY_PORT.
tinyproxy_start() {
	_tn=$1
	shift
	PROXY_PORT=$(free_port)
	{
		printf 'Port %s\nListen 127.0.0.1\nTimeout 10\nMaxClients 20\n' \
			"$PROXY_PORT"
		printf 'LogLevel Info\nPidFile "%s/%s.pid"\n' "$T" "$_tn"
		for _l in "$@"; do
			printf '%s\n' "$_l"
		done
	} >"$T/$_tn.conf"
	tinyproxy -d -c "$T/$_tn.conf" >"$T/$_tn.log" 2>&1 </dev/null &
	srv_track $! "$T/$_tn.log"
	wait_port "$PROXY_PORT" || not_ok "$_tn: tinyproxy listens"
}

# microsocks_start NAME [ARGS...]: sets PROXY_PORT.
microsocks_start() {
	_mn=$1
	shift
	PROXY_PORT=$(free_port)
	microsocks -i 127.0.0.1 -p "$PROXY_PORT" "$@" >"$T/$_mn.log" 2>&1 \
		</dev/null &
	srv_track $! "$T/$_mn.log"
	wait_port "$PROXY_PORT" || not_ok "$_mn: microsocks listens"
}

tinyproxy_start connect
HTTP_PROXY_PORT=$PROXY_PORT
tinyproxy_start connect-auth "BasicAuth user $SECRET"
AUTH_PROXY_PORT=$PROXY_PORT
# only port 443 may be tunnelled to: CONNECT to the server's is a 403
tinyproxy_start connect-acl "ConnectPort 443"
ACL_PROXY_PORT=$PROXY_PORT
microsocks_start socks5
SOCKS5_PORT=$PROXY_PORT
microsocks_start socks5-auth -u user -P "$SECRET"
SOCKS5_AUTH_PORT=$PROXY_PORT
start_ready socks4 python3 "$TOP/tests/integration/socks4_proxy.py" ||
	exit 1
SOCKS4_PORT=$READY_PORT

# via_curl NAME ARGS... : curl -k, with tunnel.test resolved by curl to
# 127.0.0.1 (the proxies that resolve names themselves are given
# localhost).
via_curl() {
	_vn=$1
	shift
	timeout -k 1 "$CAP_LIMIT" curl -sS -k --max-time 5 \
		--resolve "tunnel.test:$SRV_PORT:127.0.0.1" "$@" \
		>"$T/$_vn.client" 2>&1
}

# tunnelled NAME PROXY_PORT DISSECTOR KIND TARGET CLIENT...: CLIENT run
# under a capture of the proxy's port and the server's; the two legs
# against tshark; the first names KIND and TARGET, the second nothing,
# and both have the same TLS fingerprints.
tunnelled() {
	_tn=$1 _tp=$2 _td=$3 _tk=$4 _tt=$5
	shift 5
	cap_start "$_tn" "tcp port $_tp or tcp port $SRV_PORT" || return 1
	"$@"
	cap_stop
	pcap_run "$_tn" "$CAP_FILE"
	TSHARK_DECODE="-d tcp.port==$_tp,$_td -d tcp.port==$SRV_PORT,tls" \
		tshark_fields "$_tn" "$CAP_FILE"
	pcap_compare "$_tn" conns=2 rc=0 outcome=established
	if python3 - "$PJSON" "$_tk" "$_tt" "$SRV_PORT" >"$T/$_tn.same" 2>&1 <<'EOF'
import json, sys
report, kind, target, port = sys.argv[1:5]
d = json.load(open(report))
hs = d["handshakes"]
inner = [h for h in hs if h["server"].endswith(":" + port)]
outer = [h for h in hs if not h["server"].endswith(":" + port)]
bad = False
if len(inner) != 1 or len(outer) != 1:
    sys.exit("handshakes to the server %d, to the proxy %d" % (len(inner),
                                                              len(outer)))
i, o = inner[0], outer[0]
if o.get("tunnel") != {"kind": kind, "target": target}:
    print("through the proxy: tunnel %r, expected %r" % (
        o.get("tunnel"), {"kind": kind, "target": target}))
    bad = True
if "tunnel" in i:
    print("the proxy's own leg has a tunnel: %r" % i["tunnel"])
    bad = True
for k in ("sni", "alpn_offered", "version", "cipher", "ja3", "ja3s", "ja4"):
    if i[k] != o[k] or (not i[k] and k != "alpn_offered"):
        print("%s: through the tunnel %r, direct %r" % (k, o[k], i[k]))
        bad = True
s = d["summary"]
if s["tunnels"] != {kind: 1} or s["tunnels_refused"] != 0 or \
        s["tunnels_without_tls"] != 0:
    print("summary: tunnels %r, refused %r, without TLS %r" % (
        s["tunnels"], s["tunnels_refused"], s["tunnels_without_tls"]))
    bad = True
sys.exit(1 if bad else 0)
EOF
	then
		ok "$_tn: tunnel $_tk $_tt; JA3, JA4, SNI, version and cipher those of the proxy's leg"
	else
		not_ok "$_tn: tunnel $_tk $_tt; JA3, JA4, SNI, version and cipher those of the proxy's leg"
		sed 's/^/#   /' "$T/$_tn.same"
	fi
}

tunnelled connect "$HTTP_PROXY_PORT" http connect "localhost:$SRV_PORT" \
	via_curl connect --proxy "http://127.0.0.1:$HTTP_PROXY_PORT" \
	"https://localhost:$SRV_PORT/"
tunnelled connect-auth "$AUTH_PROXY_PORT" http connect \
	"localhost:$SRV_PORT" via_curl connect-auth \
	--proxy "http://user:$SECRET@127.0.0.1:$AUTH_PROXY_PORT" \
	"https://localhost:$SRV_PORT/"
tunnelled socks5 "$SOCKS5_PORT" socks socks5 "127.0.0.1:$SRV_PORT" \
	via_curl socks5 --socks5 "127.0.0.1:$SOCKS5_PORT" \
	"https://tunnel.test:$SRV_PORT/"
tunnelled socks5-hostname "$SOCKS5_PORT" socks socks5 "localhost:$SRV_PORT" \
	via_curl socks5-hostname --socks5-hostname "127.0.0.1:$SOCKS5_PORT" \
	"https://localhost:$SRV_PORT/"
tunnelled socks5-auth "$SOCKS5_AUTH_PORT" socks socks5 \
	"localhost:$SRV_PORT" via_curl socks5-auth \
	--proxy "socks5h://user:$SECRET@127.0.0.1:$SOCKS5_AUTH_PORT" \
	"https://localhost:$SRV_PORT/"
tunnelled socks4 "$SOCKS4_PORT" socks socks4 "127.0.0.1:$SRV_PORT" \
	via_curl socks4 --socks4 "127.0.0.1:$SOCKS4_PORT" \
	"https://tunnel.test:$SRV_PORT/"
tunnelled socks4a "$SOCKS4_PORT" socks socks4a "localhost:$SRV_PORT" \
	via_curl socks4a --socks4a "127.0.0.1:$SOCKS4_PORT" \
	"https://localhost:$SRV_PORT/"
tunnelled openssl "$HTTP_PROXY_PORT" http connect "127.0.0.1:$SRV_PORT" \
	ossl_client openssl "$SRV_PORT" -proxy "127.0.0.1:$HTTP_PROXY_PORT" \
	-servername openssl.test

# the credentials curl gave the proxies are nowhere in what tlsprobe says
for name in connect-auth socks5-auth; do
	"$TP" pcap "$T/$name.pcap" >"$T/$name.txt" 2>&1
	if grep -q "$SECRET" "$T/$name.txt" "$T/$name.json"; then
		not_ok "$name: the proxy password is in no output"
	else
		ok "$name: the proxy password is in no output"
	fi
done
"$TP" pcap "$T/connect.pcap" >"$T/connect.txt" 2>&1
check "connect: the text view names the tunnel on the handshake's line" \
	grep -q "localhost  TLS1.3 .* established  tunnel connect localhost:$SRV_PORT\$" \
	"$T/connect.txt"
check "connect: the text summary counts the tunnel" \
	grep -q '^tunnels   connect 1$' "$T/connect.txt"

# ---- refused, and no TLS through: counted, not listed ----

# not_listed NAME PORTS REFUSED WITHOUT_TLS CLIENT...: no handshake to the
# proxy listed, the tunnels counted.
not_listed() {
	_nn=$1 _np=$2 _nr=$3 _nw=$4
	shift 4
	cap_start "$_nn" "tcp port $_np" || return 1
	"$@"
	cap_stop
	pcap_run "$_nn" "$CAP_FILE"
	pcap_expect "$_nn" "hs == [] and d['summary']['flows'] == 1 and d['summary']['tunnels'] == {} and d['summary']['tunnels_refused'] == $_nr and d['summary']['tunnels_without_tls'] == $_nw"
}

not_listed connect-403 "$ACL_PROXY_PORT" 1 0 \
	via_curl connect-403 --proxy "http://127.0.0.1:$ACL_PROXY_PORT" \
	"https://localhost:$SRV_PORT/"
check "connect-403: tinyproxy refused with 403" \
	grep -q 'response 403' "$T/connect-403.client"
CLOSED=$(free_port)
not_listed socks5-closed "$SOCKS5_PORT" 1 0 \
	via_curl socks5-closed --socks5 "127.0.0.1:$SOCKS5_PORT" \
	"https://127.0.0.1:$CLOSED/"
# plain HTTP through a CONNECT tunnel: opened, no TLS in it
not_listed connect-plain "$HTTP_PROXY_PORT" 0 1 \
	via_curl connect-plain --proxytunnel \
	--proxy "http://127.0.0.1:$HTTP_PROXY_PORT" \
	"http://localhost:$SRV_PORT/"

# ---- hostile proxies, in made captures: bounded, nothing listed ----

MKFLOOD="$TOP/tests/integration/mkflood.py"
python3 "$MKFLOOD" connect 20 "$T/made-connect.pcap"
pcap_run made-connect "$T/made-connect.pcap"
pcap_expect made-connect "len(hs) == 20 and all(x['tunnel'] == {'kind': 'connect', 'target': 'flood.test:443'} and x['sni'] == 'flood.test' for x in hs)"
for mode in connect-endless connect-huge connect-garbage; do
	python3 "$MKFLOOD" "$mode" 1 "$T/$mode.pcap"
	pcap_run "$mode" "$T/$mode.pcap"
	pcap_expect "$mode" "hs == [] and d['summary']['flows'] == 1 and d['summary']['tunnels'] == {} and d['summary']['peak_buffer'] == 0"
	check "$mode: exit 0" [ "$PRC" -eq 0 ]
done
stop_servers
