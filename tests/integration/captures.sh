# Real captures of TLS handshakes, and their check against Wireshark's
# dissectors. Source it after lib.sh and servers.sh:
#   . "$(dirname "$0")/../lib.sh"
#   . "$TOP/tests/integration/servers.sh"
#   . "$TOP/tests/integration/captures.sh"
#
# cap_start NAME FILTER [ARGS...]  tcpdump -U -w $T/NAME.pcap FILTER: CAP_FILE
# cap_stop                         ends it (SIGINT) and waits for the file
# cap_cut FILE OUT                 OUT: FILE cut in the middle of its last
#                                  ServerHello frame
# pcap_run NAME FILE [ARGS...]     tlsprobe pcap --json FILE: PJSON, PERR, PRC
# pcap_expect NAME EXPR            TAP line: EXPR holds over the last report
# tshark_fields NAME FILE          Wireshark's view of FILE: TSV (with
#                                  TSHARK_DECODE set, its -d options instead
#                                  of TLS on every port)
# pcap_compare NAME [EXPECT...]    TAP lines: tlsprobe's handshakes equal
#                                  Wireshark's, and EXPECT holds
# ossl_client NAME PORT ARGS...    openssl s_client -connect 127.0.0.1:PORT
# gtls_client NAME HOST PORT ARGS... gnutls-cli
# curl_client NAME HOST PORT ARGS... curl -k https://HOST:PORT/ through
#                                  127.0.0.1 (--resolve)
#
# With CAP_NS set, tcpdump runs in that network namespace; CAP_IF is the
# interface (default lo). With CLI_NS set, the clients run in that
# namespace; CLI_TO is the server address they dial (default 127.0.0.1).

PCAP_COMPARE="$TOP/tests/integration/pcap_compare.py"
# Every capture here holds TLS only; without this, tshark dissects a
# connection whose port is registered to something else (57000: IRC)
# as that, and misses its handshake.
TSHARK_TLS="-d tcp.port==1-65535,tls"
# A tool run that outlives this many seconds is a hang, not a result.
CAP_LIMIT=${CAP_LIMIT:-10}

_cap_pids=""
_cap_stop_all() {
	for _p in $_cap_pids; do
		kill -INT "$_p" 2>/dev/null
	done
	for _p in $_cap_pids; do
		wait "$_p" 2>/dev/null
	done
	_cap_pids=""
}
at_exit _cap_stop_all

# cap_start NAME FILTER [TCPDUMP ARGS...]: tcpdump writing every packet
# at once (-U, immediate mode) to $T/NAME.pcap; returns when tcpdump says
# it is listening. Sets CAP_FILE, CAP_PID, CAP_LOG. -Z root: tcpdump
# must not drop to a user that cannot write into $T.
cap_start() {
	_cn=$1 _cf=$2
	shift 2
	CAP_FILE="$T/$_cn.pcap"
	CAP_LOG="$T/$_cn.tcpdump.log"
	${CAP_NS:+ip netns exec "$CAP_NS"} \
		tcpdump -i "${CAP_IF:-lo}" -n -U --immediate-mode -B 16384 -Z root "$@" \
		-w "$CAP_FILE" "$_cf" >"$CAP_LOG" 2>&1 </dev/null &
	CAP_PID=$!
	_cap_pids="$_cap_pids $CAP_PID"
	if ! _srv_wait "$CAP_PID" "$CAP_LOG" 'listening on '; then
		not_ok "$_cn: tcpdump starts"
		sed 's/^/#   /' "$CAP_LOG"
		return 1
	fi
}

# cap_stop: tcpdump writes what it holds and ends (SIGINT); one TAP line
# only when it did not count every packet it saw into the file.
cap_stop() {
	# the last segments (FIN, ACK) are on their way through lo
	sleep 0.2
	kill -INT "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	_np=""
	for _p in $_cap_pids; do
		[ "$_p" = "$CAP_PID" ] || _np="$_np $_p"
	done
	_cap_pids=$_np
	if grep -qE '^[1-9][0-9]* packets? dropped by kernel' "$CAP_LOG"; then
		echo "# tcpdump: $(grep 'dropped by kernel' "$CAP_LOG")"
	fi
}

# cap_cut FILE OUT: OUT holds FILE up to the middle of the frame that
# carries its last ServerHello (found by tshark), as a capture cut short
# by a full disk or a killed writer leaves it. Pcap format only.
cap_cut() {
	_fr=$(tshark -r "$1" $TSHARK_TLS -Y 'tls.handshake.type == 2' -T fields \
		-e frame.number 2>/dev/null | tail -n 1)
	[ -n "$_fr" ] || return 1
	_at=$(python3 - "$1" "$_fr" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
want = int(sys.argv[2])
magic = data[:4]
end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
off, n = 24, 0
while off + 16 <= len(data):
    n += 1
    incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
    if n == want:
        print(off + 16 + incl // 2)
        break
    off += 16 + incl
EOF
)
	[ -n "$_at" ] || return 1
	head -c "$_at" "$1" >"$2"
}

# pcap_run NAME FILE [ARGS...]: tlsprobe pcap --json FILE ARGS; sets
# PJSON (the report), PERR (stderr), PRC (exit status).
pcap_run() {
	_pn=$1 _pf=$2
	shift 2
	PJSON="$T/$_pn.json"
	PERR="$T/$_pn.err"
	timeout -k 2 "$CAP_LIMIT" "$TP" pcap --json "$_pf" "$@" \
		>"$PJSON" 2>"$PERR" </dev/null
	PRC=$?
}

# pcap_expect NAME EXPR: one TAP line: the Python expression over the
# last pcap_run's report holds (d: the report, hs: its handshakes, h: the
# first); on failure, the handshakes without their certificates.
pcap_expect() {
	if python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
hs = d["handshakes"]
h = hs[0] if hs else {}
sys.exit(0 if eval(sys.argv[2]) else 1)' "$PJSON" "$2" 2>"$T/pcap_expect.err"; then
		ok "$1: $2"
		return
	fi
	not_ok "$1: $2"
	echo "#   exit status $PRC; stderr: $(head -c 300 "$PERR")"
	tail -n 1 "$T/pcap_expect.err" | sed 's/^/#   /'
	python3 -c '
import json, sys
for h in json.load(open(sys.argv[1]))["handshakes"]:
    print("#   handshake:", json.dumps({k: v for k, v in h.items() if k != "certificates"}))
' "$PJSON" 2>/dev/null
}

# tshark_fields NAME FILE: $T/NAME.tsv, one line per frame that carries a
# ClientHello, a ServerHello, a Certificate or a plaintext alert. The
# first nine fields are the usual hello summary; pcap_compare.py names
# every column. TSHARK_DECODE replaces the decoding of every port as TLS
# ("-d tcp.port==2525,smtp": a STARTTLS port, whose prelude tshark must
# read to find where TLS starts).
tshark_fields() {
	TSV="$T/$1.tsv"
	tshark -r "$2" -n ${TSHARK_DECODE:-$TSHARK_TLS} \
		-Y 'tls.handshake.type == 1 || tls.handshake.type == 2 || tls.handshake.type == 11 || tls.alert_message.desc' \
		-T fields -E separator=/t \
		-e tcp.stream -e ip.src -e tcp.srcport \
		-e tls.handshake.extensions_server_name \
		-e tls.handshake.extensions_alpn_str \
		-e tls.handshake.ciphersuite \
		-e tls.handshake.ja3 -e tls.handshake.ja3s \
		-e tls.handshake.extensions.supported_version \
		-e ipv6.src -e ip.dst -e ipv6.dst -e tcp.dstport \
		-e tls.handshake.type -e tls.handshake.version \
		-e tls.handshake.certificate \
		-e tls.alert_message.level -e tls.alert_message.desc \
		>"$TSV" 2>"$T/$1.tshark.err"
}

# pcap_compare NAME [EXPECT...]: one TAP line per field (connections,
# endpoints, sni, alpn, version, cipher, ja3, ja3s, outcome, alert,
# certificates) from the last pcap_run and tshark_fields of NAME. EXPECT
# as pcap_compare.py takes it ("outcome=established", "1:alert=fatal/
# unknown_ca/client", "leaf=CN=localhost", "rc=0", "conns=2",
# "starttls=smtp").
pcap_compare() {
	_pc=$1
	shift
	python3 "$PCAP_COMPARE" "$PJSON" "$PRC" "$T/$_pc.tsv" "$@" \
		>"$T/$_pc.cmp" 2>&1
	_pc_rc=$?
	_pc_fail=0
	while IFS= read -r _l; do
		case $_l in
		"ok "*) ok "$_pc: ${_l#ok }" ;;
		"not ok "*) not_ok "$_pc: ${_l#not ok }"; _pc_fail=1 ;;
		*) echo "$_l" ;;
		esac
	done <"$T/$_pc.cmp"
	if [ "$_pc_rc" -ne 0 ] && [ "$_pc_fail" -eq 0 ]; then
		not_ok "$_pc: pcap_compare.py ran (status $_pc_rc)"
		_pc_fail=1
	fi
	if [ "$_pc_fail" -ne 0 ]; then
		echo "#   tlsprobe pcap --json exit status $PRC; stderr:"
		head -n 5 "$PERR" | sed 's/^/#     /'
	fi
	return $_pc_fail
}

# ossl_client NAME PORT ARGS...: one openssl s_client connection to
# 127.0.0.1:PORT (CLI_TO:PORT) that sends an HTTP request and reads
# until the server closes; its output in $T/NAME.client.
ossl_client() {
	_on=$1 _op=$2
	shift 2
	printf 'GET / HTTP/1.0\r\n\r\n' |
		timeout -k 1 "$CAP_LIMIT" ${CLI_NS:+ip netns exec "$CLI_NS"} \
		openssl s_client -connect "${CLI_TO:-127.0.0.1}:$_op" \
		-ign_eof "$@" >"$T/$_on.client" 2>&1
}

# gtls_client NAME HOST PORT ARGS...: one gnutls-cli connection (no
# verification) that sends an HTTP request.
gtls_client() {
	_gn=$1 _gh=$2 _gp=$3
	shift 3
	printf 'GET / HTTP/1.0\r\n\r\n' |
		timeout -k 1 "$CAP_LIMIT" ${CLI_NS:+ip netns exec "$CLI_NS"} \
		gnutls-cli --insecure -p "$_gp" "$@" "$_gh" >"$T/$_gn.client" 2>&1
}

# curl_client NAME NAME_SENT PORT ARGS...: curl -k to https://NAME_SENT:PORT/
# with the name resolved to 127.0.0.1 (CLI_TO), so that it goes out as
# the SNI.
curl_client() {
	_cn=$1 _ch=$2 _cp=$3
	shift 3
	timeout -k 1 "$CAP_LIMIT" ${CLI_NS:+ip netns exec "$CLI_NS"} \
		curl -sS -k --max-time 5 \
		--resolve "$_ch:$_cp:${CLI_TO:-127.0.0.1}" "$@" "https://$_ch:$_cp/" \
		>"$T/$_cn.client" 2>&1
}
