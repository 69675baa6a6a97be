#!/bin/sh
# Remakes the sample captures in samples/ (needs root for tcpdump):
#   sh tests/integration/mksamples.sh [OUTDIR]   (default samples/)
#
#   tls12.pcap     openssl s_client -> openssl s_server, TLS 1.2, SNI
#                  server.test, ALPN http/1.1, RSA certificate, one GET
#   tls13.pcapng   curl -> openssl s_server, TLS 1.3, SNI server.test,
#                  ALPN h2 and http/1.1 offered (the choice is encrypted),
#                  ECDSA certificate, one GET
#   alert.pcap     openssl s_client (TLS 1.2) that trusts only ca2 ->
#                  openssl s_server with a ca1 certificate: the client's
#                  fatal unknown_ca alert
#   reset.pcap     openssl s_client -> a server that resets after reading
#                  the ClientHello (fakeserver.py reset)
#
# The servers use the sample PKI (samples/mkpki.sh), so the keys and the
# certificates differ from one run to the next, and with them the
# certificates' fingerprints; everything tests/integration/t_pcap.sh
# asserts about the samples (SNI, ALPN, version, cipher, JA3, JA3S,
# outcome, alert, subject) stays the same with the same tool versions.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/captures.sh"

OUT=${1:-$TOP/samples}
if [ "$(id -u)" -ne 0 ]; then
	echo "mksamples: needs root (tcpdump)" >&2
	exit 3
fi
make_pki ca1.pem ca2.pem server.pem server.key server-ec.pem server-ec.key
OSRV="-cert $PKI/server.pem -key $PKI/server.key"

# done_sample NAME FILE: FILE to OUT/NAME, as pcap or (.pcapng) pcapng.
done_sample() {
	case $1 in
	*.pcapng) editcap -F pcapng "$2" "$OUT/$1" ;;
	*) cp "$2" "$OUT/$1" ;;
	esac
	echo "mksamples: $OUT/$1, $(wc -c <"$OUT/$1") bytes"
}

start_openssl_server $OSRV || exit 1
cap_start tls12 "tcp port $SRV_PORT" || exit 1
ossl_client tls12 "$SRV_PORT" -tls1_2 -servername server.test -alpn http/1.1
cap_stop
done_sample tls12.pcap "$CAP_FILE"
stop_servers

start_openssl_server -cert "$PKI/server-ec.pem" -key "$PKI/server-ec.key" \
	-alpn http/1.1 || exit 1
cap_start tls13 "tcp port $SRV_PORT" || exit 1
curl_client tls13 server.test "$SRV_PORT" --tlsv1.3
cap_stop
done_sample tls13.pcapng "$CAP_FILE"
stop_servers

start_openssl_server $OSRV || exit 1
cap_start alert "tcp port $SRV_PORT" || exit 1
ossl_client alert "$SRV_PORT" -tls1_2 -servername server.test \
	-CAfile "$PKI/ca2.pem" -verify_return_error
cap_stop
done_sample alert.pcap "$CAP_FILE"
stop_servers

start_fake reset || exit 1
cap_start reset "tcp port $FAKE_PORT" || exit 1
ossl_client reset "$FAKE_PORT" -servername server.test
cap_stop
done_sample reset.pcap "$CAP_FILE"
stop_servers
