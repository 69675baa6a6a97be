#!/bin/sh
# tlsprobe server against hostile clients: each connection ends within
# the --timeout bound with the most specific finding and nothing unsafe
# for a terminal in text (-v) or JSON; after a storm of 1000 idle and
# 5000 quick connections its descriptors and memory are back near where
# they were, and a normal client is still served.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/hostile/hostile.sh"

hostile_certs
# docs/tlsprobe-server.1: each stage of a connection (the first bytes,
# the handshake, a line) is bounded by --timeout
BOUND=$(bound_ms 4 1)
HOLD=$((BOUND / 1000 + 2))
# a slowloris sends faster than --timeout: an idle timer alone would
# never end it, only the stage's own deadline does
INTERVAL=$("$PY" -c "print($TO / 2)")
SERVER_ARGS="--cert $CERTS/leaf.pem --key $CERTS/leaf.key --ca $CERTS/ca.pem"

# serve_once NAME MODE [SERVER ARGS...]: tlsprobe server --once (and
# the ARGS) against hostile_client.py MODE: the server's output in
# NAME.out and NAME.err, what the client saw in NAME.client, the
# server's exit status and its time from the client's first connection
# in NAME.rc. That time holds the connection's stages and the second
# (at most --timeout) --once waits for a side-channel question.
serve_once() {
	_n=$1 _m=$2; shift 2
	_p=$(free_port)
	echo "server --once $* against hostile_client.py $_m" >"$T/$_n.cmd"
	# the server's own end, not the client's (which may hold on)
	(
		# shellcheck disable=SC2086
		env -u SSLKEYLOGFILE timeout -k 2 "$HOSTILE_KILL" "$TP" server \
			--listen "127.0.0.1:$_p" $SERVER_ARGS --timeout "$TO" \
			--once "$@" >"$T/$_n.out" 2>"$T/$_n.err" </dev/null
		echo "$? $(now_ms)" >"$T/$_n.end"
	) &
	_spid=$!
	_i=0
	until grep -q 'listening on' "$T/$_n.err" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ] || ! kill -0 $_spid 2>/dev/null; then
			break
		fi
		sleep 0.05
	done
	"$PY" "$HOSTILE_CLIENT" "$_m" 127.0.0.1 "$_p" --certs "$CERTS" \
		--hold "$HOLD" --interval "$INTERVAL" >"$T/$_n.client" 2>&1
	wait $_spid
	read -r _rc _t1 <"$T/$_n.end"
	_t0=$(sed -n 's/^start \([0-9]*\)$/\1/p' "$T/$_n.client" | head -n 1)
	echo "$_rc $((_t1 - ${_t0:-$_t1}))" >"$T/$_n.rc"
}

CASES=""
# scase MODE RC CODE...: the server's report of MODE's connection in
# JSON; it exits RC (--once: that connection's verdict). With "+" in
# front of MODE, in text (-v) too: the modes whose bytes can reach what
# is printed.
scase() { CASES="$CASES$*
"; }

scase slowloris 1 HANDSHAKE_TIMEOUT
scase sslv2 1 'PROTOCOL_VERSION_MISMATCH|NO_SHARED_CIPHER'
scase +garbage 1 NOT_TLS
scase +huge-length 1 'TLS_HANDSHAKE_FAILED|PROTOCOL_VIOLATION'
# a 64 KiB ClientHello is legal: answered, then the client stops
scase ext64k 1 HANDSHAKE_TIMEOUT '!NOT_TLS'
scase split 1 HANDSHAKE_TIMEOUT '!NOT_TLS'
scase alert-storm 1 'ALERT_RECEIVED|PROTOCOL_VIOLATION'
scase close-notify 1 'PEER_CLOSED|ALERT_RECEIVED'
scase rst 1 RESET_DURING_HANDSHAKE
scase +unknown-record 1 'NOT_TLS|PROTOCOL_VIOLATION'
# a client that never reads (loopback's send buffers take the whole
# flight, so it is the client's silence that the server meets)
scase zero-window 1 HANDSHAKE_TIMEOUT
scase +flood 1 NOT_TLS
scase +evil-sni 1 'TLS_HANDSHAKE_FAILED|PROTOCOL_VIOLATION'
# guards against (clean output): bidi controls passing the sanitiser
scase +evil-alpn 1 HANDSHAKE_TIMEOUT
# guards against (clean output): bidi controls passing the sanitiser
scase +evil-cert 0 '!TLS_HANDSHAKE_FAILED'
# guards against (clean output): bidi controls passing the sanitiser
# each sb-* line is followed by a handshake the client leaves once the
# server waits for it
scase +sb-evil 1 'PEER_CLOSED|RESET_DURING_HANDSHAKE' NAT_SOURCE NAT_DESTINATION
scase +sb-raw 1 'PEER_CLOSED|RESET_DURING_HANDSHAKE' '!NAT_SOURCE'
scase sb-huge 1 'PEER_CLOSED|RESET_DURING_HANDSHAKE' '!NAT_SOURCE'
scase sb-nested 1 'PEER_CLOSED|RESET_DURING_HANDSHAKE' '!NAT_SOURCE'
scase +sb-malformed 1 'PEER_CLOSED|RESET_DURING_HANDSHAKE' '!NAT_SOURCE'

printf '%s' "$CASES" >"$T/cases"
while read -r m rc codes; do
	case "$m" in
	+*)
		m=${m#+}
		hrun_fn "server-$m-text" serve_once "server-$m-text" "$m" -v
		;;
	esac
	hrun_fn "server-$m-json" serve_once "server-$m-json" "$m" --json
done <"$T/cases"
hwait

while read -r m rc codes; do
	case "$m" in
	+*)
		m=${m#+}
		# shellcheck disable=SC2086
		hcase "server-$m-json" "$rc" "$BOUND" $codes
		htext "server-$m-text" "$rc" "$BOUND"
		hclean "server-$m-json" "server-$m-text"
		;;
	*)
		# shellcheck disable=SC2086
		hcase "server-$m-json" "$rc" "$BOUND" $codes
		hclean "server-$m-json"
		;;
	esac
done <"$T/cases"
# guards against: a close_notify is no fatal alert (the server said "the client
# sent fatal alert close_notify (0)")
hpy server-close-notify-json "close_notify is named, and not as fatal" \
	"'close_notify' in json.dumps(d['findings']) and 'fatal alert close_notify' not in json.dumps(d)"
hjudge

# what the clients saw: the server answered what is TLS, and ended
# what never finishes within the bound
client_saw() {
	if grep -qE "$2" "$T/server-$1-json.client"; then
		ok "server-$1: the client saw: $3"
	else
		not_ok "server-$1: the client saw: $3"
		sed 's/^/#   /' "$T/server-$1-json.client"
	fi
}
client_saw ext64k 'answered [0-9]+ bytes \(first 0x16\)' \
	"a 64 KiB ClientHello answered with a handshake"
client_saw split 'answered [0-9]+ bytes \(first 0x16\)' \
	"a ClientHello in one-byte records answered with a handshake"
client_saw slowloris 'the server ended it|closed by the server|reset by the server' \
	"a slowloris cut by the server"
client_saw flood 'bytes taken, then' "100 MB refused early"

# ---- the storm ----
PORT=$(free_port)
# ASan holds up to 256 MB of freed blocks in quarantine: a small one
# lets VmRSS tell what the server itself keeps
# shellcheck disable=SC2086
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16" \
env -u SSLKEYLOGFILE "$TP" server --listen "127.0.0.1:$PORT" $SERVER_ARGS \
	--timeout "$TO" --json >"$T/storm.out" 2>"$T/storm.err" </dev/null &
SPID=$!
srv_track "$SPID" "$T/storm.err"
_i=0
until grep -q 'listening on' "$T/storm.err" 2>/dev/null; do
	_i=$((_i + 1))
	[ $_i -gt 200 ] && break
	sleep 0.05
done

fds() { ls "/proc/$SPID/fd" 2>/dev/null | wc -l; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SPID/status" 2>/dev/null; }
normal_client() {
	env -u SSLKEYLOGFILE timeout -k 2 "$HOSTILE_KILL" "$TP" client \
		"127.0.0.1:$PORT" --ca "$CERTS/ca.pem" --timeout "$TO" --json \
		>"$T/$1.json" 2>"$T/$1.err" </dev/null
}
# the baseline: after one ordinary client, so that what a first
# connection allocates once (GnuTLS, the accounts) is in it
normal_client normal0
sleep 0.5
FD0=$(fds) RSS0=$(rss_kb)

"$PY" "$HOSTILE_CLIENT" idle 127.0.0.1 "$PORT" --count 1000 \
	--hold $((HOLD * 3)) >"$T/idle.client" 2>&1 &
IDLE=$!
"$PY" "$HOSTILE_CLIENT" quick 127.0.0.1 "$PORT" --count 5000 \
	>"$T/quick.client" 2>&1
wait $IDLE
# the last reports, 50 ms after each close (docs/tlsprobe-server.1)
sleep 1
FD1=$(fds) RSS1=$(rss_kb)

if grep -q 'idle: 1000 connections, 1000 closed by the server' "$T/idle.client"
then
	ok "storm: 1000 idle connections, each closed by the server"
else
	not_ok "storm: 1000 idle connections, each closed by the server"
	sed 's/^/#   /' "$T/idle.client"
fi
check "storm: 5000 quick connections accepted" \
	grep -q 'quick: 5000 connections' "$T/quick.client"
# the idle connections are cut at the first-bytes deadline
idle_ms=$(sed -n 's/.* after \([0-9]*\) ms$/\1/p' "$T/idle.client")
if [ -n "$idle_ms" ] && [ "$idle_ms" -le "$((BOUND + 1000 * SLOW))" ]; then
	ok "storm: the idle connections closed within the bound (${idle_ms} ms)"
else
	not_ok "storm: the idle connections closed within the bound (${idle_ms:-?} ms, bound $BOUND ms)"
fi
echo "# descriptors $FD0 -> $FD1, VmRSS $RSS0 kB -> $RSS1 kB"
if [ "$FD1" -le $((FD0 + 2)) ]; then
	ok "storm: descriptors back to the baseline ($FD0 -> $FD1)"
else
	not_ok "storm: descriptors back to the baseline ($FD0 -> $FD1)"
	ls -l "/proc/$SPID/fd" | tail -n 5 | sed 's/^/#   /'
fi
# memory: glibc keeps some freed memory for reuse, so "near" is a
# margin, not equality (plain: about 2 MB above the baseline); ASan's
# allocator keeps what it freed for itself (about 40 MB here), so its
# margin is SLOW squared times wider
RSS_MARGIN=$((16384 * SLOW * SLOW))
if [ "$RSS1" -le $((RSS0 + RSS_MARGIN)) ]; then
	ok "storm: VmRSS within $RSS_MARGIN kB of the baseline ($RSS0 -> $RSS1 kB)"
else
	not_ok "storm: VmRSS within $RSS_MARGIN kB of the baseline ($RSS0 -> $RSS1 kB)"
fi
# ---- hostile claims, while a normal client is served ----
# After a welcome the server waits for a claim: each hostile one ends
# within the bound of that wait, and meanwhile others are served.
CLAIMS="claim-garbage claim-first claim-twice claim-short claim-endless
claim-trickle"
_cpids=""
for m in $CLAIMS; do
	"$PY" "$HOSTILE_CLIENT" "$m" 127.0.0.1 "$PORT" --hold "$HOLD" \
		--interval "$INTERVAL" >"$T/$m.client" 2>&1 &
	_cpids="$_cpids $!"
done
sleep 0.3
normal_client claims-normal
_rc=$?
for _p in $_cpids; do wait "$_p"; done
if [ "$_rc" -eq 0 ] && "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["peer_report"] is not None else 1)' "$T/claims-normal.json"
then
	ok "claims: a normal client is served while hostile claims wait"
else
	not_ok "claims: a normal client is served while hostile claims wait (exit $_rc)"
	head -c 600 "$T/claims-normal.err" | sed 's/^/#   /'
fi
# claim_saw MODE ERE WHAT: what hostile_client.py MODE printed matches
claim_saw() {
	if grep -qE "$2" "$T/$1.client"; then
		ok "$1: $3"
	else
		not_ok "$1: $3"
		sed 's/^/#   /' "$T/$1.client"
	fi
}
# the line's time: the server ends it within the bound of its wait
claim_in_bound() {
	_ms=$(sed -n 's/.* after \([0-9]*\) ms$/\1/p' "$T/$1.client")
	if [ -n "$_ms" ] && [ "$_ms" -le "$BOUND" ]; then
		ok "$1: ended within the bound (${_ms} ms)"
	else
		not_ok "$1: ended within the bound (${_ms:-?} ms, bound $BOUND ms)"
		sed 's/^/#   /' "$T/$1.client"
	fi
}
claim_saw claim-garbage 'welcome; then 0 lines .*closed by the server' \
	"a garbage line after the welcome is closed on, unanswered"
claim_saw claim-first 'answered 0 bytes \(nothing\), closed by the server' \
	"a claim before any hello is closed on, unanswered"
claim_saw claim-twice 'welcome; then 1 lines \[account null\], [0-9]+ bytes, closed by the server' \
	"two claims: one null account, the second unanswered"
claim_saw claim-short 'welcome; then 0 lines .*closed by the server' \
	"a 63-byte signature is closed on, unanswered"
claim_saw claim-endless 'welcome; then the server ended it|welcome; then 0 lines .*(closed|reset) by the server' \
	"a line that never ends is cut by the server"
claim_saw claim-trickle 'welcome; then 1 lines \[account null\]' \
	"a claim in one-byte segments is read whole: a null account"
for m in $CLAIMS; do
	claim_in_bound "$m"
done

normal_client normal1
_rc=$?
if [ "$_rc" -eq 0 ] && "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["peer_report"] is not None else 1)' "$T/normal1.json"; then
	ok "storm: a normal client is still served, side channel included"
else
	not_ok "storm: a normal client is still served, side channel included (exit $_rc)"
	head -c 600 "$T/normal1.err" | sed 's/^/#   /'
fi
kill "$SPID"
wait "$SPID"
echo "$? 0" >"$T/storm.rc"
echo "tlsprobe server --json through the storm" >"$T/storm.cmd"
hclean storm
hlines storm - 0 HANDSHAKE_TIMEOUT
hjudge
grep 'connections,' "$T/storm.err" | sed 's/^/# /'
stop_servers
