# make demo's script: it runs end to end, shows the three verdicts, and
# leaves no server behind.
. "$(dirname "$0")/../lib.sh"

sh "$TOP/scripts/demo.sh" "$BIN" >"$T/demo.out" 2>&1; rc=$?
check "demo exits 0" [ "$rc" -eq 0 ]
check "demo: the healthy server passes" grep -q 'verdict   PASS' "$T/demo.out"
check "demo: the other CA's certificate is UNKNOWN_CA" grep -q 'UNKNOWN_CA' "$T/demo.out"
check "demo: the wrong name is NAME_MISMATCH" grep -q 'NAME_MISMATCH' "$T/demo.out"
check "demo: the wrong key is KEY_MISMATCH" grep -q 'KEY_MISMATCH' "$T/demo.out"
check "demo: the healthy server's cipher audit has a grade" \
	grep -q '^grade      [A-F]$' "$T/demo.out"
check "demo: output through a pipe has no escape sequences" \
	sh -c "! grep -q \"\$(printf '\\033')\" '$T/demo.out'"
sleep 0.3
left=$(ps -eo args | grep -c '[t]lsprobe-demo\.')
check "demo: no server left running ($left found)" [ "$left" -eq 0 ]
