#!/bin/sh
# tlsprobe tui, the edges a user meets first: names cut to fit a narrow
# terminal say so, every focused pane shows its cursor, stages not yet
# reached are pending while a run goes on, and the form's Timeout,
# Priority, Protocols and Policy are checked on the form and reach the
# run.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/tui/tmux.sh"

make_pki ca1.pem ca2.pem server.pem server.key server-expired.pem \
	server-expired.key client-ca2.pem client-ca2.key

start_openssl_server -cert "$PKI/server-expired.pem" \
	-key "$PKI/server-expired.key" || exit 1
SRV=$SRV_PORT
start_fake stall || exit 1
STALL=$FAKE_PORT

# selected NAME TEXT: a line showing TEXT has reverse video in it
# within 2 s (the cursor of a list, or a row of the ladder)
selected() {
	_end=$(( $(date +%s) + 2 ))
	while [ "$(date +%s)" -le "$_end" ]; do
		tm capture-pane -p -e -t "$1" | grep -F -- "$2" |
			grep -q '\[[0-9;]*7m' && return 0
		sleep 0.1
	done
	echo "# no line with '$2' is in reverse video on $1; the pane shows:"
	screen "$1" | sed 's/^/#   | /'
	return 1
}

# 1. a cipher audit in 60 columns: suite names do not fit, and each one
# cut ends with the mark (… in UTF-8, ~ in ASCII) instead of passing for
# another name (TLS_..._SHA25)
"$TP" ciphers "127.0.0.1:$SRV" --json >"$T/ciphers.json" 2>/dev/null
# whole_or_marked FILE MARK: every TLS_ name in FILE is one the audit
# found, or the start of one followed by MARK; at least one is cut
whole_or_marked() {
	python3 - "$T/ciphers.json" "$1" "$2" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
names = {c["iana"] for p in doc["protocols"] for c in p.get("ciphers", [])}
mark = sys.argv[3]
text = open(sys.argv[2], encoding="utf-8").read()
cut = 0
bad = []
for tok in re.findall(r"TLS_[A-Za-z0-9_]*" + re.escape(mark) + "?", text):
    if tok.endswith(mark):
        cut += 1
        if not any(n.startswith(tok[:-len(mark)]) for n in names):
            bad.append(tok)
    elif tok not in names:
        bad.append(tok)
for b in bad:
    print("# not a whole name, and not marked as cut: " + b)
if cut == 0:
    print("# no name was cut: the terminal is too wide for this test")
sys.exit(0 if names and not bad and cut > 0 else 1)
PY
}
start narrow "'$TP' tui ciphers 127.0.0.1:$SRV; sleep 120" 60 24
wait_for narrow "grade " 60 >/dev/null
screen narrow >"$T/narrow.txt"
check "60 columns, UTF-8: each suite name is whole or ends with …" \
	whole_or_marked "$T/narrow.txt" "…"
keys narrow q
start ascii "LANG=C LC_ALL=C '$TP' tui ciphers 127.0.0.1:$SRV; sleep 120" 60 24
wait_for ascii "grade " 60 >/dev/null
screen ascii >"$T/ascii.txt"
check "60 columns, ASCII: each suite name is whole or ends with ~" \
	whole_or_marked "$T/ascii.txt" "~"
keys ascii q

# 2. a client run against a server that never answers: while it waits,
# the stage it is in runs, the ones after it are pending (not "skipped
# 0.0 ms"); once it ended, a stage never reached is skipped
start pend "'$TP' tui client 127.0.0.1:$STALL --timeout 5 --no-sideband; sleep 120"
wait_for pend "tcp      ok" 10 >/dev/null
screen pend >"$T/pend.txt"
check "running: the stage it waits in says running" \
	grep -qE '^ tls +running +[0-9]+\.[0-9] ms' "$T/pend.txt"
check "running: the stage after it is pending" \
	grep -qE '^ verify +pending *$' "$T/pend.txt"
check "running: no stage says skipped while the run goes on" \
	sh -c "! grep -q skipped '$T/pend.txt'"
check "running: the stages pane shows its cursor" selected pend "1 address"
expect_screen pend "the run ends with HANDSHAKE_TIMEOUT" "HANDSHAKE_TIMEOUT" 30
screen pend >"$T/pend-end.txt"
check "ended: the stage never reached is skipped, with no time" \
	grep -qE '^ verify +skipped *$' "$T/pend-end.txt"
check "ended: no stage is pending any more" \
	sh -c "! grep -q pending '$T/pend-end.txt'"
keys pend q

# 3. the cursor in each pane of a client run, also after a resize, and
# in a runs list filtered down to one row
start cur "'$TP' tui client 127.0.0.1:$SRV --ca '$PKI/ca2.pem'; sleep 120"
wait_for cur "UNKNOWN_CA" 20 >/dev/null
check "client: the stages pane shows its cursor" selected cur "1 address"
keys cur Tab
check "client: the handshake pane shows its cursor" selected cur "ClientHello"
tm resize-window -t cur -x 80 -y 24
sleep 0.5
check "client, resized to 80x24: the handshake cursor is still shown" \
	selected cur "ClientHello"
keys cur Tab
check "client: the findings pane shows its cursor" selected cur "ERROR"
keys cur r                     # the same run again: #2
wait_for cur "Client run #2" >/dev/null
wait_for cur "UNKNOWN_CA" 20 >/dev/null
keys cur Escape                # home, the runs list has the keyboard
keys cur /
keys cur -l '#1'
keys cur Enter
wait_for cur "filter /#1" >/dev/null
check "runs list filtered to one row: that row is selected" \
	selected cur "#1 client"
keys cur Enter
expect_screen cur "... and Enter opens it" "Client run #1" 4
keys cur q

# 4. the form: Timeout, Priority, Protocols and Policy, each checked on
# the form before a run, and each passed to the run
start form "cd '$T' && '$TP' tui; sleep 300"
wait_for form "Host" >/dev/null
screen form >"$T/form.txt"
check "form: Timeout, Priority, Protocols and Policy fields" sh -c \
	"grep -q '^   Timeout ' '$T/form.txt' && grep -q '^   Priority ' '$T/form.txt' && grep -q '^   Protocols ' '$T/form.txt' && grep -q '^   Policy ' '$T/form.txt'"
# form_error NAME TEXT: the form itself (not only the status line) shows
# TEXT, and the screen is still the home screen
form_error() {
	wait_for form "$2" 4 >/dev/null
	screen form >"$T/form-err.txt"
	head -n -1 "$T/form-err.txt" | grep -qF -- "$2" &&
		head -n 1 "$T/form-err.txt" | grep -q 'Home'
}
keys form g l l                # Probe: client -> cert -> ciphers
keys form j Enter
keys form -l "127.0.0.1:$SRV"
keys form Enter
keys form G k k Enter          # Protocols
keys form -l "TLS9"
keys form Enter G Enter
check "form: a bad Protocols is one line on the form, no run" \
	form_error form "Protocols: unknown version 'TLS9'"
keys form G k k Enter C-u
keys form -l "TLS1.2"
keys form Enter G k Enter      # Policy
keys form -l "NO-SUCH-CIPHER"
keys form Enter G Enter
# the library names the option by its key: the form says its own label,
# never the command line's --policy
check "form: a bad Policy is one line on the form, no run" \
	form_error form "Policy: unknown cipher 'NO-SUCH-CIPHER'"
keys form G k Enter C-u
keys form -l "ECDHE-ECDSA-AES128-GCM-SHA256"
keys form Enter G k k k k Enter  # Timeout
keys form -l "abc"
keys form Enter G Enter
check "form: a bad Timeout is one line on the form, no run" \
	form_error form "Timeout 'abc': expected seconds"
keys form G k k k k Enter C-u
keys form -l "7"
keys form Enter G Enter
expect_screen form "form: the audit runs with them" "grade " 60
screen form >"$T/form-ciphers.txt"
check "ciphers: Protocols TLS1.2 reached the run (no TLS 1.3 suite)" sh -c \
	"grep -q 'TLS_ECDHE_' '$T/form-ciphers.txt' && ! grep -q 'TLS_AES_' '$T/form-ciphers.txt'"
check "ciphers: the Policy reached the run" \
	grep -q 'policy (OpenSSL' "$T/form-ciphers.txt"
keys form s
wait_for form "saved the report to" >/dev/null
check "ciphers: the saved report accepted TLS1.2 only" python3 -c '
import glob, json, sys
d = json.load(open(glob.glob(sys.argv[1] + "/tlsprobe-ciphers-1-*.json")[0]))
acc = [p["version"] for p in d["protocols"] if p["accepted"]]
sys.exit(0 if acc == ["TLS1.2"] else 1)' "$T"
keys form Escape               # home, the runs list has the keyboard
keys form BTab g h h           # the form; Probe: ciphers -> cert -> client
keys form G k k k Enter        # Priority
keys form -l "NORMAL:+NO-SUCH-THING"
keys form Enter G Enter
check "form: a bad Priority is one line on the form, no run" \
	form_error form "Priority 'NORMAL:+NO-SUCH-THING': "
keys form G k k k Enter C-u
keys form -l "NORMAL:-VERS-ALL:+VERS-TLS1.2"
keys form Enter G Enter
expect_screen form "client: the run with the Priority ends" "UNKNOWN_CA" 20
keys form s
wait_for form "saved the report to" >/dev/null
check "client: the Priority reached the run (TLS1.2 negotiated)" python3 -c '
import glob, json, sys
d = json.load(open(glob.glob(sys.argv[1] + "/tlsprobe-client-2-*.json")[0]))
sys.exit(0 if d["session"]["version"] == "TLS1.2" else 1)' "$T"
keys form Escape
keys form BTab g j Enter C-u   # Host: the server that never answers
keys form -l "127.0.0.1:$STALL"
keys form Enter G k k k Enter C-u Enter
keys form G k k k k Enter C-u  # Timeout 1 s
keys form -l "1"
keys form Enter G Enter
expect_screen form "client: a stalled handshake ends" "HANDSHAKE_TIMEOUT" 20
keys form s
wait_for form "saved the report to" >/dev/null
# the default would wait 10 s; 1 s ends the tls stage in a few
check "client: the Timeout reached the run (the tls stage under 5 s)" \
	python3 -c '
import glob, json, sys
d = json.load(open(glob.glob(sys.argv[1] + "/tlsprobe-client-3-*.json")[0]))
tls = [s for s in d["stages"] if s["name"] == "tls"][0]
sys.exit(0 if tls["status"] == "fail" and tls["ms"] < 5000 else 1)' "$T"
keys form q

# 5. the server monitor keeps a summary of each connection in a bounded
# copy: one longer than that is cut at a whole character and says so,
# even where the screen is wide enough to show the whole copy. The
# summary names the --ca file, here under a long name in two-byte
# characters.
LONG="$T/$(python3 -c 'print("\u00e9" * 110)')"
mkdir -p "$LONG" && cp "$PKI/ca1.pem" "$LONG/ca1.pem"
SP=$(free_port)
start wide "'$TP' tui server --listen 127.0.0.1:$SP --cert '$PKI/server.pem' --key '$PKI/server.key' --require-client-cert --ca '$LONG/ca1.pem'; sleep 120" 400 30
wait_for wide "listening on 127.0.0.1:$SP" >/dev/null
"$TP" client "127.0.0.1:$SP" --ca "$PKI/ca1.pem" --cert "$PKI/client-ca2.pem" \
	--key "$PKI/client-ca2.key" --timeout 3 >/dev/null 2>&1
wait_for wide "UNKNOWN_CA: " 10 >/dev/null
screen wide | grep 'UNKNOWN_CA: ' >"$T/wide.txt"
check "server monitor: a summary cut to its copy ends with ..., at a whole character" \
	sh -c "grep -q '\\.\\.\\.\$' '$T/wide.txt' && ! grep -q '?' '$T/wide.txt'"
keys wide q
