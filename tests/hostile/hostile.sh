# The hostile-peer suite's shared part: hostile servers, runs made in
# parallel, and the checks every case makes. Source it after lib.sh and
# tests/integration/servers.sh.
#
# hostile_certs                 the certificates (mkcerts.py) in $CERTS
# start_hostile MODE...         hostile_server.py, one port a MODE:
#                               hport MODE
# hrun NAME CMD...              runs CMD in the background, at most
#                               HOSTILE_PAR at once; $T/NAME.{out,err}
# hrun_fn NAME FUNCTION ARGS... the same for a shell function
# hwait                         until every hrun has ended
# hcase NAME RC BOUND_MS CODES  a check of the run NAME (JSON): exit
#                               RC, every CODE (A|B: one of them; !C:
#                               not C), wall time within BOUND_MS
# hlines NAME RC BOUND_MS CODES the same for JSON Lines
# htext NAME RC BOUND_MS        the same for a run in text: RC and time
# hclean NAME...                no unsafe byte on the stdout and stderr
#                               of every run NAME
# hpy NAME WHAT EXPR            EXPR over the JSON of NAME (d, codes,
#                               text(CODE)) holds
# hjudge                        one TAP line for each check since the
#                               last hjudge (judge.py)
#
# A case written against a fault that was once found carries a
# "# guards against:" comment naming the fault as it was.

HOSTILE_DIR="$TOP/tests/hostile"
# The interpreter itself, not a version manager's wrapper script that
# takes a second or more to start on a busy machine.
PY=$(python3 -c 'import sys; print(sys.executable)')
# scripts/ports.sh's, through that interpreter: the suite takes many
free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
HOSTILE_SERVER="$HOSTILE_DIR/hostile_server.py"
HOSTILE_CLIENT="$HOSTILE_DIR/hostile_client.py"
CLEAN="$HOSTILE_DIR/clean_output.py"
# --timeout for every probe: small, so that the suite stays short
TO=${HOSTILE_TIMEOUT:-1}
# The sanitiser builds run slower: their time bounds are scaled by SLOW.
case "$BIN" in
*/san/*|*/san) SLOW=${HOSTILE_SLOW:-2} ;;
*) SLOW=${HOSTILE_SLOW:-1} ;;
esac
# How many runs at once (the machine is shared; most runs only wait).
HOSTILE_PAR=${HOSTILE_PAR:-6}

# bound_ms N EXTRA_S: N --timeout periods and EXTRA_S seconds, scaled.
bound_ms() {
	"$PY" -c "import sys; print(int((float(sys.argv[1]) * float(sys.argv[2]) + float(sys.argv[3])) * 1000 * float(sys.argv[4])))" \
		"$1" "$TO" "$2" "$SLOW"
}
# A run that outlives this is killed: a hang, not a result.
HOSTILE_KILL=${HOSTILE_KILL:-$((30 * SLOW))}

hostile_certs() {
	CERTS="$T/certs"
	if ! "$PY" "$HOSTILE_DIR/mkcerts.py" "$CERTS" >"$T/mkcerts.log" 2>&1
	then
		not_ok "mkcerts.py makes the hostile certificates"
		sed 's/^/#   /' "$T/mkcerts.log"
		exit 1
	fi
}

# start_hostile MODE...: one process, a port per MODE (hport MODE).
start_hostile() {
	start_ready hostile "$PY" "$HOSTILE_SERVER" "$@" \
		--certs "$CERTS" || exit 1
	HPORT=$READY_PORT HPID=$READY_PID HLOG=$READY_LOG HOUT=$_out
}
# hport MODE: the port start_hostile gave MODE.
hport() {
	if [ "$(wc -l <"$HOUT")" -le 1 ]; then
		echo "$HPORT"
	else
		sed -n "s/^mode $1 \([0-9]*\)$/\1/p" "$HOUT"
	fi
}

_h_pids=""
# hrun NAME CMD...: CMD's stdout in $T/NAME.out, stderr in $T/NAME.err,
# "RC MS" in $T/NAME.rc.
hrun() {
	_hn=$1; shift
	while [ "$(echo $_h_pids | wc -w)" -ge "$HOSTILE_PAR" ]; do
		_h_reap
		sleep 0.05
	done
	(
		_t0=$(now_ms)
		env -u SSLKEYLOGFILE timeout -k 2 "$HOSTILE_KILL" "$@" \
			>"$T/$_hn.out" 2>"$T/$_hn.err" </dev/null
		_rc=$?
		echo "$_rc $(($(now_ms) - _t0))" >"$T/$_hn.rc"
	) &
	_h_pids="$_h_pids $!"
	echo "$*" >"$T/$_hn.cmd"
}
# hrun_fn NAME FUNCTION ARGS...: a shell function in the background,
# HOSTILE_PAR at a time; it writes NAME's files itself.
hrun_fn() {
	shift
	while [ "$(echo $_h_pids | wc -w)" -ge "$HOSTILE_PAR" ]; do
		_h_reap
		sleep 0.05
	done
	( "$@" ) &
	_h_pids="$_h_pids $!"
}
_h_reap() {
	_left=""
	for _p in $_h_pids; do
		kill -0 "$_p" 2>/dev/null && _left="$_left $_p"
	done
	_h_pids=$_left
}
hwait() {
	for _p in $_h_pids; do wait "$_p"; done
	_h_pids=""
}

# The checks, judged in one pass by hjudge: a Python start costs much on
# a loaded machine, and a case makes several checks.
_h_check() {
	_hl=""
	for _f in "$@"; do _hl="$_hl${_hl:+	}$_f"; done
	printf '%s\n' "$_hl" >>"$T/checks"
}
hcase() { _h_check case "$@"; }
hlines() { _h_check lines "$@"; }
htext() { _h_check text "$@"; }
hclean() { _h_check clean "$@"; }
hpy() { _h_check py "$@"; }

# hjudge: the TAP lines of every check made since the last hjudge.
hjudge() {
	[ -s "$T/checks" ] || return 0
	"$PY" "$HOSTILE_DIR/judge.py" "$T" $((_tap_n + 1)) "$T/checks" \
		>"$T/judged" 2>&1
	cat "$T/judged"
	_tap_n=$((_tap_n + $(grep -cE '^(not )?ok [0-9]+' "$T/judged")))
	if grep -q Traceback "$T/judged"; then
		not_ok "judge.py judged every check"
	fi
	: >"$T/checks"
}
