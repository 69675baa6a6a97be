#!/bin/sh
# tlsprobe pcap on real captures (tcpdump on lo) of how handshakes end
# and what they agreed, against tshark's view of the same files:
#
# - alpn is the server's choice, as its ServerHello says, and null when
#   it chose none (TLS 1.2) or when the choice is encrypted (TLS 1.3);
#   alpn_offered is the ClientHello's list;
# - a TLS 1.3 server that refuses the client's certificate (none sent,
#   or one from a CA it does not trust) answers the client's Finished
#   with one encrypted alert and closes: the outcome is alert, from the
#   server, told by the record's size (19 bytes: 2 of alert, 1 of
#   content type, 16 of AEAD tag), which tshark's record lengths show;
#   a server that takes the certificate sends its session tickets, and
#   the handshake is established;
# - a TLS 1.3 client that refuses the server's CA and says so encrypted
#   (gnutls-cli) sends one 19-byte record and no Finished: alert, from
#   the client, not established;
# - the same refusal in TLS 1.2 is a plaintext alert, certain.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/captures.sh"

need_root t_pcap_ends
for tool in tcpdump tshark openssl gnutls-cli timeout python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "t_pcap_ends: $tool is installed (scripts/install-deps.sh)"
		exit 1
	fi
done

make_pki ca1.pem ca2.pem server.pem server.key client.pem client.key \
	client-ca2.pem client-ca2.key
OSRV="-cert $PKI/server.pem -key $PKI/server.key"

# compare NAME FILE [EXPECT...]: tlsprobe and tshark over FILE.
compare() {
	_cmp=$1 _cfile=$2
	shift 2
	pcap_run "$_cmp" "$_cfile"
	tshark_fields "$_cmp" "$_cfile"
	pcap_compare "$_cmp" "$@"
}


# server_records NAME FILE PORT: tshark's lengths of the encrypted
# records (TLS 1.3's opaque type application_data) the server sent
# after the client's first one on the connection from PORT, one a line,
# in $T/NAME.records. In a frame, tshark lists the plaintext records'
# types, then the encrypted ones': the lengths list them all in order.
server_records() {
	tshark -r "$2" -n $TSHARK_TLS -Y "tls.record && tcp.port == $3" \
		-T fields -e tcp.srcport -e tls.record.content_type \
		-e tls.record.opaque_type -e tls.record.length 2>/dev/null |
		awk -F '\t' -v port="$SRV_PORT" '
		{ plain = $2 == "" ? 0 : split($2, t, ",")
		  n = split($4, len, ",")
		  for (i = plain + 1; i <= n; i++) {
			if ($1 != port) client = 1
			else if (client) print len[i]
		  } }' >"$T/$1.records"
}

# ---- ALPN ----

# 1. a server without ALPN: TLS 1.2 and 1.3 clients that offer two
start_openssl_server $OSRV || exit 1
cap_start alpn-none "tcp port $SRV_PORT" || exit 1
ossl_client an12 "$SRV_PORT" -tls1_2 -servername server.test -alpn h2,http/1.1
ossl_client an13 "$SRV_PORT" -tls1_3 -servername server.test -alpn h2,http/1.1
cap_stop
compare alpn-none "$CAP_FILE" conns=2 rc=0 outcome=established alert=none
pcap_expect alpn-none '[(h["version"], h["alpn"], h["alpn_offered"]) for h in hs] == [("TLS1.2", None, ["h2", "http/1.1"]), ("TLS1.3", None, ["h2", "http/1.1"])]'
stop_servers

# 2. a server with ALPN: TLS 1.2 shows its choice, TLS 1.3 hides it
start_openssl_server $OSRV -alpn http/1.1 || exit 1
cap_start alpn-chosen "tcp port $SRV_PORT" || exit 1
ossl_client ac12 "$SRV_PORT" -tls1_2 -servername server.test -alpn h2,http/1.1
ossl_client ac13 "$SRV_PORT" -tls1_3 -servername server.test -alpn h2,http/1.1
ossl_client ac00 "$SRV_PORT" -tls1_2 -servername server.test
cap_stop
if grep -q '^ALPN protocol: http/1.1' "$T/ac13.client"; then
	ok "alpn-chosen: the TLS 1.3 server chose http/1.1 (s_client says)"
else
	not_ok "alpn-chosen: the TLS 1.3 server chose http/1.1 (s_client says)"
fi
compare alpn-chosen "$CAP_FILE" conns=3 rc=0 outcome=established alert=none
pcap_expect alpn-chosen '[(h["version"], h["alpn"], h["alpn_offered"]) for h in hs] == [("TLS1.2", "http/1.1", ["h2", "http/1.1"]), ("TLS1.3", None, ["h2", "http/1.1"]), ("TLS1.2", None, [])]'
pcap_run alpn-chosen-text "$CAP_FILE"
stop_servers

# ---- a client certificate refused ----

# 3. TLS 1.3, a server that requires a client certificate from CA1: a
#    client without one, a client with one from CA2, a client with one
#    from CA1
start_openssl_server $OSRV -Verify 1 -verify_return_error \
	-CAfile "$PKI/ca1.pem" || exit 1
cap_start refused13 "tcp port $SRV_PORT" || exit 1
ossl_client rn "$SRV_PORT" -tls1_3 -servername server.test
ossl_client rw "$SRV_PORT" -tls1_3 -servername server.test \
	-cert "$PKI/client-ca2.pem" -key "$PKI/client-ca2.key"
ossl_client rg "$SRV_PORT" -tls1_3 -servername server.test \
	-cert "$PKI/client.pem" -key "$PKI/client.key"
cap_stop
if grep -q 'certificate required' "$T/rn.client" &&
	grep -q 'unknown ca' "$T/rw.client"; then
	ok "refused13: the server refused both (certificate_required, unknown_ca: s_client says)"
else
	not_ok "refused13: the server refused both (certificate_required, unknown_ca: s_client says)"
	tail -n 3 "$T/rn.client" "$T/rw.client" | sed 's/^/#   /'
fi
compare refused13 "$CAP_FILE" conns=3 rc=0,1 \
	0:outcome=alert 1:outcome=alert 2:outcome=established 2:alert=none
pcap_expect refused13 '[(h["outcome"], h["alert"]) for h in hs[:2]] == [("alert", {"level": "unknown", "description": "encrypted", "from": "server"})] * 2'
# what the judgement rests on, in tshark's words: after the client's
# Finished, the refusing server sent one record of 19 bytes; the
# accepting one more, and longer (its session tickets)
for _i in 0 1 2; do
	_port=$(json_get "$PJSON" "d['handshakes'][$_i]['client'].split(':')[1]")
	server_records "refused13-$_i" "$CAP_FILE" "$_port"
done
if [ "$(cat "$T/refused13-0.records")" = 19 ] &&
	[ "$(cat "$T/refused13-1.records")" = 19 ] &&
	[ "$(awk '$1 > 19' "$T/refused13-2.records" | wc -l)" -ge 1 ]; then
	ok "refused13: tshark: the refusals are one 19-byte record after the client's, the acceptance longer ones"
else
	not_ok "refused13: tshark: the refusals are one 19-byte record after the client's, the acceptance longer ones"
	for _i in 0 1 2; do
		echo "#   connection $_i: $(tr '\n' ' ' <"$T/refused13-$_i.records")"
	done
fi
# the findings and the text name it
"$TP" pcap "$CAP_FILE" --no-color >"$T/refused13.txt" 2>&1
if [ "$(grep -c 'unknown alert encrypted from the server (by its size)' "$T/refused13.txt")" -eq 2 ]; then
	ok "refused13: the text says the alerts were told by their size"
else
	not_ok "refused13: the text says the alerts were told by their size"
	sed 's/^/#   /' "$T/refused13.txt" | head -n 12
fi
stop_servers

# 4. TLS 1.3 clients that refuse the server's CA: openssl s_client
#    alerts in plaintext before its second flight; gnutls-cli sends its
#    change_cipher_spec and then the alert encrypted, one record of 19
#    bytes, and no Finished
start_openssl_server $OSRV || exit 1
cap_start client-refuses13 "tcp port $SRV_PORT" || exit 1
ossl_client co "$SRV_PORT" -tls1_3 -servername server.test \
	-CAfile "$PKI/ca2.pem" -verify_return_error
timeout -k 1 "$CAP_LIMIT" gnutls-cli -p "$SRV_PORT" --sni-hostname server.test \
	--x509cafile "$PKI/ca2.pem" --priority "NORMAL:-VERS-ALL:+VERS-TLS1.3" \
	127.0.0.1 </dev/null >"$T/cg.client" 2>&1
cap_stop
compare client-refuses13 "$CAP_FILE" conns=2 rc=0,1 outcome=alert \
	0:alert=fatal/unknown_ca/client
pcap_expect client-refuses13 '[h["alert"] for h in hs] == [{"level": "fatal", "description": "unknown_ca", "from": "client"}, {"level": "unknown", "description": "encrypted", "from": "client"}]'
_port=$(json_get "$PJSON" "d['handshakes'][1]['client'].split(':')[1]")
if [ "$(tshark -r "$CAP_FILE" -n $TSHARK_TLS \
	-Y "tcp.srcport == $_port && tls.record.opaque_type == 23" \
	-T fields -e tls.record.length 2>/dev/null)" = 19 ]; then
	ok "client-refuses13: tshark: gnutls-cli's only encrypted record is 19 bytes"
else
	not_ok "client-refuses13: tshark: gnutls-cli's only encrypted record is 19 bytes"
fi
stop_servers

# 5. the same refusal in TLS 1.2: the server's alert is in plaintext
start_openssl_server $OSRV -Verify 1 -verify_return_error \
	-CAfile "$PKI/ca1.pem" || exit 1
cap_start refused12 "tcp port $SRV_PORT" || exit 1
ossl_client r12 "$SRV_PORT" -tls1_2 -servername server.test \
	-cert "$PKI/client-ca2.pem" -key "$PKI/client-ca2.key"
cap_stop
compare refused12 "$CAP_FILE" conns=1 rc=0,1 outcome=alert \
	alert=fatal/unknown_ca/server
stop_servers
