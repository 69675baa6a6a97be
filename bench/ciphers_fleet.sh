#!/bin/sh
# tlsprobe ciphers --targets against a process per target: 12 loopback
# endpoints (openssl s_server and gnutls-serv in six configurations,
# behind tests/integration/conn_relay.py, which gives each its own
# 127.0.6.x address and logs every connection), listed R times over.
# Prints each way's wall time, endpoints a second, connections an
# endpoint (the relay's count) and the most connections it saw open to
# one address at once, a close taken 5 ms early. On a loaded machine the
# relay can still see a reset after the next SYN (one more than the cap
# for a few ms); a count kept inside tlsprobe, at connect and close,
# never passed the cap. Not part of make check.
#   sh bench/ciphers_fleet.sh [R]   (default 5)
set -u
R=${1:-5}
case "$R" in ''|*[!0-9]*) echo "usage: sh bench/ciphers_fleet.sh [R]" >&2; exit 2 ;; esac
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
sh "$top/samples/mkpki.sh" "$work/pki" >/dev/null || exit 1
P=$work/pki
EC="-cert $P/server-ec.pem -key $P/server-ec.key"
RSA="-cert $P/server.pem -key $P/server.key"

# wait_for FILE PATTERN: until FILE holds a line matching PATTERN
wait_for() {
	i=0
	while ! grep -qE "$2" "$1" 2>/dev/null; do
		sleep 0.05; i=$((i + 1))
		[ $i -lt 200 ] || { echo "bench: a server did not start" >&2; cat "$1" >&2; exit 1; }
	done
}
ports=""
# s_server ARGS...: one more backend, its port added to ports
s_server() {
	n=$(($(echo "$ports" | wc -w) + 1))
	# shellcheck disable=SC2086
	openssl s_server -accept 127.0.0.1:0 -www "$@" >"$work/b$n.log" 2>&1 </dev/null &
	pids="$pids $!"
	wait_for "$work/b$n.log" '^ACCEPT '
	ports="$ports $(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$work/b$n.log")"
}
gnutls_serv() {
	n=$(($(echo "$ports" | wc -w) + 1))
	p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	gnutls-serv -p "$p" --x509certfile "$P/server-ec.pem" \
		--x509keyfile "$P/server-ec.key" --priority "$1" \
		>"$work/b$n.log" 2>&1 </dev/null &
	pids="$pids $!"
	wait_for "$work/b$n.log" "port $p\.\.\.done"
	ports="$ports $p"
}
# shellcheck disable=SC2086
s_server $EC
# shellcheck disable=SC2086
s_server $EC -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384
# shellcheck disable=SC2086
s_server $EC -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256
# shellcheck disable=SC2086
s_server $RSA -no_tls1_3 -cipher 'AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256'
gnutls_serv 'NORMAL:-VERS-TLS1.3'
gnutls_serv 'SECURE256'
eps="" i=0
for b in $ports $ports; do eps="$eps 127.0.6.$i=$b"; i=$((i + 1)); done
# shellcheck disable=SC2086
python3 "$top/tests/integration/conn_relay.py" --log "$work/conns" $eps \
	>"$work/relay.out" 2>"$work/relay.err" &
pids="$pids $!"
wait_for "$work/relay.out" '^ready'
PORT=$(sed -n 's/^ready //p' "$work/relay.out")
: >"$work/list"
for r in $(seq 1 "$R"); do
	for i in $(seq 0 11); do echo "127.0.6.$i:$PORT"; done
done >>"$work/list"
n=$(wc -l <"$work/list")

# measure NAME COMMAND...: wall seconds, endpoints a second, connections
# an endpoint and the most open to one address at once
measure() {
	name=$1; shift
	: >"$work/conns"
	t0=$(date +%s.%N)
	"$@" >"$work/out" 2>"$work/err"
	t1=$(date +%s.%N)
	python3 - "$work/conns" "$n" "$t0" "$t1" "$name" \
		"$(grep -c '"command"' "$work/out")" <<'EOF'
import sys
log, n, t0, t1, name, recs = sys.argv[1:]
n, wall = int(n), float(t1) - float(t0)
ev, opens = [], 0
for raw in open(log):
    what, addr, t = raw.split()
    opens += what == "open"
    ev.append((float(t) - (0 if what == "open" else 0.005), what == "open", addr))
most, now = 0, {}
for t, o, a in sorted(ev):
    now[a] = now.get(a, 0) + (1 if o else -1)
    most = max(most, now[a])
print("%-42s %4s records %7.2f s %6.1f/s %5.1f conn/endpoint %2d at once"
      % (name, recs, wall, n / wall, opens / n, most))
EOF
}

echo "$n endpoints ($R x 12 lines)"
measure "ciphers --targets (32 audits, --per-host 2)" \
	"$TP" ciphers --targets "$work/list" --json
measure "ciphers --targets --per-host 4" \
	"$TP" ciphers --targets "$work/list" --json --per-host 4
cat >"$work/one.sh" <<EOF
while read -r t; do "$TP" ciphers --json "\$t"; done <"$work/list"
EOF
measure "a process per target, one after another" sh "$work/one.sh"
cat >"$work/par.sh" <<EOF
xargs -P 8 -L 1 "$TP" ciphers --json <"$work/list"
EOF
measure "a process per target, xargs -P 8" sh "$work/par.sh"
