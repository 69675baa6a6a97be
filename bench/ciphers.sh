#!/bin/sh
# Cipher enumeration side by side: tlsprobe ciphers, nmap's
# ssl-enum-ciphers, sslscan and testssl.sh against one gnutls-serv on
# loopback with legacy suites (RC4, 3DES, TLS 1.0 to 1.3, server order).
# For each tool: its median wall time, the TCP connections it opened
# (SYNs to the server's port counted by an iptables rule; needs root,
# "n/a" otherwise) and whether the suites it reports accepted, per
# version and in order, are what the server's priority string says.
# Then tlsprobe's time as a ratio of sslscan's and nmap's, and its suite
# connections against accepted + versions x ceil(registry/128) + 10.
# Not part of make check.
#   sh bench/ciphers.sh [N] [N_TESTSSL]   (default 7 runs, 3 for testssl)
# Needs gnutls-bin, python3 and a built bin/tlsprobe; nmap, sslscan and
# testssl.sh are measured when installed. nmap, run as root, counts one
# more SYN: its port scan's probe.
set -u
N=${1:-7}
N_TESTSSL=${2:-3}
case "$N$N_TESTSSL" in *[!0-9]*) echo "usage: sh bench/ciphers.sh [N] [N_TESTSSL]" >&2; exit 2 ;; esac
[ "$N" -gt 0 ] || { echo "bench: N must be at least 1" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
TP="$top/bin/tlsprobe"
PRIO='NORMAL:+3DES-CBC:+ARCFOUR-128:+VERS-TLS1.0:+VERS-TLS1.1:%SERVER_PRECEDENCE'
work=$(mktemp -d "${TMPDIR:-/tmp}/tlsprobe-bench.XXXXXX")
srv=""
rule=""
cleanup() {
	[ -n "$rule" ] && iptables -D OUTPUT $rule 2>/dev/null
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench: $1 is missing ($2)" >&2; exit 1; }; }
need gnutls-serv "apt-get install gnutls-bin"
need gnutls-cli "apt-get install gnutls-bin"
need python3 "apt-get install python3"
[ -x "$TP" ] || { echo "bench: build first (make)" >&2; exit 1; }
# the others are optional: a missing one gets a row that says so
missing() {
	command -v "$1" >/dev/null 2>&1 && return 1
	echo "bench: $1 is missing ($2); its row stays empty" >&2
	return 0
}

. "$top/scripts/ports.sh"
sh "$top/samples/mkpki.sh" "$work/pki" >/dev/null || exit 1
port=$(free_port)
gnutls-serv -p "$port" --x509certfile "$work/pki/server.pem" \
	--x509keyfile "$work/pki/server.key" --priority "$PRIO" \
	>"$work/server.log" 2>&1 </dev/null &
srv=$!
wait_port "$port" || exit 1

# SYNs to the server's port on lo, counted by a rule with no target (it
# only counts); read before and after a run, never zeroed, so other
# rules and their counters are left as they are.
tag="tlsprobe-bench-$$"
if [ "$(id -u)" -eq 0 ] && command -v iptables >/dev/null 2>&1 &&
   iptables -I OUTPUT -o lo -p tcp --dport "$port" --syn \
	-m comment --comment "$tag" 2>/dev/null; then
	rule="-o lo -p tcp --dport $port --syn -m comment --comment $tag"
else
	echo "bench: not root or no iptables: connections are n/a" >&2
fi
syns() {
	iptables -L OUTPUT -v -x -n 2>/dev/null |
		awk -v t=" $tag " 'index($0, t) { print $1; exit }'
}

# measure NAME RUNS CMD...: runs CMD RUNS times; the first run's output
# in $work/NAME.out and its connections in $work/NAME.conn; prints the
# median wall time in ms.
measure() {
	_name=$1 _runs=$2
	shift 2
	echo "bench: $_name, $_runs runs" >&2
	: >"$work/$_name.times"
	_i=0
	while [ $_i -lt "$_runs" ]; do
		[ $_i -eq 0 ] && [ -n "$rule" ] && _s0=$(syns)
		_t0=$(date +%s%N)
		if [ $_i -eq 0 ]; then
			"$@" </dev/null >"$work/$_name.out" 2>"$work/$_name.err"
		else
			"$@" </dev/null >/dev/null 2>&1
		fi
		_t1=$(date +%s%N)
		if [ $_i -eq 0 ]; then
			if [ -n "$rule" ]; then
				echo $(($(syns) - _s0)) >"$work/$_name.conn"
			else
				echo n/a >"$work/$_name.conn"
			fi
		fi
		echo $(((_t1 - _t0) / 1000)) >>"$work/$_name.times"
		_i=$((_i + 1))
	done
	sort -n "$work/$_name.times" |
		awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'
}

# What gnutls-serv accepts with an RSA key, in its order, from its own
# list: every TLS 1.3 suite; RSA-authenticated ones up to TLS 1.2; those
# whose minimum is TLS 1.0 for TLS 1.0 and 1.1.
gnutls-cli -l --priority "$PRIO" 2>/dev/null | python3 -c '
import sys
rows = [l.split("\t") for l in sys.stdin if "\t0x" in l]
out = {"TLS1.0": [], "TLS1.1": [], "TLS1.2": [], "TLS1.3": []}
for name, ident, ver in rows:
    ver = ver.strip()
    b = [x.strip().replace("0x", "") for x in ident.split(",")]
    i = "0x" + (b[0] + b[1]).upper()
    if ver == "TLS1.3":
        out["TLS1.3"].append(i)
    elif "_RSA_" in name:
        out["TLS1.2"].append(i)
        if ver == "TLS1.0":
            out["TLS1.0"].append(i)
            out["TLS1.1"].append(i)
for v, ids in out.items():
    print(v, " ".join(ids))
' >"$work/expected"

# parse.py KIND FILE: the suites a tool's output says are accepted, one
# line per version: "TLS1.2 0xC030 0xCCA8 ...", in the tool's order.
cat >"$work/parse.py" <<'PY'
import json, re, sys

kind, path, suites_def = sys.argv[1:4]
text = open(path, errors="replace").read()

# names to ids from the registry: IANA, OpenSSL and GnuTLS spellings
ids = {}
for m in re.finditer(r'SUITE\((0x[0-9A-Fa-f]{4}),\s*"([^"]+)",\s*(?:"([^"]+)"|NULL),\s*(?:"([^"]+)"|NULL)',
                     open(suites_def).read()):
    i = "0x" + m.group(1)[2:].upper()
    for n in m.group(2, 3, 4):
        if n:
            ids.setdefault(n, i)

def sid(name):
    name = re.sub(r"^TLS_AKE_WITH_", "TLS_", name)   # nmap's TLS 1.3 names
    if name not in ids and name.startswith("EDH-"):  # OpenSSL 1.0 spelling
        name = "DHE-" + name[4:]
    return ids.get(name, "?" + name)

def ver(v):
    v = v.replace("TLSv1:", "TLSv1.0:").rstrip(":")
    v = re.sub(r"^TLSv?\s*1$", "TLS1.0", v)
    return re.sub(r"^TLSv?\s*1\.", "TLS1.", v)

out = {}
if kind == "tlsprobe":
    for p in json.loads(text)["protocols"]:
        if p["accepted"]:
            out[p["version"]] = [c["id"] for c in p["ciphers"]]
elif kind == "nmap":
    cur = None
    for l in text.splitlines():
        m = re.match(r"^\|\s{3}(TLSv1\.[0-3]|SSLv3):\s*$", l)
        if m:
            cur = out.setdefault(ver(m.group(1)), [])
            continue
        m = re.match(r"^\|\s{7}(\S+) (?:\(.*\) )?- \S+\s*$", l)
        if m and cur is not None:
            cur.append(sid(m.group(1)))
elif kind == "sslscan":
    for l in text.splitlines():
        m = re.match(r"^(?:Preferred|Accepted)\s+(TLSv1\.[0-3]|SSLv3)\s+\d+ bits\s+(\S+)", l)
        if m:
            out.setdefault(ver(m.group(1)), []).append(sid(m.group(2)))
elif kind == "testssl":
    # the set from -E (hex codes), the order from -P ("Cipher order")
    sets, cur = {}, None
    for l in text.splitlines():
        m = re.match(r"^(TLS 1(?:\.[0-3])?|SSLv3)\s*$", l)
        if m:
            cur = sets.setdefault(ver(m.group(1).replace(" ", "v")), [])
            continue
        m = re.match(r"^\s+x([0-9a-f]+)\s+\S+", l)
        if m and cur is not None:
            cur.append("0x%04X" % int(m.group(1), 16))
        elif not l.strip():
            cur = None
    order, cur = {}, None
    sec = re.search(r"Cipher order\n(.*?)\n\s*\n", text, re.S)
    for l in (sec.group(1).splitlines() if sec else []):
        m = re.match(r"^\s+(TLSv1(?:\.[0-3])?:|SSLv3:)\s+(.*)$", l)
        if m:
            cur = order.setdefault(ver(m.group(1)), [])
            l = m.group(2)
        if cur is not None:
            cur.extend(sid(n) for n in l.split())
    for v in set(sets) | set(order):
        o = order.get(v, [])
        s = sets.get(v, [])
        # in -P's order when both say the same set, else as -E lists them
        out[v] = o if sorted(o) == sorted(s) else s + ["!order-from-P:"] + o
for v in sorted(out):
    print(v, " ".join(out[v]))
PY

# verdict NAME: "set" and "order" against the server's configuration
verdict() {
	python3 - "$work/expected" "$work/$1.acc" <<'PY'
import sys
def load(p):
    d = {}
    for l in open(p):
        f = l.split()
        if f and len(f) > 1:
            d[f[0]] = f[1:]
    return d
want, got = load(sys.argv[1]), load(sys.argv[2])
if not got:
    print("no-result no-result -")
    sys.exit()
set_bad = [v for v in sorted(set(want) | set(got))
           if sorted(want.get(v, [])) != sorted(got.get(v, []))]
order_bad = [v for v in sorted(want) if v in got and want[v] != got[v]
             and v not in set_bad]
why = []
for v in set_bad:
    w, g = set(want.get(v, [])), set(got.get(v, []))
    why.append("%s: missing %s, extra %s" % (v, " ".join(sorted(w - g)) or "-",
                                             " ".join(sorted(g - w)) or "-"))
for v in order_bad:
    k = next(i for i, (a, b) in enumerate(zip(want[v], got[v])) if a != b)
    why.append("%s: order differs from position %d (%s where the server has %s)"
               % (v, k + 1, got[v][k], want[v][k]))
print("same" if not set_bad else "differs",
      "same" if not order_bad and not set_bad else
      ("differs" if order_bad else "-"),
      "; ".join(why) or "-")
PY
}

row() {
	_name=$1 _label=$2 _ms=$3 _runs=$4
	python3 "$work/parse.py" "$_name" "$work/$_name.out" "$top/src/suites.def" \
		>"$work/$_name.acc" 2>"$work/$_name.parse-err"
	set -- $(verdict "$_name")
	_set=$1 _order=$2
	shift 2
	printf '  %-24s %10s %5s %15s   %-8s %-8s\n' "$_label" "$_ms" "$_runs" \
		"$(cat "$work/$_name.conn")" "$_set" "$_order"
	[ "$*" = "-" ] || echo "      $*"
}
none() { printf '  %-24s %10s %5s %15s   %s\n' "$1" - - - "$2"; }

hp="127.0.0.1:$port"
ms_tp=$(measure tlsprobe "$N" "$TP" ciphers --json "$hp")
if [ "$(cat "$work/tlsprobe.conn")" = n/a ]; then
	python3 -c 'import json,sys; print("%d (own count)" % json.load(open(sys.argv[1]))["stats"]["connections"])' \
		"$work/tlsprobe.out" >"$work/tlsprobe.conn"
fi
ms_nm="" ms_ss="" ms_ts=""
missing nmap "apt-get install nmap" ||
	ms_nm=$(measure nmap "$N" nmap -Pn -n -p "$port" --script ssl-enum-ciphers 127.0.0.1)
missing sslscan "apt-get install sslscan" ||
	ms_ss=$(measure sslscan "$N" sslscan --no-colour "$hp")
# testssl.sh takes most of a minute a run: N_TESTSSL=0 leaves it out
[ "$N_TESTSSL" -gt 0 ] && ! missing testssl "apt-get install testssl.sh" &&
	ms_ts=$(measure testssl "$N_TESTSSL" testssl --quiet --color 0 --nodns none -E -P "$hp")

exp_n=$(awk '{ n += NF - 1 } END { print n }' "$work/expected")
echo "cipher enumeration of one gnutls-serv on loopback ($exp_n suites accepted in TLS 1.0 to 1.3, server order, RC4 and 3DES):"
printf '  %-24s %10s %5s %15s   %-8s %-8s\n' tool "median ms" runs connections set order
row tlsprobe "tlsprobe ciphers --json" "$ms_tp" "$N"
if [ -n "$ms_nm" ]; then row nmap "nmap ssl-enum-ciphers" "$ms_nm" "$N"; else none "nmap ssl-enum-ciphers" missing; fi
if [ -n "$ms_ss" ]; then row sslscan "sslscan" "$ms_ss" "$N"; else none sslscan missing; fi
if [ -n "$ms_ts" ]; then row testssl "testssl.sh -E -P" "$ms_ts" "$N_TESTSSL"
elif [ "$N_TESTSSL" -gt 0 ]; then none "testssl.sh -E -P" missing
else none "testssl.sh -E -P" "not run (N_TESTSSL=0)"; fi

ratio() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.3f", $1 / $2; else print "?" }'; }
[ -n "$ms_ss" ] && echo "tlsprobe's time / sslscan's: $(ratio "$ms_tp" "$ms_ss")"
[ -n "$ms_nm" ] && echo "tlsprobe's time / nmap's:    $(ratio "$ms_tp" "$ms_nm")"

registry=$(grep -c '^SUITE(' "$top/src/suites.def")
python3 - "$work/tlsprobe.out" "$registry" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
registry = int(sys.argv[2])
tested = [p for p in d["protocols"] if p.get("tested", True)]
accepted = sum(len(p["ciphers"]) for p in d["protocols"] if p["accepted"])
per = -(-registry // 128)
bound = accepted + len(tested) * per + 10
n = d["stats"]["suite_connections"]
print("tlsprobe suite connections: %d <= %d accepted + %d versions x %d (ceil(%d/128)) + 10 = %d: %s"
      % (n, accepted, len(tested), per, registry, bound, "yes" if n <= bound else "NO"))
print("tlsprobe connections in all: %d (%s)" % (d["stats"]["connections"],
      ", ".join("%s %s" % (k, v) for k, v in d["stats"].items()
                if k.endswith("_connections"))))
PY
