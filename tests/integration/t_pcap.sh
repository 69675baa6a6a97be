#!/bin/sh
# tlsprobe pcap against Wireshark's dissectors, on real captures.
#
# First the committed samples (samples/*.pcap*, no root needed): their
# key fields, fixed. Then, as root, tcpdump on lo records real
# handshakes between openssl, gnutls and curl clients and servers; for
# every capture the handshakes tlsprobe lists must be tshark's, field by
# field (endpoints, SNI, ALPN, version, cipher id, JA3, JA3S, plaintext
# alerts, the server's certificates), and each outcome the one the
# scenario made: established (TLS 1.2 and 1.3, resumed by session ID
# and by ticket, with a client certificate), alert (from the client,
# from the server), reset, incomplete (the file cut inside a frame),
# and a small snaplen.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/captures.sh"

# ---- the committed samples ----

# sample FILE EXPR: tlsprobe pcap --json samples/FILE, and the Python
# expression over the report d (h: its first handshake) is true.
sample() {
	pcap_run "sample-$1" "$TOP/samples/$1"
	pcap_expect "samples/$1" "$2"
}

# Their values are tshark's (tshark -r FILE -T fields -e tls.handshake.ja3
# ...), taken when the samples were made. JA4 is checked for its shape
# and its first part (protocol, version, SNI, ALPN) only: tshark 4.0 has
# no JA4.
sample tls12.pcap 'len(d["handshakes"]) == 1'
sample tls12.pcap 'h["client"] == "127.0.0.1:45014" and h["server"] == "127.0.0.1:38117"'
# the server chose no protocol (its ServerHello has no ALPN)
sample tls12.pcap 'h["sni"] == "server.test" and h["alpn"] is None and h["alpn_offered"] == ["http/1.1"]'
sample tls12.pcap 'h["version"] == "TLS1.2" and h["cipher"] == "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"'
sample tls12.pcap 'h["ja3"] == "22558766122974704364c9c75c5cce0a" and h["ja3s"] == "ec74a5c51106f0419184d0dd08fb05bc"'
sample tls12.pcap 're.fullmatch(r"t12d\d{4}h1_[0-9a-f]{12}_[0-9a-f]{12}", h["ja4"]) is not None'
sample tls12.pcap 'h["outcome"] == "established" and h["alert"] is None'
sample tls12.pcap '"CN=localhost" in h["certificates"][0]["subject"] and "CN=tlsprobe Test CA1" in h["certificates"][0]["issuer"] and h["certificates"][0]["key"] == "RSA-2048"'
sample tls13.pcapng 'len(d["handshakes"]) == 1'
sample tls13.pcapng 'h["client"] == "127.0.0.1:54760" and h["server"] == "127.0.0.1:32861"'
# TLS 1.3: the server's choice is encrypted
sample tls13.pcapng 'h["sni"] == "server.test" and h["alpn"] is None and h["alpn_offered"] == ["h2", "http/1.1"]'
sample tls13.pcapng 'h["version"] == "TLS1.3" and h["cipher"] == "TLS_AES_256_GCM_SHA384"'
sample tls13.pcapng 'h["ja3"] == "89dfc51e72bdcb94e4ba4622588002b1" and h["ja3s"] == "15af977ce25de452b96affa2addb1036"'
sample tls13.pcapng 're.fullmatch(r"t13d\d{4}h2_[0-9a-f]{12}_[0-9a-f]{12}", h["ja4"]) is not None'
sample tls13.pcapng 'h["outcome"] == "established" and h["alert"] is None and not h["certificates"]'
sample alert.pcap 'len(d["handshakes"]) == 1 and h["client"] == "127.0.0.1:48306"'
sample alert.pcap 'h["version"] == "TLS1.2" and h["ja3"] == "871a754af286dfb70c1b53c6887c62e0" and h["ja3s"] == "ec74a5c51106f0419184d0dd08fb05bc"'
sample alert.pcap 'h["outcome"] == "alert" and h["alert"] == {"level": "fatal", "description": "unknown_ca", "from": "client"}'
sample alert.pcap '"CN=localhost" in h["certificates"][0]["subject"]'
sample reset.pcap 'len(d["handshakes"]) == 1 and h["client"] == "127.0.0.1:45888" and h["sni"] == "server.test"'
sample reset.pcap 'h["ja3"] == "a3afc2c46ba4a7d7fbe1cfb7a3031c2f" and not h["ja3s"] and h["version"] is None'
sample reset.pcap 'h["outcome"] == "reset" and h["alert"] is None and "r" in h["history"]'

# ---- real captures ----

need_root t_pcap
for tool in tcpdump tshark editcap curl openssl gnutls-cli gnutls-serv timeout python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "t_pcap: $tool is installed (scripts/install-deps.sh)"
		exit 1
	fi
done

make_pki ca1.pem ca2.pem server.pem server.key server-ec.pem server-ec.key \
	client.pem client.key
OSRV="-cert $PKI/server.pem -key $PKI/server.key"
GSRV="--x509certfile $PKI/server-ec.pem --x509keyfile $PKI/server-ec.key"
ONLY12="NORMAL:-VERS-ALL:+VERS-TLS1.2"
ONLY13="NORMAL:-VERS-ALL:+VERS-TLS1.3"
LEAF=CN=localhost

# compare NAME FILE [EXPECT...]: tlsprobe and tshark over FILE.
compare() {
	_cmp=$1 _cfile=$2
	shift 2
	pcap_run "$_cmp" "$_cfile"
	tshark_fields "$_cmp" "$_cfile"
	pcap_compare "$_cmp" "$@"
}

# client_said NAME PATTERN WHAT: a scenario check: the client's own
# output shows the scenario happened as planned.
client_said() {
	if grep -qE "$2" "$T/$1.client"; then
		ok "$1: $3"
	else
		not_ok "$1: $3"
		tail -n 8 "$T/$1.client" | sed 's/^/#   /'
	fi
}

# 1. openssl s_server: TLS 1.2 and 1.3 from each of s_client, curl and
#    gnutls-cli, with and without SNI and ALPN.
start_openssl_server $OSRV || exit 1
cap_start mixed "tcp port $SRV_PORT" || exit 1
ossl_client m1 "$SRV_PORT" -tls1_2 -servername server.test -alpn http/1.1
ossl_client m2 "$SRV_PORT" -tls1_3 -noservername
curl_client m3 server.test "$SRV_PORT" --tlsv1.2 --tls-max 1.2
curl_client m4 server.test "$SRV_PORT" --tlsv1.3
gtls_client m5 127.0.0.1 "$SRV_PORT" --sni-hostname server.test --priority "$ONLY12"
gtls_client m6 127.0.0.1 "$SRV_PORT" --priority "$ONLY13" --alpn h2
cap_stop
MIXED=$CAP_FILE
compare mixed "$MIXED" conns=6 rc=0 outcome=established alert=none \
	0:leaf=$LEAF 2:leaf=$LEAF 4:leaf=$LEAF

# the same capture as pcapng: the same report
editcap -F pcapng "$MIXED" "$T/mixed.pcapng"
pcap_run mixed-ng "$T/mixed.pcapng"
if python3 -c '
import json, sys
a, b = (json.load(open(f))["handshakes"] for f in sys.argv[1:3])
strip = lambda hs: [{k: v for k, v in h.items() if k not in ("t_start",)} for h in hs]
sys.exit(0 if a and strip(a) == strip(b) else 1)' "$T/mixed.json" "$PJSON" 2>/dev/null; then
	ok "mixed: the pcapng copy gives the same handshakes"
else
	not_ok "mixed: the pcapng copy gives the same handshakes"
	echo "#   exit status $PRC; stderr: $(head -c 300 "$PERR")"
fi
stop_servers

# 2. gnutls-serv with ALPN, an ECDSA key, and a client on ::1
start_gnutls_serv $GSRV --http --alpn http/1.1 --alpn h2 || exit 1
cap_start gnutls "tcp port $SRV_PORT" || exit 1
ossl_client g1 "$SRV_PORT" -tls1_2 -servername localhost -alpn h2,http/1.1
curl_client g2 server.test "$SRV_PORT" --tlsv1.3
gtls_client g3 ::1 "$SRV_PORT" --priority "$ONLY12" --alpn http/1.1
cap_stop
compare gnutls "$CAP_FILE" conns=3 rc=0 alert=none \
	0:leaf=$LEAF 2:leaf=$LEAF
# gnutls-serv ends a connection with its close_notify and FIN, and often
# a reset when the client's close_notify arrives after that: the
# handshakes completed (both Finished, application data both ways), so
# their outcome is established; a reset is the outcome of a handshake
# it cut short
if python3 -c '
import json, sys
hs = json.load(open(sys.argv[1]))["handshakes"]
sys.exit(0 if len(hs) == 3 and [h["outcome"] for h in hs] == ["established"] * 3 else 1)' "$PJSON" 2>/dev/null; then
	ok "gnutls: a reset after the handshake completed leaves it established"
else
	not_ok "gnutls: a reset after the handshake completed leaves it established"
	python3 -c '
import json, sys
for h in json.load(open(sys.argv[1]))["handshakes"]:
    print("#   %s %s outcome %s, history %s" % (h["client"], h["version"], h["outcome"], h["history"]))' "$PJSON" 2>/dev/null
fi
stop_servers

# 3. TLS 1.2 resumption by session ID (no tickets): no certificate the
#    second time
start_openssl_server $OSRV -no_ticket || exit 1
cap_start resume12 "tcp port $SRV_PORT" || exit 1
ossl_client r12a "$SRV_PORT" -tls1_2 -servername server.test -sess_out "$T/sess12"
ossl_client r12b "$SRV_PORT" -tls1_2 -servername server.test -sess_in "$T/sess12"
cap_stop
RESUME12=$CAP_FILE
client_said r12b '^Reused, TLSv1\.2' "openssl resumed the TLS 1.2 session"
compare resume12 "$RESUME12" conns=2 rc=0 outcome=established alert=none \
	0:leaf=$LEAF 1:certs=none
stop_servers

# 4. TLS 1.3 resumption by ticket (pre_shared_key in both hellos)
start_openssl_server $OSRV || exit 1
cap_start resume13 "tcp port $SRV_PORT" || exit 1
ossl_client r13a "$SRV_PORT" -tls1_3 -servername server.test -sess_out "$T/sess13"
ossl_client r13b "$SRV_PORT" -tls1_3 -servername server.test -sess_in "$T/sess13"
cap_stop
client_said r13b '^Reused, TLSv1\.3' "openssl resumed the TLS 1.3 session"
compare resume13 "$CAP_FILE" conns=2 rc=0 outcome=established alert=none certs=none
stop_servers

# 5. a client certificate (TLS 1.2, so both chains are in clear): the
#    report's certificates are the server's
start_openssl_server $OSRV -Verify 1 -CAfile "$PKI/ca1.pem" || exit 1
cap_start clientcert "tcp port $SRV_PORT" || exit 1
ossl_client cc "$SRV_PORT" -tls1_2 -cert "$PKI/client.pem" -key "$PKI/client.key"
cap_stop
if [ "$(tshark -r "$CAP_FILE" -n $TSHARK_TLS -Y "tls.handshake.type == 11 && tcp.dstport == $SRV_PORT" 2>/dev/null | wc -l)" -eq 1 ]; then
	ok "clientcert: the client sent its certificate"
else
	not_ok "clientcert: the client sent its certificate"
fi
compare clientcert "$CAP_FILE" conns=1 rc=0 outcome=established alert=none leaf=$LEAF
stop_servers

# 6. the client rejects the server's CA: fatal unknown_ca from the client
start_openssl_server $OSRV || exit 1
cap_start alert-client "tcp port $SRV_PORT" || exit 1
ossl_client ac "$SRV_PORT" -tls1_2 -CAfile "$PKI/ca2.pem" -verify_return_error
cap_stop
ALERT=$CAP_FILE
compare alert-client "$ALERT" conns=1 outcome=alert \
	alert=fatal/unknown_ca/client leaf=$LEAF
stop_servers

# 7. no cipher in common: fatal handshake_failure from the server
start_openssl_server $OSRV -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 || exit 1
cap_start alert-server "tcp port $SRV_PORT" || exit 1
ossl_client as "$SRV_PORT" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
cap_stop
compare alert-server "$CAP_FILE" conns=1 outcome=alert \
	alert=fatal/handshake_failure/server
stop_servers

# 8. the server resets after the ClientHello
start_fake reset || exit 1
cap_start reset "tcp port $FAKE_PORT" || exit 1
ossl_client rst "$FAKE_PORT" -servername server.test
cap_stop
compare reset "$CAP_FILE" conns=1 outcome=reset alert=none 'history~r'
stop_servers

# 9. the capture of (3) cut in the middle of the second ServerHello's
#    frame: the first connection stays whole, the second is incomplete,
#    and the report says the file was cut short
if cap_cut "$RESUME12" "$T/truncated.pcap"; then
	compare truncated "$T/truncated.pcap" conns=2 0:outcome=established \
		1:outcome=incomplete 0:leaf=$LEAF
	if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = json.dumps(d)
sys.exit(0 if d.get("summary", {}).get("truncated") is True else 1)' "$PJSON" 2>/dev/null; then
		ok "truncated: the report says the file ends inside a frame"
	else
		not_ok "truncated: the report says the file ends inside a frame"
		echo "#   pcap summary: $(json_get "$PJSON" 'd.get("summary")' 2>&1 | head -c 300)"
	fi
else
	not_ok "truncated: cut the capture inside the ServerHello frame"
fi

# 10. a snaplen of 96 bytes: every hello is cut after its first 30 bytes.
#     Nothing may be invented: no SNI, no fingerprint, no version.
start_openssl_server $OSRV || exit 1
cap_start snaplen "tcp port $SRV_PORT" -s 96 || exit 1
ossl_client sl "$SRV_PORT" -tls1_3 -servername server.test
cap_stop
pcap_run snaplen "$CAP_FILE"
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
rc = int(sys.argv[2])
hs = d["handshakes"]
bad = [h for h in hs if h.get("sni") or h.get("ja3") or h.get("ja3s")
       or h.get("version") or h.get("cipher") or h.get("outcome") == "established"]
sys.exit(0 if rc in (0, 1) and len(hs) <= 1 and not bad else 1)' "$PJSON" "$PRC" 2>/dev/null; then
	ok "snaplen: 96-byte frames: no SNI, fingerprint or version invented"
else
	not_ok "snaplen: 96-byte frames: no SNI, fingerprint or version invented"
	echo "#   exit status $PRC; stderr: $(head -c 300 "$PERR")"
	python3 -c '
import json, sys
for h in json.load(open(sys.argv[1]))["handshakes"]:
    print("#   handshake:", json.dumps({k: v for k, v in h.items() if k != "certificates"}))
' "$PJSON" 2>/dev/null
fi
stop_servers
