# The front command, the fixed-subcommand binaries, tlsprobe id, install.
. "$(dirname "$0")/../lib.sh"

"$TP" --help >"$T/help" 2>&1
check "tlsprobe --help exits 0 and lists client" grep -q '^  client' "$T/help"

"$TP" --version >"$T/ver" 2>&1
check "tlsprobe --version prints the version" grep -qE '^tlsprobe [0-9]+\.[0-9]+\.[0-9]+$' "$T/ver"

"$TP" frobnicate >"$T/out" 2>"$T/err"; rc=$?
check "unknown subcommand: exit 2" [ "$rc" -eq 2 ]
check "unknown subcommand: one line naming it" \
	sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q frobnicate '$T/err' && [ ! -s '$T/out' ]"

"$TP" >"$T/out" 2>"$T/err"; rc=$?
check "no subcommand: exit 2 with usage on stderr" \
	sh -c "[ $rc -eq 2 ] && grep -q usage '$T/err'"

"$BIN/tlsprobe-client" --help >"$T/ch" 2>&1; rc=$?
check "tlsprobe-client is tlsprobe client" \
	sh -c "[ $rc -eq 0 ] && grep -q 'usage: tlsprobe client' '$T/ch'"
"$BIN/tlsprobe-client" 127.0.0.1:1 --json >"$T/refused.json" 2>/dev/null; rc=$?
check "tlsprobe-client runs a probe (refused port: exit 1, TCP_REFUSED)" \
	sh -c "[ $rc -eq 1 ] && grep -q TCP_REFUSED '$T/refused.json'"

# tlsprobe id reads the machine id the system has
expected=""
for f in /etc/machine-id /var/lib/dbus/machine-id; do
	if [ -r "$f" ]; then expected=$(tr -d '\n' <"$f"); break; fi
done
if [ -n "$expected" ]; then
	got=$("$TP" id)
	check "tlsprobe id prints the machine id" [ "$got" = "$expected" ]
	"$TP" id --json >"$T/id.json"
	check "tlsprobe id --json has unique_id" \
		[ "$(json_get "$T/id.json" 'd["unique_id"]')" = "$expected" ]
	check "tlsprobe id output is 32 lower-case hex digits" \
		sh -c "echo '$got' | grep -qE '^[0-9a-f]{32}$'"
else
	skip "tlsprobe id prints the machine id" "this machine has no machine id"
fi
"$TP" id extra >/dev/null 2>"$T/err"; rc=$?
check "tlsprobe id with an argument: exit 2" [ "$rc" -eq 2 ]

# tlsprobe codes lists the table, JSON included
"$TP" codes --json >"$T/codes.json"
check "tlsprobe codes --json is a list with UNKNOWN_CA" \
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert any(x["code"]=="UNKNOWN_CA" for x in c)' "$T/codes.json"

# make install into a staging directory
if make -s -C "$TOP" install DESTDIR="$T/stage" PREFIX=/usr >"$T/install.log" 2>&1; then
	check "make install puts tlsprobe in PREFIX/bin" [ -x "$T/stage/usr/bin/tlsprobe" ]
	check "make install puts tlsprobe-client in PREFIX/bin" [ -x "$T/stage/usr/bin/tlsprobe-client" ]
	check "make install puts the man pages in PREFIX/share/man/man1" \
		[ -f "$T/stage/usr/share/man/man1/tlsprobe-client.1" ]
else
	sed 's/^/# /' "$T/install.log"
	not_ok "make install DESTDIR=… succeeds"
fi

