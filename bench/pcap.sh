#!/bin/sh
# tlsprobe pcap against tshark on big captures of real handshakes.
# N real connections (openssl s_client, curl and gnutls-cli, TLS 1.2 and
# 1.3, to openssl s_server and gnutls-serv) are captured once on lo;
# replicate-pcap.py copies them, each copy with client addresses and
# ports of its own and later timestamps, into a 50 MB and a 200 MB file.
# On each file: tshark's wall time (TSHARK_RUNS runs, median), tlsprobe
# pcap --json's median wall time over 3 runs and its peak RSS, the
# ratio, and whether both found the same handshakes (count, JA3
# multiset, JA3S multiset); then tlsprobe with an SNI filter that keeps
# nothing, which reads every frame but lists no handshake. The big files
# are removed on exit.
# Not part of make check.
#   sh bench/pcap.sh [N] [SIZES_MB]   (default 300 connections, "50 200")
# Needs root (tcpdump), tshark, tcpdump, openssl, curl, gnutls-bin,
# python3 and a built bin/tlsprobe.
set -u
N=${1:-300}
SIZES=${2:-50 200}
TSHARK_RUNS=${TSHARK_RUNS:-1}
RUNS=3
case "$N" in *[!0-9]*|"") echo "usage: sh bench/pcap.sh [N] [SIZES_MB]" >&2; exit 2 ;; esac
top=$(cd "$(dirname "$0")/.." && pwd)
TP="$top/bin/tlsprobe"
work=$(mktemp -d "${TMPDIR:-/tmp}/tlsprobe-bench.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench: $1 is missing ($2)" >&2; exit 1; }; }
need tcpdump "apt-get install tcpdump"
need tshark "apt-get install tshark"
need openssl "apt-get install openssl"
need curl "apt-get install curl"
need gnutls-cli "apt-get install gnutls-bin"
need python3 "apt-get install python3"
[ -x "$TP" ] || { echo "bench: build first (make)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (tcpdump on lo)" >&2; exit 1; }
gnu_time=""
[ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1 && gnu_time=/usr/bin/time

. "$top/scripts/ports.sh"
sh "$top/samples/mkpki.sh" "$work/pki" >/dev/null || exit 1
PKI=$work/pki

# ---- the real handshakes, captured once ----

port=$(free_port)
openssl s_server -accept "127.0.0.1:$port" -www -cert "$PKI/server.pem" \
	-key "$PKI/server.key" >"$work/s_server.log" 2>&1 </dev/null &
pids="$pids $!"
wait_port "$port" || exit 1
tcpdump -i lo -n -U --immediate-mode -Z root -w "$work/base.pcap" \
	"tcp port $port" >"$work/tcpdump.log" 2>&1 </dev/null &
tcpdump_pid=$!
pids="$pids $tcpdump_pid"
i=0
while [ $i -lt 50 ] && ! grep -q 'listening on' "$work/tcpdump.log" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
echo "bench: $N connections to openssl s_server on 127.0.0.1:$port" >&2
req='GET / HTTP/1.0\r\n\r\n'
i=0
while [ $i -lt "$N" ]; do
	case $((i % 6)) in
	0) printf "$req" | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
		-tls1_2 -servername server.test -ign_eof ;;
	1) printf "$req" | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
		-tls1_3 -servername bench.test -alpn http/1.1 -ign_eof ;;
	2) timeout 10 curl -sk --tlsv1.2 --tls-max 1.2 \
		--resolve "server.test:$port:127.0.0.1" "https://server.test:$port/" ;;
	3) timeout 10 curl -sk --tlsv1.3 \
		--resolve "server.test:$port:127.0.0.1" "https://server.test:$port/" ;;
	4) printf "$req" | timeout 10 gnutls-cli --insecure -p "$port" \
		--priority NORMAL:-VERS-ALL:+VERS-TLS1.2 127.0.0.1 ;;
	5) printf "$req" | timeout 10 gnutls-cli --insecure -p "$port" \
		--priority NORMAL:-VERS-ALL:+VERS-TLS1.3 --sni-hostname gnutls.test \
		127.0.0.1 ;;
	esac >/dev/null 2>&1 </dev/null
	i=$((i + 1))
done
sleep 0.3
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null
echo "bench: base capture $(wc -c <"$work/base.pcap") bytes" >&2

# ---- the measures ----

# median FILE: the median of the numbers in FILE, one a line
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# timed RUNS OUT CMD...: runs CMD RUNS times, stdout of the first run in
# OUT; sets MED_MS (median wall time), CPU_MS (median user + system time,
# "?" without GNU time) and RSS_KB (largest peak RSS seen).
timed() {
	_runs=$1 _out=$2
	shift 2
	: >"$work/times"
	: >"$work/cpu"
	RSS_KB=0
	_i=0
	while [ $_i -lt "$_runs" ]; do
		_t0=$(date +%s%N)
		if [ -n "$gnu_time" ]; then
			$gnu_time -v -o "$work/time.log" "$@" >"$work/run.out" 2>"$work/run.err" </dev/null
			_rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.log")
			sed -n 's/.*\(User\|System\) time (seconds): //p' "$work/time.log" |
				awk '{ t += $1 } END { printf "%d\n", t * 1000 }' >>"$work/cpu"
		else
			# no GNU time: the kernel's high-water mark, read while it runs
			"$@" >"$work/run.out" 2>"$work/run.err" </dev/null &
			_p=$! _rss=0
			while kill -0 $_p 2>/dev/null; do
				_h=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$_p/status 2>/dev/null)
				[ -n "$_h" ] && [ "$_h" -gt "$_rss" ] && _rss=$_h
				sleep 0.05
			done
			wait $_p
		fi
		_t1=$(date +%s%N)
		echo $(((_t1 - _t0) / 1000000)) >>"$work/times"
		[ "${_rss:-0}" -gt "$RSS_KB" ] && RSS_KB=$_rss
		[ $_i -eq 0 ] && mv "$work/run.out" "$_out"
		_i=$((_i + 1))
	done
	MED_MS=$(median "$work/times")
	CPU_MS=$([ -s "$work/cpu" ] && median "$work/cpu" || echo "?")
}

# same TSHARK_OUT TLSPROBE_JSON: "yes" or what differs
same() {
	python3 - "$1" "$2" <<'EOF'
import collections, json, sys
ch, sh = {}, {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if len(f) < 4 or not f[0]:
        continue
    types = f[1].split(",")
    if "1" in types and f[2]:
        ch.setdefault(f[0], f[2])
    if "2" in types and f[3]:
        sh[f[0]] = f[3]
hs = json.load(open(sys.argv[2]))["handshakes"]
t3 = collections.Counter(ch.values())
p3 = collections.Counter(h["ja3"] for h in hs if h["ja3"])
t3s = collections.Counter(sh.values())
p3s = collections.Counter(h["ja3s"] for h in hs if h["ja3s"])
why = []
if len(ch) != len(hs):
    why.append("handshakes: tshark %d, tlsprobe %d" % (len(ch), len(hs)))
if t3 != p3:
    why.append("JA3 multisets differ (tshark-only %s, tlsprobe-only %s)" % (
        dict((t3 - p3).most_common(3)), dict((p3 - t3).most_common(3))))
if t3s != p3s:
    why.append("JA3S multisets differ (tshark-only %s, tlsprobe-only %s)" % (
        dict((t3s - p3s).most_common(3)), dict((p3s - t3s).most_common(3))))
print("yes (%d handshakes, %d distinct JA3)" % (len(hs), len(p3))
      if not why else "NO: " + "; ".join(why))
EOF
}

printf '\n%-8s %7s %10s %9s %12s %8s %9s %11s %11s  %s\n' size handshk "tshark ms" "tshark MB" "tlsprobe ms" ratio "cpu ratio" "tlsprobe MB" "0-match ms" "same handshakes"
for mb in $SIZES; do
	big="$work/big-$mb.pcap"
	python3 "$top/bench/replicate-pcap.py" "$work/base.pcap" "$big" "$mb" "$port" >"$work/rep.out" || exit 1
	echo "bench: $big: $(cat "$work/rep.out") (copies frames bytes)" >&2
	echo "bench: tshark, $TSHARK_RUNS run(s)" >&2
	# -d: every connection is TLS, whatever its ports are registered to
	# (tshark would take a client port 57000 for IRC)
	timed "$TSHARK_RUNS" "$work/tshark.out" tshark -r "$big" -n \
		-d tcp.port==1-65535,tls -Y tls.handshake \
		-T fields -E separator=/t -e tcp.stream -e tls.handshake.type \
		-e tls.handshake.ja3 -e tls.handshake.ja3s -e tls.handshake.ciphersuite
	ts_ms=$MED_MS ts_rss=$RSS_KB ts_cpu=$CPU_MS
	echo "bench: tlsprobe pcap --json, $RUNS runs" >&2
	timed "$RUNS" "$work/tlsprobe.json" "$TP" pcap --json "$big"
	tp_ms=$MED_MS tp_rss=$RSS_KB tp_cpu=$CPU_MS
	# the same reading and reassembly with a filter that keeps nothing:
	# what the report of each handshake costs is the difference
	timed "$RUNS" "$work/none.json" "$TP" pcap --json --sni none.invalid "$big"
	none_ms=$MED_MS
	n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["handshakes"]))' "$work/tlsprobe.json" 2>/dev/null || echo "?")
	printf '%-8s %7s %10s %9s %12s %8s %9s %11s %11s  %s\n' "${mb} MB" "$n" "$ts_ms" \
		$((ts_rss / 1024)) "$tp_ms" \
		"$(awk -v a="$ts_ms" -v b="$tp_ms" 'BEGIN { printf "%.1fx", a / (b > 0 ? b : 1) }')" \
		"$(awk -v a="$ts_cpu" -v b="$tp_cpu" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.1fx", a / b; else print "?" }')" \
		"$(awk -v r="$tp_rss" 'BEGIN { printf "%.1f", r / 1024 }')" "$none_ms" \
		"$(same "$work/tshark.out" "$work/tlsprobe.json")"
	rm -f "$big"
done
echo
echo "tlsprobe: median of $RUNS runs; tshark: median of $TSHARK_RUNS; MB = peak RSS ($([ -n "$gnu_time" ] && echo "GNU time" || echo VmHWM)); ratio = tshark time / tlsprobe time (target: 20x or more); cpu ratio = the same for user + system time, steadier on a busy machine; 0-match = tlsprobe with --sni none.invalid (every frame read, no handshake listed)"
