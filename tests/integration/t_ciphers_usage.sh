#!/bin/sh
# An empty or unusable list is bad usage, never "nothing" or "the
# default": exit 2 and one line on stderr naming the option and the
# value, before any connection, in every subcommand. And an audit that
# could test none of the versions it was asked for does not pass.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/ciphers.sh"

make_pki server.pem server.key
# A real server that would answer: a run that went ahead with an empty
# list would reach it and end in exit 0 or 1, never 2.
start_openssl_server -cert "$PKI/server.pem" -key "$PKI/server.key"
TGT=127.0.0.1:$SRV_PORT

# usage SUB NAME REGEX ARGS...: tlsprobe SUB ARGS exits 2 with one line
# on stderr matching REGEX (case-insensitive) and nothing on stdout.
usage() {
	_sub=$1; _name=$2; _re=$3; shift 3
	_why=""
	timeout -k 2 20 "$TP" "$_sub" "$@" >"$T/out" 2>"$T/err" </dev/null
	_rc=$?
	_lines=$(awk 'END { print NR }' "$T/err")
	[ $_rc -ne 2 ] && _why="$_why; exit status $_rc, wanted 2"
	[ -s "$T/out" ] && _why="$_why; stdout not empty"
	if [ "$_lines" -ne 1 ]; then
		_why="$_why; $_lines lines on stderr, wanted 1"
	elif ! grep -qiE -- "$_re" "$T/err"; then
		_why="$_why; stderr does not match /$_re/"
	fi
	if [ -z "$_why" ]; then
		ok "$_sub $_name: exit 2, one line naming it"
		return
	fi
	not_ok "$_sub $_name: exit 2, one line naming it"
	echo "#   ${_why#; }"
	echo "#   command: tlsprobe $_sub $*"
	echo "#   stderr:"; head -n 10 "$T/err" | sed 's/^/#     /'
	echo "#   stdout:"; head -c 600 "$T/out" | sed 's/^/#     /'; echo
}

# ---- ciphers ----
usage ciphers "--protocols ''" "--protocols ''" "$TGT" --protocols ''
usage ciphers "--protocols=" "--protocols ''" "$TGT" --protocols=
usage ciphers "--protocols ' '" "--protocols ' '" "$TGT" --protocols ' '
usage ciphers "--protocols ','" "--protocols ','.*no version" "$TGT" --protocols ,
usage ciphers "--protocols ' , : '" "--protocols ' , : '" "$TGT" --protocols ' , : '
usage ciphers "--protocols TLS1.2,TLS9" "--protocols.*'TLS9'" "$TGT" --protocols TLS1.2,TLS9
usage ciphers "--protocols '' --json" "--protocols ''" "$TGT" --json --protocols ''
usage ciphers "--policy ''" "--policy ''" "$TGT" --policy ''
usage ciphers "--policy ','" "--policy.*empty" "$TGT" --policy ,
usage ciphers "--starttls ''" "--starttls ''" "$TGT" --starttls ''
usage ciphers "--sni ''" "--sni ''" "$TGT" --sni ''
usage ciphers "--format ''" "--format ''" "$TGT" --format ''

# ---- client ----
usage client "--priority ''" "--priority ''" "$TGT" --priority ''
usage client "--priority ' '" "--priority ' '" "$TGT" --priority ' '
usage client "--alpn ''" "--alpn ''" "$TGT" --alpn ''
usage client "--alpn ','" "--alpn ','.*no protocol" "$TGT" --alpn ,
usage client "--alpn ',,'" "--alpn ',,'.*no protocol" "$TGT" --alpn ,,
usage client "--sni ''" "--sni ''" "$TGT" --sni ''
usage client "--starttls ''" "--starttls ''" "$TGT" --starttls ''
usage client "--expect-name ''" "--expect-name ''" "$TGT" --expect-name ''
usage client "--expect-id ''" "--expect-id ''" "$TGT" --expect-id ''
usage client "--ca ''" "--ca ''" "$TGT" --ca ''

# ---- server, peer ----
usage server "--listen ''" "--listen ''" --listen '' --cert "$PKI/server.pem" \
	--key "$PKI/server.key" --once
usage server "--priority ''" "--priority ''" --listen 127.0.0.1:0 \
	--cert "$PKI/server.pem" --key "$PKI/server.key" --once --priority ''
usage peer "--connect ''" "--connect ''" --listen 127.0.0.1:0 --connect '' \
	--cert "$PKI/server.pem" --key "$PKI/server.key"
usage peer "--alpn ','" "--alpn ','" --listen 127.0.0.1:0 --connect "$TGT" \
	--cert "$PKI/server.pem" --key "$PKI/server.key" --alpn ,
usage peer "--priority ''" "--priority ''" --listen 127.0.0.1:0 \
	--connect "$TGT" --cert "$PKI/server.pem" --key "$PKI/server.key" \
	--priority ''

# ---- cert, pcap ----
usage cert "--cert ''" "--cert ''" --cert ''
usage cert "--expect-name ''" "--expect-name ''" --cert "$PKI/server.pem" \
	--expect-name ''
usage cert "--purpose ''" "--purpose ''" --cert "$PKI/server.pem" --purpose ''
usage pcap "--sni ''" "--sni ''" "$TOP/tests/fuzz/corpus" --sni ''
usage pcap "--host ''" "--host ''" "$TOP/tests/fuzz/corpus" --host ''
usage pcap "--live ''" "--live ''" --live ''

# ---- an audit that tested nothing ----
# One connection of budget goes to the first contact: no version gets a
# probe, so none was tested, and that must not pass.
run_ciphers budget1 "$TGT" --budget 1
expect "--budget 1: no version tested is SCAN_INCOMPLETE, an error" 1 \
	SCAN_INCOMPLETE
audit "--budget 1: SCAN_INCOMPLETE is an error, the verdict fail" \
	"d['verdict'] == 'fail' and [f['severity'] for f in d['findings'] if f['code'] == 'SCAN_INCOMPLETE'] == ['error']"
audit "--budget 1: one connection, no version accepted" \
	"d['stats']['connections'] == 1 and not [p for p in d['protocols'] if p['accepted']]"
stop_servers
