#!/bin/sh
# The documents agree with the program: docs/findings.md is what the
# finding table and the sources generate now (where each code is
# decided among it), every code the contract names exists,
# every code in the table has a test that asserts it, and every man page
# renders without a warning.
. "$(dirname "$0")/../lib.sh"

# docs/findings.md is generated, never edited by hand
if sh "$TOP/scripts/gen-findings-doc.sh" "$TP" >"$T/findings.md" \
	2>"$T/gen.err"; then
	if cmp -s "$T/findings.md" "$TOP/docs/findings.md"; then
		ok "docs/findings.md matches the finding table"
	else
		diff -u "$TOP/docs/findings.md" "$T/findings.md" | sed 's/^/# /'
		not_ok "docs/findings.md is stale: run make docs"
	fi
else
	sed 's/^/# /' "$T/gen.err"
	not_ok "scripts/gen-findings-doc.sh failed"
fi

# a newcomer finds where each code is decided in one hop: every code's
# entry names the files that report it, read off the sources
if grep -q '^- Decided in: nowhere' "$T/findings.md"; then
	grep -B5 '^- Decided in: nowhere' "$T/findings.md" | grep '^## ' |
		sed 's/^/# not decided anywhere: /'
	not_ok "every finding code is decided in a file of src/"
else
	ok "every finding code is decided in a file of src/ ($(grep -c '^- Decided in: `src/' "$T/findings.md") codes)"
fi

# the codes CONTRACT.md promises
"$TP" codes >"$T/codes.txt" 2>&1 || not_ok "tlsprobe codes exits 0"
for code in DNS_FAILURE TCP_REFUSED TCP_TIMEOUT NET_UNREACHABLE NOT_TLS \
	RESET_DURING_HANDSHAKE HANDSHAKE_TIMEOUT PEER_CLOSED PMTU_BLACKHOLE \
	SNI_FILTERED NAT_SOURCE NAT_DESTINATION TLS_INTERCEPTED \
	PROTOCOL_VERSION_MISMATCH NO_SHARED_CIPHER ALERT_RECEIVED \
	CLIENT_CERT_REQUIRED CLIENT_CERT_REJECTED CERT_EXPIRED \
	CERT_NOT_YET_VALID NAME_MISMATCH UNKNOWN_CA CA_MISMATCH \
	INCOMPLETE_CHAIN CHAIN_ORDER SELF_SIGNED WEAK_KEY WEAK_SIGNATURE \
	BAD_KEY_USAGE PEER_ID_MISMATCH KEY_MISMATCH WEAK_PROTOCOL \
	WEAK_CIPHER NO_FORWARD_SECRECY POLICY_EXTRA POLICY_MISSING; do
	check "tlsprobe codes lists $code" \
		awk -v c="$code" '$1 == c { found = 1 } END { exit !found }' \
		"$T/codes.txt"
done

# every code in the table is provoked by a test that asserts it was
# reported. A mention is not enough (a test's name, a message, an
# absence such as !CODE, one of alternatives A|B, the list above):
# tests/integration/provoked.py says which forms assert a code, in shell
# tests (expect, expect_errors, expect_srv, the hostile case tables,
# Python checks such as 'CODE' in codes or f['code'] == 'CODE', grep -q
# on a text output) and in C tests (assert_true(tp_report_has(..)),
# assert_int_equal(f->code, TP_CODE), on a finding the test did not make
# itself).
PROVOKED="$TOP/tests/integration/provoked.py"

# the rule first, on a tree of its own: what it must take, what not
mkdir -p "$T/rule/tests/integration" "$T/rule/tests/unit"
cat >"$T/rule/tests/integration/t_docs.sh" <<'EOF'
for code in LISTED_ONLY; do check "$code"; done
EOF
cat >"$T/rule/tests/integration/t_rule.sh" <<'EOF'
# expect "in a comment" 1 COMMENT_ONLY
expect "a name that says NAME_ONLY" 1 '!ABSENT_BANG'
expect_py "absences" "'ABSENT_IN' not in codes and not text('ABSENT_TEXT')"
ccase mode 1 'EITHER_A|EITHER_B'
check "negated grep" sh -c "! grep -q ABSENT_GREP '$T/out'"
ok "a message about MESSAGE_ONLY"
expect "continued" 1 \
	'!ABSENT_TOO' CONTINUED_OK
expect_py "listed" "[f for f in d['findings'] if f['code'] == 'EQUAL_OK']"
line_py "in codes" 1 "'IN_CODES_OK' in codes"
hpy run "text" "'x' in text('TEXT_OK') and 'y' in text('SUM_A') + text('SUM_B')"
check "text output" grep -q GREP_OK "$T/out"
EOF
cat >"$T/rule/tests/unit/test_rule.c" <<'EOF'
static const enum tp_code inputs[] = {TP_C_TABLE_ONLY};
f = tp_report_finding(r, TP_C_MADE_HERE, "by the test");
assert_int_equal(f->code, TP_C_MADE_HERE);
assert_false(tp_report_has(r, TP_C_ABSENT));
assert_true(tp_report_has(r, TP_C_HAS_OK));
assert_int_equal(r->findings[0].code, TP_C_CODE_OK);
EOF
rule_yes="CONTINUED_OK EQUAL_OK IN_CODES_OK TEXT_OK GREP_OK C_HAS_OK C_CODE_OK"
rule_no="LISTED_ONLY COMMENT_ONLY NAME_ONLY ABSENT_BANG ABSENT_IN ABSENT_TEXT
	EITHER_A EITHER_B ABSENT_GREP MESSAGE_ONLY ABSENT_TOO SUM_A SUM_B
	C_TABLE_ONLY C_MADE_HERE C_ABSENT"
# shellcheck disable=SC2086
echo $rule_yes $rule_no >"$T/rule-codes"
python3 "$PROVOKED" "$T/rule" "$T/rule-codes" >"$T/rule-out" 2>&1
for code in $rule_yes; do
	check "the rule takes $code as asserted" \
		grep -q "^yes $code " "$T/rule-out"
done
for code in $rule_no; do
	check "the rule does not take $code as asserted" \
		grep -q "^no $code " "$T/rule-out"
done

awk '/^[A-Z][A-Z_]+ / { print $1 }' "$T/codes.txt" >"$T/table-codes"
if ! python3 "$PROVOKED" "$TOP" "$T/table-codes" >"$T/provoked" \
	2>"$T/provoked.err"; then
	sed 's/^/# /' "$T/provoked.err"
	not_ok "tests/integration/provoked.py runs"
fi
n_codes=$(wc -l <"$T/table-codes")
check "provoked.py judged each of the table's $n_codes codes" \
	test "$n_codes" -gt 0 -a "$(wc -l <"$T/provoked")" -eq "$n_codes"
while read -r hit code where; do
	if [ "$hit" = yes ]; then
		ok "a test provokes and asserts $code"
	else
		not_ok "a test provokes and asserts $code"
		echo "#   named but not asserted at: $where"
	fi
done <"$T/provoked"

# man pages: no roff warning from man or groff
pages=$(ls "$TOP"/docs/*.1 2>/dev/null)
if [ -z "$pages" ]; then
	not_ok "docs/*.1: no man page found"
fi
for page in $pages; do
	name=docs/$(basename "$page")
	if command -v man >/dev/null 2>&1; then
		MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l -Tutf8 "$page" \
			>/dev/null 2>"$T/man.err"
	else
		groff -man -Tutf8 -z -ww "$page" 2>"$T/man.err"
	fi
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$T/man.err" ]; then
		ok "$name renders without warnings"
	else
		sed 's/^/# /' "$T/man.err"
		not_ok "$name renders without warnings (status $rc)"
	fi
done
