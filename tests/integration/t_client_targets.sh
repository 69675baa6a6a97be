#!/bin/sh
# tlsprobe client --targets: many loopback endpoints (distinct 127.0.x.y
# addresses, one port) in one run. One record per (target, address), each
# the same as a single-target run of that endpoint; bad lines as records
# and on stderr; a block; shards; JSON Lines whole after kill -9 and a
# --resume that loses and repeats nothing; stdin; --per-host and
# --concurrency watched from the server's side; SIGINT; exit statuses;
# as root, a name of three addresses resolved inside a namespace of its
# own (its /etc/netns hosts file, never the machine's resolver).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/fleet.sh"

make_pki ca1.pem server-ec.pem server-expired.pem server-ca2.pem \
	server-wrongname.pem
cd "$T" || exit 1
FLEET_SERVER="$TOP/tests/integration/fleet_server.py"
SLOW=0.3

eps=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	eps="$eps $(endpoint 127.0.1.$i server-ec)"
done
for i in 13 14 15; do eps="$eps $(endpoint 127.0.1.$i server-expired)"; done
for i in 16 17 18; do eps="$eps $(endpoint 127.0.1.$i server-ca2)"; done
for i in 19 20 21; do eps="$eps $(endpoint 127.0.1.$i server-wrongname)"; done
for i in 0 1 2 3; do eps="$eps $(endpoint 127.0.3.$i server-ec)"; done
for i in 1 2 3 4 5 6; do eps="$eps $(endpoint 127.0.4.$i server-ec $SLOW)"; done
eps="$eps $(endpoint 127.0.5.1 server-ec 5)"   # stalls: for SIGINT
# shellcheck disable=SC2086
start_ready fleet python3 "$FLEET_SERVER" --log "$T/conns.log" $eps || exit 1
PORT=$READY_PORT
# 127.0.2.x: nothing listens there (refused)

{
	echo "# the fleet: 21 endpoints, 3 closed ports, a block of 4"
	for i in $(seq 1 21); do echo "127.0.1.$i:$PORT sni=server.test"; done
	echo
	echo "not a target!!"
	for i in 1 2 3; do echo "127.0.2.$i:$PORT"; done
	echo "127.0.0.1:99999"
	echo "127.0.3.0/30:$PORT sni=server.test"
} >list
NREC=30   # 21 + 3 + 4 targets, 2 bad lines
BAD_LINES="24 28"

C="--ca $PKI/ca1.pem --timeout 5"
tp() { timeout -k 2 60 "$TP" client "$@"; }

# ---- the whole list, JSON Lines ----
tp --targets list $C --json >all.jsonl 2>all.err
RC=$?
check "a list with failures and bad lines exits 1" [ "$RC" -eq 1 ]
each_line_json "every line of the output is one JSON object" \
	all.rec records all.jsonl
check "one record per (target, address): $NREC" \
	[ "$(wc -l <all.jsonl)" -eq "$NREC" -a \
	  "$(cut -f1 all.rec | sort -u | wc -l)" -eq "$NREC" ]
check "the block's four addresses each have a record" \
	[ "$(grep -c '^127\.0\.3\.[0-3]:' all.rec)" -eq 4 ]
for n in $BAD_LINES; do
	check "bad line $n is a record naming its line" \
		grep -q "^line $n	error	" all.rec
	check "bad line $n is one line on stderr" \
		grep -q "^tlsprobe client: list line $n: " all.err
done
check "stderr has nothing but the bad lines" \
	[ "$(wc -l <all.err)" -eq 2 ]
check "records carry target.line" python3 -c '
import json, sys
for raw in open(sys.argv[1]):
    d = json.loads(raw)
    if "error" in d: continue
    h, line = d["target"]["host"], d["target"]["line"]
    want = {"127.0.1": int(h.split(".")[-1]) + 1, "127.0.2": 24 + int(h.split(".")[-1]),
            "127.0.3": 29}[h.rsplit(".", 1)[0]]
    assert line == want, (h, line, want)' all.jsonl

# ---- each record is what a single-target run says ----
same=0 differ=""
while IFS='	' read -r key verdict codes; do
	case $key in line*) continue ;; esac
	addr=${key##*@}
	sni=${key#* sni=}; sni=${sni%% *}
	if [ "$sni" = None ]; then sniopt=""; else sniopt="--sni $sni"; fi
	# shellcheck disable=SC2086
	tp $C $sniopt --json "$addr:$PORT" >one.json 2>/dev/null
	got=$(verdict_codes one.json)
	if [ "$got" = "$verdict	$codes" ]; then
		same=$((same + 1))
	else
		differ="$differ; $key: list '$verdict $codes', alone '$got'"
	fi
done <all.rec
if [ -z "$differ" ] && [ "$same" -eq 28 ]; then
	ok "all 28 records match single-target runs (verdict, codes)"
else
	not_ok "all 28 records match single-target runs ($same did)"
	echo "#   ${differ#; }"
fi
check "the faults are the ones planted" sh -c "
	grep -q '^127.0.1.1:.*	pass	\$' all.rec &&
	grep -q '^127.0.1.13:.*	CERT_EXPIRED' all.rec &&
	grep -q '^127.0.1.16:.*	UNKNOWN_CA' all.rec &&
	grep -q '^127.0.1.19:.*	NAME_MISMATCH' all.rec &&
	grep -q '^127.0.2.1:.*	TCP_REFUSED' all.rec"

# ---- text ----
tp --targets list $C >all.txt 2>/dev/null
RC=$?
check "text: exit 1 here too" [ "$RC" -eq 1 ]
check "text: one line a record, then the total" \
	[ "$(wc -l <all.txt)" -eq $((NREC + 1)) ]
check "text: a line names target, address, verdict, session and code" \
	grep -Eq "^17 +127\.0\.1\.16:$PORT +127\.0\.1\.16 +fail +TLS1\.[23]/[A-Z0-9_]+ +UNKNOWN_CA$" all.txt
check "text: the total counts verdicts and bad lines" \
	grep -q "^$NREC records in .*: 16 pass, 0 warn, 12 fail, 2 bad lines$" all.txt

# ---- stdin ----
tp --targets - $C --json <list >stdin.jsonl 2>/dev/null
records stdin.jsonl >stdin.rec 2>/dev/null
check "stdin: the same records as the file" cmp -s all.rec stdin.rec

# ---- shards ----
: >shards.rec
for k in 1 2 3; do
	tp --targets list $C --json --shard $k/3 >shard$k.jsonl 2>/dev/null
	records shard$k.jsonl >>shards.rec 2>/dev/null
done
sort shards.rec >shards.sorted
check "shards 1/3, 2/3, 3/3 are disjoint and together the whole" \
	cmp -s all.rec shards.sorted
check "no shard is the whole" sh -c \
	'for k in 1 2 3; do [ $(wc -l <shard$k.jsonl) -lt '$NREC' ] || exit 1; done'

# ---- exit statuses ----
grep '^127\.0\.1\.[1-9]:' list | head -n 5 >good
tp --targets good $C --json >/dev/null 2>&1
check "a list that all passes exits 0" [ $? -eq 0 ]
tp --targets good 127.0.0.1 >/dev/null 2>usage.err
check "--targets and a HOST: usage, exit 2" [ $? -eq 2 ]
check "... with one line on stderr" [ "$(wc -l <usage.err)" -eq 1 ]
tp --targets good --resume >/dev/null 2>&1
check "--resume without --out: exit 2" [ $? -eq 2 ]
tp --targets "$T/no-such-list" >/dev/null 2>&1
check "a list that cannot be read: exit 2" [ $? -eq 2 ]
tp --targets good --concurrency 0 >/dev/null 2>&1
check "--concurrency 0: exit 2" [ $? -eq 2 ]
tp --targets good --shard 4/3 >/dev/null 2>&1
check "--shard 4/3: exit 2" [ $? -eq 2 ]
tp --targets good --capture >/dev/null 2>&1
check "--capture with --targets: exit 2" [ $? -eq 2 ]
tp --rate 5 127.0.0.1 >/dev/null 2>&1
check "--rate without --targets: exit 2" [ $? -eq 2 ]
tp --targets good --ca "$T/no-such-ca.pem" >/dev/null 2>&1
check "an unreadable --ca ends the run: exit 2" [ $? -eq 2 ]

# ---- the caps, seen from the server ----
# most_at_once PREFIX: the most connections to addresses starting with
# PREFIX open at once, from the server's log (a connection's end is
# logged a little after the client left: 50 ms are forgiven)
most_at_once() {
	python3 - "$T/conns.log" "$1" <<'EOF'
import sys
ev = []
for raw in open(sys.argv[1]):
    what, addr, t = raw.split()
    if not addr.startswith(sys.argv[2]):
        continue
    ev.append((float(t) - (0.05 if what == "close" else 0), 1 if what == "open" else -1))
ev.sort(key=lambda e: (e[0], e[1]))
n = most = 0
for _, d in ev:
    n += d
    most = max(most, n)
print(most)
EOF
}
for i in 1 2 3 4 5 6; do echo "127.0.4.1:$PORT sni=server.test"; done >same
: >"$T/conns.log"
tp --targets same $C --json --concurrency 6 --per-host 1 >/dev/null 2>&1
check "--per-host 1: never two connections to one address at once" \
	[ "$(most_at_once 127.0.4.1)" -eq 1 ]
: >"$T/conns.log"
tp --targets same $C --json --concurrency 6 --per-host 3 >/dev/null 2>&1
n=$(most_at_once 127.0.4.1)
check "--per-host 3: three at most, and more than one ($n)" \
	[ "$n" -le 3 -a "$n" -ge 2 ]
for i in 1 2 3 4 5 6; do echo "127.0.4.$i:$PORT sni=server.test"; done >slow
: >"$T/conns.log"
tp --targets slow $C --json --concurrency 2 >/dev/null 2>&1
n=$(most_at_once 127.0.4.)
check "--concurrency 2: two targets in flight at most ($n)" [ "$n" -le 2 ]
grep '^127\.0\.2\.' list | head -n 3 >closed
printf '%s\n' "$(cat closed)" "$(cat closed)" >closed6
t0=$(now_ms)
tp --targets closed6 --json --rate 10 >/dev/null 2>&1
ms=$(($(now_ms) - t0))
check "--rate 10: six connections take half a second or more ($ms ms)" \
	[ "$ms" -ge 500 ]

# ---- kill -9, then --resume ----
cat slow list >resume.list
WANT=$(( NREC + 6 ))
# (not through tp: the kill is for tlsprobe itself, not for timeout)
# shellcheck disable=SC2086
"$TP" client --targets resume.list $C --json --concurrency 2 \
	--out run.jsonl >/dev/null 2>&1 &
pid=$!
# the slow ones first: kill it once three records are out
await_lines run.jsonl 3 200 0.05
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
before=$(wc -l <run.jsonl)
# a kill inside a write: the last line torn
printf '{"tool":"tlsprobe","command":"client","target":{"host":"127.0.4.' \
	>>run.jsonl
tp --targets resume.list $C --json --concurrency 4 --out run.jsonl \
	--resume >/dev/null 2>resume.err
RC=$?
check "the killed run had written part of the list ($before of $WANT)" \
	[ "$before" -gt 0 -a "$before" -lt "$WANT" ]
check "--resume: exit 1 (the list has failures)" [ "$RC" -eq 1 ]
check "--resume says it cut the torn line" grep -q "torn" resume.err
each_line_json "after kill -9 and --resume every line is whole JSON" \
	run.rec records run.jsonl
check "every (target, address) exactly once ($(wc -l <run.rec) of $WANT)" \
	[ "$(wc -l <run.rec)" -eq "$WANT" -a \
	  "$(cut -f1 run.rec | sort -u | wc -l)" -eq "$WANT" ]
tp --targets resume.list $C --json --out run.jsonl --resume >again.out 2>&1
RC=$?
check "a second --resume probes nothing and writes nothing" \
	[ "$(wc -l <run.jsonl)" -eq "$WANT" -a ! -s again.out ]

# ---- SIGINT: the probes in flight end at once, and leave no record ----
echo "127.0.5.1:$PORT sni=server.test" >stall
rm -f stall.jsonl
# shellcheck disable=SC2086
"$TP" client --targets stall $C --json --out stall.jsonl >/dev/null \
	2>stall.err &
pid=$!
sleep 0.5
t0=$(now_ms)
kill -INT $pid
wait $pid
RC=$?
ms=$(($(now_ms) - t0))
check "SIGINT ends the run within a second ($ms ms), exit 1" \
	[ "$ms" -lt 1000 -a "$RC" -eq 1 ]
check "... with no record of the probe it cut short" [ ! -s stall.jsonl ]
check "... and one line on stderr saying so" grep -q "stopped" stall.err

# ---- a name with several addresses: every one probed, or the first ----
# Resolved only inside a network namespace of our own, from its own
# /etc/netns/NAME/hosts: never the machine's resolver.
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
	skip "a name's every address is probed" "needs root and ip netns"
	exit 0
fi
NS="tpfleet$$"
if ! own_netns "$NS"; then
	skip "a name's every address is probed" "$NETNS_ERR"
	exit 0
fi
printf '127.0.7.1 multi.test\n127.0.7.2 multi.test\n127.0.7.3 multi.test\n' \
	>"/etc/netns/$NS/hosts"
start_ready fleetns ip netns exec "$NS" python3 "$FLEET_SERVER" \
	--log "$T/ns.log" "$(endpoint 127.0.7.1 server-ec)" \
	"$(endpoint 127.0.7.2 server-ec)" "$(endpoint 127.0.7.3 server-expired)" ||
	exit 1
echo "multi.test:$READY_PORT sni=server.test" >multi
# shellcheck disable=SC2086
ip netns exec "$NS" "$TP" client --targets multi $C --json >multi.jsonl \
	2>/dev/null
RC=$?
records multi.jsonl >multi.rec 2>/dev/null
check "a name of three addresses: three records, one each" \
	[ "$(cut -f1 multi.rec | sort -u | wc -l)" -eq 3 ]
check "... each probed as the name (SNI), at its own address" sh -c "
	grep -q '^multi.test:$READY_PORT sni=server.test @127.0.7.1	pass' multi.rec &&
	grep -q '^multi.test:$READY_PORT sni=server.test @127.0.7.2	pass' multi.rec &&
	grep -q '^multi.test:$READY_PORT sni=server.test @127.0.7.3	fail	CERT_EXPIRED' multi.rec"
check "... the one that fails makes the run exit 1" [ "$RC" -eq 1 ]
# shellcheck disable=SC2086
ip netns exec "$NS" "$TP" client --targets multi $C --json \
	--addresses first >first.jsonl 2>/dev/null
check "--addresses first: one record" [ "$(wc -l <first.jsonl)" -eq 1 ]
