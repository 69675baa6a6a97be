#!/bin/sh
# tlsprobe pcap with its default caps stays under its stated bound
# whatever the capture (docs/tlsprobe-pcap.1: under 80 MB): 100,000
# half-open flows that sent a ClientHello never answered, and 50,000
# whose ClientHello waits out of order behind a hole that never fills
# (mkflood.py, no network). Each says what the caps cost it: the flows
# evicted past the 32,768 followed, the streams cut short for the
# 32 MiB held by all flows together.
. "$(dirname "$0")/../lib.sh"

MKFLOOD="$TOP/tests/integration/mkflood.py"
FLOWS=100000
MAX_FLOWS=32768
RSS_LIMIT_KB=$((80 * 1024))
# AddressSanitizer keeps freed memory in a quarantine and shadows every
# byte: the bound is the plain build's; the sanitizer build gets a
# looser one, still far under what the flows cost before the caps.
case "$BIN" in
*/san/*)
	RSS_LIMIT_KB=$((192 * 1024))
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
	export ASAN_OPTIONS
	;;
esac
LIMIT=60

# run_rss NAME ARGS...: tlsprobe pcap ARGS; sets OUT, PERR, PRC and
# RSS_KB (the run's peak resident set, from the kernel's rusage).
run_rss() {
	_n=$1
	shift
	OUT="$T/$_n.out" PERR="$T/$_n.err"
	RSS_KB=$(python3 - "$LIMIT" "$OUT" "$PERR" "$TP" pcap "$@" <<'PY'
import resource, subprocess, sys
limit, out, err, cmd = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
with open(out, "wb") as o, open(err, "wb") as e:
    try:
        rc = subprocess.run(cmd, stdout=o, stderr=e, stdin=subprocess.DEVNULL,
                            timeout=limit).returncode
    except subprocess.TimeoutExpired:
        rc = 124
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)
PY
)
	PRC=${RSS_KB#* }
	RSS_KB=${RSS_KB% *}
}

# summary WHAT EXPR [WHAT EXPR...]: Python expressions over the JSON
# report's summary s (hs: the handshakes), one TAP line each; the report
# is read once, as 100,000 handshakes take a while.
summary() {
	python3 - "$OUT" "$@" >"$T/summary.out" 2>"$T/summary.err" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    s, hs = d["summary"], d["handshakes"]
except Exception as e:
    s, hs = {"unreadable": str(e)}, []
args = sys.argv[2:]
for what, expr in zip(args[0::2], args[1::2]):
    try:
        good = bool(eval(expr))
    except Exception as e:
        good = False
    print("1" if good else "0", what)
    if not good:
        print("#   false:", expr)
        print("#   summary:", str(s)[:600])
PY
	while IFS= read -r _line; do
		case $_line in
		"1 "*) ok "${_line#1 }" ;;
		"0 "*) not_ok "${_line#0 }" ;;
		*) echo "$_line" ;;
		esac
	done <"$T/summary.out"
}

python3 "$MKFLOOD" hello $FLOWS "$T/hello.pcap"
# (the text, not JSON: the check is a grep, not a parse of 100,000
# handshakes)
run_rss hello --no-color "$T/hello.pcap"
echo "# $FLOWS unanswered ClientHellos: exit status $PRC, peak RSS $RSS_KB kB"
check "unanswered ClientHellos: a report (exit status $PRC)" [ "$PRC" -eq 0 ]
check "unanswered ClientHellos: peak RSS $RSS_KB kB under $RSS_LIMIT_KB kB" \
	[ "$RSS_KB" -lt "$RSS_LIMIT_KB" ]
check "unanswered ClientHellos: $((FLOWS - MAX_FLOWS)) flows reported evicted past the $MAX_FLOWS followed, none cut short" \
	grep -q "^frames .* $FLOWS TCP connections, $FLOWS with TLS, $((FLOWS - MAX_FLOWS)) evicted, [0-9.]* ms$" "$OUT"
check "unanswered ClientHellos: every one listed, incomplete, with its server name" \
	test "$(grep -c '  flood\.test  -  -  incomplete$' "$OUT")" -eq $FLOWS

HOLES=50000
python3 "$MKFLOOD" hole $HOLES "$T/hole.pcap"
run_rss hole --json "$T/hole.pcap"
echo "# $HOLES ClientHellos behind a hole: exit status $PRC, peak RSS $RSS_KB kB"
check "ClientHellos behind a hole: a report (exit status $PRC)" [ "$PRC" -eq 0 ]
check "ClientHellos behind a hole: peak RSS $RSS_KB kB under $RSS_LIMIT_KB kB" \
	[ "$RSS_KB" -lt "$RSS_LIMIT_KB" ]
summary "ClientHellos behind a hole: at most 32 MiB held, streams cut short for it counted" \
	"s['peak_buffer'] <= 32 * 1024 * 1024 and s['over_budget'] > 0 and s['evicted'] == $((HOLES - MAX_FLOWS))"
run_rss hole-text "$T/hole.pcap" --no-color
check "ClientHellos behind a hole: the text says how many flows were evicted and how many streams cut short" \
	sh -c "grep -q ', $((HOLES - MAX_FLOWS)) evicted, [0-9]* cut short for memory' '$OUT'"
