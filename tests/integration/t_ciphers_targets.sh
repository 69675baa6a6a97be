#!/bin/sh
# tlsprobe ciphers --targets: a dozen loopback endpoints (openssl s_server
# and gnutls-serv in several configurations, behind a relay that gives
# each its own 127.0.6.x address and logs every connection), a faulty
# one, a closed port, a bad line and a block, in one run. Every record
# equals a single-target audit of its endpoint; --per-host is never
# exceeded, across audits of one address too; --rate holds over the
# run; each record's connection count is what the relay saw; kill -9
# and --resume lose and repeat nothing; shards; exit statuses.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/fleet.sh"

make_pki server-ec.pem server.pem
cd "$T" || exit 1
RELAY="$TOP/tests/integration/conn_relay.py"
EC="-cert $PKI/server-ec.pem -key $PKI/server-ec.key"
RSA="-cert $PKI/server.pem -key $PKI/server.key"

# the backends, each a configuration of its own
# shellcheck disable=SC2086
start_openssl_server $EC || exit 1
B1=$SRV_PORT                                   # TLS 1.2 and 1.3
# shellcheck disable=SC2086
start_openssl_server $EC -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384 ||
	exit 1
B2=$SRV_PORT                                   # one TLS 1.2 suite
# shellcheck disable=SC2086
start_openssl_server $EC -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256 ||
	exit 1
B3=$SRV_PORT                                   # one TLS 1.3 suite
# shellcheck disable=SC2086
start_openssl_server $RSA -no_tls1_3 \
	-cipher 'AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256' || exit 1
B4=$SRV_PORT                                   # RSA, a CBC suite too
start_gnutls_serv --x509certfile "$PKI/server-ec.pem" \
	--x509keyfile "$PKI/server-ec.key" \
	--priority 'NORMAL:-VERS-TLS1.3' || exit 1
B5=$SRV_PORT                                   # GnuTLS, TLS 1.2
start_gnutls_serv --x509certfile "$PKI/server-ec.pem" \
	--x509keyfile "$PKI/server-ec.key" --priority 'SECURE256' || exit 1
B6=$SRV_PORT                                   # GnuTLS, SECURE256

# 127.0.6.0 … 127.0.6.11 relay to the backends (two addresses each);
# 127.0.6.12 resets; nothing listens on 127.0.6.13 (refused)
eps="" i=0
for b in $B1 $B2 $B3 $B4 $B5 $B6 $B1 $B2 $B3 $B4 $B5 $B6; do
	eps="$eps 127.0.6.$i=$b"
	i=$((i + 1))
done
# shellcheck disable=SC2086
# every connection lasts 20 ms at least (conn_relay.py says why)
start_ready relay python3 "$RELAY" --log "$T/conns.log" --hold 20 $eps \
	127.0.6.12=reset || exit 1
PORT=$READY_PORT

{
	echo "# the audits: a block of four, eight lines, a fault, a closed port"
	echo "127.0.6.0/30:$PORT"
	for i in 4 5 6 7 8 9 10 11; do echo "127.0.6.$i:$PORT"; done
	echo "127.0.6.12:$PORT"
	echo "not a target!!"
	echo "127.0.6.13:$PORT"
} >list
BAD_LINE=12
NREC=15   # 14 (target, address) and the bad line

C="--timeout 3"
tpc() { timeout -k 2 120 "$TP" ciphers "$@"; }

# summary FILE: "ADDRESS<TAB>grade<TAB>versions: suites<TAB>codes" a
# record, sorted; "line N" for a bad line. Fails on a line that is not
# one JSON object.
summary() {
	python3 - "$1" <<'EOF'
import json, sys
out = []
for n, raw in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    d = json.loads(raw)
    assert isinstance(d, dict), "line %d is no object" % n
    t = d["target"]
    if "error" in d:
        out.append("line %d\terror" % t["line"])
        continue
    a = t["addresses"][0] if t["addresses"] else "-"
    vs = " ".join("%s:%s" % (p["version"],
                             ",".join(c["id"] for c in p["ciphers"]))
                  for p in d.get("protocols", []) if p["accepted"])
    codes = " ".join(sorted(f["code"] for f in d["findings"]))
    out.append("%s:%d\t%s\t%s\t%s\t%s" % (a, t["port"], d["verdict"],
                                         d.get("grade"), vs, codes))
print("\n".join(sorted(out)))
EOF
}

# ---- the whole list, JSON Lines ----
: >"$T/conns.log"
t0=$(now_ms)
tpc --targets list $C --json >all.jsonl 2>all.err
RC=$?
ALL_MS=$(($(now_ms) - t0))
check "a list with a closed port and a bad line exits 1" [ "$RC" -eq 1 ]
each_line_json "every line of the output is one JSON object" \
	all.sum summary all.jsonl
check "one record per (target, address) and the bad line ($NREC)" \
	[ "$(wc -l <all.jsonl)" -eq "$NREC" ]
check "the bad line is a record with its line number" \
	grep -qx "line $BAD_LINE	error" all.sum
check "the bad line is said on stderr" grep -q "list line $BAD_LINE:" all.err
check "the closed port is TCP_REFUSED" \
	grep -q "^127.0.6.13:$PORT	fail	.*TCP_REFUSED" all.sum
check "the block gave its four addresses" \
	[ "$(grep -c '^127\.0\.6\.[0-3]:' all.sum)" -eq 4 ]
cp "$T/conns.log" all.conns

# ---- each record equals a single-target audit of its endpoint ----
: >single.jsonl
t0=$(now_ms)
for i in $(seq 0 13); do
	tpc "127.0.6.$i:$PORT" $C --json | tr -d '\n' >>single.jsonl
	echo >>single.jsonl
done
ONE_MS=$(($(now_ms) - t0))
echo "{\"target\": {\"line\": $BAD_LINE}, \"error\": \"x\"}" >>single.jsonl
summary single.jsonl >single.sum 2>single.py
if cmp -s all.sum single.sum; then
	ok "every record equals the single-target audit of its endpoint"
else
	not_ok "every record equals the single-target audit of its endpoint"
	diff single.sum all.sum | sed 's/^/#   /'
fi
check "the endpoints differ from each other (a real comparison)" \
	[ "$(cut -f 3,4 single.sum | sort -u | wc -l)" -ge 6 ]
check "the faulty endpoint accepted nothing" \
	grep -q "^127.0.6.12:$PORT	fail	None		" single.sum

# conns_at_once LOG ADDR_PREFIX: the most connections open at once to
# one address starting with the prefix. A close is taken 10 ms early: a
# reset sent by one core and the next SYN sent by the other can reach
# the relay in either order, and on a loaded machine (a sanitizer build
# under make check) the relay's loop can be late by several ms; the
# relay holds every connection 20 ms, so a cap not kept still shows as
# an overlap longer than that.
conns_at_once() {
	python3 - "$1" "$2" <<'EOF'
import sys
ev = []
for raw in open(sys.argv[1]):
    what, addr, t = raw.split()
    if addr.startswith(sys.argv[2]):
        ev.append((float(t) - (0 if what == "open" else 0.010),
                   what == "open", addr))
most, now = 0, {}
for t, opening, addr in sorted(ev, key=lambda e: (e[0], e[1])):
    now[addr] = now.get(addr, 0) + (1 if opening else -1)
    most = max(most, now[addr])
print(most)
EOF
}

# ---- each record's connections are the audit's, as the relay saw ----
python3 - all.jsonl all.conns >conns.cmp <<'EOF'
import json, sys
seen = {}
for raw in open(sys.argv[2]):
    what, addr, _ = raw.split()
    if what == "open":
        seen[addr] = seen.get(addr, 0) + 1
for raw in open(sys.argv[1]):
    d = json.loads(raw)
    if "error" in d or d["target"]["addresses"][0] == "127.0.6.13":
        continue
    a = d["target"]["addresses"][0]
    n = d["stats"]["connections"]
    if n != seen.get(a, 0):
        print("%s: the record says %d connections, the relay saw %d"
              % (a, n, seen.get(a, 0)))
EOF
if [ -s conns.cmp ]; then
	not_ok "every record counts the connections its audit made"
	sed 's/^/#   /' conns.cmp
else
	ok "every record counts the connections its audit made"
fi
n=$(conns_at_once all.conns 127.0.6.)
check "the default --per-host 2: two connections to one address at most ($n)" \
	[ "$n" -le 2 -a "$n" -ge 1 ]

# ---- --per-host across the audits of one address ----
{
	echo "127.0.6.0:$PORT"
	echo "127.0.6.0:$PORT sni=a.test"
	echo "127.0.6.0:$PORT sni=b.test"
	echo "127.0.6.1:$PORT"
} >same
: >"$T/conns.log"
tpc --targets same $C --json --per-host 1 --concurrency 4 >same1.jsonl \
	2>/dev/null
n=$(conns_at_once "$T/conns.log" 127.0.6.0)
check "--per-host 1: three audits of one address, one connection at once ($n)" \
	[ "$n" -eq 1 ]
check "--per-host 1: every audit ran whole" \
	[ "$(grep -c '"grade":"A"' same1.jsonl)" -eq 4 ]
: >"$T/conns.log"
tpc --targets same $C --json --per-host 2 --concurrency 4 >same2.jsonl \
	2>/dev/null
n=$(conns_at_once "$T/conns.log" 127.0.6.0)
check "--per-host 2: two connections at most, and more than one ($n)" \
	[ "$n" -eq 2 ]

# ---- --rate over the run ----
printf '127.0.6.%s:%s\n' 4 "$PORT" 5 "$PORT" 6 "$PORT" >rated
: >"$T/conns.log"
tpc --targets rated $C --json --rate 20 >rated.jsonl 2>/dev/null
python3 - "$T/conns.log" >rate.out <<'EOF'
import sys
t = sorted(float(l.split()[2]) for l in open(sys.argv[1])
           if l.startswith("open "))
# the most that opened within any one second: the bucket hands out a
# slot each 50 ms, so 21 at most; the relay, one Python thread on a
# busy machine, can log an accept some ms late: one more is allowed
most = max(sum(1 for u in t[i:] if u < s + 1.0) for i, s in enumerate(t))
span = t[-1] - t[0] if len(t) > 1 else 0
print(len(t), most, "%.1f" % ((len(t) - 1) / span if span else 0))
EOF
read -r n most per_s <rate.out
check "--rate 20: $n connections, at most 20 a second over the run ($per_s)" \
	python3 -c "import sys; sys.exit(not ($n > 20 and $per_s <= 20.5))"
check "--rate 20: at most 22 in any one second ($most)" [ "$most" -le 22 ]

# ---- text lines ----
tpc --targets list $C >text.out 2>/dev/null
check "text: a line a record and the total" \
	[ "$(wc -l <text.out)" -eq $((NREC + 1)) ]
check "text: the grade of an audit" \
	grep -qE "^3 +127\.0\.6\.4:$PORT +127\.0\.6\.4 +[a-z]+ +grade [A-F] " text.out
check "text: the total" grep -q "^$NREC records in" text.out

# ---- kill -9, then --resume: nothing lost, nothing twice ----
rm -f out.jsonl
# the probe itself in the background, not timeout(1): kill -9 is for it
"$TP" ciphers --targets list $C --out out.jsonl --concurrency 2 \
	>/dev/null 2>&1 &
pid=$!
await_lines out.jsonl 4 300 0.05
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
before=$(wc -l <out.jsonl)
check "the killed run wrote part of the list ($before lines)" \
	[ "$before" -ge 4 -a "$before" -lt "$NREC" ]
tpc --targets list $C --out out.jsonl --resume >resume.out 2>resume.err
summary out.jsonl >out.sum 2>out.py
if cmp -s out.sum all.sum; then
	ok "kill -9 and --resume: every record once, as a whole run has them"
else
	not_ok "kill -9 and --resume: every record once, as a whole run has them"
	diff all.sum out.sum | sed 's/^/#   /'
fi
check "--resume: the records there already are skipped" \
	grep -q "skipped (in --out already)" resume.out

# ---- SIGINT: the audits it cut short leave no record; --resume ----
rm -f int.jsonl
# --rate 20: some 400 connections take 20 s, so the signal comes mid-run
"$TP" ciphers --targets list $C --out int.jsonl --rate 20 >int.out \
	2>int.err &
pid=$!
await_lines int.jsonl 2 400 0.05
kill -INT $pid
t0=$(now_ms)
wait $pid
RC=$?
ms=$(($(now_ms) - t0))
check "SIGINT: exit 1" [ "$RC" -eq 1 ]
check "SIGINT: the run ends within a second ($ms ms)" [ "$ms" -lt 1000 ]
check "SIGINT: stderr says it stopped" grep -q "stopped" int.err
n=$(wc -l <int.jsonl)
check "SIGINT: part of the list written ($n records)" \
	[ "$n" -ge 2 -a "$n" -lt "$NREC" ]
check "SIGINT: no record of an audit it cut short" \
	sh -c "! grep -q SCAN_INCOMPLETE int.jsonl"
tpc --targets list $C --out int.jsonl --resume >/dev/null 2>&1
summary int.jsonl >int.sum 2>/dev/null
if cmp -s int.sum all.sum; then
	ok "SIGINT and --resume: every record once, as a whole run has them"
else
	not_ok "SIGINT and --resume: every record once, as a whole run has them"
	diff all.sum int.sum | sed 's/^/#   /'
fi

# ---- shards: disjoint, and together the whole list ----
for k in 1 2 3; do
	tpc --targets list $C --json --shard $k/3 >shard$k.jsonl 2>/dev/null
	summary shard$k.jsonl >shard$k.sum 2>/dev/null
done
sort shard1.sum shard2.sum shard3.sum >shards.sum
if cmp -s shards.sum all.sum; then
	ok "--shard 1/3, 2/3, 3/3: disjoint, and together the whole list"
else
	not_ok "--shard 1/3, 2/3, 3/3: disjoint, and together the whole list"
	diff all.sum shards.sum | sed 's/^/#   /'
fi

# ---- exit statuses and usage ----
printf '127.0.6.4:%s\n127.0.6.5:%s\n' "$PORT" "$PORT" >good
tpc --targets good $C --json >/dev/null 2>&1
check "a list whose audits pass exits 0" [ $? -eq 0 ]
tpc --targets good --format nmap >/dev/null 2>nmap.err
check "--format nmap with --targets: usage, exit 2" [ $? -eq 2 ]
check "--format nmap: says why" grep -q "not with --targets" nmap.err
tpc --targets good "127.0.6.4:$PORT" >/dev/null 2>&1
check "--targets and a target: usage, exit 2" [ $? -eq 2 ]
tpc "127.0.6.4:$PORT" --per-host 1 >/dev/null 2>ph.err
check "--per-host without --targets: usage, exit 2" [ $? -eq 2 ]
tpc --targets good --concurrency 100 --json >/dev/null 2>&1
check "--concurrency 100 with --targets (audits in flight) is allowed" \
	[ $? -eq 0 ]
tpc "127.0.6.4:$PORT" --concurrency 100 >/dev/null 2>&1
check "--concurrency 100 for one audit (1 to 32): usage, exit 2" [ $? -eq 2 ]
tpc --targets good --capture >/dev/null 2>&1
check "--capture with --targets: usage, exit 2" [ $? -eq 2 ]

echo "# 14 endpoints: --targets ${ALL_MS} ms, one process each ${ONE_MS} ms"
