#!/bin/sh
# tlsprobe client with bad usage or unusable input: exit 2, exactly one
# line on stderr that names the problem, nothing on stdout, with and
# without --json.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

# The sample PKI's unusable files: garbage.pem (PEM armour around a body
# that is not base64), not-a-key.pem (a certificate), empty.pem; and one
# that is not PEM at all.
make_pki server.pem server.key garbage.pem not-a-key.pem empty.pem
printf 'hello, I am not a certificate\n' >"$T/not-pem.pem"
# Nothing listens here: should a usage error slip through, the run ends
# at once instead of going anywhere.
TGT=127.0.0.1:$(free_port)

# usage NAME REGEX ARGS...: exit 2, one stderr line matching REGEX
# (case-insensitive), empty stdout; with --json and without.
usage() {
	_name=$1; _re=$2; shift 2
	_why=""
	for _mode in json text; do
		_j=""; [ $_mode = json ] && _j=--json
		timeout -k 2 10 "$TP" client $_j "$@" >"$T/out" 2>"$T/err" </dev/null
		_rc=$?
		_lines=$(awk 'END { print NR }' "$T/err")
		if [ $_rc -ne 2 ]; then
			_why="$_why; $_mode: exit status $_rc, wanted 2"
		fi
		if [ -s "$T/out" ]; then
			_why="$_why; $_mode: stdout not empty"
		fi
		if [ "$_lines" -ne 1 ]; then
			_why="$_why; $_mode: $_lines lines on stderr, wanted 1"
		elif ! grep -qiE -- "$_re" "$T/err"; then
			_why="$_why; $_mode: stderr does not match /$_re/"
		fi
		if [ -n "$_why" ]; then
			break
		fi
	done
	if [ -z "$_why" ]; then
		ok "$_name: exit 2, one line naming it"
		return
	fi
	not_ok "$_name: exit 2, one line naming it"
	echo "#   ${_why#; }"
	echo "#   command: tlsprobe client $_j $*"
	echo "#   stderr:"; head -n 10 "$T/err" | sed 's/^/#     /'
	echo "#   stdout:"; head -c 600 "$T/out" | sed 's/^/#     /'; echo
}

usage "unknown flag" '--no-such-flag' "$TGT" --no-such-flag
usage "no target" 'target|host' --timeout 1
usage "two targets" 'target|second\.test' first.test:443 second.test:443
usage "port 0" 'port|:0' 127.0.0.1:0
usage "port 70000" '70000' 127.0.0.1:70000
usage "--timeout abc" 'abc' "$TGT" --timeout abc
usage "--timeout -1" '-1|timeout' "$TGT" --timeout -1
usage "--ca naming a file that does not exist" 'no-such-ca\.pem' \
	"$TGT" --timeout 1 --ca "$T/no-such-ca.pem"
usage "--ca naming PEM armour around garbage" 'garbage\.pem' \
	"$TGT" --timeout 1 --ca "$PKI/garbage.pem"
usage "--ca naming a file that is not PEM" 'not-pem\.pem' \
	"$TGT" --timeout 1 --ca "$T/not-pem.pem"
usage "--cert without --key" '--key' \
	"$TGT" --timeout 1 --cert "$PKI/server.pem"
usage "--key naming a certificate, not a key" 'not-a-key\.pem' \
	"$TGT" --timeout 1 --cert "$PKI/server.pem" --key "$PKI/not-a-key.pem"
usage "--cert naming an empty file" 'empty\.pem' \
	"$TGT" --timeout 1 --cert "$PKI/empty.pem" --key "$PKI/server.key"

# -h is --help in every subcommand: the same text on stdout, exit 0
for sub in client server peer ciphers pcap cert id codes summary tui; do
	"$TP" $sub --help >"$T/long" 2>/dev/null </dev/null
	timeout -k 2 10 "$TP" $sub -h >"$T/out" 2>"$T/err" </dev/null
	_rc=$?
	if [ $_rc -eq 0 ] && [ -s "$T/out" ] && [ ! -s "$T/err" ] &&
		cmp -s "$T/long" "$T/out"; then
		ok "tlsprobe $sub -h prints its help, as --help does"
	else
		not_ok "tlsprobe $sub -h prints its help, as --help does (exit $_rc)"
		head -n 3 "$T/err" "$T/out" | sed 's/^/#   /'
	fi
done

# a bad --wait is blamed on --wait, not on --timeout
timeout -k 2 10 "$TP" peer --connect "$TGT" --wait abc >"$T/out" 2>"$T/err" </dev/null
_rc=$?
if [ $_rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
	grep -q -- "--wait 'abc'" "$T/err" && ! grep -q -- "--timeout" "$T/err"; then
	ok "peer --wait abc: exit 2, one line naming --wait"
else
	not_ok "peer --wait abc: exit 2, one line naming --wait (exit $_rc)"
	sed 's/^/#   /' "$T/err"
fi
