#!/bin/sh
# A whole audit: tlsprobe audit against testssl.sh's full run, on the
# same local servers (loopback only):
#   legacy   openssl s_server, TLS 1.0-1.2, RSA key exchange, 3DES,
#            CBC, @SECLEVEL=0
#   modern   gnutls-serv, TLS 1.3 + 1.2
#   nginx    nginx-light, TLS 1.2 + 1.3, its defaults
# For each tool and server: wall time, TCP connections (SYNs to the
# server's port counted by an iptables rule; needs root, "n/a"
# otherwise) and, side by side, the verdicts of the checks both make.
# Target: tlsprobe at most 1/20 of testssl.sh's time, fewer connections.
#   sh bench/audit.sh [TLSPROBE]        (default bin/tlsprobe)
# Not part of make check; testssl.sh's full run takes minutes a server.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
TP=${1:-$top/bin/tlsprobe}
[ -x "$TP" ] || { echo "bench: build first (make)" >&2; exit 1; }
command -v testssl >/dev/null ||
	{ echo "bench: needs testssl (Debian package testssl.sh)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tlsprobe-audit.XXXXXX")
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
# testssl.sh looks up a name to learn its openssl's options unless told
# where to connect instead: nothing leaves loopback
NXCONNECT=127.0.0.1:0
export NXCONNECT
sh "$top/samples/mkpki.sh" "$work/pki" >/dev/null || exit 1
P=$work/pki

serve() {
	port=$(free_port)
	case $1 in
	legacy) openssl s_server -accept "127.0.0.1:$port" -www -quiet \
		-cert "$P/server.pem" -key "$P/server.key" -no_tls1_3 \
		-tls1 -cipher 'ALL:@SECLEVEL=0' 2>/dev/null ||
		openssl s_server -accept "127.0.0.1:$port" -www -quiet \
		-cert "$P/server.pem" -key "$P/server.key" -no_tls1_3 \
		-cipher 'ALL:@SECLEVEL=0' ;;
	modern) gnutls-serv -p "$port" --x509certfile "$P/server.pem" \
		--x509keyfile "$P/server.key" \
		--priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2' ;;
	nginx) mkdir -p "$work/nginx"
		cat >"$work/nginx/nginx.conf" <<CONF
daemon off; worker_processes 1; pid $work/nginx/pid;
error_log $work/nginx/error.log;
events { worker_connections 256; }
http { access_log off;
  server { listen 127.0.0.1:$port ssl;
    ssl_certificate $P/server.pem; ssl_certificate_key $P/server.key;
    location / { return 200 "ok\n"; } } }
CONF
		nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" ;;
	esac >"$work/$1.log" 2>&1 </dev/null &
	srv=$!
	wait_port "$port" || exit 1
	count_syns "$port"
}

printf '%-8s %-9s %12s %12s %8s\n' server tool connections "wall ms" ratio
for s in legacy modern nginx; do
	serve "$s"
	set -- $(run "tp-$s" "$TP" audit --json --offline --ca "$P/ca1.pem" \
		"127.0.0.1:$port")
	tc=$1 tm=$2
	rm -f "$work/ts-$s.json"
	set -- $(run "ts-$s" testssl --quiet --color 0 --warnings off \
		--ip 127.0.0.1 --nodns none --jsonfile "$work/ts-$s.json" \
		"127.0.0.1:$port")
	sc=$1 sm=$2
	stop_srv
	printf '%-8s %-9s %12s %12s\n' "$s" tlsprobe "$tc" "$tm"
	printf '%-8s %-9s %12s %12s %7sx\n' "$s" testssl "$sc" "$sm" \
		"$(awk -v a="$sm" -v b="$tm" 'BEGIN { printf "%.1f", b ? a / b : 0 }')"
	python3 - "$work/tp-$s.out" "$work/ts-$s.json" <<'PY'
import json, sys
try:
    tp = {c["name"]: c["status"] for c in json.load(open(sys.argv[1]))["checks"]}
except Exception as e:
    print("  tlsprobe: no report (%s)" % e); sys.exit()
try:
    ts = {f["id"]: f["finding"] for f in json.load(open(sys.argv[2]))}
except Exception as e:
    print("  testssl: no JSON (%s)" % e); ts = {}
pairs = [("heartbleed", "heartbleed"), ("ccs_injection", "CCS"),
         ("ticketbleed", "ticketbleed"), ("robot", "ROBOT"),
         ("secure_renegotiation", "secure_renego"),
         ("client_renegotiation", "secure_client_renego"),
         ("compression", "CRIME_TLS"), ("fallback_scsv", "fallback_SCSV"),
         ("sslv2", "SSLv2"), ("poodle", "POODLE_SSL"),
         ("sweet32", "SWEET32"), ("freak", "FREAK"), ("logjam", "LOGJAM"),
         ("beast", "BEAST"), ("lucky13", "LUCKY13")]
for ours, theirs in pairs:
    t = ts.get(theirs, "-")
    print("  %-22s %-15s %s" % (ours, tp.get(ours, "-"), t[:70]))
PY
done
