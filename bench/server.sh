#!/bin/sh
# Handshake rate of tlsprobe server against gnutls-serv and nginx serving
# the same certificate and suite, each measured with openssl s_time in
# this one run and printed as ratios; then the memory (RSS) tlsprobe
# server holds with 1000 idle connections open. Not part of make check.
#   bench/server.sh [SECONDS]     (default 5 per server; run from the tree)
# Needs: openssl, gnutls-serv (gnutls-bin), nginx (nginx-light or nginx),
# python3.
set -u
SECS=${1:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
TP="$top/bin/tlsprobe"
work=$(mktemp -d "${TMPDIR:-/tmp}/tlsprobe-bench.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	[ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 141' PIPE

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench: $1 is missing ($2)" >&2; exit 1; }; }
need openssl "apt-get install openssl"
need gnutls-serv "apt-get install gnutls-bin"
need python3 "apt-get install python3"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "bench: nginx is missing (apt-get install nginx-light)" >&2; exit 1; }
[ -x "$TP" ] || { echo "bench: build first (make)" >&2; exit 1; }

. "$top/scripts/ports.sh"
sh "$top/samples/mkpki.sh" "$work/pki" >/dev/null || exit 1
cert="$work/pki/server-ec.pem"
key="$work/pki/server-ec.key"
# one suite and group for all three: TLS 1.3, AES-128-GCM, X25519
suite=TLS_AES_128_GCM_SHA256
prio="NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:-GROUP-ALL:+GROUP-X25519"

# rate PORT: new handshakes per second that s_time reaches in SECS
rate() {
	openssl s_time -connect "127.0.0.1:$1" -new -tls1_3 \
		-ciphersuites "$suite" -time "$SECS" 2>/dev/null |
		awk '/connections in .* real seconds/ { for (i = 1; i <= NF; i++) if ($i == "in") print $(i-2) / $(i+1) }' |
		head -n 1
}

p_tp=$(free_port)
"$TP" server --listen "127.0.0.1:$p_tp" --cert "$cert" --key "$key" \
	--priority "$prio" >/dev/null 2>&1 &
pids="$pids $!"
wait_port "$p_tp" || exit 1

p_gs=$(free_port)
gnutls-serv -p "$p_gs" --x509certfile "$cert" --x509keyfile "$key" \
	--priority "$prio" >/dev/null 2>&1 &
pids="$pids $!"
wait_port "$p_gs" || exit 1

p_ng=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $work/nginx;
	proxy_temp_path $work/nginx;
	fastcgi_temp_path $work/nginx;
	uwsgi_temp_path $work/nginx;
	scgi_temp_path $work/nginx;
	server {
		listen 127.0.0.1:$p_ng ssl;
		ssl_certificate $cert;
		ssl_certificate_key $key;
		ssl_protocols TLSv1.3;
		ssl_ecdh_curve X25519;
		ssl_session_tickets off;
		return 204;
	}
}
EOF
"$NGINX" -c "$work/nginx.conf" -p "$work/nginx" >/dev/null 2>&1 &
pids="$pids $!"
wait_port "$p_ng" || exit 1

echo "new TLS 1.3 handshakes per second ($suite, X25519, ECDSA P-256), openssl s_time -new, $SECS s each, one core:"
r_tp=$(rate "$p_tp")
r_gs=$(rate "$p_gs")
r_ng=$(rate "$p_ng")
printf '  %-18s %8s /s\n' "tlsprobe server" "$r_tp"
printf '  %-18s %8s /s  (tlsprobe: %sx)\n' "gnutls-serv" "$r_gs" "$(echo "$r_tp $r_gs" | awk '{ if ($2 > 0) printf "%.2f", $1 / $2; else print "?" }')"
printf '  %-18s %8s /s  (tlsprobe: %sx)\n' "nginx" "$r_ng" "$(echo "$r_tp $r_ng" | awk '{ if ($2 > 0) printf "%.2f", $1 / $2; else print "?" }')"

# memory with 1000 idle connections (they say nothing, within --timeout)
pid_tp=$(echo $pids | awk '{print $1}')
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
before=$(rss "$pid_tp")
python3 - "$p_tp" <<'EOF' &
import socket, sys, time
port = int(sys.argv[1])
held = []
for _ in range(1000):
    held.append(socket.create_connection(("127.0.0.1", port)))
time.sleep(3)
EOF
holder=$!
sleep 2
during=$(rss "$pid_tp")
wait "$holder" 2>/dev/null
echo "tlsprobe server RSS: ${before} kB idle, ${during} kB with 1000 idle connections open"
