# Test servers on loopback and the client runs made against them.
# Source it after lib.sh:
#   . "$(dirname "$0")/../lib.sh"
#   . "$TOP/tests/integration/servers.sh"
#
# start_fake MODE [ARGS]        scripted bad server (fakeserver.py): FAKE_PORT
# start_starttls PROTO MODE CERT KEY  scripted STARTTLS server: STLS_PORT
# start_ready NAME CMD...       any server that prints "ready PORT"
# start_gnutls_serv ARGS...     gnutls-serv on a free port: SRV_PORT
# start_openssl_server ARGS...  openssl s_server on 127.0.0.1: SRV_PORT
# start_mosquitto CERT KEY      an MQTT broker's TLS listener: MQTT_PORT
# stop_servers                  ends every server this file started
# run_client NAME ARGS...       tlsprobe client --json ARGS: OUT, RC, MS
# expect NAME RC [CODE|!CODE]...  one TAP line; context only on failure
#
# Every server logs to a file in $T; the logs are printed (as "# "
# comments) only when an assertion about a run against them fails.

FAKESERVER="$TOP/tests/integration/fakeserver.py"
STARTTLS_SERVER="$TOP/tests/integration/starttls_server.py"
# A client run that outlives this many seconds is a hang, not a result.
CLIENT_LIMIT=${CLIENT_LIMIT:-20}

_srv_list=""  # "pid:log" of the servers still running
_srv_n=0

_srv_stop_all() {
	for _e in $_srv_list; do
		kill "${_e%%:*}" 2>/dev/null
	done
	for _e in $_srv_list; do
		wait "${_e%%:*}" 2>/dev/null
	done
	_srv_list=""
}
at_exit _srv_stop_all
# A reader that goes away (a pager, "| head") or a closed terminal must
# not leave servers behind: end through the EXIT cleanup as on INT/TERM.
trap 'exit 129' HUP
trap 'exit 141' PIPE

stop_servers() { _srv_stop_all; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# _srv_wait PID LOG PATTERN: until LOG holds a line matching PATTERN
# (5 s at most); fails at once when the process has ended.
_srv_wait() {
	_i=0
	while [ $_i -lt 250 ]; do
		if grep -qE "$3" "$2" 2>/dev/null; then
			return 0
		fi
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.02
		_i=$((_i + 1))
	done
	return 1
}

# _srv_failed_start WHAT LOG: a server that did not come up is a
# failure of its own, whatever the cases after it then say.
_srv_failed_start() {
	not_ok "start $1"
	sed 's/^/#   /' "$2"
}

# srv_track PID LOG: PID ends with the other servers; LOG is shown when
# an assertion fails.
srv_track() { _srv_list="$_srv_list $1:$2"; }

# start_ready NAME COMMAND...: starts a server that prints "ready PORT"
# once it listens; sets READY_PORT, READY_PID, READY_LOG (its stderr).
start_ready() {
	_srv_n=$((_srv_n + 1))
	READY_LOG="$T/$1$_srv_n.log"
	_out="$T/$1$_srv_n.out"
	shift
	"$@" >"$_out" 2>"$READY_LOG" </dev/null &
	READY_PID=$!
	srv_track "$READY_PID" "$READY_LOG"
	if ! _srv_wait "$READY_PID" "$_out" '^ready [0-9]+$'; then
		_srv_failed_start "$*" "$READY_LOG"
		return 1
	fi
	READY_PORT=$(sed -n 's/^ready \([0-9]*\)$/\1/p' "$_out")
}

# start_fake MODE [--host H] [--port P]: sets FAKE_PORT, FAKE_PID,
# FAKE_LOG. With FAKE_NS set, the server runs in that network namespace.
start_fake() {
	start_ready fake ${FAKE_NS:+ip netns exec "$FAKE_NS"} \
		python3 "$FAKESERVER" "$@" || return 1
	FAKE_PORT=$READY_PORT FAKE_PID=$READY_PID FAKE_LOG=$READY_LOG
}

# start_starttls PROTO MODE CERT KEY [ARGS...]: a scripted STARTTLS
# server (starttls_server.py: smtp, imap, pop3, ftp, xmpp, postgres,
# ldap; the modes and further ARGS are listed there); sets STLS_PORT,
# STLS_PID, STLS_LOG.
start_starttls() {
	_st_p=$1 _st_m=$2 _st_c=$3 _st_k=$4
	shift 4
	start_ready starttls python3 "$STARTTLS_SERVER" "$_st_p" "$_st_m" \
		--cert "$_st_c" --key "$_st_k" "$@" || return 1
	STLS_PORT=$READY_PORT STLS_PID=$READY_PID STLS_LOG=$READY_LOG
}

# start_gnutls_serv ARGS...: sets SRV_PORT, SRV_PID, SRV_LOG.
# gnutls-serv cannot report the port the kernel picked for port 0 (it
# says "port 0"), so take a free one and retry if another took it first.
start_gnutls_serv() {
	for _try in 1 2 3; do
		_srv_n=$((_srv_n + 1))
		SRV_LOG="$T/gnutls-serv$_srv_n.log"
		SRV_PORT=$(free_port)
		gnutls-serv -p "$SRV_PORT" "$@" >"$SRV_LOG" 2>&1 </dev/null &
		SRV_PID=$!
		srv_track "$SRV_PID" "$SRV_LOG"
		if _srv_wait "$SRV_PID" "$SRV_LOG" "IPv4 .* port $SRV_PORT\.\.\.done"; then
			return 0
		fi
		kill "$SRV_PID" 2>/dev/null
	done
	_srv_failed_start "gnutls-serv $*" "$SRV_LOG"
	return 1
}

# start_tp_server ARGS...: tlsprobe server --listen 127.0.0.1:0 --json
# ARGS, until it says it listens; sets PROBE_PORT (from its "listening on"
# line), PROBE_PID, PROBE_OUT (its JSON lines) and PROBE_ERR.
_probe_n=0
start_tp_server() {
	_probe_n=$((_probe_n + 1))
	PROBE_OUT="$T/probe$_probe_n.out"
	PROBE_ERR="$T/probe$_probe_n.err"
	"$TP" server --listen 127.0.0.1:0 --json "$@" \
		>"$PROBE_OUT" 2>"$PROBE_ERR" </dev/null &
	PROBE_PID=$!
	srv_track "$PROBE_PID" "$PROBE_ERR"
	if ! _srv_wait "$PROBE_PID" "$PROBE_ERR" 'listening on 127\.0\.0\.1:[0-9]+'; then
		_srv_failed_start "tlsprobe server $*" "$PROBE_ERR"
		return 1
	fi
	PROBE_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
		"$PROBE_ERR" | head -n 1)
}

# start_nginx DIRECTIVES [DEFAULT]: nginx serving TLS on a free loopback
# port, its one server block holding DIRECTIVES (ssl_certificate and the
# like, one per line), answering 204; sets NGINX_PORT. With DEFAULT, a
# second block on the same port holds those directives and is the
# default_server (what a client without SNI, or with a name no block
# serves, reaches). Ends with a not_ok and status 1 when nginx is
# missing.
start_nginx() {
	if ! command -v nginx >/dev/null; then
		not_ok "nginx is installed (scripts/install-deps.sh)"
		return 1
	fi
	_srv_n=$((_srv_n + 1))
	_ngx="$T/nginx$_srv_n"
	NGINX_PORT=$(free_port)
	mkdir -p "$_ngx"
	cat >"$_ngx/nginx.conf" <<NGX
daemon off;
master_process off;
worker_processes 1;
pid $_ngx/nginx.pid;
error_log $_ngx/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $_ngx;
	proxy_temp_path $_ngx;
	fastcgi_temp_path $_ngx;
	uwsgi_temp_path $_ngx;
	scgi_temp_path $_ngx;
	server {
		listen 127.0.0.1:$NGINX_PORT ssl;
$1
		return 204;
	}${2:+
	server {
		listen 127.0.0.1:$NGINX_PORT ssl default_server;
$2
		return 204;
	\}}
}
NGX
	nginx -c "$_ngx/nginx.conf" -p "$_ngx" -e "$_ngx/error.log" \
		>"$_ngx/out.log" 2>&1 &
	srv_track $! "$_ngx/error.log"
	wait_port "$NGINX_PORT"
}

# start_openssl_server ARGS...: s_server answering on 127.0.0.1, one
# connection after another, until stopped; sets SRV_PORT, SRV_PID,
# SRV_LOG. -www keeps stdin out of the way (it answers "GET /" only).
start_openssl_server() {
	_srv_n=$((_srv_n + 1))
	SRV_LOG="$T/s_server$_srv_n.log"
	openssl s_server -accept 127.0.0.1:0 -www "$@" >"$SRV_LOG" 2>&1 </dev/null &
	SRV_PID=$!
	srv_track "$SRV_PID" "$SRV_LOG"
	if ! _srv_wait "$SRV_PID" "$SRV_LOG" '^ACCEPT '; then
		_srv_failed_start "openssl s_server $*" "$SRV_LOG"
		return 1
	fi
	SRV_PORT=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$SRV_LOG")
}

# start_mosquitto CERT KEY: mosquitto with one TLS listener on 127.0.0.1,
# logging everything it sees to MQTT_LOG; sets MQTT_PORT, MQTT_PID.
# Like gnutls-serv it cannot say which port 0 became: take a free one
# and retry if another took it first.
start_mosquitto() {
	if ! command -v mosquitto >/dev/null; then
		not_ok "mosquitto is installed (scripts/install-deps.sh)"
		return 1
	fi
	for _try in 1 2 3; do
		_srv_n=$((_srv_n + 1))
		MQTT_LOG="$T/mosquitto$_srv_n.log"
		MQTT_PORT=$(free_port)
		# run as root, it would drop to a user "mosquitto" that may
		# not read the key: stay who we are
		cat >"$T/mosquitto$_srv_n.conf" <<MQ
user $(id -un)
log_dest stderr
log_type all
allow_anonymous true
listener $MQTT_PORT 127.0.0.1
certfile $1
keyfile $2
MQ
		mosquitto -c "$T/mosquitto$_srv_n.conf" >"$MQTT_LOG" 2>&1 \
			</dev/null &
		MQTT_PID=$!
		srv_track "$MQTT_PID" "$MQTT_LOG"
		if _srv_wait "$MQTT_PID" "$MQTT_LOG" \
			'mosquitto version .* running'; then
			return 0
		fi
		kill "$MQTT_PID" 2>/dev/null
	done
	_srv_failed_start "mosquitto $*" "$MQTT_LOG"
	return 1
}

# pem_split FILE FIRST REST: the first certificate of FILE into FIRST,
# the others, in the order found, into REST.
pem_split() {
	awk -v first="$2" -v rest="$3" '
		/-----BEGIN CERTIFICATE-----/ { n++ }
		n == 1 { print > first; next }
		n > 1 { print > rest }' "$1"
}

# run_client NAME ARGS...: runs "tlsprobe client --json ARGS"; sets OUT
# (the report), ERR (its stderr), RC (exit status) and MS (wall time).
# With CLIENT_NS set, the client runs in that network namespace.
run_client() {
	_rc_name=$1; shift
	OUT="$T/$_rc_name.json"
	ERR="$T/$_rc_name.err"
	_t0=$(now_ms)
	# GnuTLS itself honours SSLKEYLOGFILE: keep it from doing the
	# client's --keylog work.
	env -u SSLKEYLOGFILE timeout -k 2 "$CLIENT_LIMIT" \
		${CLIENT_NS:+ip netns exec "$CLIENT_NS"} \
		"$TP" client --json "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	MS=$(($(now_ms) - _t0))
	LAST_ARGS="$*"
	_ctx_shown=0
}

# report_summary FILE: the report in a few comment lines.
report_summary() {
	python3 - "$1" <<'EOF' 2>&1 | sed 's/^/#   /'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    raw = open(sys.argv[1], "rb").read()
    print("stdout is not JSON (%s): %r" % (e, raw[:400]))
    sys.exit(0)
print("verdict: %s" % d.get("verdict"))
for s in d.get("stages") or []:
    print("stage %s: %s%s" % (s.get("name"), s.get("status"),
          " (%s)" % s["detail"] if s.get("detail") else ""))
sess = d.get("session")
if sess:
    print("session: %s %s" % (sess.get("version"), sess.get("cipher")))
for f in d.get("findings") or []:
    print("finding %s [%s/%s]: %s | %s" % (f.get("code"), f.get("severity"),
          f.get("side"), f.get("summary"), f.get("detail")))
EOF
}

# fail_context: what the last run and the running servers said (once
# per run; later failures about the same run refer back to it).
fail_context() {
	if [ "${_ctx_shown:-0}" = 1 ]; then
		echo "#   (the run's context is shown above)"
		return
	fi
	_ctx_shown=1
	echo "#   command: tlsprobe client --json $LAST_ARGS"
	echo "#   exit status $RC after $MS ms"
	[ -s "$OUT" ] && report_summary "$OUT"
	if [ -s "$ERR" ]; then
		echo "#   stderr:"
		head -n 20 "$ERR" | sed 's/^/#     /'
	fi
	for _e in $_srv_list; do
		echo "#   server log ${_e#*:}:"
		tail -n 12 "${_e#*:}" | sed 's/^/#     /'
	done
}

# expect NAME RC [CODE | !CODE]...: one TAP line for the last run: it
# exited RC, printed a JSON report, and reported every CODE and none of
# the !CODEs. On failure it says which part failed and shows the context.
expect() {
	_x_name=$1; _x_rc=$2; shift 2
	_x_why=$(python3 - "$OUT" "$RC" "$_x_rc" "$@" <<'EOF'
import json, sys
out, rc, want = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
why = []
if rc != want:
    why.append("exit status %d, wanted %d" % (rc, want))
try:
    codes = [f["code"] for f in json.load(open(out))["findings"]]
except Exception as e:
    why.append("stdout is not a JSON report (%s)" % e)
    codes = None
for c in sys.argv[4:] if codes is not None else []:
    if c.startswith("!") and c[1:] in codes:
        why.append("%s reported, must not be" % c[1:])
    elif not c.startswith("!") and c not in codes:
        why.append("%s missing (got: %s)" % (c, " ".join(codes) or "none"))
print("; ".join(why))
EOF
)
	if [ -z "$_x_why" ]; then
		ok "$_x_name"
		return 0
	fi
	not_ok "$_x_name"
	echo "#   $_x_why"
	fail_context
	return 1
}

# expect_py NAME EXPR: one TAP line: the Python expression over the last
# report d (and its finding codes, codes) is true.
expect_py() {
	if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
codes = [f["code"] for f in d.get("findings") or []]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$2" 2>"$T/expect_py.err"; then
		ok "$1"
		return 0
	fi
	not_ok "$1"
	echo "#   false: $2"
	tail -n 1 "$T/expect_py.err" | sed 's/^/#   /'
	fail_context
	return 1
}

# finding_text FILE CODE: summary and detail of the findings with CODE.
finding_text() {
	python3 -c '
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    if f["code"] == sys.argv[2]:
        print(f.get("summary") or "", f.get("detail") or "")' "$1" "$2" 2>/dev/null
}

# log_waits LOG PATTERN: LOG gets a line matching PATTERN within 3 s
# (a server writes its account of a connection after the client left).
log_waits() {
	_i=0
	while [ $_i -lt 150 ]; do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
		_i=$((_i + 1))
	done
	return 1
}

# make_pki [FILE...]: the sample PKI in $T/pki (sets PKI); each FILE
# the test needs must be there.
make_pki() {
	PKI="$T/pki"
	if ! sh "$TOP/samples/mkpki.sh" "$PKI" >"$T/mkpki.log" 2>&1; then
		not_ok "samples/mkpki.sh makes the sample PKI"
		sed 's/^/#   /' "$T/mkpki.log"
		exit 1
	fi
	for _f in "$@"; do
		if [ ! -f "$PKI/$_f" ]; then
			not_ok "sample PKI has $_f"
			exit 1
		fi
	done
}
