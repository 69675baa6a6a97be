#!/bin/sh
# tlsprobe client --targets against a process per target: 31 loopback
# endpoints (tests/integration/fleet_server.py, distinct 127.0.x.y
# addresses, good and faulty certificates) plus 3 refused ones, listed
# R times over. Prints each way's wall time, endpoints a second and
# peak RSS (/usr/bin/time -v; the process-per-target ways show the
# largest single process), then a list of 1,000,000 lines of a refused
# 127.0.0.1 port (each line another sni=) cut to its shard 1/100000
# against one of 1,000 lines cut to 1/100: the same handful of probes,
# the same memory, whatever the list's length. Not part of make check.
#   sh bench/fleet.sh [R]   (default 10)
set -u
R=${1:-10}
case "$R" in ''|*[!0-9]*) echo "usage: sh bench/fleet.sh [R]" >&2; exit 2 ;; esac
top=$(cd "$(dirname "$0")/.." && pwd)
TP="$top/bin/tlsprobe"
work=$(mktemp -d "${TMPDIR:-/tmp}/tlsprobe-bench.XXXXXX")
srv=""
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# a reader that goes away (| head) or a closed terminal: leave through
# the EXIT cleanup too, or the servers and counters stay behind
trap 'exit 129' HUP
trap 'exit 141' PIPE
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
sh "$top/samples/mkpki.sh" "$work/pki" >/dev/null || exit 1
P=$work/pki
eps=""
for i in $(seq 1 20); do eps="$eps 127.0.1.$i=$P/server-ec.pem,$P/server-ec.key"; done
for i in 21 22 23; do eps="$eps 127.0.1.$i=$P/server-expired.pem,$P/server-expired.key"; done
for i in 24 25 26 27; do eps="$eps 127.0.1.$i=$P/server-ca2.pem,$P/server-ca2.key"; done
for i in 28 29 30 31; do eps="$eps 127.0.1.$i=$P/server-wrongname.pem,$P/server-wrongname.key"; done
# shellcheck disable=SC2086
python3 "$top/tests/integration/fleet_server.py" --log /dev/null $eps \
	>"$work/srv.out" 2>"$work/srv.err" &
srv=$!
i=0
while ! grep -q '^ready' "$work/srv.out" 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
	[ $i -lt 100 ] || { echo "bench: the endpoints did not start" >&2; cat "$work/srv.err" >&2; exit 1; }
done
PORT=$(sed -n 's/^ready //p' "$work/srv.out")
: >"$work/list"
for r in $(seq 1 "$R"); do
	for i in $(seq 1 31); do echo "127.0.1.$i:$PORT sni=server.test"; done
	for i in 1 2 3; do echo "127.0.2.$i:$PORT"; done
done >>"$work/list"
n=$(wc -l <"$work/list")
C="--ca $P/ca1.pem --no-sideband"

# measure NAME COMMAND...: wall seconds and peak RSS of COMMAND
measure() {
	name=$1; shift
	/usr/bin/time -v -o "$work/time" "$@" >"$work/out" 2>"$work/err"
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time" |
		awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
	printf '%-44s %5s records %8.2f s %8.1f/s %8s KiB\n' "$name" \
		"$(grep -c '"verdict"' "$work/out")" "$wall" \
		"$(echo "$n $wall" | awk '{ print ($2 > 0 ? $1 / $2 : 0) }')" "$rss"
}

echo "$n endpoints ($R x 34 lines)"
# shellcheck disable=SC2086
measure "tlsprobe client --targets (32 at once)" \
	"$TP" client --targets "$work/list" $C --json
# shellcheck disable=SC2086
measure "tlsprobe client --targets --concurrency 1" \
	"$TP" client --targets "$work/list" $C --json --concurrency 1
cat >"$work/one.sh" <<EOF
while read -r t s; do
	sni=\${s#sni=}
	"$TP" client $C \${sni:+--sni "\$sni"} --json "\$t"
done <"$work/list"
EOF
measure "a process per target, one after another" sh "$work/one.sh"
cat >"$work/par.sh" <<EOF
sed 's/ sni=/ /' "$work/list" | xargs -P 32 -L 1 sh -c \
	'"$TP" client $C \${1:+--sni "\$1"} --json "\$0"'
EOF
measure "a process per target, xargs -P 32" sh "$work/par.sh"

# bounded memory, whatever the list's length
cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# one address and port, each line its own target by its SNI (a shard
# is a hash of the target: a million copies of one line are one target)
for m in million:1000000 thousand:1000; do
	python3 -c "import sys
for i in range(${m#*:}): sys.stdout.write('127.0.0.1:$cport sni=h%d.test\n' % i)" \
		>"$work/${m%:*}"
done
for spec in "million 1/100000" "thousand 1/100"; do
	set -- $spec
	n=$(wc -l <"$work/$1")
	/usr/bin/time -v -o "$work/time" "$TP" client --targets "$work/$1" \
		--json --shard "$2" >"$work/out" 2>"$work/err"
	printf '%-8s lines --shard %-9s %5s records %8s s %8s KiB peak RSS\n' \
		"$n" "$2" "$(wc -l <"$work/out")" \
		"$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time")" \
		"$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")"
done
