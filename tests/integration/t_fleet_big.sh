#!/bin/sh
# tlsprobe client --targets over a local fleet of 232 endpoints: one
# nginx listening on 230 loopback addresses (127.0.10.1-200 a good
# certificate; 127.0.11.x expired, wrong name, self-signed), plus an
# openssl s_server (another CA) and a gnutls-serv (a SHA-1 signature),
# closed ports, a block, bad lines, nmap's -oG and -oX of the two, and,
# in a namespace of its own with its own resolver (tests/net/fakedns.py),
# a name of two A records and one AAAA record, one address serving
# another certificate. Each record sampled
# (every 10th, every fault) equals a single-target run of its endpoint;
# kill -9 then --resume over the whole list loses and repeats nothing;
# ten million lines stream through --shard 1/1000000 in bounded memory.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/fleet.sh"

make_pki ca1.pem server-ec.pem server-expired.pem server-wrongname.pem \
	server-selfsigned.pem server-ca2.pem server-sha1.pem
cd "$T" || exit 1
if ! command -v nginx >/dev/null || ! command -v nmap >/dev/null; then
	not_ok "nginx and nmap are installed (scripts/install-deps.sh)"
	exit 1
fi

# ---- the fleet ----
NP=$(free_port)
# server_block CERT FIRST LAST NET: listen lines for NET.FIRST-LAST
server_block() {
	echo "	server {"
	for i in $(seq "$2" "$3"); do echo "		listen $4.$i:$NP ssl;"; done
	echo "		ssl_certificate $PKI/$1.pem;"
	echo "		ssl_certificate_key $PKI/$1.key;"
	echo "		return 204;"
	echo "	}"
}
mkdir -p ngx
{
	cat <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $T/ngx/nginx.pid;
error_log $T/ngx/error.log;
events { worker_connections 1024; }
http {
	access_log $T/ngx/access.log;
	client_body_temp_path $T/ngx;
	proxy_temp_path $T/ngx;
	fastcgi_temp_path $T/ngx;
	uwsgi_temp_path $T/ngx;
	scgi_temp_path $T/ngx;
EOF
	server_block server-ec 1 200 127.0.10
	server_block server-expired 1 10 127.0.11
	server_block server-wrongname 11 20 127.0.11
	server_block server-selfsigned 21 30 127.0.11
	echo "}"
} >ngx/nginx.conf
nginx -c "$T/ngx/nginx.conf" -p "$T/ngx" -e "$T/ngx/error.log" \
	>ngx/out.log 2>&1 &
srv_track $! "$T/ngx/error.log"
if ! wait_port "$NP" 127.0.11.30; then
	not_ok "nginx listens on 230 loopback addresses"
	sed 's/^/#   /' ngx/error.log ngx/out.log
	exit 1
fi
start_openssl_server -cert "$PKI/server-ca2.pem" -key "$PKI/server-ca2.key" ||
	exit 1
OSP=$SRV_PORT
start_gnutls_serv --x509certfile "$PKI/server-sha1.pem" \
	--x509keyfile "$PKI/server-sha1.key" || exit 1
GSP=$SRV_PORT

{
	echo "# 230 nginx endpoints, 2 more servers, 3 closed, a block of 8"
	for i in $(seq 1 200); do echo "127.0.10.$i:$NP sni=server.test"; done
	for i in $(seq 1 30); do echo "127.0.11.$i:$NP sni=server.test"; done
	echo "127.0.0.1:$OSP sni=server.test"
	echo "127.0.0.1:$GSP sni=server.test"
	echo "not a target!!"
	for i in 1 2 3; do echo "127.0.12.$i:$NP"; done
	echo "[::1]:99999"
	echo "127.0.10.8/29:$NP sni=block.server.test   # every address, as nmap"
} >list
NREC=243   # 200 + 30 + 2 + 3 + 8, and 2 bad lines besides
C="--ca $PKI/ca1.pem --timeout 5 --no-sideband"
tp() { timeout -k 2 120 "$TP" client "$@"; }

# alone REC [NS]: each sampled record of REC against a single-target run
# of its endpoint (the address, the record's SNI); prints the count that
# agree, and the ones that do not on stderr
alone() {
	same=0
	while IFS='	' read -r key verdict codes; do
		addr=${key##*@}
		case $addr in *:*) addr="[$addr]" ;; esac
		port=${key%% *}; port=${port##*:}
		sni=${key#* sni=}; sni=${sni%% *}
		if [ "$sni" = None ]; then sniopt=""; else sniopt="--sni $sni"; fi
		# shellcheck disable=SC2086
		${2:+ip netns exec "$2"} timeout -k 2 30 "$TP" client $C $sniopt \
			--json "$addr:$port" >one.json 2>/dev/null
		got=$(verdict_codes one.json)
		if [ "$got" = "$verdict	$codes" ]; then
			same=$((same + 1))
		else
			echo "#   $key: list '$verdict $codes', alone '$got'" >&2
		fi
	done <"$1"
	echo "$same"
}

# ---- the whole list ----
t0=$(now_ms)
tp --targets list $C --json >all.jsonl 2>all.err
RC=$?
ms=$(($(now_ms) - t0))
echo "# $NREC records in $ms ms"
check "the list exits 1 (faults planted)" [ "$RC" -eq 1 ]
each_line_json "every line of the output is one JSON object" \
	all.rec records all.jsonl
lines=$(wc -l <all.jsonl)
keys=$(cut -f1 all.rec | sort -u | wc -l)
check "one record per (target, address) and bad line: $((NREC + 2)) ($lines lines, $keys keys)" \
	[ "$lines" -eq $((NREC + 2)) -a "$keys" -eq $((NREC + 2)) ]
check "200 good endpoints pass" \
	[ "$(grep -c '^127\.0\.10\.[0-9]*:[0-9]* sni=server.test @.*	pass	$' all.rec)" -eq 200 ]
check "the planted faults, each with its code" sh -c "
	[ \$(grep -c '^127.0.11.[0-9]*:.*	fail	CERT_EXPIRED\$' all.rec) -eq 10 ] &&
	[ \$(grep -c '^127.0.11.[0-9]*:.*	fail	NAME_MISMATCH\$' all.rec) -eq 10 ] &&
	[ \$(grep -c '^127.0.11.[0-9]*:.*	fail	.*SELF_SIGNED' all.rec) -eq 10 ] &&
	grep -q '^127.0.0.1:$OSP .*	fail	UNKNOWN_CA\$' all.rec &&
	grep -q '^127.0.0.1:$GSP .*WEAK_SIGNATURE' all.rec &&
	[ \$(grep -c '^127.0.12.[123]:.*	TCP_REFUSED\$' all.rec) -eq 3 ]"
check "the block's eight addresses (nmap's count) each a record" \
	[ "$(grep -c '^127\.0\.10\.[0-9]*:[0-9]* sni=block.server.test @' all.rec)" -eq 8 ]
check "two bad lines, each a record and a line on stderr" sh -c "
	grep -q '^line 234	error	not a target!!' all.rec &&
	grep -q '^line 238	error	' all.rec && [ \$(wc -l <all.err) -eq 2 ]"

# ---- sampled records against single-target runs ----
grep -v '^line' all.rec | awk -F'\t' 'NR % 10 == 1 || $2 != "pass"' >sample.rec
t0=$(now_ms)
n=$(alone sample.rec 2>alone.err)
ms=$(($(now_ms) - t0))
want=$(wc -l <sample.rec)
echo "# $want single-target runs in $ms ms"
check "each of $want sampled records is its single-target run ($n agree)" \
	[ "$n" -eq "$want" ]
sed 's/^/#   /' alone.err

# ---- nmap's output as the list ----
nmap -n -Pn -p "$OSP,$GSP" -oG nmap.gnmap -oX nmap.xml 127.0.0.1 \
	>nmap.out 2>&1
printf '127.0.0.1:%s\n127.0.0.1:%s\n' "$OSP" "$GSP" >plain
tp --targets plain $C --json >plain.jsonl 2>/dev/null
records plain.jsonl >plain.rec
for f in nmap.gnmap nmap.xml; do
	tp --targets "$f" $C --json >"$f.jsonl" 2>"$f.err"
	records "$f.jsonl" >"$f.rec" 2>/dev/null
	check "nmap ${f#nmap.}: the two open ports, as a plain list says" \
		cmp -s plain.rec "$f.rec"
done

# ---- kill -9, then --resume, over the whole list ----
"$TP" client --targets list $C --json --concurrency 4 --out run.jsonl \
	>/dev/null 2>&1 &
pid=$!
await_lines run.jsonl 60 200 0.02
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
before=$(wc -l <run.jsonl)
tp --targets list $C --json --out run.jsonl --resume >/dev/null 2>/dev/null
RC=$?
check "the killed run had written part of the list ($before of $((NREC + 2)))" \
	[ "$before" -gt 0 -a "$before" -lt $((NREC + 2)) ]
check "--resume: exit 1 (the list has faults)" [ "$RC" -eq 1 ]
records run.jsonl >run.rec 2>/dev/null
check "after kill -9 and --resume: every record once, the same as one run" \
	cmp -s all.rec run.rec

# ---- ten million lines, one shard of a million ----
# each line its own target (its own SNI) at a closed port: the shard
# keeps about ten, and memory stays what a short list costs
seq 1 10000000 | sed 's/.*/127.0.0.1:9 sni=h&.test/' |
	/usr/bin/time -v -o time.out "$TP" client --targets - --json \
	--shard 1/1000000 --timeout 2 >ten.jsonl 2>ten.err
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' time.out)
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' time.out)
echo "# 10,000,000 lines, --shard 1/1000000: $(wc -l <ten.jsonl) records, $wall, $rss KiB"
check "ten million lines: max RSS under 64 MB ($rss KiB)" \
	[ -n "$rss" ] && [ "$rss" -lt 65536 ]
check "... and only the shard probed ($(wc -l <ten.jsonl) records)" \
	[ "$(wc -l <ten.jsonl)" -ge 1 -a "$(wc -l <ten.jsonl)" -le 40 ]

# ---- a name of two A records and an AAAA, from a resolver of its own ----
# In a namespace whose resolv.conf names fakedns.py on its own 127.0.0.1
# and whose nsswitch.conf asks files and DNS only: never the machine's
# resolver.
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
	skip "a name's A and AAAA records each probed" "needs root and ip netns"
	exit 0
fi
if [ -S /var/run/nscd/socket ] || [ -S /run/nscd/socket ]; then
	# nscd would answer from outside the namespace, with the machine's
	# resolver
	skip "a name's A and AAAA records each probed" "nscd is running"
	exit 0
fi
NS="tpbig$$"
if ! own_netns "$NS"; then
	not_ok "$NETNS_ERR"
	exit 1
fi
printf 'nameserver 127.0.0.1\n' >"/etc/netns/$NS/resolv.conf"
sed 's/^hosts:.*/hosts: files dns/' /etc/nsswitch.conf >"/etc/netns/$NS/nsswitch.conf"
grep -q '^hosts:' "/etc/netns/$NS/nsswitch.conf" ||
	echo 'hosts: files dns' >>"/etc/netns/$NS/nsswitch.conf"
start_ready dns ip netns exec "$NS" python3 "$TOP/tests/net/fakedns.py" \
	--host 127.0.0.1 --port 53 --record multi.test=127.0.20.1 \
	--record multi.test=127.0.20.2 --record multi.test=::1 || exit 1
DNS_LOG=$READY_LOG
start_ready multi ip netns exec "$NS" python3 \
	"$TOP/tests/integration/fleet_server.py" --log /dev/null \
	"127.0.20.1=$PKI/server-ec.pem,$PKI/server-ec.key" \
	"127.0.20.2=$PKI/server-ca2.pem,$PKI/server-ca2.key" || exit 1
MP=$READY_PORT
ip netns exec "$NS" openssl s_server -accept "[::1]:$MP" -www \
	-cert "$PKI/server-ec.pem" -key "$PKI/server-ec.key" \
	>s6.log 2>&1 </dev/null &
srv_track $! "$T/s6.log"
i=0
until grep -q '^ACCEPT' s6.log 2>/dev/null || [ $i -ge 100 ]; do
	sleep 0.05; i=$((i + 1))
done
echo "multi.test:$MP sni=multi.test" >multi
ip netns exec "$NS" timeout -k 2 60 "$TP" client --targets multi \
	--ca "$PKI/ca1.pem" --timeout 5 --no-sideband --json \
	--expect-name server.test >multi.jsonl 2>multi.err
RC=$?
records multi.jsonl >multi.rec 2>/dev/null
check "the name was asked of the namespace's resolver" \
	grep -q "query multi.test. from" "$DNS_LOG"
check "a name of 2 A and 1 AAAA records: three records, exit 1" \
	[ "$(cut -f1 multi.rec | sort -u | wc -l)" -eq 3 -a "$RC" -eq 1 ]
check "... the address with another certificate fails, the others pass" sh -c "
	grep -q '^multi.test:$MP sni=multi.test @127.0.20.1	pass' multi.rec &&
	grep -q '^multi.test:$MP sni=multi.test @127.0.20.2	fail	UNKNOWN_CA' multi.rec &&
	grep -q '^multi.test:$MP sni=multi.test @::1	pass' multi.rec" ||
	sed 's/^/#   /' multi.rec multi.err
C="$C --expect-name server.test"
n=$(alone multi.rec "$NS" 2>alone6.err)
check "... each the single-target run of its address ($n of 3)" [ "$n" -eq 3 ]
sed 's/^/#   /' alone6.err
