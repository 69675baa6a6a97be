# Shared helpers for the shell tests: TAP output, temporary files that go
# away on every exit, servers on free loopback ports.
# Source it: . "$(dirname "$0")/../lib.sh"

TOP=${TLSPROBE_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${TLSPROBE_BIN:-$TOP/bin}
TP="$BIN/tlsprobe"
T=$(mktemp -d "${TMPDIR:-/tmp}/tlsprobe-test.XXXXXX")
_tap_n=0
_cleanups=""

# Registers a shell command to run at exit (last registered runs first).
at_exit() { _cleanups="$1; $_cleanups"; }
_run_cleanups() {
	eval "$_cleanups"
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM
# a reader that goes away (| head) or a closed terminal must not leave
# servers behind: leave through the EXIT cleanup
trap 'exit 129' HUP
trap 'exit 141' PIPE

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); echo "not ok $_tap_n - $*"; }
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP $2"; }

# check NAME COMMAND...: one TAP line from a command's status.
check() {
	_name=$1; shift
	if "$@"; then ok "$_name"; else not_ok "$_name"; fi
}

# In CI (CI=true) a test that needs root must run: missing root fails.
need_root() {
	if [ "$(id -u)" -eq 0 ]; then return 0; fi
	if [ "${CI:-}" = true ]; then
		not_ok "$1: needs root, and CI must run it"
		exit 1
	fi
	echo "# *** SKIPPING $1: needs root (run make check as root) ***" >&2
	skip "$1" "needs root"
	exit 0
}

. "$TOP/scripts/ports.sh"

# jq-free JSON field tests, through python3.
# json_codes FILE: the finding codes, one per line.
json_codes() {
	python3 -c 'import json,sys; [print(f["code"]) for f in json.load(open(sys.argv[1]))["findings"]]' "$1"
}
# json_get FILE EXPR: evaluates a Python expression over the document d.
json_get() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
# has_code FILE CODE
has_code() { json_codes "$1" | grep -qx "$2"; }

# inert FILE NAME [empty]: one TAP line; FILE is safe to show on a
# terminal (tests/hostile/clean_output.py: valid UTF-8, no control
# character but newline and tab, no C1 control, no bidi control or
# invisible format character, in the text and in its JSON strings) and
# not empty unless the third argument says it may be.
inert() {
	_inert_flag=--nonempty
	[ -n "${3:-}" ] && _inert_flag=
	if python3 "$TOP/tests/hostile/clean_output.py" $_inert_flag \
		"$1" >"$T/inert.out" 2>&1; then
		ok "$2"
	else
		not_ok "$2"
		sed 's/^/#   /' "$T/inert.out"
	fi
}

# shows FILE WORD... NAME: each WORD is in FILE's text (in a JSON file,
# in its strings, keys too, as they decode), and none of them escaped
# twice.
shows() {
	_f=$1; shift
	_n=$(eval echo \${$#})
	if python3 - "$_f" "$@" <<'PY' >"$T/shows.out" 2>&1
import json, sys
raw = open(sys.argv[1], encoding="utf-8").read()
try:
    doc = json.loads(raw)
except ValueError:
    doc = None
def strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from strings(x)
text = "\n".join(strings(doc)) if doc is not None else raw
for w in sys.argv[2:-1]:
    if w not in text:
        sys.exit("missing: " + w)
    if "\\" + w in text:
        sys.exit("escaped twice: \\" + w)
PY
	then
		ok "$_n"
	else
		not_ok "$_n"
		sed 's/^/#   /' "$T/shows.out"
	fi
}
