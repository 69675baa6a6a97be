#!/bin/sh
# Runs every test program and sums their TAP lines.
#   tests/run.sh BUILD_DIR BIN_DIR [PATTERN]
# Each program prints TAP ("ok N - name", "not ok N - name",
# "ok N - name # SKIP why"); a program that exits non-zero without a
# "not ok" line counts as one failure. The last line is the summary.
B=${1:-build/std}
BIN=${2:-bin}
PATTERN=${3:-}
top=$(cd "$(dirname "$0")/.." && pwd)
TLSPROBE_BIN=$(cd "$BIN" && pwd)
export TLSPROBE_BIN
export TLSPROBE_TOP="$top"
export CMOCKA_MESSAGE_OUTPUT=TAP
logdir=$(mktemp -d "${TMPDIR:-/tmp}/tlsprobe-check.XXXXXX")
trap 'rm -rf "$logdir"' EXIT INT TERM

passed=0 failed=0 skipped=0
failures="$logdir/failures"
: >"$failures"
run_one() {
	name=$1; shift
	case "$name" in *"$PATTERN"*) ;; *) return ;; esac
	log="$logdir/$(echo "$name" | tr '/' '_').log"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
	s=$(grep -cE '^ok [0-9]+.*# *(SKIP|skip)' "$log" | tr -d ' ')
	# cmocka's skip() prints "not ok N # SKIP": a skip, as TAP says
	sn=$(grep -cE '^not ok [0-9]+.*# *(SKIP|skip)' "$log" | tr -d ' ')
	f=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
	p=$((p - s)); f=$((f - sn)); s=$((s + sn))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	secs=$(( $(date +%s) - start ))
	printf '%-40s %3d passed %3d failed %3d skipped  %ss\n' "$name" "$p" "$f" "$s" "$secs"
	if [ "$f" -gt 0 ]; then
		sed 's/^/    | /' "$log"
		grep -E '^not ok' "$log" | sed "s|^|$name: |" >>"$failures"
	else
		grep -E '^ok [0-9]+.*# *(SKIP|skip)' "$log" | sed 's/^/    | /'
	fi
}

for t in "$B"/tests/test_*; do
	[ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
done
for t in "$B"/tests/fuzz_*; do
	[ -x "$t" ] || continue
	corpus="$top/tests/fuzz/corpus/$(basename "$t" | sed 's/^fuzz_//')"
	run_one "fuzz/$(basename "$t")" "$t" "$corpus"
done
for dir in integration hostile net tui torture; do
	for t in "$top"/tests/$dir/t_*.sh; do
		[ -f "$t" ] && run_one "$dir/$(basename "$t" .sh)" sh "$t"
	done
done

# The failures again, next to the summary, so that a log cut to its
# last lines still names them.
if [ -s "$failures" ]; then
	echo "failed:"
	sed 's/^/  /' "$failures"
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
