#!/bin/sh
# tlsprobe pcap: bad files and options, then captures made with tcpdump
# on loopback of openssl s_client against openssl s_server: the fields of
# each handshake, the filters, the key log, the findings for alerts,
# resets and a truncated file, and a live capture.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

# run_pcap NAME ARGS...: tlsprobe pcap ARGS; sets OUT (stdout), ERR,
# RC and MS, as run_client does, so that expect and expect_py apply.
run_pcap() {
	_rp_name=$1; shift
	OUT="$T/$_rp_name.out"
	ERR="$T/$_rp_name.err"
	_t0=$(now_ms)
	timeout -k 2 "$CLIENT_LIMIT" "$TP" pcap "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	MS=$(($(now_ms) - _t0))
	LAST_ARGS="$*"
	_ctx_shown=0
}

# usage NAME REGEX ARGS...: exit 2, nothing on stdout, one line on
# stderr that matches REGEX (the file or option it is about).
usage() {
	_u_name=$1 _u_re=$2; shift 2
	run_pcap usage "$@"
	_u_lines=$(wc -l <"$ERR" | tr -d ' ')
	if [ "$RC" -eq 2 ] && [ ! -s "$OUT" ] && [ "$_u_lines" -eq 1 ] &&
		grep -qE -- "$_u_re" "$ERR"; then
		ok "$_u_name: exit 2, one line naming it"
	else
		not_ok "$_u_name: exit 2, one line naming it"
		echo "#   exit $RC, stderr ($_u_lines lines):"
		sed 's/^/#     /' "$ERR"
		[ -s "$OUT" ] && echo "#   stdout was not empty"
	fi
}

# ---- bad usage and unusable input ----

: >"$T/empty.pcap"
printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n%s\n' "not a capture" \
	>"$T/garbage.pcap"
printf 'CLIENT_RANDOM %064d %096d\nCLIENT_RANDOM 12zz\n' 0 0 >"$T/bad.keys"

usage "missing file" 'no-such\.pcap' "$T/no-such.pcap"
usage "garbage file" 'garbage\.pcap' "$T/garbage.pcap"
usage "empty file" 'empty\.pcap' "$T/empty.pcap"
usage "a directory" "$T" "$T"
usage "no file" 'FILE|--live' --json
usage "a file and --live" 'not both|--live' "$T/empty.pcap" --live lo
usage "two files" 'second\.pcap' "$T/empty.pcap" "$T/second.pcap"
usage "unknown option" '--no-such-option' "$T/empty.pcap" --no-such-option
usage "--port 0" '--port' "$T/empty.pcap" --port 0
usage "--port 70000" '70000' "$T/empty.pcap" --port 70000
usage "--host that is no address" 'example\.test' "$T/empty.pcap" \
	--host example.test
usage "--seconds without --live" '--seconds' "$T/empty.pcap" --seconds 3
usage "--max-flows abc" 'abc' "$T/empty.pcap" --max-flows abc
usage "--keylog naming a file that does not exist" 'no-such\.keys' \
	"$T/empty.pcap" --keylog "$T/no-such.keys"
usage "--keylog with a malformed line names file and line" \
	'bad\.keys:2' "$T/empty.pcap" --keylog "$T/bad.keys"

need_root "captures with tcpdump on loopback"

make_pki ca1.pem ca2.pem server.pem server.key
CA1=$PKI/ca1.pem

# start_tcpdump FILE FILTER: captures loopback into FILE until
# stop_tcpdump; sets DUMP_PID. -Z root: it writes into $T, which only
# root may enter.
start_tcpdump() {
	DUMP_LOG="$T/tcpdump.$$.log"
	tcpdump -i lo -n -U --immediate-mode -Z root -w "$1" "$2" >"$DUMP_LOG" 2>&1 &
	DUMP_PID=$!
	srv_track "$DUMP_PID" "$DUMP_LOG"
	if ! _srv_wait "$DUMP_PID" "$DUMP_LOG" 'listening on'; then
		_srv_failed_start tcpdump "$DUMP_LOG"
		exit 1
	fi
}

# stop_tcpdump: lets the last packets in, then ends the capture.
stop_tcpdump() {
	sleep 0.3
	kill -INT "$DUMP_PID" 2>/dev/null
	wait "$DUMP_PID" 2>/dev/null
}

# s_client NAME ARGS...: one openssl s_client connection to the server,
# nothing sent, then closed.
s_client() {
	_sc_name=$1; shift
	openssl s_client -connect "127.0.0.1:$SRV_PORT" "$@" \
		</dev/null >"$T/s_client-$_sc_name.log" 2>&1
}

# ---- a clean capture: TLS 1.3 with SNI and ALPN, then TLS 1.2 ----

start_openssl_server -cert "$PKI/server.pem" -key "$PKI/server.key" \
	-alpn h2,http/1.1 || exit 1
PORT=$SRV_PORT
CAP="$T/clean.pcap"
start_tcpdump "$CAP" "tcp port $PORT"
s_client tls13 -servername pcap.test -alpn h2 -CAfile "$CA1" \
	-keylogfile "$T/tls13.keys"
s_client tls12 -tls1_2 -servername other.test -CAfile "$CA1" \
	-keylogfile "$T/tls12.keys"
stop_tcpdump

run_pcap clean "$CAP" --json
expect "clean capture: exit 0, no finding" 0 '!ALERT_RECEIVED' \
	'!RESET_DURING_HANDSHAKE' '!CAPTURE_TRUNCATED'
expect_py "clean capture: command pcap, two handshakes" \
	"d['command'] == 'pcap' and len(d['handshakes']) == 2"
H0="d['handshakes'][0]"
H1="d['handshakes'][1]"
expect_py "TLS 1.3 handshake first (start order): ends and SNI" \
	"($H0['server'] == '127.0.0.1:$PORT' and
	 $H0['client'].startswith('127.0.0.1:') and
	 $H0['client'] != $H0['server'] and $H0['sni'] == 'pcap.test')"
# the server's ALPN choice is encrypted in TLS 1.3: only the offer shows
expect_py "TLS 1.3 handshake: version, cipher, ALPN h2 offered" \
	"($H0['version'] == 'TLS1.3' and
	 $H0['cipher'] in ('TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256',
			   'TLS_CHACHA20_POLY1305_SHA256') and
	 $H0['alpn'] is None and $H0['alpn_offered'] == ['h2'])"
expect_py "TLS 1.3 handshake: established, no alert, no certificate seen" \
	"($H0['outcome'] == 'established' and $H0['alert'] is None and
	 $H0['certificates'] == [])"
expect_py "TLS 1.3 handshake: fingerprints, and no JA4S (FoxIO License)" \
	"(len($H0['ja3']) == 32 and len($H0['ja3s']) == 32 and
	 $H0['ja4'].startswith('t13d') and 'ja4s' not in $H0)"
expect_py "TLS 1.3 handshake: history starts with the three-way handshake" \
	"($H0['history'].startswith('ShA') and $H0['duration_ms'] >= 0 and
	 $H0['t_start'] > 1e9 and $H0['keylog_secrets'] is None)"
expect_py "TLS 1.2 handshake: SNI other.test, no ALPN, version, cipher" \
	"($H1['sni'] == 'other.test' and $H1['alpn'] is None and
	 $H1['version'] == 'TLS1.2' and $H1['cipher'].startswith('TLS_') and
	 $H1['outcome'] == 'established' and $H1['t_start'] >= $H0['t_start'])"
expect_py "TLS 1.2 handshake: the server's certificate, as the client's" \
	"('localhost' in $H1['certificates'][0]['subject'] and
	 $H1['certificates'][0]['position'] == 0 and
	 len($H1['certificates'][0]['sha256']) == 64 and
	 'DNS:localhost' in $H1['certificates'][0]['san'])"
expect_py "summary: counts by version, cipher and outcome" \
	"(d['summary']['handshakes'] == 2 and d['summary']['tls_flows'] == 2 and
	 d['summary']['versions'] == {'TLS1.3': 1, 'TLS1.2': 1} and
	 d['summary']['outcomes'] == {'established': 2} and
	 sum(d['summary']['ciphers'].values()) == 2 and
	 d['summary']['frames'] >= d['summary']['tcp_frames'] > 10 and
	 d['summary']['truncated'] is False and
	 d['summary']['source'].endswith('clean.pcap'))"

# the filters select and deselect
filter() {
	run_pcap filter "$CAP" --json "$@"
	expect_py "filter $*: $_f_n handshake(s)" \
		"(len(d['handshakes']) == $_f_n and
		 d['summary']['handshakes'] == $_f_n)"
}
_f_n=1 filter --sni pcap.test
_f_n=1 filter --sni PCAP.Test
_f_n=0 filter --sni pcap.tes
_f_n=0 filter --sni pcap.test.
_f_n=2 filter --port "$PORT"
_f_n=0 filter --port 1
_f_n=2 filter --host 127.0.0.1
_f_n=0 filter --host 127.0.0.2
_f_n=0 filter --host ::1
_f_n=2 filter --host 127.0.0.1 --port "$PORT"
_f_n=1 filter --host 127.0.0.1 --port "$PORT" --sni other.test
_f_n=0 filter --host 127.0.0.2 --port "$PORT"
# an international name matches the A-label the ClientHello carried
CAP_CLEAN=$CAP
CAP="$T/idn.pcap"
start_tcpdump "$CAP" "tcp port $PORT"
s_client idn -servername xn--bcher-kva.example -CAfile "$CA1"
stop_tcpdump
_f_n=1 filter --sni "$(printf 'b\303\274cher.example')"
_f_n=1 filter --sni xn--bcher-kva.example
CAP=$CAP_CLEAN

# the key log: TLS 1.3 has five secrets per connection in OpenSSL's log
# (handshake and traffic secrets of both sides, the exporter secret),
# TLS 1.2 one (CLIENT_RANDOM)
{
	echo "# keys of both connections"
	echo
	cat "$T/tls13.keys" "$T/tls12.keys"
	cat "$T/tls12.keys"  # a repeated line counts once
} >"$T/all.keys"
n13=$(awk '$1 !~ /^#/ && NF == 3 { print $1 }' "$T/tls13.keys" | sort -u |
	wc -l | tr -d ' ')
run_pcap keylog "$CAP" --json --keylog "$T/all.keys"
expect "--keylog: exit 0" 0
expect_py "--keylog: the secrets of each connection's client random" \
	"($n13 >= 4 and $H0['keylog_secrets'] == $n13 and
	 $H1['keylog_secrets'] == 1)"
run_pcap keylog12 "$CAP" --json --keylog "$T/tls12.keys"
expect_py "--keylog of the other connection only: 0 for this one" \
	"$H0['keylog_secrets'] == 0 and $H1['keylog_secrets'] == 1"

# the text view: one line per handshake, the summary, no colour when
# not on a terminal
run_pcap text "$CAP" --keylog "$T/all.keys"
check "text: exit 0" test "$RC" -eq 0
check "text: a line for the TLS 1.3 handshake" grep -qE \
	"127\\.0\\.0\\.1:[0-9]+ -> 127\\.0\\.0\\.1:$PORT +pcap\\.test +TLS1\\.3 +TLS_[A-Z0-9_]+ +established +keylog $n13" \
	"$OUT"
check "text: a line for the TLS 1.2 handshake" grep -qE -e \
	" -> 127\\.0\\.0\\.1:$PORT +other\\.test +TLS1\\.2 .*established" "$OUT"
check "text: the summary counts versions" grep -qE \
	'^versions +TLS1\.(2|3) 1, TLS1\.(2|3) 1$' "$OUT"
check "text: no escape sequence off a terminal" \
	sh -c "! grep -q \"$(printf '\033')\" \"$OUT\""

# a file cut inside its last frame: what came before, and a warning
size=$(stat -c %s "$CAP")
head -c $((size - 7)) "$CAP" >"$T/cut.pcap"
run_pcap cut "$T/cut.pcap" --json
expect "truncated file: exit 0 (a warning), CAPTURE_TRUNCATED" 0 \
	CAPTURE_TRUNCATED
expect_py "truncated file: the handshakes before the cut, truncated true" \
	"(len(d['handshakes']) == 2 and d['summary']['truncated'] is True and
	 [f for f in d['findings'] if f['code'] == 'CAPTURE_TRUNCATED'][0]
	 ['side'] == 'local')"

# ---- failures: alerts from the client, resets by the server ----

start_fake reset || exit 1
RESET_PORT=$FAKE_PORT
CAP2="$T/failures.pcap"
start_tcpdump "$CAP2" "tcp port $PORT or tcp port $RESET_PORT"
# a client that does not trust the server's CA alerts in plaintext
# (TLS 1.2: before its change_cipher_spec)
for i in 1 2 3; do
	s_client alert$i -tls1_2 -servername pcap.test -CAfile "$PKI/ca2.pem" \
		-verify_return_error
done
_srv=$SRV_PORT; SRV_PORT=$RESET_PORT
s_client reset -servername reset.test
SRV_PORT=$_srv
stop_tcpdump

run_pcap failures "$CAP2" --json
expect "failures: exit 1, ALERT_RECEIVED and RESET_DURING_HANDSHAKE" 1 \
	ALERT_RECEIVED RESET_DURING_HANDSHAKE
expect_py "failures: one ALERT_RECEIVED for three connections, client side" \
	"([(f['side'], f['severity']) for f in d['findings']
	  if f['code'] == 'ALERT_RECEIVED'] == [('client', 'error')] and
	 'in 3 connections' in [f['summary'] for f in d['findings']
				if f['code'] == 'ALERT_RECEIVED'][0])"
expect_py "failures: each alert in its handshake, from the client" \
	"([h['alert']['from'] for h in d['handshakes'] if h['alert']] ==
	 ['client'] * 3 and
	 all(h['alert']['level'] == 'fatal' for h in d['handshakes']
	     if h['alert']) and
	 d['summary']['outcomes'].get('alert') == 3)"
expect_py "failures: the reset connection, outcome reset" \
	"([h['outcome'] for h in d['handshakes']
	  if h['sni'] == 'reset.test'] == ['reset'] and
	 d['handshakes'][-1]['server'] == '127.0.0.1:$RESET_PORT')"
run_pcap failures-filtered "$CAP2" --json --sni reset.test
expect "failures filtered to the reset: only RESET_DURING_HANDSHAKE" 1 \
	RESET_DURING_HANDSHAKE '!ALERT_RECEIVED'

# ---- live capture ----

LIVE_OUT="$T/live.json"
timeout -k 2 20 "$TP" pcap --live lo --port "$PORT" --seconds 3 --json \
	>"$LIVE_OUT" 2>"$T/live.err" &
LIVE_PID=$!
sleep 1
s_client live -servername live.test -CAfile "$CA1"
wait "$LIVE_PID"
RC=$? OUT=$LIVE_OUT ERR="$T/live.err" LAST_ARGS="--live lo --port $PORT"
expect "--live lo --seconds 3: exit 0" 0
expect_py "--live: the handshake made meanwhile" \
	"([h['sni'] for h in d['handshakes']] == ['live.test'] and
	 d['summary']['source'] == 'live:lo')"

# without the permission to capture: exit 3, saying how to grant it
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$TP" pcap --live lo --seconds 1 >"$T/noperm.out" 2>"$T/noperm.err"
rc=$?
if [ "$rc" -eq 3 ] && [ "$(wc -l <"$T/noperm.err")" -eq 1 ] &&
	grep -qiE 'setcap|CAP_NET_RAW|root' "$T/noperm.err"; then
	ok "--live without permission: exit 3, one line saying how to grant it"
else
	not_ok "--live without permission: exit 3, one line saying how to grant it"
	echo "#   exit $rc:"; sed 's/^/#     /' "$T/noperm.err"
fi
