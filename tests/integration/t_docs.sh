#!/bin/sh
# The documents agree with the program: docs/findings.md is what the
# finding table generates now, every code the contract names exists, and
# every man page renders without a warning.
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

# every code in the table is provoked by a test that asserts it: a
# shell test names it outside a comment and not as !CODE (what expect
# and the JSON checks take), or a C test asserts TP_CODE
awk '/^[A-Z][A-Z_]+ / { print $1 }' "$T/codes.txt" >"$T/table-codes"
python3 - "$T/table-codes" "$TOP" <<'PY' >"$T/provoked"
import glob, re, sys
codes = open(sys.argv[1]).read().split()
top = sys.argv[2]
shell = []
for f in glob.glob(top + "/tests/*/t_*.sh"):
    shell += [l for l in open(f) if not l.lstrip().startswith("#")]
c = "".join(open(f).read() for f in glob.glob(top + "/tests/unit/test_*.c"))
for code in codes:
    pat = re.compile(r"(?<![!A-Za-z_])" + code + r"(?![A-Za-z_])")
    hit = any(pat.search(l) for l in shell) or \
        re.search(r"\bTP_" + code + r"\b", c) is not None
    print(("yes " if hit else "no ") + code)
PY
while read -r hit code; do
	if [ "$hit" = yes ]; then
		ok "a test provokes and asserts $code"
	else
		not_ok "a test provokes and asserts $code"
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
