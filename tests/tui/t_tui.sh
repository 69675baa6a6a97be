#!/bin/sh
# tlsprobe tui driven in tmux against real servers on loopback: the home
# form, a client run (stages, UNKNOWN_CA), the chain with the expired
# leaf marked, a cipher grade after the progress bar, the server monitor
# with a live connection, the peer matrix, a resize, NO_COLOR, a client
# run cancelled while it waits, the mouse, and a terminal restored after
# q.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/tui/tmux.sh"

make_pki ca1.pem ca2.pem server.pem server.key server-expired.pem \
	server-expired.key node-self.pem node-self.key

# the servers: an expired leaf from CA1, and a healthy one
start_openssl_server -cert "$PKI/server-expired.pem" \
	-key "$PKI/server-expired.key" || exit 1
EXPIRED=$SRV_PORT

# 1. the home form, filled in by keys; the run is a client run against a
# server we do not trust (the test trusts CA2 only)
start main "cd '$T' && '$TP' tui; echo \"exit=\$?\" >'$T/main.rc'; stty -a >'$T/main.stty'; sleep 30"
expect_screen main "home: the target form is shown" "Host"
check "home: the runs list is empty" sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t main | grep -q 'No runs yet'"
keys main Enter                # edit Host (the form starts on it)
keys main -l "127.0.0.1:$EXPIRED"
keys main Enter j j j Enter    # Host done; down to CA file, edit it
keys main -l "$PKI/ca2.pem"
keys main Enter G Enter        # done; to [ Run client ], run it
expect_screen main "client: the stages are listed" "verify   FAIL"
expect_screen main "client: UNKNOWN_CA is reported" "UNKNOWN_CA"
expect_screen main "client: the ladder shows the ServerHello" "ServerHello"
keys main Enter
expect_screen main "chain: the expired leaf is marked CERT_EXPIRED" "✗ CERT_EXPIRED"
expect_screen main "chain: the details show the dates" "not after  2021-01-01"
expect_screen main "chain: the untrusted issuer is marked" "untrusted issuer"
keys main s
expect_screen main "s saves the report as JSON" "saved the report to"
check "the saved report is the client's JSON" sh -c \
	"python3 -c 'import json,glob,sys; d=json.load(open(glob.glob(\"$T/tlsprobe-client-1-*.json\")[0])); sys.exit(0 if d[\"command\"]==\"client\" else 1)'"
keys main Escape
keys main Escape
expect_screen main "Esc goes back home, the run listed with its verdict" "FAIL  2 errors"

# 2. the cipher audit from the form: the probe field cycled to ciphers
keys main BTab g l l          # the form; Probe: client -> cert -> ciphers
keys main G Enter
expect_screen main "ciphers: a grade is shown when the audit ends" "grade A"
expect_screen main "ciphers: the matrix lists TLS 1.3 suites" "TLS_AES_128_GCM_SHA256"
check "ciphers: a grade letter in the TLS1.3 column" sh -c \
	"tmux -S '$TMUX_SOCK' capture-pane -p -t main | grep -qE 'TLS_AES_128_GCM_SHA256 +(\\. +)?A 1'"

# 3. resize: 80x24 draws the same screen without leftovers
tm resize-window -t main -x 80 -y 24
sleep 0.5
expect_screen main "resize: the audit is redrawn at 80x24" "grade A"
screen main >"$T/small.txt"
check "resize: 24 lines, none wider than 80 columns" python3 -c '
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
sys.exit(0 if len(lines) == 24 and max(map(len, lines)) <= 80 else 1)' "$T/small.txt"
check "resize: the status bar is on the last line" sh -c \
	"tail -n 1 '$T/small.txt' | grep -qE 'q:quit|run #2'"
keys main '?'
expect_screen main "? shows the key map" "Esc, Backspace"
keys main x                    # any key closes the help
keys main q
expect_screen main "q quits; the shell runs again" "" 1
_i=0
while [ ! -s "$T/main.stty" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
check "q: exit status 0" grep -qx 'exit=0' "$T/main.rc"
check "q: the terminal is restored (icanon, echo)" sh -c \
	"grep -qw icanon '$T/main.stty' && grep -qw echo '$T/main.stty' && ! grep -qw -- -icanon '$T/main.stty'"

# 4. the server monitor: tlsprobe server inside the TUI, a client outside
SPORT=$(free_port)
start srv "'$TP' tui server --listen 127.0.0.1:$SPORT --cert '$PKI/server.pem' --key '$PKI/server.key'; sleep 30"
expect_screen srv "server: listening" "listening on 127.0.0.1:$SPORT"
"$TP" client "127.0.0.1:$SPORT" --ca "$PKI/ca1.pem" --timeout 3 >/dev/null 2>&1
expect_screen srv "server: the connection appears live with its verdict" "PASS  TLS1."
keys srv Enter
expect_screen srv "server: the details of the selected connection" "<- ClientHello"
keys srv q

# 5. peer: one node inside the TUI, the other outside
P1=$(free_port); P2=$(free_port)
ME="$PKI/node-self"
start peer "'$TP' tui peer --listen 127.0.0.1:$P1 --connect 127.0.0.1:$P2 --cert '$ME.pem' --key '$ME.key' --ca '$PKI/ca1.pem' --timeout 2 --wait 10; sleep 30"
expect_screen peer "peer: waiting for the other node" "waiting for the other node"
timeout -k 2 20 "$TP" peer --listen "127.0.0.1:$P2" --connect "127.0.0.1:$P1" \
	--cert "$ME.pem" --key "$ME.key" --ca "$PKI/ca1.pem" --timeout 2 \
	--wait 10 >"$T/peer.out" 2>&1
expect_screen peer "peer: the A->B direction" "A->B  PASS"
expect_screen peer "peer: the B->A direction" "B->A  PASS"
keys peer Enter
expect_screen peer "peer: Enter opens a direction's stages" "verify   ok"
keys peer q

# 6. NO_COLOR: no colour escapes; without it, colours
start nc "NO_COLOR=1 '$TP' tui client 127.0.0.1:$EXPIRED --ca '$PKI/ca2.pem'; sleep 30"
start col "'$TP' tui client 127.0.0.1:$EXPIRED --ca '$PKI/ca2.pem'; sleep 30"
wait_for nc "UNKNOWN_CA" >/dev/null
wait_for col "UNKNOWN_CA" >/dev/null
tm capture-pane -p -e -t nc >"$T/nc.txt"
tm capture-pane -p -e -t col >"$T/col.txt"
# SGR colours: 30-37, 40-47, 90-97, 38;5 / 48;5
colour_re='\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7])(;[0-9;]*)?m'
check "NO_COLOR=1: no colour escapes on the screen" sh -c "! grep -qE '$colour_re' '$T/nc.txt'"
check "without NO_COLOR: the verdict is in colour" grep -qE "$colour_re" "$T/col.txt"
keys nc q
keys col q

# 7. a slow audit: the progress bar, then the grade; another one cancelled
start slow "'$TP' tui ciphers 127.0.0.1:$EXPIRED --delay 40 --concurrency 1; sleep 30"
expect_screen slow "ciphers: a progress bar while the audit runs" "connections"
expect_screen slow "ciphers: the grade when it finishes" "grade A" 15
keys slow q
start stop "'$TP' tui ciphers 127.0.0.1:$EXPIRED --delay 300 --concurrency 1; sleep 30"
wait_for stop "probing" >/dev/null
keys stop x
expect_screen stop "x cancels a running audit" "cancelled"
keys stop q

# 7b. x stops a client run that waits on a server which never answers:
# the handshake is cut within a second or two, not at --timeout 10, and
# the screen shows the partial report marked cancelled
start_fake stall || exit 1
start cx "'$TP' tui client 127.0.0.1:$FAKE_PORT --timeout 10 --no-sideband; sleep 30"
expect_screen cx "cancel: the client run is connected and waits" "tcp      ok"
keys cx x
expect_screen cx "x cancels a waiting client run at once" \
	"CANCELLED  no TLS session" 2
check "cancel: the tls stage is marked cancelled" sh -c \
	"tmux -S '$TMUX_SOCK' capture-pane -p -t cx | grep -qE '^ tls +FAIL +[0-9.]+ ms +cancelled\$'"
check "cancel: RUN_CANCELLED, and no HANDSHAKE_TIMEOUT made from the cut wait" sh -c \
	"tmux -S '$TMUX_SOCK' capture-pane -p -t cx >'$T/cx.txt'; grep -q 'RUN_CANCELLED' '$T/cx.txt' && ! grep -q 'HANDSHAKE_TIMEOUT' '$T/cx.txt'"
check "cancel: the verify stage is skipped" sh -c \
	"tmux -S '$TMUX_SOCK' capture-pane -p -t cx | grep -qE '^ verify +skipped'"
keys cx Escape
expect_screen cx "cancel: the runs list says cancelled" "   cancelled"
keys cx q

# 8. the capture browser over a capture of a refused handshake
start cap "'$TP' tui pcap '$TOP/tests/fuzz/corpus/pcap/openssl-tls12-unknown-ca.pcap'; sleep 30"
expect_screen cap "pcap: the handshake is listed with its outcome" "127.0.0.1:35907"
expect_screen cap "pcap: its details name the alert" "fatal unknown_ca from the client"
keys cap / -l nomatch
keys cap Enter
expect_screen cap "pcap: / filters the handshakes" "no handshake matches the filter"
keys cap Escape
expect_screen cap "pcap: Esc clears the filter" "JA3S"
keys cap q

# a capture of an SMTP STARTTLS upgrade: the details say so
start caps "'$TP' tui pcap '$TOP/tests/fuzz/corpus/pcap/openssl-starttls-smtp.pcap'; sleep 30"
expect_screen caps "pcap: a STARTTLS handshake names its prelude" "STARTTLS   smtp"
keys caps q

# 9. usage errors: before the screen, exit 2, one line
"$TP" tui client >"$T/u.out" 2>"$T/u.err"; rc=$?
check "tui client without a target: exit 2 with one line" \
	sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$T/u.err') -eq 1 ]"
"$TP" tui frobnicate >"$T/u.out" 2>"$T/u.err"; rc=$?
check "tui with an unknown subcommand: exit 2" [ "$rc" -eq 2 ]
"$BIN/tlsprobe-tui" --help >"$T/h.out" 2>&1; rc=$?
check "tlsprobe-tui is tlsprobe tui" sh -c "[ $rc -eq 0 ] && grep -q 'usage: tlsprobe tui' '$T/h.out'"

# 10. the mouse, in the two reports ncurses reads: X10 for TERM=screen
# (kmous=\E[M) and SGR for TERM=xterm-256color (kmous=\E[<). In the runs
# list a click selects a row, a click on the selected row opens it, so
# does a double click, and the wheel moves the selection.
# mouse NAME TERM BUTTON ROW COL [TIMES]: reports at the 0-based cell, as
# that terminal sends them, all in one write (TIMES 2: a double click);
# BUTTON 0 is a left press and its release, 65 the wheel turned toward
# the user.
mouse() {
	_x=$(($5 + 1)); _y=$(($4 + 1)); _all=""
	if [ "$2" = screen ]; then
		_p="1b 5b 4d $(printf '%x %x %x' $(($3 + 32)) $((_x + 32)) $((_y + 32)))"
		_r="1b 5b 4d 23 $(printf '%x %x' $((_x + 32)) $((_y + 32)))"
	else
		_p=$(printf '\033[<%d;%d;%dM' "$3" "$_x" "$_y" | od -An -tx1)
		_r=$(printf '\033[<%d;%d;%dm' "$3" "$_x" "$_y" | od -An -tx1)
	fi
	[ "$3" -eq 0 ] || _r=""
	_i=0
	while [ $_i -lt "${6:-1}" ]; do _all="$_all $_p $_r"; _i=$((_i + 1)); done
	tm send-keys -t "$1" -H $_all
	sleep 0.2
}
# selected NAME TEXT: the line showing TEXT is drawn in reverse video
# within 2 s (ncurses holds a click back 1/6 s to tell it from a double)
selected() {
	_end=$(( $(date +%s) + 2 ))
	while [ "$(date +%s)" -le "$_end" ]; do
		tm capture-pane -p -e -t "$1" | grep -F -- "$2" |
			grep -q '\[[0-9;]*7m' && return 0
		sleep 0.1
	done
	return 1
}
CLOSED=$(free_port)
for term in screen xterm-256color; do
	m=mouse-$term
	start "$m" "TERM=$term '$TP' tui client 127.0.0.1:$CLOSED --timeout 2; sleep 30"
	wait_for "$m" "TCP_REFUSED" >/dev/null
	keys "$m" Escape r         # home, and the same run again: #2
	wait_for "$m" "Client run #2" >/dev/null
	keys "$m" Escape           # home, the runs list has the keyboard
	expect_screen "$m" "mouse ($term): two runs, #2 selected" "2 runs"
	check "mouse ($term): button reports on, no motion tracking (Shift still selects text)" \
		test "$(tm display -p -t "$m" '#{mouse_standard_flag}#{mouse_button_flag}#{mouse_all_flag}')" = 100
	row=$(($(screen "$m" | grep -n '#1 client' | cut -d: -f1) - 1))
	mouse "$m" "$term" 0 "$row" 70
	check "mouse ($term): a click selects run #1" selected "$m" "#1 client"
	check "mouse ($term): ... and opens nothing yet" sh -c \
		"tmux -S '$TMUX_SOCK' capture-pane -p -t '$m' | head -n 1 | grep -q 'Home'"
	mouse "$m" "$term" 0 "$row" 70
	expect_screen "$m" "mouse ($term): a click on the selected row opens run #1" \
		"Client run #1" 2
	keys "$m" Escape
	check "mouse ($term): back home, #2 is selected again" selected "$m" "#2 client"
	mouse "$m" "$term" 65 "$row" 70
	check "mouse ($term): the wheel moves the selection down to #1" \
		selected "$m" "#1 client"
	keys "$m" Enter
	expect_screen "$m" "mouse ($term): Enter then opens run #1" "Client run #1" 2
	keys "$m" Escape
	mouse "$m" "$term" 0 "$row" 70 2
	expect_screen "$m" "mouse ($term): a double click opens run #1" \
		"Client run #1" 2
	keys "$m" q
	sleep 0.3
	check "mouse ($term): q leaves the terminal without mouse reports" \
		test "$(tm display -p -t "$m" '#{mouse_any_flag}')" = 0
done
