#!/bin/sh
# Connections per cipher audit: tlsprobe ciphers against sslscan and
# nmap's ssl-enum-ciphers, on the same local servers (loopback only):
#   o10-12   openssl s_server, TLS 1.0 + 1.2, ten suites, server order
#   g13-12   gnutls-serv, TLS 1.3 + 1.2
#   ecdsa    openssl s_server, ECDSA P-256 key, TLS 1.2 + 1.3
#   dhe      openssl s_server, TLS 1.2, DHE suites only
# For each tool and server: the TCP connections it opened (SYNs to the
# server's port counted by an iptables rule; needs root, "n/a"
# otherwise; tlsprobe's own count from its report beside it) and its
# wall time. A tool that is not installed gets "-".
# With BASELINE (another build's tlsprobe) each server is audited by both
# and the results compared: versions, suites and their order, groups,
# signature schemes and preferences must be the same; exit 1 if not.
#   sh bench/ciphers_connections.sh [TLSPROBE [BASELINE]]
#   (default bin/tlsprobe, no baseline)
# Not part of make check.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
TP=${1:-$top/bin/tlsprobe}
BASE=${2:-}
[ -x "$TP" ] || { echo "bench: build first (make)" >&2; exit 1; }
command -v openssl >/dev/null && command -v gnutls-serv >/dev/null ||
	{ echo "bench: needs openssl and gnutls-bin" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tlsprobe-cconn.XXXXXX")
srv=""
stop_srv() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
	srv=""
	uncount_syns
}
cleanup() { stop_srv; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$top/scripts/ports.sh"
. "$top/bench/syns.sh"
sh "$top/samples/mkpki.sh" "$work/pki" >/dev/null || exit 1
P=$work/pki

# serve NAME: starts that server on $port and its SYN counter
serve() {
	port=$(free_port)
	case $1 in
	o10-12) openssl s_server -accept "127.0.0.1:$port" -www -quiet \
		-cert "$P/server.pem" -key "$P/server.key" -no_ssl3 \
		-no_tls1_1 -no_tls1_3 -serverpref -cipher \
		'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-SHA:AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-SHA:AES128-SHA:@SECLEVEL=0' ;;
	g13-12) gnutls-serv -p "$port" --x509certfile "$P/server.pem" \
		--x509keyfile "$P/server.key" \
		--priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2' ;;
	ecdsa) openssl s_server -accept "127.0.0.1:$port" -www -quiet \
		-cert "$P/server-ec.pem" -key "$P/server-ec.key" \
		-no_ssl3 -no_tls1 -no_tls1_1 ;;
	dhe) openssl s_server -accept "127.0.0.1:$port" -www -quiet \
		-cert "$P/server.pem" -key "$P/server.key" -tls1_2 \
		-cipher 'DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-SHA' ;;
	esac >"$work/$1.log" 2>&1 </dev/null &
	srv=$!
	wait_port "$port" || exit 1
	count_syns "$port"
}

# results.py A B: the results of two reports, the same or not
cat >"$work/results.py" <<'PY'
import json, sys
def results(path):
    d = json.load(open(path))
    keep = ("version", "accepted", "preference", "server_preference",
            "groups", "group_preference", "signature_algorithms")
    out = []
    for p in d["protocols"]:
        r = {k: p.get(k) for k in keep}
        r["ciphers"] = [c["id"] for c in p.get("ciphers", [])]
        out.append(r)
    return out, d["stats"]["connections"]
a, ca = results(sys.argv[1])
b, cb = results(sys.argv[2])
if a != b:
    print("DIFFERENT")
    for x, y in zip(a, b):
        if x != y:
            print("#  %s\n#  %s" % (x, y))
    sys.exit(1)
print("same (%d -> %d connections)" % (cb, ca))
PY

echo "connections (SYNs) and wall time in ms; tlsprobe's report says"
echo "how many of its connections went to suites, groups and signatures"
printf '%-8s %-34s %-14s %-14s\n' server "tlsprobe conn(all=s+g+sig) ms" \
	"sslscan conn ms" "nmap conn ms"
status=0
for s in o10-12 g13-12 ecdsa dhe; do
	serve "$s"
	t=$(run tp-$s "$TP" ciphers --json 127.0.0.1:$port)
	rep=$(python3 -c 'import json,sys; s = json.load(open(sys.argv[1]))["stats"]; print("%d=%d+%d+%d" % (s["connections"], s["suite_connections"], s["group_connections"], s["signature_connections"]))' "$work/tp-$s.out" 2>/dev/null)
	if command -v sslscan >/dev/null; then
		ss=$(run ss-$s sslscan --no-colour 127.0.0.1:$port)
	else ss="- -"; fi
	if command -v nmap >/dev/null; then
		# nmap, run as root, counts one more SYN: its port scan's
		nm=$(run nm-$s nmap -Pn -n --script ssl-enum-ciphers -p "$port" 127.0.0.1)
	else nm="- -"; fi
	set -- $t
	printf '%-8s %-34s %-14s %-14s\n' "$s" "$1($rep) $2" "$ss" "$nm"
	if [ -n "$BASE" ]; then
		"$BASE" ciphers --json 127.0.0.1:$port >"$work/base-$s.out" \
			2>/dev/null </dev/null
		cmp=$(python3 "$work/results.py" "$work/tp-$s.out" \
			"$work/base-$s.out") || status=1
		echo "#        against the baseline: $cmp"
	fi
	stop_srv
done
exit $status
