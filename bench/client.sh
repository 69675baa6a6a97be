#!/bin/sh
# Wall time of one diagnosed handshake on loopback: tlsprobe client
# against gnutls-cli and openssl s_client doing a bare handshake to the
# same gnutls-serv, same certificate, same CA file. Prints each tool's
# median over N runs and the ratio to tlsprobe. Not part of make check.
#   bench/client.sh [N]     (default 40; run from the top of the tree)
set -u
N=${1:-40}
top=$(cd "$(dirname "$0")/.." && pwd)
TP="$top/bin/tlsprobe"
work=$(mktemp -d "${TMPDIR:-/tmp}/tlsprobe-bench.XXXXXX")
trap 'kill $srv 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

[ -x "$TP" ] || { echo "bench: build first (make)" >&2; exit 1; }
for t in gnutls-serv gnutls-cli openssl python3; do
	command -v $t >/dev/null || { echo "bench: $t is missing" >&2; exit 1; }
done
sh "$top/samples/mkpki.sh" "$work/pki" >/dev/null
. "$top/scripts/ports.sh"
port=$(free_port)
gnutls-serv -p "$port" --x509certfile "$work/pki/server.pem" \
	--x509keyfile "$work/pki/server.key" >/dev/null 2>&1 &
srv=$!
wait_port "$port" || exit 1

# median_ms CMD...: median wall time of N runs, in ms
median_ms() {
	i=0
	: >"$work/times"
	while [ $i -lt "$N" ]; do
		t0=$(date +%s%N)
		"$@" </dev/null >/dev/null 2>&1
		t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000 )) >>"$work/times"
		i=$((i + 1))
	done
	sort -n "$work/times" | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

ca="$work/pki/ca1.pem"
tp=$(median_ms "$TP" client "localhost:$port" --ca "$ca" --json)
gc=$(median_ms gnutls-cli --x509cafile "$ca" -p "$port" localhost)
os=$(median_ms openssl s_client -connect "localhost:$port" -CAfile "$ca" -servername localhost)
echo "one handshake on loopback, median of $N runs (ms):"
printf '  %-28s %8s\n' "tlsprobe client (diagnosed)" "$tp"
printf '  %-28s %8s  (%sx tlsprobe)\n' "gnutls-cli" "$gc" "$(echo "$gc $tp" | awk '{printf "%.2f", $1/$2}')"
printf '  %-28s %8s  (%sx tlsprobe)\n' "openssl s_client" "$os" "$(echo "$os $tp" | awk '{printf "%.2f", $1/$2}')"
