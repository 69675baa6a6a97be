# Helpers for the cipher audit's tests; sourced after servers.sh.

# run_ciphers NAME ARGS...: runs tlsprobe ciphers --json ARGS (or the
# subcommand CIPHERS_CMD names: audit); sets OUT (the report), ERR, RC
# and MS (wall time in ms).
run_ciphers() {
	_rc_name=$1; shift
	OUT="$T/$_rc_name.json"
	ERR="$T/$_rc_name.err"
	_t0=$(now_ms)
	timeout -k 2 "${CIPHERS_LIMIT:-60}" "$TP" "${CIPHERS_CMD:-ciphers}" \
		--json "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	MS=$(($(now_ms) - _t0))
	LAST_ARGS="$*"
	_ctx_shown=0
}

# audit NAME EXPR: one TAP line: the Python expression over the last
# report is true. In EXPR, d is the report, codes its finding codes,
# acc("TLS1.2") the accepted suite ids of a version in report order,
# proto("TLS1.2") that version's entry, groups("TLS1.3") its groups.
audit() {
	_why=$(python3 - "$OUT" "$2" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("stdout is not a JSON report (%s)" % e); sys.exit()
codes = [f["code"] for f in d.get("findings", [])]
def proto(v):
    return next(p for p in d["protocols"] if p["version"] == v)
def acc(v):
    return [c["id"] for c in proto(v)["ciphers"]]
def groups(v):
    return proto(v)["groups"]
def accepted():
    return [p["version"] for p in d["protocols"] if p["accepted"]]
try:
    if not eval(sys.argv[2]):
        print("false: %s" % sys.argv[2])
except Exception as e:
    print("%s: %s" % (type(e).__name__, e))
PY
)
	if [ -z "$_why" ]; then
		ok "$1"
		return 0
	fi
	not_ok "$1"
	echo "#   $_why"
	python3 - "$OUT" <<'PY' 2>&1 | sed 's/^/#   /'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    print(open(sys.argv[1]).read()[:400]); sys.exit()
for p in d.get("protocols", []):
    if p["accepted"]:
        print(p["version"], p["preference"], [c["id"] for c in p["ciphers"]],
              p["groups"])
print("grade", d.get("grade"), d.get("grade_reasons"))
print("codes", [f["code"] for f in d["findings"]])
print("stats", d.get("stats"))
PY
	echo "#   args: $LAST_ARGS"
	sed 's/^/#   stderr: /' "$ERR" | head -n 5
	return 1
}
