#!/bin/sh
# tlsprobe audit as a command: its usage errors, the report every check
# writes into (text, JSON, the TUI), what it does when there is nothing
# to audit, --offline, and --targets. The checks themselves have their
# own tests (t_audit_*.sh).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki server.pem server.key
start_openssl_server -cert "$PKI/server.pem" -key "$PKI/server.key"
TGT=127.0.0.1:$SRV_PORT

# usage NAME REGEX ARGS...: tlsprobe ARGS exits 2 with one line on
# stderr matching REGEX and nothing on stdout.
usage() {
	_name=$1; _re=$2; shift 2
	timeout -k 2 20 "$TP" "$@" >"$T/out" 2>"$T/err" </dev/null
	_rc=$?
	if [ $_rc -eq 2 ] && [ ! -s "$T/out" ] &&
	   [ "$(awk 'END { print NR }' "$T/err")" -eq 1 ] &&
	   grep -qiE -- "$_re" "$T/err"; then
		ok "$_name: exit 2, one line saying why"
	else
		not_ok "$_name: exit 2, one line saying why"
		echo "#   exit $_rc; stderr:"; sed 's/^/#     /' "$T/err"
	fi
}
usage "audit without a target" "no target" audit
usage "audit with two targets" "one target only" audit "$TGT" "$TGT"
usage "audit --format nmap" "format nmap" audit --format nmap "$TGT"
usage "ciphers --offline" "offline.*audit" ciphers --offline "$TGT"
usage "audit --ca unreadable" "ca.*/nonexistent" audit --ca /nonexistent/ca.pem "$TGT"
usage "audit --targets and a target" "exclude each other" audit --targets - "$TGT"
usage "audit --shard without --targets" "needs --targets" audit --shard 1/2 "$TGT"
usage "tui audit without a target" "no target|expected" tui audit
usage "audit --checks with a name that is no check" "--checks.*'bogus'.*heartbleed" audit --checks heartbleed,bogus "$TGT"
usage "audit --checks naming nothing" "--checks.*names no check" audit --checks , "$TGT"
usage "ciphers --checks" "checks.*audit" ciphers --checks heartbleed "$TGT"

# every check's row: the contract's names at least, each with a status
# of the four, a detail, and its connections summed in the stats
timeout -k 2 120 "$TP" audit --json --ca "$PKI/ca1.pem" "$TGT" \
	>"$T/a.json" 2>"$T/a.err" </dev/null
RC=$?
check "audit --json exits 0 or 1 (ran)" [ $RC -le 1 ]
if python3 - "$T/a.json" >"$T/why" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "audit", d["command"]
names = [c["name"] for c in d["checks"]]
need = ["heartbleed", "ccs_injection", "robot", "ticketbleed",
        "secure_renegotiation", "client_renegotiation", "compression",
        "fallback_scsv", "sslv2", "resumption_id", "resumption_ticket",
        "early_data", "ocsp_stapling", "revocation", "sct", "alpn"]
missing = [n for n in need if n not in names]
assert not missing, "missing checks: %s" % missing
assert len(set(names)) == len(names), "a check twice: %s" % names
for c in d["checks"]:
    assert c["status"] in ("vulnerable", "not_vulnerable",
                           "not_applicable", "unknown"), c
    assert c["supported"] in (True, False, None), c
    assert isinstance(c["detail"], str) and c["detail"], c
    assert "not implemented" not in c["detail"], c
s = d["stats"]
assert s["check_connections"] == sum(c["connections"] for c in d["checks"]), s
assert s["connections"] >= s["check_connections"] + s["suite_connections"], s
# everything ciphers --json has
for k in ("protocols", "grade", "certificates", "findings", "stages"):
    assert k in d, k
PY
then ok "audit --json: every check once, a status of the four, a detail, connections summed"
else not_ok "audit --json: every check once, a status of the four, a detail, connections summed"; sed 's/^/#   /' "$T/why"
fi

# a vulnerable check is a finding, and so the exit status: the JSON's
# verdicts and the exit status agree
if python3 - "$T/a.json" "$RC" >"$T/why" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
errors = [f for f in d["findings"] if f["severity"] == "error"]
assert (int(sys.argv[2]) == 1) == bool(errors), (sys.argv[2], errors)
PY
then ok "audit: exit status 1 exactly when an error finding is there"
else not_ok "audit: exit status 1 exactly when an error finding is there"; sed 's/^/#   /' "$T/why"
fi

# the text view: the checks table, one line per check
timeout -k 2 120 "$TP" audit --ca "$PKI/ca1.pem" "$TGT" >"$T/a.txt" 2>&1 </dev/null
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["checks"]))' "$T/a.json")
rows=$(sed -n '/^checks$/,/^$/p' "$T/a.txt" | grep -c '^  [a-z]')
check "audit text: a checks table with one row per check ($rows of $n)" [ "$rows" -eq "$n" ]
inert "$T/a.txt" "audit text is safe on a terminal"

# --offline: the checks that fetch say they were skipped, and fetch
# nothing
timeout -k 2 120 "$TP" audit --json --offline "$TGT" >"$T/off.json" 2>/dev/null </dev/null
check "audit --offline: revocation and aia say skipped: --offline" \
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["name"]: x for x in d["checks"]}
for n in ("revocation", "aia"):
    assert c[n]["status"] == "unknown" and "--offline" in c[n]["detail"], c[n]
' "$T/off.json"

# nothing to audit: a closed port. The cipher audit's findings say why,
# and every check says it was not run, without a connection
CLOSED=$(free_port)
timeout -k 2 60 "$TP" audit --json 127.0.0.1:"$CLOSED" >"$T/closed.json" 2>/dev/null </dev/null
RC=$?
check "audit of a closed port: exit 1" [ $RC -eq 1 ]
check "audit of a closed port: TCP_REFUSED, every check not run, no check connection" \
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert "TCP_REFUSED" in [f["code"] for f in d["findings"]], d["findings"]
for c in d["checks"]:
    assert c["status"] == "unknown" and c["detail"].startswith("not run"), c
    assert c["connections"] == 0, c
' "$T/closed.json"

# --checks: those checks and no other, in the table's order, with their
# connections only
timeout -k 2 120 "$TP" audit --json --offline --checks robot,heartbleed,robot \
	"$TGT" >"$T/some.json" 2>/dev/null </dev/null
check "audit --checks robot,heartbleed,robot: those two, once each, in order" \
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [c["name"] for c in d["checks"]] == ["heartbleed", "robot"], d["checks"]
assert d["stats"]["check_connections"] == sum(c["connections"] for c in d["checks"])
' "$T/some.json"

# --targets: one whole audit report a line, each with its checks
printf '%s\n# a comment\n127.0.0.1:%s\nnot a target:\n' "$TGT" "$CLOSED" >"$T/list"
timeout -k 2 180 "$TP" audit --targets "$T/list" --json --offline \
	>"$T/fleet.jsonl" 2>"$T/fleet.err" </dev/null
RC=$?
check "audit --targets: exit 1 (a refused port and a bad line)" [ $RC -eq 1 ]
check "audit --targets: three records, two audits with their checks, one bad line" \
	python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 3, len(recs)
audits = [r for r in recs if "checks" in r]
assert len(audits) == 2, recs
assert all(r["command"] == "audit" for r in audits)
bad = [r for r in recs if "error" in r]
assert len(bad) == 1 and bad[0]["target"]["line"] == 4, bad
' "$T/fleet.jsonl"

# the TUI: tui audit HOST runs it and shows the checks
if command -v tmux >/dev/null 2>&1; then
	sess="tpaudit$$"
	tmux new-session -d -s "$sess" -x 160 -y 60 \
		"$TP tui audit --offline $TGT" 2>/dev/null
	at_exit "tmux kill-session -t $sess 2>/dev/null"
	seen=no
	for _i in $(seq 1 100); do
		if tmux capture-pane -t "$sess" -p 2>/dev/null |
		   grep -q 'check heartbleed: '; then
			seen=yes
			break
		fi
		sleep 0.2
	done
	check "tui audit: the checks appear under the matrix" [ $seen = yes ]
else
	not_ok "tui audit: tmux is missing (scripts/install-deps.sh installs it)"
fi
