#!/bin/sh
# tlsprobe ciphers cross-checked with nmap's ssl-enum-ciphers script on
# the same servers (openssl s_server with NULL, anonymous, CAMELLIA and
# ARIA suites and server order; gnutls-serv with RC4 and 3DES, TLS 1.0 to
# 1.3): per server the same accepted versions, per version the same
# suites (of those nmap's script knows) and, where nmap finds the server's
# order, the same order. tlsprobe's --format nmap is held to nmap's own
# suite lines by the same rules.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/ciphers.sh"

if ! command -v nmap >/dev/null; then
	not_ok "nmap is installed (scripts/install-deps.sh)"
	exit 1
fi
# nmap's table of suites: one it does not know it never offers
TLS_LUA=""
for _d in /usr/share/nmap /usr/local/share/nmap \
	"$(dirname "$(command -v nmap)")/../share/nmap"; do
	[ -f "$_d/nselib/tls.lua" ] && { TLS_LUA="$_d/nselib/tls.lua"; break; }
done
[ -n "$TLS_LUA" ] || echo "# nmap's nselib/tls.lua not found: every suite counts as known to it"

make_pki server.pem server.key

# run_nmap PORT: nmap's ssl-enum-ciphers into $T/nmap-PORT.txt; NMAP_MS
run_nmap() {
	_t0=$(now_ms)
	timeout -k 2 60 nmap -Pn -n -p "$1" --script ssl-enum-ciphers \
		127.0.0.1 >"$T/nmap-$1.txt" 2>&1 </dev/null
	NMAP_MS=$(($(now_ms) - _t0))
}

# compare NAME NMAP_OUT OURS KIND: TAP lines for the versions, and per
# version the suites and (server preference) their order, of OURS
# against nmap's output. KIND is json (tlsprobe ciphers --json) or nmap
# (tlsprobe ciphers --format nmap).
compare() {
	python3 - "$@" "$TLS_LUA" >"$T/compare.out" 2>&1 <<'PY'
import json, re, sys

name, nmap_out, ours, kind, tls_lua = sys.argv[1:6]

def norm(n):
    # nmap calls the TLS 1.3 suites TLS_AKE_WITH_*; IANA just TLS_*
    return re.sub(r"^TLS_AKE_WITH_", "TLS_", n)

# nmap's CIPHERS table in nselib/tls.lua: name -> id
by_id, known = {}, None
if tls_lua:
    text = open(tls_lua).read()
    table = text[text.index("\nCIPHERS = {"):]
    table = table[:table.index("\n}")]
    for n, i in re.findall(r'^\s*\[?"?([A-Za-z0-9_-]+)"?\]?\s*=\s*0x([0-9A-Fa-f]{4})',
                           table, re.M):
        by_id.setdefault(int(i, 16), norm(n))
    known = set(by_id.values())

def versions_of(lines):
    # nmap's layout: "|   TLSv1.2: ", "|       SUITE (kx) - A",
    # "|     cipher preference: server"
    vers, cur = {}, None
    for l in lines:
        m = re.match(r"^\|\s{3}(\S+):\s*$", l)
        if m:
            v = m.group(1).replace("TLSv", "TLS").replace("SSLv3", "SSL3.0")
            cur = vers[v] = {"suites": [], "kx": {}, "grade": {}, "pref": None}
            continue
        if cur is None:
            continue
        m = re.match(r"^\|\s{7}(\S+)(?: \((.*)\))? - (\S+)\s*$", l)
        if m:
            s = norm(m.group(1))
            cur["suites"].append(s)
            cur["kx"][s] = m.group(2)
            cur["grade"][s] = m.group(3)
            continue
        m = re.match(r"^\|\s{5}cipher preference: (\S+)", l)
        if m:
            cur["pref"] = m.group(1)
    return vers

theirs = versions_of(open(nmap_out).read().splitlines())
if kind == "json":
    d = json.load(open(ours))
    mine = {}
    for p in d["protocols"]:
        if not p["accepted"]:
            continue
        suites = []
        for c in p["ciphers"]:
            i = int(c["id"], 16)
            suites.append(by_id.get(i) or norm(c["iana"]))
        mine[p["version"]] = {"suites": suites, "pref": p["preference"],
                              "kx": {}, "grade": {}}
else:
    mine = versions_of(open(ours).read().splitlines())

def say(ok, what, why=""):
    print("%s %s: %s" % ("PASS" if ok else "FAIL", name, what))
    if not ok:
        print("#   " + why)

order = ["SSL3.0", "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3"]
rank = lambda v: order.index(v) if v in order else len(order)
vt = sorted(theirs, key=rank)
vm = sorted(mine, key=rank)
say(vt == vm and vt, "accepted versions agree (%s)" % " ".join(vm),
    "nmap: %s; tlsprobe: %s" % (" ".join(vt) or "none", " ".join(vm) or "none"))

for v in vt:
    if v not in mine:
        continue
    t, m = theirs[v]["suites"], mine[v]["suites"]
    if known is not None:
        unknown = [s for s in m if s not in known]
        if unknown:
            print("# %s %s: not in nmap's table, so not expected from it: %s"
                  % (name, v, " ".join(unknown)))
        m = [s for s in m if s in known]
    only_t = [s for s in t if s not in m]
    only_m = [s for s in m if s not in t]
    say(not only_t and not only_m,
        "%s: the same suites (%d)" % (v, len(t)),
        "only nmap: %s; only tlsprobe: %s" % (" ".join(only_t) or "-",
                                              " ".join(only_m) or "-"))
    if theirs[v]["pref"] == "server":
        # the order of the suites both found (a missing one fails above)
        t_both = [s for s in t if s in m]
        m_both = [s for s in m if s in t]
        say(mine[v]["pref"] == "server" and t_both == m_both,
            "%s: server preference, the same order" % v,
            "tlsprobe says %s preference\n#   nmap:     %s\n#   tlsprobe: %s"
            % (mine[v]["pref"], " ".join(t_both), " ".join(m_both)))
    else:
        print("# %s %s: nmap says cipher preference %s: order not compared"
              % (name, v, theirs[v]["pref"]))
    if kind == "nmap":
        kx = ["%s (%s vs nmap %s)" % (s, mine[v]["kx"][s], theirs[v]["kx"][s])
              for s in t if s in mine[v]["kx"]
              and mine[v]["kx"][s] != theirs[v]["kx"][s]]
        if kx:
            print("# %s %s: key exchange shown differently: %s"
                  % (name, v, ", ".join(kx)))
        g = [s for s in t if s in mine[v]["grade"]
             and mine[v]["grade"][s] != theirs[v]["grade"][s]]
        if g:
            print("# %s %s: %d of %d suites graded differently (tlsprobe's own grading)"
                  % (name, v, len(g), len(t)))
PY
	if ! grep -q '^PASS\|^FAIL' "$T/compare.out"; then
		not_ok "$1: compared with nmap"
		sed 's/^/#   /' "$T/compare.out"
		return
	fi
	while IFS= read -r _l; do
		case "$_l" in
		"PASS "*) ok "${_l#PASS }" ;;
		"FAIL "*) not_ok "${_l#FAIL }" ;;
		*) echo "$_l" ;;
		esac
	done <"$T/compare.out"
}

# layout NAME NMAP_OUT OURS: TAP lines: tlsprobe's --format nmap is
# nmap's own text from the PORT header to the least strength line, once
# both are masked where tlsprobe speaks for itself (docs/tlsprobe-
# ciphers.1): the grade letters, the key exchange in parentheses, the
# wording of the warnings, and suites nmap's table does not know. The
# header, the port line (nmap-services' name), the versions, the suites
# in their order, the compressors and the cipher preference must match
# line for line.
layout() {
	python3 - "$@" "$TLS_LUA" >"$T/layout.out" 2>&1 <<'PY'
import re, sys

name, nmap_out, ours, tls_lua = sys.argv[1:5]
known = None
if tls_lua:
    text = open(tls_lua).read()
    table = text[text.index("\nCIPHERS = {"):]
    table = table[:table.index("\n}")]
    known = set(re.findall(r'^\s*\[?"?([A-Za-z0-9_-]+)"?\]?\s*=\s*0x[0-9A-Fa-f]{4}',
                           table, re.M))

def masked(path):
    lines, keep, in_warn = [], False, False
    for l in open(path).read().splitlines():
        if l.startswith("PORT "):
            keep = True
        if not keep:
            continue
        if in_warn:
            if l.startswith("|       "):
                continue
            in_warn = False
        if re.match(r"^\|\s{5}warnings:", l):
            in_warn = True
            continue
        m = re.match(r"^\|\s{7}(\S+)(?: \(.*\))? - [A-F]\s*$", l)
        if m:
            if known is not None and m.group(1) not in known:
                continue
            l = "|       %s - %s" % (m.group(1), "?")
        l = re.sub(r"least strength: [A-F]$", "least strength: ?", l)
        lines.append(l)
        if l.startswith("|_"):
            break
    return lines

theirs, mine = masked(nmap_out), masked(ours)

def say(ok, what, detail=()):
    print("%s %s: %s" % ("PASS" if ok else "FAIL", name, what))
    if not ok:
        for d in detail:
            print("#   " + d)

say(theirs[:2] == mine[:2] and len(theirs) >= 2,
    "the PORT header and the port line are nmap's: %r" % " | ".join(mine[:2]),
    ["nmap:     %r" % l for l in theirs[:2]] + ["tlsprobe: %r" % l for l in mine[:2]])
say(bool(theirs) and bool(mine) and theirs[-1] == mine[-1]
    and mine[-1].startswith("|_  least strength: "),
    "the least strength line has nmap's layout",
    ["nmap: %r, tlsprobe: %r" % (theirs[-1:], mine[-1:])])
import difflib
diff = list(difflib.unified_diff(theirs, mine, "nmap", "tlsprobe", lineterm="", n=1))
say(not diff, "every line, masked, is nmap's (%d lines)" % len(theirs), diff[:40])
PY
	while IFS= read -r _l; do
		case "$_l" in
		"PASS "*) ok "${_l#PASS }" ;;
		"FAIL "*) not_ok "${_l#FAIL }" ;;
		*) echo "$_l" ;;
		esac
	done <"$T/layout.out"
	grep -q '^PASS\|^FAIL' "$T/layout.out" || {
		not_ok "$1: layout compared with nmap"
		sed 's/^/#   /' "$T/layout.out"
	}
}

# crosscheck NAME: nmap, tlsprobe --json and --format nmap on SRV_PORT
crosscheck() {
	run_nmap "$SRV_PORT"
	if ! grep -q '^| ssl-enum-ciphers:' "$T/nmap-$SRV_PORT.txt"; then
		not_ok "$1: nmap's ssl-enum-ciphers reports on the server"
		sed 's/^/#   /' "$T/nmap-$SRV_PORT.txt"
		return
	fi
	run_ciphers "$1" "127.0.0.1:$SRV_PORT"
	echo "# $1: nmap ssl-enum-ciphers $NMAP_MS ms, tlsprobe ciphers $MS ms, $(json_get "$OUT" 'd["stats"]')"
	compare "$1" "$T/nmap-$SRV_PORT.txt" "$OUT" json
	timeout -k 2 60 "$TP" ciphers --format nmap "127.0.0.1:$SRV_PORT" \
		>"$T/$1-nmap.txt" 2>"$T/$1-nmap.err" </dev/null
	compare "$1 --format nmap" "$T/nmap-$SRV_PORT.txt" "$T/$1-nmap.txt" nmap
	layout "$1 --format nmap" "$T/nmap-$SRV_PORT.txt" "$T/$1-nmap.txt"
	if [ -s "$T/$1-nmap.err" ]; then
		not_ok "$1 --format nmap: nothing on stderr for a TLS port"
		sed 's/^/#   /' "$T/$1-nmap.err"
	else
		ok "$1 --format nmap: nothing on stderr for a TLS port"
	fi
}

# ---- openssl s_server: TLS 1.2 and 1.3, legacy suites, server order ----
L12='ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256:AES256-SHA:CAMELLIA128-SHA:ARIA128-GCM-SHA256:DHE-RSA-CAMELLIA256-SHA:ADH-AES128-SHA:AECDH-AES256-SHA:NULL-SHA:@SECLEVEL=0'
L13='TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256'
start_openssl_server -cert "$PKI/server.pem" -key "$PKI/server.key" \
	-min_protocol TLSv1.2 -max_protocol TLSv1.3 -serverpref \
	-cipher "$L12" -ciphersuites "$L13"
crosscheck openssl
stop_servers

# ---- gnutls-serv: RC4 and 3DES, TLS 1.0 to 1.3, server order ----
start_gnutls_serv --x509certfile "$PKI/server.pem" \
	--x509keyfile "$PKI/server.key" \
	--priority 'NORMAL:+3DES-CBC:+ARCFOUR-128:+VERS-TLS1.0:+VERS-TLS1.1:%SERVER_PRECEDENCE'
crosscheck gnutls-serv
stop_servers

# ---- a port that is not TLS: nmap's port line, no table, and why ----
start_fake http || exit 1
timeout -k 2 60 nmap -Pn -n -p "$FAKE_PORT" --script ssl-enum-ciphers \
	127.0.0.1 >"$T/nmap-http.txt" 2>&1 </dev/null
timeout -k 2 60 "$TP" ciphers --format nmap "127.0.0.1:$FAKE_PORT" \
	>"$T/http-nmap.txt" 2>"$T/http-nmap.err" </dev/null
HTTP_RC=$?
if [ "$(grep -A1 '^PORT ' "$T/nmap-http.txt")" = "$(cat "$T/http-nmap.txt")" ]; then
	ok "not TLS --format nmap: nmap's PORT header and port line, and no table"
else
	not_ok "not TLS --format nmap: nmap's PORT header and port line, and no table"
	sed 's/^/#   nmap: /' "$T/nmap-http.txt"
	sed 's/^/#   tlsprobe: /' "$T/http-nmap.txt"
fi
if [ "$HTTP_RC" -eq 1 ] && [ "$(wc -l <"$T/http-nmap.err")" -eq 1 ] &&
	grep -q "no ssl-enum-ciphers table for port $FAKE_PORT: .*(NOT_TLS)\$" \
		"$T/http-nmap.err"; then
	ok "not TLS --format nmap: exit 1, one line on stderr says why (NOT_TLS)"
else
	not_ok "not TLS --format nmap: exit 1, one line on stderr says why (NOT_TLS)"
	echo "#   exit status $HTTP_RC"
	sed 's/^/#   stderr: /' "$T/http-nmap.err"
fi
stop_servers

# ---- a closed port: nmap's layout for it ----
CLOSED=$(free_port)
timeout -k 2 60 nmap -Pn -n -p "$CLOSED" 127.0.0.1 >"$T/nmap-closed.txt" 2>&1 </dev/null
timeout -k 2 60 "$TP" ciphers --format nmap "127.0.0.1:$CLOSED" \
	>"$T/closed-nmap.txt" 2>"$T/closed-nmap.err" </dev/null
if [ "$(grep -A1 '^PORT ' "$T/nmap-closed.txt")" = "$(cat "$T/closed-nmap.txt")" ] &&
	grep -q '(TCP_REFUSED)$' "$T/closed-nmap.err"; then
	ok "closed port --format nmap: nmap's lines, and stderr says TCP_REFUSED"
else
	not_ok "closed port --format nmap: nmap's lines, and stderr says TCP_REFUSED"
	sed 's/^/#   nmap: /' "$T/nmap-closed.txt"
	sed 's/^/#   tlsprobe: /' "$T/closed-nmap.txt" "$T/closed-nmap.err"
fi
