#!/bin/sh
# tlsprobe server on loopback: real clients (openssl s_client, gnutls-cli,
# tlsprobe client) get one JSON line each with the server's diagnosis;
# client certificates are judged with the exact alert; the side channel
# answers by hand; hostile peers (silence, garbage, an endless line, many
# idle connections) never hold up anyone else; signals, usage errors and
# a busy address end it as the contract says.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki ca1.pem ca2.pem server.pem server.key client-ca2.pem \
	client-ca2.key node-a.pem node-a.key
CA1=$PKI/ca1.pem
SRV="--cert $PKI/server.pem --key $PKI/server.key"
ONLY12="NORMAL:-VERS-ALL:+VERS-TLS1.2"
ONLY13="NORMAL:-VERS-ALL:+VERS-TLS1.3"
NODEA_CN=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01

# start_probe ARGS...: start_tp_server with this test's certificate.
start_probe() { start_tp_server $SRV "$@"; }

# wait_lines FILE N: FILE has at least N lines (5 s at most).
wait_lines() {
	_i=0
	while [ $_i -lt 250 ]; do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.02
		_i=$((_i + 1))
	done
	return 1
}

# line_py NAME N EXPR: one TAP line: EXPR holds for report d, the Nth
# JSON line (1-based) of PROBE_OUT; codes are its finding codes.
line_py() {
	if ! wait_lines "$PROBE_OUT" "$2"; then
		not_ok "$1"
		echo "#   no report $2 from the server; its stderr:"
		sed 's/^/#     /' "$PROBE_ERR"
		return 1
	fi
	if python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
d = json.loads(lines[int(sys.argv[2]) - 1])
codes = [f["code"] for f in d["findings"]]
stage = {s["name"]: s for s in d["stages"]}
sys.exit(0 if eval(sys.argv[3]) else 1)' "$PROBE_OUT" "$2" "$3" \
		2>"$T/line_py.err"; then
		ok "$1"
		return 0
	fi
	not_ok "$1"
	echo "#   false: $3"
	tail -n 1 "$T/line_py.err" | sed 's/^/#   /'
	sed -n "$2p" "$PROBE_OUT" | cut -c1-1500 | sed 's/^/#   report: /'
	return 1
}

# stop_probe: SIGTERM; sets PROBE_RC.
stop_probe() {
	kill -TERM "$PROBE_PID" 2>/dev/null
	wait "$PROBE_PID" 2>/dev/null
	PROBE_RC=$?
}

# Healthy handshakes from openssl and gnutls-cli, TLS 1.2 and 1.3, to one
# server that runs until stopped.

start_probe || exit 1
echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$PROBE_PORT" \
	-servername server.test -alpn h2,http/1.1 -tls1_3 -CAfile "$CA1" \
	>"$T/s_client13.log" 2>&1
line_py "openssl s_client TLS1.3: one JSON line, established" 1 \
	"d['command'] == 'server' and d['verdict'] == 'pass' and \
	 stage['tls']['status'] == 'ok' and d['session']['version'] == 'TLS1.3'"
line_py "openssl s_client TLS1.3: target is the client's address" 1 \
	"d['target']['host'] == '127.0.0.1' and d['target']['port'] > 0 and \
	 d['target']['addresses'] == ['127.0.0.1'] and \
	 stage['accept']['remote'] == '127.0.0.1:%d' % d['target']['port'] and \
	 stage['accept']['local'] == '127.0.0.1:$PROBE_PORT'"
line_py "openssl s_client TLS1.3: the ClientHello facts" 1 \
	"d['client_hello']['sni'] == 'server.test' and \
	 d['client_hello']['alpn'] == ['h2', 'http/1.1'] and \
	 'TLS1.3' in d['client_hello']['versions'] and \
	 '0x1301' in [x.lower() for x in d['client_hello']['cipher_suite_ids']] and \
	 d['client_hello']['cipher_suites'] >= 3 and d['client_hello']['groups'] and \
	 d['target']['sni'] == 'server.test'"
line_py "openssl s_client TLS1.3: handshake messages as the server saw them" 1 \
	"[m['dir'] + ' ' + m['message'] for m in d['handshake']][:2] == \
	 ['in ClientHello', 'out ServerHello'] and \
	 ('in', 'Finished') in [(m['dir'], m['message']) for m in d['handshake']] and \
	 stage['verify']['status'] == 'skipped' and d['certificates'] == []"

echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$PROBE_PORT" \
	-noservername -tls1_2 -CAfile "$CA1" >"$T/s_client12.log" 2>&1
line_py "openssl s_client TLS1.2: established, no SNI" 2 \
	"d['session']['version'] == 'TLS1.2' and d['verdict'] == 'pass' and \
	 d['client_hello']['sni'] is None and d['target']['sni'] is None and \
	 d['client_hello']['versions'][0] == 'TLS1.2'"

for v in 1.3 1.2; do
	prio=$ONLY13; [ $v = 1.2 ] && prio=$ONLY12
	n=3; [ $v = 1.2 ] && n=4
	timeout 10 gnutls-cli -p "$PROBE_PORT" localhost --x509cafile "$CA1" \
		--priority "$prio" </dev/null >"$T/gnutls-cli$v.log" 2>&1
	line_py "gnutls-cli TLS$v: established, SNI localhost" $n \
		"d['session']['version'] == 'TLS$v' and d['verdict'] == 'pass' \
		 and d['client_hello']['sni'] == 'localhost' and \
		 d['session']['cipher']"
done
stop_probe
check "SIGTERM: exit status 0" [ "$PROBE_RC" -eq 0 ]
if grep -qx 'tlsprobe server: 4 connections, 4 established, 0 failed, 0 side-channel' \
	"$PROBE_ERR"; then
	ok "SIGTERM: one summary line on stderr"
else
	not_ok "SIGTERM: one summary line on stderr"
	sed 's/^/#   /' "$PROBE_ERR"
fi

# Text mode: a short block per connection.
"$TP" server --listen 127.0.0.1:0 $SRV --once >"$T/text.out" \
	2>"$T/text.err" </dev/null &
TEXT_PID=$!
srv_track "$TEXT_PID" "$T/text.err"
if _srv_wait "$TEXT_PID" "$T/text.err" 'listening on'; then
	p=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/text.err")
	echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$p" \
		-servername server.test >/dev/null 2>&1
	wait "$TEXT_PID"
	rc=$?
	if [ $rc -eq 0 ] && grep -qE '127\.0\.0\.1:[0-9]+  PASS  TLS1\.3 .*SNI server\.test' \
		"$T/text.out"; then
		ok "text mode: one PASS line for the connection, --once exits 0"
	else
		not_ok "text mode: one PASS line for the connection, --once exits 0"
		echo "#   exit status $rc"; sed 's/^/#   /' "$T/text.out" "$T/text.err"
	fi
else
	not_ok "text mode server starts"
fi

# --once: one connection, then exit with its verdict. The server waits
# a moment for the paired client's question on the side channel; with
# none it still ends within --timeout.

start_probe --once --timeout 3
t0=$(now_ms)
echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$PROBE_PORT" \
	-servername localhost >/dev/null 2>&1
wait "$PROBE_PID"
rc=$?
ms=$(($(now_ms) - t0))
if [ $rc -eq 0 ] && [ "$(wc -l <"$PROBE_OUT")" -eq 1 ] && [ $ms -lt 6000 ]; then
	ok "--once: exits 0 after one healthy connection ($ms ms)"
else
	not_ok "--once: exits 0 after one healthy connection"
	echo "#   exit status $rc after $ms ms; $(wc -l <"$PROBE_OUT") lines"
	sed 's/^/#   /' "$PROBE_ERR"
fi

# --require-client-cert, no client certificate: both ends say so.

for v in 1.3 1.2; do
	prio=$ONLY13; [ $v = 1.2 ] && prio=$ONLY12
	start_probe --once --ca "$CA1" --require-client-cert --priority "$prio"
	run_client certreq-$v "localhost:$PROBE_PORT" -4 --ca "$CA1"
	wait "$PROBE_PID"
	rc=$?
	expect "TLS$v --require-client-cert, none sent: the client sees CLIENT_CERT_REQUIRED" \
		1 CLIENT_CERT_REQUIRED
	line_py "TLS$v --require-client-cert, none sent: the server's report has CLIENT_CERT_REQUIRED" 1 \
		"'CLIENT_CERT_REQUIRED' in codes and \
		 [f['side'] for f in d['findings'] if f['code'] == 'CLIENT_CERT_REQUIRED'] == ['client'] \
		 and stage['tls']['status'] == 'fail'"
	check "TLS$v --require-client-cert, none sent: --once exits 1" [ $rc -eq 1 ]
done

# A client certificate from CA2 when the server trusts CA1: UNKNOWN_CA
# in the server's report, the reason names both CAs, and the alert on
# the wire is unknown_ca.

for v in 1.3 1.2; do
	prio=$ONLY13; [ $v = 1.2 ] && prio=$ONLY12
	start_probe --once --ca "$CA1" --priority "$prio"
	run_client certrej-$v "localhost:$PROBE_PORT" -4 --ca "$CA1" \
		--cert "$PKI/client-ca2.pem" --key "$PKI/client-ca2.key"
	wait "$PROBE_PID"
	expect "TLS$v client certificate from CA2: the client sees CLIENT_CERT_REJECTED" \
		1 CLIENT_CERT_REJECTED '!CLIENT_CERT_REQUIRED'
	line_py "TLS$v client certificate from CA2: UNKNOWN_CA, side client" 1 \
		"[f['side'] for f in d['findings'] if f['code'] == 'UNKNOWN_CA'] == ['client'] \
		 and d['certificates'][0]['subject'] == 'CN=client.test' and \
		 stage['verify']['status'] == 'fail'"
	line_py "TLS$v client certificate from CA2: the reason names CA2 and CA1" 1 \
		"'issuer CN=tlsprobe Test CA2,O=tlsprobe is not among the trusted CAs [CN=tlsprobe Test CA1,O=tlsprobe]' \
		 in stage['tls']['detail']"
	line_py "TLS$v client certificate from CA2: we sent alert unknown_ca" 1 \
		"('out', 'Alert(fatal, unknown_ca)') in \
		 [(m['dir'], m['message']) for m in d['handshake']]"
done

# The alert as another TLS stack reads it off the wire.
start_probe --once --ca "$CA1" --priority "$ONLY12"
echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$PROBE_PORT" \
	-cert "$PKI/client-ca2.pem" -key "$PKI/client-ca2.key" \
	>"$T/s_client-ca2.log" 2>&1
wait "$PROBE_PID"
if grep -qi 'alert unknown ca' "$T/s_client-ca2.log"; then
	ok "openssl s_client with a CA2 certificate reads alert unknown_ca"
else
	not_ok "openssl s_client with a CA2 certificate reads alert unknown_ca"
	tail -n 5 "$T/s_client-ca2.log" | sed 's/^/#   /'
fi

# Negotiation failures, from the server's side: the ClientHello says
# whether the versions or the suites did not meet.
start_probe --once --priority "$ONLY13"
echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$PROBE_PORT" \
	-tls1_2 >/dev/null 2>&1
wait "$PROBE_PID"
line_py "a TLS 1.2 client, a TLS 1.3 server: PROTOCOL_VERSION_MISMATCH" 1 \
	"codes == ['PROTOCOL_VERSION_MISMATCH'] and \
	 'offered TLS1.2' in d['findings'][0]['detail'] and \
	 d['client_hello']['versions'] == ['TLS1.2']"

start_probe --once --priority "$ONLY12:-CIPHER-ALL:+AES-256-GCM"
echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$PROBE_PORT" \
	-tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305 >/dev/null 2>&1
wait "$PROBE_PID"
line_py "no suite in common: NO_SHARED_CIPHER listing both offers" 1 \
	"codes == ['NO_SHARED_CIPHER'] and \
	 '0xCCA8' in d['findings'][0]['detail'] and \
	 'AES_256_GCM' in d['findings'][0]['detail']"

# The client refuses our certificate (it trusts CA2 only): the alert it
# sends, TLS 1.3 (OpenSSL sends it in plaintext) and 1.2.
for v in 1.3 1.2; do
	opt=-tls1_3; [ $v = 1.2 ] && opt=-tls1_2
	start_probe --once
	echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$PROBE_PORT" \
		$opt -CAfile "$PKI/ca2.pem" -verify_return_error >/dev/null 2>&1
	wait "$PROBE_PID"
	line_py "TLS$v the client does not trust us: ALERT_RECEIVED unknown_ca" 1 \
		"codes == ['ALERT_RECEIVED'] and d['findings'][0]['side'] == 'client' \
		 and 'refused our certificate: alert unknown_ca' in \
		 d['findings'][0]['summary'] and ('in', 'Alert(fatal, unknown_ca)') \
		 in [(m['dir'], m['message']) for m in d['handshake']]"
done

# --expect-id with another ID than the client certificate's CN.
start_probe --once --ca "$CA1" --expect-id bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb02
run_client expect-id "localhost:$PROBE_PORT" -4 --ca "$CA1" \
	--cert "$PKI/node-a.pem" --key "$PKI/node-a.key"
wait "$PROBE_PID"
line_py "--expect-id another ID: PEER_ID_MISMATCH in the server's report" 1 \
	"'PEER_ID_MISMATCH' in codes and '$NODEA_CN' in \
	 [f for f in d['findings'] if f['code'] == 'PEER_ID_MISMATCH'][0]['summary'] \
	 and ('out', 'Alert(fatal, bad_certificate)') in \
	 [(m['dir'], m['message']) for m in d['handshake']]"
expect "--expect-id another ID: the client's certificate is refused" 1 \
	CLIENT_CERT_REJECTED

# The side channel by hand.

start_probe --ca "$CA1" --require-client-cert
SB_PY='
import hashlib, hmac, json, re, socket, ssl, sys
port, pem = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), 5)
s.settimeout(5)
me = "%s:%d" % s.getsockname()
# a key of our own (any 32 bytes: no claim here verifies) and the random
# marked from it, as src/sideband.h makes them
key = bytes(range(32))
head = hashlib.sha256(key).digest()[:16]
cr = head + hmac.new(b"TLSPROBE/1 client mark", head,
                     hashlib.sha256).digest()[:16]
hello = {"type": "hello", "version": "0.1.0", "unique_id": None,
         "local": me, "dialled": "127.0.0.1:%d" % port,
         "client_random": cr.hex(), "key": key.hex()}
s.sendall(b"TLSPROBE/1 " + json.dumps(hello).encode() + b"\n")
def line():
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data
data = line()
assert data.startswith(b"TLSPROBE/1 "), data[:80]
w = json.loads(data[11:])
der = ssl.PEM_cert_to_DER_cert(open(pem).read())
problems = []
def want(what, ok):
    if not ok:
        problems.append(what)
want("type welcome", w["type"] == "welcome")
want("seen_from %s is ours %s" % (w["seen_from"], me), w["seen_from"] == me)
want("server_local", w["server_local"] == "127.0.0.1:%d" % port)
want("chain_sha256", w["chain_sha256"] == [hashlib.sha256(der).hexdigest()])
want("trusted_cas", w["trusted_cas"] == ["CN=tlsprobe Test CA1,O=tlsprobe"])
want("require_client_cert", w["require_client_cert"] is True)
want("no account in a welcome", "account" not in w)
want("a challenge of 32 bytes",
     re.fullmatch("[0-9a-f]{64}", w.get("challenge") or "") is not None)
want("expect_id null", w["expect_id"] is None)
# the connection waits for a claim; one that does not verify (for a
# random no handshake had) gets a null account, and the end
s.sendall(b"TLSPROBE/1 " + json.dumps(
    {"type": "claim", "signature": "00" * 64}).encode() + b"\n")
data = line()
want("a claim is answered with an account line", data.startswith(
    b"TLSPROBE/1 ") and data.endswith(b"\n"))
a = json.loads(data[11:]) if data.startswith(b"TLSPROBE/1 ") else {}
want("a null account for a claim that does not verify",
     a.get("type") == "account" and "account" in a and a["account"] is None)
want("closed after the account", s.recv(10) == b"")
print("; ".join(problems))
'
why=$(python3 -c "$SB_PY" "$PROBE_PORT" "$PKI/server.pem" 2>&1)
if [ -z "$why" ]; then
	ok "side channel: a hello gets one welcome with what the server saw and presents, a claim one account"
else
	not_ok "side channel: a hello gets one welcome with what the server saw and presents, a claim one account"
	echo "#   $why"
fi

# Hostile peers, against the same server (--timeout 2).
stop_probe
start_probe --timeout 2
HOSTILE_PY='
import socket, sys, time
port, what = int(sys.argv[1]), sys.argv[2]
def conn():
    return socket.create_connection(("127.0.0.1", port), 5)
def closed_within(s, secs):
    s.settimeout(secs)
    try:
        while s.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
if what == "garbage":
    s = conn()
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    print("closed" if closed_within(s, 3) else "held")
elif what == "endless":
    s = conn()
    s.sendall(b"TLSPROBE/1 {\"type\":\"hello\",\"local\":\"")
    t0 = time.time()
    sent = 0
    try:
        while sent < 100000:
            sent += s.send(b"x" * 4096)
    except (BrokenPipeError, ConnectionResetError):
        pass
    # cut by its length, not by --timeout (2 s)
    if closed_within(s, 3) and time.time() - t0 < 1:
        print("cut")
    else:
        print("held %.1f s" % (time.time() - t0))
elif what == "idle":
    n = int(sys.argv[3])
    socks = [conn() for _ in range(n)]
    sys.stdout.write("open\n"); sys.stdout.flush()
    sys.stdin.readline()
    for s in socks:
        s.close()
'
# silence: held until --timeout, while another client is served
python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
t0 = time.time()
s.settimeout(10)
try:
    s.recv(1)
except OSError:
    pass
print("%.1f" % (time.time() - t0))' "$PROBE_PORT" >"$T/silent.out" 2>&1 &
SILENT_PID=$!
sleep 0.3
t0=$(now_ms)
echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$PROBE_PORT" \
	-servername localhost >/dev/null 2>&1
ms=$(($(now_ms) - t0))
if [ $ms -lt 1500 ] && kill -0 "$SILENT_PID" 2>/dev/null; then
	ok "a silent connection does not hold up another client ($ms ms)"
else
	not_ok "a silent connection does not hold up another client ($ms ms)"
fi
wait "$SILENT_PID"
held=$(cat "$T/silent.out")
if python3 -c "import sys; sys.exit(0 if 1.2 <= float(sys.argv[1]) <= 4 else 1)" \
	"$held" 2>/dev/null; then
	ok "the silent connection is cut at --timeout 2 (after $held s)"
else
	not_ok "the silent connection is cut at --timeout 2 (got: $held)"
fi
line_py "the silent connection is reported: HANDSHAKE_TIMEOUT, side client" 2 \
	"codes == ['HANDSHAKE_TIMEOUT'] and d['findings'][0]['side'] == 'client' \
	 and 'sent nothing' in d['findings'][0]['summary']"

got=$(python3 -c "$HOSTILE_PY" "$PROBE_PORT" garbage 2>&1)
check "garbage bytes: the connection is closed ($got)" [ "$got" = closed ]
line_py "garbage bytes: NOT_TLS naming a plain HTTP request" 3 \
	"codes == ['NOT_TLS'] and 'HTTP request' in d['findings'][0]['summary'] \
	 and '47 45 54 20' in d['findings'][0]['detail']"

got=$(python3 -c "$HOSTILE_PY" "$PROBE_PORT" endless 2>&1)
check "an endless side-channel line is cut at its length limit ($got)" \
	[ "$got" = cut ]

# 200 idle connections at once; a client still completes meanwhile
mkfifo "$T/idle.in"
python3 -c "$HOSTILE_PY" "$PROBE_PORT" idle 200 <"$T/idle.in" >"$T/idle.out" 2>&1 &
IDLE_PID=$!
exec 9>"$T/idle.in"
_i=0
while [ $_i -lt 100 ] && ! grep -q open "$T/idle.out"; do
	sleep 0.05; _i=$((_i + 1))
done
t0=$(now_ms)
echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$PROBE_PORT" \
	-servername localhost >"$T/s_client-busy.log" 2>&1
rc=$?
ms=$(($(now_ms) - t0))
echo >&9
exec 9>&-
wait "$IDLE_PID"
if grep -q open "$T/idle.out" && [ $rc -eq 0 ] && [ $ms -lt 1500 ] &&
	grep -q 'TLSv1.3' "$T/s_client-busy.log"; then
	ok "200 idle connections: another client completes its handshake ($ms ms)"
else
	not_ok "200 idle connections: another client completes its handshake"
	echo "#   status $rc after $ms ms; idle helper: $(cat "$T/idle.out")"
fi
line_py "200 idle connections: the busy client's report is there" 4 \
	"d['verdict'] == 'pass' and d['session']['version'] == 'TLS1.3'"
stop_probe
check "after the hostile peers: SIGTERM exits 0" [ "$PROBE_RC" -eq 0 ]

# IPv6, when this host has it.
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' \
	2>/dev/null; then
	"$TP" server --listen '[::1]:0' $SRV --once --json >"$T/v6.out" \
		2>"$T/v6.err" </dev/null &
	V6_PID=$!
	srv_track "$V6_PID" "$T/v6.err"
	if _srv_wait "$V6_PID" "$T/v6.err" 'listening on \[::1\]:[0-9]+'; then
		p=$(sed -n 's/.*\[::1\]:\([0-9]*\).*/\1/p' "$T/v6.err")
		echo Q | timeout 10 openssl s_client -connect "[::1]:$p" \
			-servername localhost >/dev/null 2>&1
		wait "$V6_PID"
		PROBE_OUT=$T/v6.out PROBE_ERR=$T/v6.err
		line_py "IPv6: [::1] listens, the client's address is ::1" 1 \
			"d['target']['host'] == '::1' and \
			 stage['accept']['local'] == '[::1]:$p'"
	else
		not_ok "IPv6: tlsprobe server --listen [::1]:0 starts"
		sed 's/^/#   /' "$T/v6.err"
	fi
else
	skip "IPv6: [::1] listens" "no IPv6 on this host"
fi

# Usage errors: exit 2, one line, before anything listens.

usage() {
	_name=$1; shift
	"$TP" server "$@" >"$T/usage.out" 2>"$T/usage.err" </dev/null
	_rc=$?
	if [ $_rc -eq 2 ] && [ "$(wc -l <"$T/usage.err")" -eq 1 ] &&
		[ ! -s "$T/usage.out" ] && ! grep -q listening "$T/usage.err"; then
		ok "usage: $_name: exit 2, one line"
	else
		not_ok "usage: $_name: exit 2, one line (status $_rc)"
		sed 's/^/#   /' "$T/usage.err"
	fi
}
usage "unknown option" $SRV --bogus
usage "no --cert" --key "$PKI/server.key"
usage "--require-client-cert without --ca" $SRV --require-client-cert
usage "unreadable --cert" --cert "$T/missing.pem" --key "$PKI/server.key"
usage "key of another certificate" --cert "$PKI/node-a.pem" \
	--key "$PKI/server.key" --listen 127.0.0.1:0
usage "bad --listen port" $SRV --listen 127.0.0.1:70000
usage "bad --count" $SRV --count 0
usage "--once with --count" $SRV --once --count 2
usage "bad --priority" $SRV --priority NORMAL:+NOPE
usage "a stray argument" $SRV localhost
usage "--keylog in a missing directory" $SRV --keylog "$T/no/such/dir/k"
check "usage: --keylog in a missing directory names the file and why" \
	grep -q -- "--keylog $T/no/such/dir/k: No such file" "$T/usage.err"
usage "--sni (a client's option)" $SRV --sni server.test
usage "--expect-name (a client's option)" $SRV --expect-name server.test
check "usage: --expect-name points to --expect-id" \
	grep -q -- "use --expect-id" "$T/usage.err"
usage "--starttls (a client's option)" $SRV --starttls smtp

# --keylog: the server's NSS key log holds the very secrets the client
# derived (openssl s_client -keylogfile), TLS 1.3 and 1.2, readable by
# its owner only.
start_probe --count 2 --keylog "$T/server.keys" || exit 1
for v in 3 2; do
	echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$PROBE_PORT" \
		-tls1_$v -CAfile "$CA1" -keylogfile "$T/client$v.keys" \
		>"$T/s_client_kl$v.log" 2>&1
done
wait_lines "$PROBE_OUT" 2
stop_probe
if python3 - "$T/server.keys" "$T/client3.keys" "$T/client2.keys" <<'PY'
import sys
def lines(p):
    return {tuple(l.split()) for l in open(p) if l.strip() and not l.startswith("#")}
srv, c13, c12 = (lines(p) for p in sys.argv[1:4])
labels13 = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"}
r13 = {l[1] for l in c13}
ours13 = {l for l in srv if l[1] in r13}
ok13 = labels13 <= {l[0] for l in ours13} and ours13 <= c13
ok12 = any(l[0] == "CLIENT_RANDOM" for l in c12) and \
    {l for l in c12 if l[0] == "CLIENT_RANDOM"} <= srv
if not (ok13 and ok12 and len(r13) == 1):
    print("# server lines:", sorted(srv))
    sys.exit(1)
PY
then
	ok "--keylog: the server logged the client's own secrets, TLS1.3 and TLS1.2"
else
	not_ok "--keylog: the server logged the client's own secrets, TLS1.3 and TLS1.2"
fi
check "--keylog: the key log is readable by its owner only" \
	test "$(stat -c %a "$T/server.keys")" = 600

# An address in use: exit 3, naming the address and why.
busy=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
print("ready", flush=True); time.sleep(20)' "$busy" >"$T/busy.out" &
BUSY_PID=$!
srv_track "$BUSY_PID" "$T/busy.out"
_srv_wait "$BUSY_PID" "$T/busy.out" ready
"$TP" server $SRV --listen "127.0.0.1:$busy" >"$T/inuse.out" 2>"$T/inuse.err" </dev/null
rc=$?
if [ $rc -eq 3 ] && grep -q "127.0.0.1:$busy" "$T/inuse.err" &&
	grep -qi 'address already in use' "$T/inuse.err"; then
	ok "an address in use: exit 3, naming it and why"
else
	not_ok "an address in use: exit 3, naming it and why (status $rc)"
	sed 's/^/#   /' "$T/inuse.err"
fi
