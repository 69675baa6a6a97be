#!/bin/sh
# The client's manners, seen on the wire of real servers on loopback.
# A plain TLS server (openssl s_server, gnutls-serv, nginx, mosquitto)
# sees one connection that carries a marked ClientHello and nothing
# else: no side channel, no "TLSPROBE" byte, no complaint in its log, no
# wait for a reply that cannot come. --paired still says hello on a
# second connection; --no-sideband leaves the random unmarked. A
# tlsprobe server answers the mark and gets the client's words inside
# TLS on that one connection; after a refused handshake the client
# claims the account on a side channel by signing a challenge, and that
# claim, replayed off the wire, earns nothing.
. "$(dirname "$0")/../lib.sh"
need_root t_client_manners
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/captures.sh"

for tool in tcpdump tshark openssl gnutls-serv nginx mosquitto; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "$tool is installed (scripts/install-deps.sh)"
		exit 1
	fi
done

make_pki ca1.pem server.pem server.key client-ca2.pem client-ca2.key
CA1=$PKI/ca1.pem

# What each server logs about bytes that are not what it speaks: the
# side channel's line before a handshake (s_server "wrong version
# number", gnutls-serv "unknown type 84" and "Error in handshake",
# nginx "invalid method" and a 400, mosquitto "wrong version number"),
# or the words inside TLS (mosquitto "protocol error").
NOISE='TLSPROBE|wrong version|protocol error|invalid method|unknown type'
NOISE="$NOISE|Error in handshake|unexpected|\" 400 "

# wire NAME FILE PORT: tshark's reading of the capture FILE of
# connections to PORT, one line a frame, in $T/NAME.wire.
wire() {
	WIRE="$T/$1.wire"
	WIRE_PCAP=$2
	WIRE_PORT=$3
	tshark -r "$2" -n $TSHARK_TLS -T fields -E separator=/t \
		-e tcp.stream -e tcp.srcport -e tcp.dstport \
		-e tcp.flags.syn -e tcp.flags.ack \
		-e tls.handshake.type -e tls.handshake.random -e tcp.payload \
		>"$WIRE" 2>"$T/$1.tshark.err"
}

# The last wire, for an expression: syns (the stream of each SYN to the
# port), ch and sh (stream and random of each ClientHello, ServerHello),
# sent and recv (each stream's bytes to and from the port), raw (the
# capture file's bytes), said and heard (the side-channel messages the
# client sent and got on the connections that carry no ClientHello),
# cmarked(cr) and answers(cr, sr) (the marks of src/sideband.h).
WIRE_PY='
import hashlib, hmac, json, sys
wire, pcap, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
raw = open(pcap, "rb").read()
syns, ch, sh, sent, recv = [], [], [], {}, {}
yes = ("1", "True")
for line in open(wire):
    f = line.rstrip("\n").split("\t") + [""] * 8
    stream, sport, dport, syn, ack, types, rnd, payload = f[:8]
    if not stream:
        continue
    s = int(stream)
    if syn in yes and ack not in yes and int(dport) == port:
        syns.append(s)
    rnds = [bytes.fromhex(x.replace(":", "")) for x in rnd.split(",") if x]
    types = types.split(",") if types else []
    if "1" in types and rnds:
        ch.append((s, rnds[0]))
    if "2" in types and rnds:
        sh.append((s, rnds[0]))
    side = sent if int(dport) == port else recv
    side[s] = side.get(s, b"") + bytes.fromhex(payload.replace(":", ""))
def lines(b):
    return [l + b"\n" for l in b.split(b"\n") if l.startswith(b"TLSPROBE/1 ")]
def sb(b):
    return [json.loads(l[11:]) for l in lines(b)]
others = [s for s in syns if not ch or s != ch[0][0]]
said_raw = lines(b"".join(sent.get(s, b"") for s in others))
said = [json.loads(l[11:]) for l in said_raw]
heard = sb(b"".join(recv.get(s, b"") for s in others))
def mac(key, msg):
    return hmac.new(key, msg, hashlib.sha256).digest()[:16]
def cmarked(cr):
    return cr[16:] == mac(b"TLSPROBE/1 client mark", cr[:16])
def answers(cr, sr):
    return sr[:16] == mac(b"TLSPROBE/1 server mark", cr)
'

# wire_py NAME EXPR: one TAP line: EXPR holds over the last wire; on
# failure, what the capture held.
wire_py() {
	if python3 -c "$WIRE_PY
sys.exit(0 if eval(sys.argv[4]) else 1)" "$WIRE" "$WIRE_PCAP" "$WIRE_PORT" \
		"$2" 2>"$T/wire_py.err"; then
		ok "$1"
		return 0
	fi
	not_ok "$1"
	echo "#   false: $2"
	tail -n 1 "$T/wire_py.err" | sed 's/^/#   /'
	python3 -c "$WIRE_PY
print('SYNs to the port, by stream:', syns)
print('ClientHello randoms:', [(s, r.hex()) for s, r in ch])
print('ServerHello randoms:', [(s, r.hex()) for s, r in sh])
for s in sorted(set(sent) | set(recv)):
    print('stream %d sent %r' % (s, sent.get(s, b'')[:160]))
    print('stream %d recv %r' % (s, recv.get(s, b'')[:160]))" \
		"$WIRE" "$WIRE_PCAP" "$WIRE_PORT" 2>&1 | sed 's/^/#   /'
	return 1
}

# quiet NAME LOG...: one TAP line: no LOG says a word of $NOISE.
quiet() {
	_q_name=$1; shift
	if cat "$@" | grep -qE "$NOISE"; then
		not_ok "$_q_name"
		grep -hE "$NOISE" "$@" | head -n 5 | cut -c1-200 |
			sed 's/^/#   /'
		return 1
	fi
	ok "$_q_name"
}

# SKIPPED: the report's sideband stage was skipped for want of a mark's
# answer, and says the far side's view is missing.
SKIPPED="[s for s in d['stages'] if s['name'] == 'sideband' and
  s['status'] == 'skipped' and 'far side' in (s.get('detail') or '') and
  'mark' in s['detail']] and d['peer_report'] is None"

# plain NAME PORT LOG...: a default run against the plain TLS server on
# PORT, under capture, and what its wire, its report and the server's
# LOGs must show.
plain() {
	_p_name=$1 _p_port=$2
	shift 2
	cap_start "$_p_name" "tcp port $_p_port" || return 1
	run_client "$_p_name" "localhost:$_p_port" -4 --ca "$CA1"
	cap_stop
	wire "$_p_name" "$CAP_FILE" "$_p_port"
	expect "$_p_name: the handshake succeeds" 0
	wire_py "$_p_name: one TCP connection, one SYN to the port" \
		"len(syns) == 1"
	wire_py "$_p_name: no TLSPROBE byte anywhere in the capture" \
		"b'TLSPROBE' not in raw"
	wire_py "$_p_name: the ClientHello random is marked, the plain \
ServerHello does not answer it" \
		"(len(ch) == 1 and cmarked(ch[0][1]) and len(sh) == 1 and
		  not answers(ch[0][1], sh[0][1]))"
	quiet "$_p_name: the server's log has no word about a stray line" "$@"
	expect_py "$_p_name: sideband skipped: no mark answered, the far \
side's view is missing" "$SKIPPED"
	# loopback handshakes take ~5 ms, under sanitisers a few times
	# that; the old hello and blind wait cost 300 ms and more
	expect_py "$_p_name: the run takes under 150 ms" "d['ms'] < 150"
}

# ---- 1, 2: plain servers see one TLS connection and nothing else ----

SRVKEYS="-cert $PKI/server.pem -key $PKI/server.key"

start_openssl_server $SRVKEYS || exit 1
plain s_server "$SRV_PORT" "$SRV_LOG"

# 3. --paired says hello all the same, on a connection of its own; the
# log check above would have seen it
cap_start s_server-paired "tcp port $SRV_PORT" || exit 1
run_client s_server-paired "localhost:$SRV_PORT" -4 --ca "$CA1" --paired
cap_stop
wire s_server-paired "$CAP_FILE" "$SRV_PORT"
wire_py "s_server --paired: a second connection carries the side \
channel's hello" \
	"(len(syns) == 2 and len(ch) == 1 and
	  [m['type'] for m in said] == ['hello'])"
if log_waits "$SRV_LOG" "$NOISE"; then
	ok "s_server --paired: the server logs the hello as a stray line"
else
	not_ok "s_server --paired: the server logs the hello as a stray line"
	tail -n 5 "$SRV_LOG" | sed 's/^/#   /'
fi

# 3. --no-sideband: an unmarked random, nothing else
cap_start s_server-nosb "tcp port $SRV_PORT" || exit 1
run_client s_server-nosb "localhost:$SRV_PORT" -4 --ca "$CA1" --no-sideband
cap_stop
wire s_server-nosb "$CAP_FILE" "$SRV_PORT"
expect "s_server --no-sideband: the handshake succeeds" 0
wire_py "s_server --no-sideband: one connection, the ClientHello random \
unmarked" \
	"len(syns) == 1 and len(ch) == 1 and not cmarked(ch[0][1])"
stop_servers

start_gnutls_serv --x509certfile "$PKI/server.pem" \
	--x509keyfile "$PKI/server.key" || exit 1
plain gnutls-serv "$SRV_PORT" "$SRV_LOG"
stop_servers

# nginx logs a client's stray words at level info only, and a request
# in its access log: both on, for this server
start_nginx "ssl_certificate $PKI/server.pem;
ssl_certificate_key $PKI/server.key;
error_log $T/nginx-info.log info;
access_log $T/nginx-access.log;" || exit 1
plain nginx "$NGINX_PORT" "$T/nginx-info.log" "$T/nginx-access.log"
stop_servers

start_mosquitto "$PKI/server.pem" "$PKI/server.key" || exit 1
plain mosquitto "$MQTT_PORT" "$MQTT_LOG"
if log_waits "$MQTT_LOG" "New connection from 127\.0\.0\.1"; then
	ok "mosquitto: its log shows the connection (so its silence counts)"
else
	not_ok "mosquitto: its log shows the connection (so its silence counts)"
	tail -n 5 "$MQTT_LOG" | sed 's/^/#   /'
fi
stop_servers

# ---- 4: a tlsprobe server answers the mark ----

start_tp_server --cert "$PKI/server.pem" --key "$PKI/server.key" \
	--ca "$CA1" || exit 1
TP_PORT=$PROBE_PORT

cap_start tp-ok "tcp port $TP_PORT" || exit 1
run_client tp-ok "localhost:$TP_PORT" -4 --ca "$CA1"
cap_stop
wire tp-ok "$CAP_FILE" "$TP_PORT"
expect "tlsprobe server: the handshake succeeds" 0
wire_py "tlsprobe server: one TCP connection only, no side channel" \
	"len(syns) == 1 and b'TLSPROBE' not in raw"
wire_py "tlsprobe server: the ServerHello random answers the \
ClientHello's mark" \
	"(len(ch) == 1 and len(sh) == 1 and cmarked(ch[0][1]) and
	  answers(ch[0][1], sh[0][1]))"
expect_py "tlsprobe server: paired inside TLS, its account of an \
established handshake" \
	"([s for s in d['stages'] if s['name'] == 'sideband' and
	   s['status'] == 'ok' and 'inside TLS' in (s.get('detail') or '')]
	  and ((d['peer_report'] or {}).get('account') or {}).get('outcome')
	  == 'established')"

# a client certificate from CA2, which the server does not trust
cap_start tp-refused "tcp port $TP_PORT" || exit 1
run_client tp-refused "localhost:$TP_PORT" -4 --ca "$CA1" \
	--cert "$PKI/client-ca2.pem" --key "$PKI/client-ca2.key"
cap_stop
wire tp-refused "$CAP_FILE" "$TP_PORT"
REFUSED_WIRE=$WIRE REFUSED_PCAP=$WIRE_PCAP
expect "refused certificate: CLIENT_CERT_REJECTED" 1 CLIENT_CERT_REJECTED
wire_py "refused certificate: the ServerHello answered the mark" \
	"len(ch) == 1 and len(sh) == 1 and answers(ch[0][1], sh[0][1])"
wire_py "refused certificate: a second connection carries hello, \
welcome, claim, account" \
	"(len(syns) == 2 and [m['type'] for m in said] == ['hello', 'claim']
	  and [m['type'] for m in heard] == ['welcome', 'account'])"
wire_py "refused certificate: the hello names the ClientHello's random \
and the key its mark came from" \
	"([(m['client_random'],
	    hashlib.sha256(bytes.fromhex(m['key'])).digest()[:16])
	   for m in said[:1]] == [(ch[0][1].hex(), ch[0][1][:16])])"
# no private key crosses the wire: no token, the members the protocol
# names and no other, and hex only where it puts public values (and the
# node's unique ID, which tlsprobe id prints for anyone)
HELLO="{'type', 'version', 'unique_id', 'local', 'dialled',
  'client_random', 'key'}"
HEXOK="('client_random', 'key', 'signature', 'challenge', 'chain_sha256',
  'unique_id')"
wire_py "refused certificate: the hello holds no token, no member but \
type, version, unique_id, local, dialled, client_random, key" \
	"([m for m in said if m['type'] == 'hello' and 'token' not in m and
	   set(m) == $HELLO])"
wire_py "refused certificate: the client's side-channel lines hold hex \
only in client_random, key, signature (and unique_id)" \
	"(said and all(k in $HEXOK for m in said for k, v in m.items()
	  if isinstance(v, str) and len(v) >= 16 and
	  all(c in '0123456789abcdefABCDEF' for c in v)))"
expect_py "refused certificate: peer_report.account carries the server's \
reason" \
	"('is not among the trusted CAs' in
	  ((d['peer_report'] or {}).get('account') or {}).get('reason') and
	  'CLIENT_CERT_REJECTED' in d['peer_report']['account']['codes'])"

# ---- 5: the claim seen on the wire, replayed, earns nothing ----

# replay: the refused run's hello and claim, sent again on a connection
# of our own; prints the original and the replayed exchange as JSON
python3 -c "$WIRE_PY
import socket
got = []
c = socket.create_connection(('127.0.0.1', port), 5)
f = c.makefile('rb')
for l in said_raw:
    c.sendall(l)
    got.append(json.loads(f.readline()[11:]))
print(json.dumps({'then': heard, 'now': got}))" \
	"$REFUSED_WIRE" "$REFUSED_PCAP" "$TP_PORT" >"$T/replay.json" \
	2>"$T/replay.err"
# replayed EXPR: one TAP line: EXPR holds over the replay (then: the
# welcome and account the client got, now: the replay's).
replayed() {
	if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
then, now = d["then"], d["now"]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/replay.json" "$2" \
		2>>"$T/replay.err"; then
		ok "$1"
		return 0
	fi
	not_ok "$1"
	echo "#   false: $2"
	head -c 1500 "$T/replay.json" | sed 's/^/#   /'
	tail -n 3 "$T/replay.err" | sed 's/^/#   /'
	return 1
}
replayed "replay: the original claim got the server's account" \
	"then[1]['type'] == 'account' and then[1]['account'] is not None"
replayed "replay: the welcome comes with a new challenge" \
	"(now[0]['type'] == 'welcome' and len(now[0]['challenge']) == 64 and
	  now[0]['challenge'] != then[0]['challenge'])"
replayed "replay: the replayed claim gets \
{\"type\":\"account\",\"account\":null}" \
	"now[1] == {'type': 'account', 'account': None}"
