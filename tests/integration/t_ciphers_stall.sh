#!/bin/sh
# tlsprobe ciphers against servers that would hold it: one that stops
# after its ServerHello and Certificate, ones that send a byte a second,
# one that is merely slow, cut by --max-time. Each run ends within a
# stated bound, keeps what it saw, and never passes what it did not test.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/ciphers.sh"

# a run past this is a hang (a stall must not cost --timeout per probe)
CIPHERS_LIMIT=40
# the suites the scripted TLS 1.2 servers choose from, in their order
STALL_SUITES="['0xC02F', '0xC030', '0xCCA8', '0xC027', '0xC028', '0xC013', '0xC014', '0x009C', '0x009D', '0x003C', '0x002F']"
SLOW_SUITES="['0x009C', '0x002F', '0x0035']"

# within LIMIT_MS: one TAP line on the last run's wall time
within() {
	if [ "$MS" -le "$2" ]; then
		ok "$1 ($MS ms, bound $2 ms)"
	else
		not_ok "$1 ($MS ms, bound $2 ms)"
	fi
}

make_pki server.pem server.key

# ServerHello + Certificate, then silence. The first probe of an ECDHE
# suite waits its --timeout for the ServerKeyExchange; after that every
# probe reads the ServerHello alone: about one --timeout in all, bound
# 2 x --timeout + 2 s.
start_fake hello-stall --cert "$PKI/server.pem"
run_ciphers stall --timeout 2 127.0.0.1:$FAKE_PORT
echo "# hello-stall: $MS ms"
within "silent after ServerHello and Certificate: done within 2 x --timeout + 2 s" 6000
expect "silent after its ServerHello: HANDSHAKE_TIMEOUT, SCAN_INCOMPLETE" 1 \
	HANDSHAKE_TIMEOUT SCAN_INCOMPLETE '!PROTOCOL_VIOLATION' \
	'!NO_SHARED_CIPHER'
audit "silent after its ServerHello: every suite it chose, in its order" \
	"acc('TLS1.2') == $STALL_SUITES and proto('TLS1.2')['preference'] == 'server' and accepted() == ['TLS1.2']"
audit "silent after its ServerHello: the leaf it sent is described" \
	"d['certificates'][0]['key'].startswith('RSA-')"
audit "silent after its ServerHello: what was not learnt is named" \
	"any('key exchange' in f['summary'] and 'TLS1.2 groups' in f['summary'] for f in d['findings'] if f['code'] == 'SCAN_INCOMPLETE')"
audit "silent after its ServerHello: verdict fail, the grade provisional" \
	"d['verdict'] == 'fail' and any(r.startswith('provisional') for r in d['grade_reasons'])"
stop_servers

# ServerHello at once, then the Certificate a byte a second: each read
# brings a byte, none renews the probe's deadline.
start_fake hello-trickle --cert "$PKI/server.pem"
run_ciphers trickle-cert --timeout 2 127.0.0.1:$FAKE_PORT
echo "# hello-trickle: $MS ms"
within "a Certificate at 1 byte/s: done within 2 x --timeout + 2 s" 6000
expect "a Certificate at 1 byte/s: HANDSHAKE_TIMEOUT" 1 HANDSHAKE_TIMEOUT \
	'!PROTOCOL_VIOLATION'
audit "a Certificate at 1 byte/s: every suite it chose" \
	"acc('TLS1.2') == $STALL_SUITES"
stop_servers

# Everything, the ServerHello and the alerts too, a byte a second: the
# per-probe deadline ends each probe; a host that never gets a whole
# answer out is given up after a few.
start_fake trickle --cert "$PKI/server.pem"
run_ciphers trickle --timeout 2 127.0.0.1:$FAKE_PORT
echo "# trickle: $MS ms"
within "every answer at 1 byte/s: done within 3 x --timeout + 2 s" 8000
expect "every answer at 1 byte/s: HANDSHAKE_TIMEOUT" 1 HANDSHAKE_TIMEOUT
# and --max-time cuts it sooner still
run_ciphers trickle-max --timeout 5 --max-time 2 127.0.0.1:$FAKE_PORT
echo "# trickle, --max-time 2: $MS ms"
within "every answer at 1 byte/s, --max-time 2: done by 2 s + 1.5 s" 3500
expect "every answer at 1 byte/s, --max-time 2: SCAN_INCOMPLETE" 1 \
	SCAN_INCOMPLETE
stop_servers

# Handshake records without end: with no ServerHello first it is a
# violation at once; after a ServerHello the flood is cut by its size
# (32 MiB) or the probe's deadline, and then treated as a stall.
start_fake flood
run_ciphers flood --timeout 2 127.0.0.1:$FAKE_PORT
echo "# flood: $MS ms"
within "endless HelloRequests, no ServerHello: done within 2 x --timeout + 2 s" 6000
expect "endless HelloRequests, no ServerHello: PROTOCOL_VIOLATION" 1 \
	PROTOCOL_VIOLATION
stop_servers
start_fake hello-flood --cert "$PKI/server.pem"
run_ciphers hello-flood --timeout 2 127.0.0.1:$FAKE_PORT
echo "# hello-flood: $MS ms"
within "a ServerHello, then endless HelloRequests: done within 2 x --timeout + 4 s" 8000
expect "a ServerHello, then endless HelloRequests: HANDSHAKE_TIMEOUT" 1 \
	HANDSHAKE_TIMEOUT '!PROTOCOL_VIOLATION'
audit "a ServerHello, then endless HelloRequests: every suite it chose" \
	"acc('TLS1.2') == $STALL_SUITES"
stop_servers

# A server that answers each hello correctly, a second late: the whole
# audit takes several seconds; --max-time 3 ends it by 3 s (+ 1.5 s for
# starting, the last probes' sockets and the report).
start_fake slow --cert "$PKI/server.pem" --delay 1
run_ciphers slow --timeout 2 --max-time 3 127.0.0.1:$FAKE_PORT
echo "# slow, --max-time 3: $MS ms"
within "a slow server, --max-time 3: done by 3 s + 1.5 s" 4500
expect "a slow server, --max-time 3: SCAN_INCOMPLETE, an error" 1 \
	SCAN_INCOMPLETE '!HANDSHAKE_TIMEOUT' '!NO_SHARED_CIPHER'
# where the cut falls (TLS 1.2's suites, groups or signature algorithms,
# or the last probes of its order) depends on how fast the first answers
# came: whichever it is, it is named
audit "--max-time 3: SCAN_INCOMPLETE is an error naming --max-time and what was not finished" \
	"any(f['severity'] == 'error' and '--max-time' in f['summary'] and any(w in f['summary'] for w in ('not finished: TLS1.2 suites', 'not finished: TLS1.2 groups', 'not finished: TLS1.2 signature algorithms', 'not finished: the last probes')) for f in d['findings'] if f['code'] == 'SCAN_INCOMPLETE')"
audit "--max-time 3: the verdict is not pass; what it saw is kept" \
	"d['verdict'] == 'fail' and len(acc('TLS1.2')) >= 1 and set(acc('TLS1.2')) <= set($SLOW_SUITES) and proto('TLS1.2')['incomplete']"
# the same server, given the time: complete, and no SCAN_INCOMPLETE
run_ciphers slow-full --timeout 2 --max-time 60 127.0.0.1:$FAKE_PORT
echo "# slow, --max-time 60: $MS ms"
expect "a slow server given the time: complete" 0 '!SCAN_INCOMPLETE'
audit "a slow server given the time: all its suites, in its order" \
	"acc('TLS1.2') == $SLOW_SUITES"
stop_servers

# --max-time takes seconds above 0: anything else is a usage error that
# names the option, and nothing is probed
for bad in 0 -1 abc "" 1e9 nan; do
	"$TP" ciphers --max-time "$bad" 127.0.0.1:1 >"$T/usage.out" \
		2>"$T/usage.err" </dev/null
	rc=$?
	if [ "$rc" -eq 2 ] && [ "$(wc -l <"$T/usage.err")" -eq 1 ] &&
	   grep -q -- "--max-time '$bad'" "$T/usage.err" &&
	   [ ! -s "$T/usage.out" ]; then
		ok "--max-time '$bad': exit 2, one line naming the option"
	else
		not_ok "--max-time '$bad': exit 2, one line naming the option (exit $rc)"
		sed 's/^/#   /' "$T/usage.err"
	fi
done

# A SYN that nothing answers (dropped on loopback), and ^C a second
# into the audit's first connection: the run ends at once, not after
# its --timeout, and the stop is no finding about the target.
need_root "ciphers stopped during its first connection"
DROP_PORT=$(free_port)
iptables -I INPUT -i lo -p tcp --dport "$DROP_PORT" -j DROP
at_exit "iptables -D INPUT -i lo -p tcp --dport $DROP_PORT -j DROP"
start=$(date +%s%N)
"$TP" ciphers --json --timeout 20 "127.0.0.1:$DROP_PORT" >"$T/stop.json" \
	2>/dev/null </dev/null &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
MS=$(( ($(date +%s%N) - start) / 1000000 ))
within "^C during the first connection: the audit ends at once" 3000
check "^C during the first connection: no TCP_TIMEOUT claimed, exit $rc" \
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
codes = [f["code"] for f in d["findings"]]
tcp = [s for s in d["stages"] if s["name"] == "tcp"][0]
sys.exit(0 if "TCP_TIMEOUT" not in codes and tcp["status"] == "fail" and "cancel" in tcp.get("detail", "") else 1)' "$T/stop.json"
