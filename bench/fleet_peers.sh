#!/bin/sh
# tlsprobe's --targets against the tools people already run over lists:
#   tlsprobe client --targets      vs  nmap -iL … --script ssl-cert
#   tlsprobe ciphers --targets     vs  nmap -iL … --script ssl-enum-ciphers
#                                  and testssl --file … --parallel -E
# over the same local endpoints: one nginx listening on N loopback
# addresses (127.0.40.0/22; a good certificate, every 10th expired,
# every 10th+5 another name). For each: endpoints a second, connections
# an endpoint (SYNs to the port, counted by an iptables chain of its own
# when run as root), peak RSS (/usr/bin/time -v: the largest process of
# the run), the ratio to tlsprobe, and whether the results agree (the
# leaf certificate's SHA-256 per endpoint; the accepted (protocol,
# cipher) pairs per endpoint). Not part of make check.
#   sh bench/fleet_peers.sh [N [M [S]]]
# N endpoints for client/ssl-cert (default 1000), the first M of them
# for the cipher enumerations (default 50), the first S for testssl
# (default 4: it takes some 20 s an endpoint).
set -u
N=${1:-1000} M=${2:-50} S=${3:-4}
for v in "$N" "$M" "$S"; do
	case "$v" in '' | *[!0-9]*) echo "usage: sh bench/fleet_peers.sh [N [M [S]]]" >&2; exit 2 ;; esac
done
[ "$N" -le 1000 ] || { echo "bench: N is 1000 at most (127.0.40.0/22)" >&2; exit 2; }
if [ "$M" -gt "$N" ] || [ "$S" -gt "$M" ]; then echo "bench: S <= M <= N" >&2; exit 2; fi
top=$(cd "$(dirname "$0")/.." && pwd)
TP="$top/bin/tlsprobe"
work=$(mktemp -d "${TMPDIR:-/tmp}/tlsprobe-bench.XXXXXX")
chain=tpbench$$
srv=""
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	wait 2>/dev/null
	if [ -n "${counting:-}" ]; then
		iptables -w -D INPUT -j "$chain" 2>/dev/null
		iptables -w -F "$chain" 2>/dev/null
		iptables -w -X "$chain" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# a reader that goes away (| head) or a closed terminal: leave through
# the EXIT cleanup too, or the servers and counters stay behind
trap 'exit 129' HUP
trap 'exit 141' PIPE
for c in /usr/bin/time nginx nmap python3; do
	command -v "$c" >/dev/null || { echo "bench: $c is missing" >&2; exit 1; }
done
sh "$top/samples/mkpki.sh" "$work/pki" >/dev/null || exit 1
P=$work/pki
. "$top/scripts/ports.sh"
NP=$(free_port)

# addr I: the I-th endpoint's address (1-based)
addr() { echo "127.0.$((40 + ($1 - 1) / 250)).$((($1 - 1) % 250 + 1))"; }
# block CERT R...: a server block for the endpoints whose index ends in
# one of the digits R (none when there are none: an nginx server with no
# listen line would take *:80)
block() {
	_c=$1; shift
	_l=$(for i in $(seq 1 "$N"); do
		for r in "$@"; do
			[ $((i % 10)) -eq "$r" ] && echo "listen $(addr "$i"):$NP ssl;"
		done
	done)
	[ -n "$_l" ] || return 0
	echo "server { $_l"
	echo "ssl_certificate $P/$_c.pem; ssl_certificate_key $P/$_c.key; return 204; }"
}
mkdir -p "$work/ngx"
{
	echo "daemon off; master_process off; worker_processes 1;"
	echo "pid $work/ngx/pid; error_log $work/ngx/error.log;"
	echo "events { worker_connections 4096; }"
	echo "http { access_log off;"
	block server-ec 1 2 3 4 6 7 8 9
	block server-expired 0
	block server-wrongname 5
	echo "}"
} >"$work/ngx/nginx.conf"
nginx -c "$work/ngx/nginx.conf" -p "$work/ngx" -e "$work/ngx/error.log" \
	>"$work/ngx/out" 2>&1 &
srv=$!
wait_port "$NP" "$(addr "$N")" ||
	{ echo "bench: nginx did not start" >&2; cat "$work/ngx/error.log" >&2; exit 1; }

for i in $(seq 1 "$N"); do addr "$i"; done >"$work/hosts"
sed "s/\$/:$NP sni=server.test/" "$work/hosts" >"$work/list"
head -n "$M" "$work/hosts" >"$work/hosts.m"
head -n "$M" "$work/list" >"$work/list.m"
head -n "$S" "$work/hosts" | sed "s/^/-E /; s/\$/:$NP/" >"$work/testssl.s"

# SYNs to the endpoints' port, in a chain of our own (root only)
if [ "$(id -u)" -eq 0 ] && command -v iptables >/dev/null &&
	iptables -w -N "$chain" 2>/dev/null; then
	counting=1
	iptables -w -A "$chain" -p tcp --syn --dport "$NP"
	iptables -w -I INPUT -j "$chain"
fi
syns() {
	[ -n "${counting:-}" ] || { echo 0; return; }
	iptables -w -L "$chain" -v -x -n | awk 'NR > 2 { print $1; exit }'
}

# measure NAME ENDPOINTS COMMAND...: wall, endpoints/s, connections an
# endpoint, peak RSS; output in $work/out, and $work/eps the rate
measure() {
	name=$1 n=$2; shift 2
	[ -n "${counting:-}" ] && iptables -w -Z "$chain"
	/usr/bin/time -v -o "$work/time" "$@" >"$work/out" 2>"$work/err"
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time" |
		awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
	# CPU a endpoint (user + system, this process and its children):
	# what the rate would be on an idle machine is bounded by it
	cpu=$(sed -n 's/.*\(User\|System\) time (seconds): //p' "$work/time" |
		awk -v n="$n" '{ s += $1 } END { printf "%.2f", s * 1000 / n }')
	eps=$(echo "$n $wall" | awk '{ printf "%.1f", ($2 > 0 ? $1 / $2 : 0) }')
	if [ -n "${counting:-}" ]; then
		cpe=$(echo "$(syns) $n" | awk '{ printf "%.1f", $1 / $2 }')
	else
		cpe=-
	fi
	printf '%-38s %5d %7.2f s %7s/s %5s conn/ep %6s ms CPU/ep %6s KiB\n' \
		"$name" "$n" "$wall" "$eps" "$cpe" "$cpu" "$rss"
	echo "$eps" >"$work/eps"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }

# the leaf's SHA-256 per endpoint, "ADDR SHA256" sorted
leafs_tlsprobe() {
	python3 -c '
import json, sys
for raw in open(sys.argv[1]):
    d = json.loads(raw)
    c = d.get("certificates") or []
    if c:
        print(d["target"]["addresses"][0], c[0]["sha256"].replace(":", "").lower())' "$1" | sort
}
leafs_nmap() {
	python3 -c '
import base64, hashlib, sys, xml.etree.ElementTree as ET
for h in ET.parse(sys.argv[1]).getroot().iter("host"):
    a = h.find("address").get("addr")
    for e in h.iter("elem"):
        if e.get("key") == "pem":
            der = base64.b64decode("".join(l for l in e.text.splitlines() if "-----" not in l))
            print(a, hashlib.sha256(der).hexdigest())' "$1" | sort
}
# accepted (protocol, cipher) pairs per endpoint: "ADDR 1.2 TLS_…" sorted
pairs_tlsprobe() {
	python3 -c '
import json, sys
for raw in open(sys.argv[1]):
    d = json.loads(raw)
    a = d["target"]["addresses"][0] if d.get("target", {}).get("addresses") else "?"
    for p in d.get("protocols", []):
        if p.get("accepted"):
            for c in p["ciphers"]:
                print(a, p["version"].replace("TLS", ""), c["iana"])' "$1" | sort
}
pairs_nmap() {
	python3 -c '
import sys, xml.etree.ElementTree as ET
for h in ET.parse(sys.argv[1]).getroot().iter("host"):
    a = h.find("address").get("addr")
    for s in h.iter("script"):
        for proto in s.findall("table"):
            v = proto.get("key").replace("TLSv", "")
            for cs in proto.findall("table[@key=\"ciphers\"]/table"):
                for e in cs.findall("elem[@key=\"name\"]"):
                    print(a, v, e.text)' "$1" | sort
}
pairs_testssl() {
	python3 -c '
import json, sys
for e in json.load(open(sys.argv[1])):
    if not e["id"].startswith("cipher-tls") and not e["id"].startswith("cipher-ssl"):
        continue
    f = e["finding"].split()
    name = next((w for w in f if w.startswith("TLS_") or w.startswith("SSL_")), None)
    if name:
        v = e["id"].split("_x")[0][len("cipher-"):].replace("tls", "").replace("_", ".")
        print(e["ip"].split("/")[0], v, name)' "$1" | sort
}
agree() {
	if cmp -s "$1" "$2"; then
		echo "agree ($(wc -l <"$1") lines)"
	else
		echo "DIFFER: $(diff "$1" "$2" | grep -c '^[<>]') lines of $(wc -l <"$1") / $(wc -l <"$2")"
	fi
}

echo "$N endpoints on 127.0.40.0/22:$NP (nginx); $(nproc) cores"
[ -n "${counting:-}" ] || echo "(not root: connections an endpoint not counted)"
echo
echo "== certificates: $N endpoints"
measure "tlsprobe client --targets" "$N" \
	"$TP" client --targets "$work/list" --ca "$P/ca1.pem" --no-sideband --json
tp_eps=$(cat "$work/eps")
cp "$work/out" "$work/client.jsonl"
measure "nmap -iL … --script ssl-cert" "$N" \
	nmap -n -Pn -p "$NP" --script ssl-cert -iL "$work/hosts" -oX "$work/ssl-cert.xml"
nm_eps=$(cat "$work/eps")
leafs_tlsprobe "$work/client.jsonl" >"$work/leafs.tp"
leafs_nmap "$work/ssl-cert.xml" >"$work/leafs.nmap"
echo "tlsprobe is $(ratio "$tp_eps" "$nm_eps")x nmap ssl-cert;" \
	"leaf certificates: $(agree "$work/leafs.tp" "$work/leafs.nmap")"
# the same list as two shards through GNU parallel on this machine: what
# parallel's streaming of the list to every shard costs
if command -v parallel >/dev/null; then
	measure "scripts/fleet.sh --local 2 (client)" "$N" \
		env PATH="$top/bin:$PATH" sh "$top/scripts/fleet.sh" --local 2 -- \
		"$work/list" "$work/fleet.jsonl" client --ca "$P/ca1.pem" --no-sideband
	leafs_tlsprobe "$work/fleet.jsonl" >"$work/leafs.fleet"
	echo "two shards against one run: $(agree "$work/leafs.tp" "$work/leafs.fleet")"
fi

echo
echo "== accepted ciphers: $M endpoints (testssl: $S)"
"$TP" ciphers --targets /dev/null >/dev/null 2>"$work/probe.err"
if grep -q "unknown option '--targets'" "$work/probe.err"; then
	echo "tlsprobe ciphers --targets: not in this build ($(head -n 1 "$work/probe.err")): skipped"
	tc_eps=""
else
	measure "tlsprobe ciphers --targets" "$M" \
		"$TP" ciphers --targets "$work/list.m" --ca "$P/ca1.pem" --json
	tc_eps=$(cat "$work/eps")
	pairs_tlsprobe "$work/out" >"$work/pairs.tp"
fi
measure "nmap -iL … --script ssl-enum-ciphers" "$M" \
	nmap -n -Pn -p "$NP" --script ssl-enum-ciphers -iL "$work/hosts.m" \
	-oX "$work/enum.xml"
ne_eps=$(cat "$work/eps")
pairs_nmap "$work/enum.xml" >"$work/pairs.nmap"
if command -v testssl >/dev/null && [ "$S" -gt 0 ]; then
	measure "testssl --file … --parallel -E" "$S" \
		testssl --warnings off --quiet --mapping iana --parallel \
		--jsonfile "$work/testssl.json" --file "$work/testssl.s"
	ts_eps=$(cat "$work/eps")
	pairs_testssl "$work/testssl.json" >"$work/pairs.testssl"
	head -n "$S" "$work/hosts" | sed 's/$/ /' >"$work/hosts.s"
	grep -F -f "$work/hosts.s" "$work/pairs.nmap" >"$work/pairs.nmap.s"
	echo "testssl vs nmap, the first $S endpoints:" \
		"$(agree "$work/pairs.nmap.s" "$work/pairs.testssl")"
else
	echo "testssl: not installed (apt-get install testssl.sh) or S=0: skipped"
	ts_eps=""
fi
if [ -n "$tc_eps" ]; then
	echo "tlsprobe ciphers is $(ratio "$tc_eps" "$ne_eps")x nmap ssl-enum-ciphers;" \
		"accepted pairs: $(agree "$work/pairs.tp" "$work/pairs.nmap")"
	[ -n "$ts_eps" ] && echo "tlsprobe ciphers is $(ratio "$tc_eps" "$ts_eps")x testssl --parallel"
fi
