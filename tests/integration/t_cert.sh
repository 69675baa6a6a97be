#!/bin/sh
# tlsprobe cert over the sample PKI: the exit status and the exact finding
# codes for each certificate file, and exit 2 with one line on stderr
# naming the file for each unusable input.
. "$(dirname "$0")/../lib.sh"

NOW=2026-11-22T00:00:00Z
PKI=$T/pki
if ! sh "$TOP/samples/mkpki.sh" "$PKI" >"$T/mkpki.log" 2>&1; then
	not_ok "samples/mkpki.sh builds the sample PKI"
	sed 's/^/#   /' "$T/mkpki.log"
	exit 1
fi

# cert NAME STATUS "CODES" ARGS...: runs tlsprobe cert --json with ARGS;
# the exit status must be STATUS and the finding codes exactly CODES (in
# any order, space-separated, "" for none). The report stays in $T/out.
cert() {
	_name=$1; _want_rc=$2; _want=$3; shift 3
	"$TP" cert --json --now "$NOW" "$@" >"$T/out" 2>"$T/err"
	_rc=$?
	_got=$(json_codes "$T/out" 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//')
	_want=$(printf '%s\n' $_want | sort | tr '\n' ' ' | sed 's/ $//')
	if [ "$_rc" -eq "$_want_rc" ] && [ "$_got" = "$_want" ] &&
	   [ ! -s "$T/err" ]; then
		ok "$_name: exit $_want_rc, codes [${_want}]"
		return 0
	fi
	not_ok "$_name: exit $_want_rc, codes [${_want}]"
	echo "#   got exit $_rc, codes [$_got]"
	echo "#   command: tlsprobe cert --json --now $NOW $*"
	sed 's/^/#   stderr: /' "$T/err"
	head -c 2000 "$T/out" | sed 's/^/#   /'
	return 1
}

# usage NAME REGEX ARGS...: exit 2, empty stdout, exactly one line on
# stderr matching REGEX.
usage() {
	_name=$1; _re=$2; shift 2
	"$TP" cert "$@" >"$T/out" 2>"$T/err"
	_rc=$?
	_lines=$(awk 'END { print NR }' "$T/err")
	if [ "$_rc" -eq 2 ] && [ ! -s "$T/out" ] && [ "$_lines" -eq 1 ] &&
	   grep -qE -- "$_re" "$T/err"; then
		ok "$_name: exit 2, one line naming it"
		return 0
	fi
	not_ok "$_name: exit 2, one line naming it"
	echo "#   got exit $_rc, $_lines lines on stderr, wanted /$_re/"
	sed 's/^/#   stderr: /' "$T/err"
	head -c 600 "$T/out" | sed 's/^/#   stdout: /'
	return 1
}

# summary_has TEXT: some finding's summary in $T/out contains TEXT.
summary_has() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if any(sys.argv[2] in f["summary"] for f in d["findings"]) else 1)' \
		"$T/out" "$1"
}

CA1="--ca $PKI/ca1.pem"

# ---- good inputs ----
cert "RSA leaf with its key and name" 0 "" $CA1 \
	--cert "$PKI/server.pem" --key "$PKI/server.key" --expect-name localhost
cert "EC leaf with its key" 0 "" $CA1 \
	--cert "$PKI/server-ec.pem" --key "$PKI/server-ec.key"
cert "leaf and intermediate" 0 "" $CA1 \
	--cert "$PKI/server-int-chain.pem" --key "$PKI/server-int.key" \
	--expect-name server.test
cert "IPv4 literal in an IP SAN" 0 "" $CA1 \
	--cert "$PKI/server.pem" --expect-name 127.0.0.1
cert "IPv6 literal in an IP SAN" 0 "" $CA1 \
	--cert "$PKI/server.pem" --expect-name ::1
cert "leaf of CA2 against CA2" 0 "" --ca "$PKI/ca2.pem" \
	--cert "$PKI/server-ca2.pem" --key "$PKI/server-ca2.key"
cert "client certificate for purpose client" 0 "" $CA1 \
	--cert "$PKI/client.pem" --key "$PKI/client.key" --purpose client
cert "unique ID matches the CN" 0 "" $CA1 \
	--cert "$PKI/node-a.pem" --expect-id aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01

# ---- trust and chain ----
cert "intermediate not sent" 1 "UNKNOWN_CA" $CA1 \
	--cert "$PKI/server-int.pem" --key "$PKI/server-int.key"
check "  ... the summary names the missing issuer" \
	summary_has "issuer CN=tlsprobe Test Intermediate 1"
cert "intermediate only in the trust store" 0 "INCOMPLETE_CHAIN" \
	--ca "$PKI/ca1-bundle.pem" --cert "$PKI/server-int.pem"
check "  ... as a warning" test "$(json_get "$T/out" \
	'd["findings"][0]["severity"]')" = warning
cert "chain out of order" 0 "CHAIN_ORDER" $CA1 \
	--cert "$PKI/server-int-misordered.pem" --key "$PKI/server-int.key"
check "  ... the summary names the positions" summary_has \
	"does not issue [0] CN=localhost; its issuer is at position [2]"
cert "intermediate missing between leaf and root" 1 "INCOMPLETE_CHAIN" $CA1 \
	--cert "$PKI/server-int-gap.pem" --key "$PKI/server-int.key"
cert "leaf of another CA" 1 "UNKNOWN_CA" $CA1 --cert "$PKI/server-ca2.pem"
check "  ... the summary names the issuer and the trust file" summary_has \
	"holds only [0] CN=localhost, whose issuer CN=tlsprobe Test CA2,O=tlsprobe is not in it and not among the 1 trusted CAs from $PKI/ca1.pem"
check "  ... the first fix is the certificate file's, --ca second" python3 -c '
import json, sys
f = [f for f in json.load(open(sys.argv[1]))["findings"] if f["code"] == "UNKNOWN_CA"][0]
sys.exit(0 if f["fix"].startswith("append the intermediate CN=tlsprobe Test CA2") and f["fix"].index("--ca") > 0 else 1)' "$T/out"
cert "client of another CA" 1 "UNKNOWN_CA" $CA1 \
	--cert "$PKI/client-ca2.pem" --purpose client
cert "self-signed leaf" 1 "SELF_SIGNED" $CA1 \
	--cert "$PKI/server-selfsigned.pem" --key "$PKI/server-selfsigned.key"
# a leaf whose issuer is missing may lack an intermediate or come from a
# private root the store lacks (as here): nothing sent tells which
cert "test CA against the system store" 1 "UNKNOWN_CA" \
	--cert "$PKI/server.pem"
check "  ... the summary says the system store" \
	summary_has "trusted CAs from the system store"

# ---- dates, names, IDs ----
cert "expired" 1 "CERT_EXPIRED" $CA1 --cert "$PKI/server-expired.pem"
check "  ... says when and how long ago" summary_has \
	"[0] CN=localhost expired on 2021-01-01T00:00:00Z, 5 years 325 days ago"
cert "not yet valid" 1 "CERT_NOT_YET_VALID" $CA1 \
	--cert "$PKI/server-notyet.pem"
check "  ... says when" summary_has "becomes valid on 2040-01-01T00:00:00Z, in "
cert "wrong name" 1 "NAME_MISMATCH" $CA1 \
	--cert "$PKI/server-wrongname.pem" --expect-name localhost
check "  ... the detail lists what the certificate holds" test \
	"$(json_get "$T/out" '"DNS:other.test" in d["findings"][0]["detail"]')" = True
cert "IP literal not in the SANs" 1 "NAME_MISMATCH" $CA1 \
	--cert "$PKI/server.pem" --expect-name 127.0.0.2
cert "unique ID differs" 1 "PEER_ID_MISMATCH" $CA1 \
	--cert "$PKI/node-b.pem" --expect-id aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01

# ---- keys, signatures, usage ----
cert "RSA-1024 key" 0 "WEAK_KEY" $CA1 --cert "$PKI/server-weakkey.pem" \
	--key "$PKI/server-weakkey.key"
cert "SHA-1 signature, an error as tlsprobe client makes it" 1 "WEAK_SIGNATURE" $CA1 --cert "$PKI/server-sha1.pem"
cert "clientAuth-only certificate as a server" 1 "BAD_KEY_USAGE" $CA1 \
	--cert "$PKI/server-clientauth.pem"
cert "clientAuth-only certificate as a client" 0 "" $CA1 \
	--cert "$PKI/server-clientauth.pem" --purpose client
cert "key of another certificate" 1 "KEY_MISMATCH" $CA1 \
	--cert "$PKI/server.pem" --key "$PKI/other.key"
check "  ... the summary names both files" summary_has \
	"the key in $PKI/other.key does not belong to [0] CN=localhost in $PKI/server.pem"
cert "several problems at once" 1 "CERT_EXPIRED NAME_MISMATCH UNKNOWN_CA" \
	--ca "$PKI/ca2.pem" --cert "$PKI/server-expired.pem" \
	--expect-name other.test

# ---- the report itself ----
cert "report of a two-certificate chain" 0 "" $CA1 \
	--cert "$PKI/server-int-chain.pem"
check "  ... command is cert" test "$(json_get "$T/out" 'd["command"]')" = cert
check "  ... both certificates, positions 0 and 1" test \
	"$(json_get "$T/out" '[c["position"] for c in d["certificates"]]')" = "[0, 1]"
check "  ... the intermediate is a CA, the leaf not" test \
	"$(json_get "$T/out" '[c["is_ca"] for c in d["certificates"]]')" = "[False, True]"
check "  ... key and SANs of the leaf" test "$(json_get "$T/out" \
	'(d["certificates"][0]["key"], d["certificates"][0]["san"])')" = \
	"('EC-SECP256R1', ['DNS:localhost', 'DNS:server.test', 'IP:127.0.0.1', 'IP:::1'])"
fp=$(openssl x509 -in "$PKI/server-int.pem" -noout -fingerprint -sha256 |
	sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
check "  ... sha256 is the DER fingerprint" test \
	"$(json_get "$T/out" 'd["certificates"][0]["sha256"]')" = "$fp"
cert "findings about our own files are local" 1 \
	"CERT_EXPIRED NAME_MISMATCH" $CA1 --cert "$PKI/server-expired.pem" \
	--expect-name other.test
check "  ... side local" test "$(json_get "$T/out" \
	'all(f["side"] == "local" for f in d["findings"])')" = True
"$TP" cert --no-color --now "$NOW" $CA1 --cert "$PKI/server-expired.pem" \
	>"$T/text" 2>&1
text_rc=$?
esc=$(printf '\033')
check "text view: exit 1" test "$text_rc" -eq 1
check "text view: names the code" grep -q CERT_EXPIRED "$T/text"
check "text view: no escape bytes with --no-color" sh -c \
	'! grep -q "$1" "$2"' sh "$esc" "$T/text"

# ---- unusable input: exit 2, one line naming the file ----
usage "--cert naming no file" "$T/nonexistent\\.pem" $CA1 \
	--cert "$T/nonexistent.pem"
usage "--cert naming an empty file" "empty\\.pem: empty" $CA1 \
	--cert "$PKI/empty.pem"
usage "--cert naming PEM armour around garbage" "garbage\\.pem: .*base64" \
	$CA1 --cert "$PKI/garbage.pem"
usage "--cert naming a key" "server\\.key: holds a private key" $CA1 \
	--cert "$PKI/server.key"
usage "--key naming a certificate" \
	"not-a-key\\.pem: holds a certificate, not a private key" $CA1 \
	--cert "$PKI/server.pem" --key "$PKI/not-a-key.pem"
usage "--key naming no file" "nonexistent\\.key" $CA1 \
	--cert "$PKI/server.pem" --key "$T/nonexistent.key"
usage "--ca naming an empty file" "--ca .*empty\\.pem" \
	--ca "$PKI/empty.pem" --cert "$PKI/server.pem"
usage "--ca naming PEM armour around garbage" "--ca .*garbage\\.pem" \
	--ca "$PKI/garbage.pem" --cert "$PKI/server.pem"
usage "--ca naming no file" "--ca .*nonexistent\\.pem" \
	--ca "$T/nonexistent.pem" --cert "$PKI/server.pem"
usage "unknown flag" "unknown option '--frobnicate'" --frobnicate \
	--cert "$PKI/server.pem"
usage "no --cert" "--cert FILE is required" $CA1
usage "--cert without its argument" "'--cert' needs a value" --cert
usage "--purpose neither server nor client" "--purpose 'both'" \
	--cert "$PKI/server.pem" --purpose both
usage "--now not a time" "--now 'yesterday'" --cert "$PKI/server.pem" \
	--now yesterday
usage "stray argument" "unexpected argument 'extra'" \
	--cert "$PKI/server.pem" extra
usage "bad file with --json too" "empty\\.pem" --json \
	--cert "$PKI/empty.pem"

echo "1..$_tap_n"
