#!/bin/sh
# Names that cannot be names never reach DNS: every option that takes a
# host (the target of client and ciphers, peer --connect, --sni,
# --expect-name, cert --expect-name) refuses them with exit 2 and one
# short line naming the option, before any query (strace sees no
# connect or send at all); an international name is sent in its A-label
# form and shown in both.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki server.pem server.key ca1.pem
LONG=$(python3 -c 'print("a" * 10000)')
LABEL64=$(python3 -c 'print("b" * 64 + ".example")')
NAME300=$(python3 -c 'print(".".join(["c" * 59] * 5))')
ESC=$(printf '\033')
LATIN1=$(printf 'b\374cher.example')
# nothing listens here: a refusal that slipped would fail at once
FREE=$(free_port)
# The runs that must not touch the network go into a network namespace
# of their own where there is none (not even loopback up): should a bad
# name slip through, its query goes nowhere.
ISO=""
if unshare -n true >/dev/null 2>&1; then
	ISO="unshare -n"
fi

# refused NAME REGEX SUB ARGS...: exit 2, stdout empty, one stderr line
# of at most 200 bytes matching REGEX, nothing raw on it.
refused() {
	_name=$1; _re=$2; shift 2
	timeout -k 2 10 $ISO "$TP" "$@" >"$T/out" 2>"$T/err" </dev/null
	_rc=$?
	_why=""
	[ $_rc -eq 2 ] || _why="$_why; exit status $_rc, wanted 2"
	[ -s "$T/out" ] && _why="$_why; stdout not empty"
	_lines=$(awk 'END { print NR }' "$T/err")
	_bytes=$(wc -c <"$T/err")
	[ "$_lines" -eq 1 ] || _why="$_why; $_lines lines on stderr"
	[ "$_bytes" -le 200 ] || _why="$_why; $_bytes bytes on stderr"
	grep -qE -- "$_re" "$T/err" || _why="$_why; stderr does not match /$_re/"
	grep -q "$ESC" "$T/err" && _why="$_why; an escape reached stderr"
	if [ -z "$_why" ]; then
		ok "$_name: exit 2, one short line naming it"
	else
		not_ok "$_name: exit 2, one short line naming it"
		echo "#   ${_why#; }"
		head -c 400 "$T/err" | sed 's/^/#     /'; echo
	fi
}

refused "client, a 10,000-byte target" \
	"^tlsprobe client: target 'a{48}…\(10000 bytes\)': 10000 bytes long, more than the 253" \
	client "$LONG"
refused "client --json, a 10,000-byte target with a port" \
	"target 'a{48}…\(10000 bytes\)'" client --json "$LONG:443"
refused "client, a label of 64 bytes" "label 1 is 64 bytes long" \
	client "$LABEL64"
refused "client, a name of 299 bytes" "299 bytes long, more than the 253" \
	client "$NAME300:443"
refused "client, an empty label" "target 'a\.\.b': label 2 is empty" \
	client a..b
refused "client, a byte that is not UTF-8" "byte 2 \(0xfc\) is not UTF-8" \
	client "$LATIN1"
refused "client, an escape in the name" \
	"target 'a\\\\x1b\[2Jb': control character 0x1b" client "a${ESC}[2Jb"
refused "client, a space" "a space at byte 4" client "two words.example"
refused "client, a name in brackets" "brackets hold no IPv6 address" \
	client "[node1]:443"
refused "client, an A-label that does not decode" "IDNA2008" \
	client xn--zz.example
refused "client --sni, an empty label" "^tlsprobe client: --sni 'x\.\.y'" \
	client "127.0.0.1:$FREE" --sni x..y
refused "client --sni, 10,000 bytes" "--sni 'a{48}…\(10000 bytes\)'" \
	client "127.0.0.1:$FREE" --sni "$LONG"
refused "client --expect-name, a space" "^tlsprobe client: --expect-name 'a b'" \
	client "127.0.0.1:$FREE" --expect-name "a b"
refused "ciphers, a 10,000-byte target" "target 'a{48}…\(10000 bytes\)'" \
	ciphers "$LONG"
refused "ciphers --sni, a label of 64 bytes" "--sni 'b{48}…" \
	ciphers "127.0.0.1:$FREE" --sni "$LABEL64"
refused "peer --connect, an empty label" \
	"^tlsprobe peer: --connect 'p\.\.q': label 2 is empty" \
	peer --listen 127.0.0.1:0 --connect p..q:4433 \
	--cert "$PKI/server.pem" --key "$PKI/server.key"
refused "cert --expect-name, 10,000 bytes" \
	"^tlsprobe cert: --expect-name 'a{48}…\(10000 bytes\)'" \
	cert --cert "$PKI/server.pem" --expect-name "$LONG"

# No query for a bad name: not a socket connected, not a datagram sent,
# by the tool or any thread of it. The control run shows strace would
# have seen the connect of a good target (loopback, nothing listening).
traced() {
	$ISO strace -f -qq -e trace=connect,sendto,sendmsg,sendmmsg \
		-o "$T/strace.log" "$TP" "$@" >/dev/null 2>&1 </dev/null
}
if ! command -v strace >/dev/null 2>&1 ||
	! strace -qq -o /dev/null true >/dev/null 2>&1; then
	skip "no DNS query for a bad name" "strace missing or not permitted"
else
	traced client --timeout 2 "127.0.0.1:$FREE"
	if grep -q "127.0.0.1" "$T/strace.log"; then
		ok "strace sees the client's connect to a good target"
	else
		not_ok "strace sees the client's connect to a good target"
		sed 's/^/#   /' "$T/strace.log" | head -n 20
	fi
	_sent=0
	for _bad in "$LONG" a..b "$LABEL64" "$LATIN1" "x${ESC}y" "a b" \
		xn--zz.example; do
		for _sub in client ciphers; do
			traced "$_sub" --timeout 2 "$_bad"
			if [ -s "$T/strace.log" ]; then
				_sent=$((_sent + 1))
				echo "# $_sub $(printf '%.40s' "$_bad"):"
				head -c 300 "$T/strace.log" | sed 's/^/#   /'
				echo
			fi
		done
	done
	check "client and ciphers: no connect or send for 7 bad names" \
		test $_sent -eq 0
	traced client --timeout 2 "127.0.0.1:$FREE" --sni a..b
	check "client --sni: no connect or send for a bad name" \
		test ! -s "$T/strace.log"
fi

# Names that are names: underscores, and an international name whose
# A-label is what the server receives as SNI.
SRV="--cert $PKI/server.pem --key $PKI/server.key"
# sni_arrives NAME SNI WANT: a tlsprobe server receives WANT as the SNI
# of a client run with --sni SNI; the client's report is $T/NAME.json.
sni_arrives() {
	start_tp_server $SRV --once || return 1
	"$TP" client --json --timeout 5 --ca "$PKI/ca1.pem" --no-sideband \
		"127.0.0.1:$PROBE_PORT" --sni "$2" \
		>"$T/$1.json" 2>"$T/$1.err" </dev/null
	wait "$PROBE_PID"
	check "server: --sni $2 arrives as $3" \
		test "$(json_get "$PROBE_OUT" 'd["client_hello"]["sni"]')" = "$3"
}
if sni_arrives idn "$(printf 'b\303\274cher.example')" xn--bcher-kva.example; then
	check "client --sni IDN: the report's SNI is the A-label" \
		test "$(json_get "$T/idn.json" 'd["target"]["sni"]')" = \
		xn--bcher-kva.example
fi
# an absolute name's trailing dot is no part of SNI (RFC 6066 section 3)
if sni_arrives dot server.test. server.test; then
	check "client --sni server.test.: the name check passes" \
		test "$(json_get "$T/dot.json" 'd["verdict"]')" = pass
fi
refused_not() {
	_name=$1; shift
	timeout -k 2 10 "$TP" "$@" >"$T/out" 2>"$T/err" </dev/null
	_rc=$?
	if [ $_rc -ne 2 ]; then
		ok "$_name: taken (exit $_rc)"
	else
		not_ok "$_name: taken (exit $_rc)"
		sed 's/^/#   /' "$T/err"
	fi
}
refused_not "cert --expect-name with an underscore" \
	cert --cert "$PKI/server.pem" --ca "$PKI/ca1.pem" \
	--expect-name _acme.example.test
refused_not "client --sni with an underscore" \
	client --timeout 1 "127.0.0.1:$FREE" --sni _dmarc.example.test
refused_not "client, a scoped IPv6 literal" \
	client --timeout 1 "[fe80::1%lo]:$FREE"

echo "1..$_tap_n"
