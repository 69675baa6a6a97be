#!/bin/sh
# Allocation-failure torture, as curl's tests do it: the n-th allocation
# after main() fails, for n = 1, 2, … until a run no longer reaches n.
# Every such run must end either with exit 3 and one line on stderr
# saying it ran out of memory, or, where a library absorbed the failure,
# exactly as the run without a failure did. A signal, a hang, another
# exit status, a changed report (a failed allocation passed off as
# UNKNOWN_CA, say) or, under SAN=1, a leak fails the sweep.
#
# The failures come from an LD_PRELOAD shim (failmalloc.c, built by
# make unit-tests into BUILD/tests/failmalloc.so) that wraps every
# allocator and forwards to the next one: glibc's, or ASan's in a SAN=1
# build, so that LeakSanitizer checks every failed run for leaks.
#
# Scenarios: tlsprobe pcap over two real captures (samples/), every n;
# tlsprobe client against gnutls-serv without the side channel; tlsprobe
# client paired with a tlsprobe server (its key, the mark and the
# exchange inside TLS); the same refused for want of a client
# certificate, so that the account is claimed on the side channel (a
# welcome's challenge signed with the key). A client
# run makes about 900 allocations: by default the client sweeps take
# every second n whose allocation tlsprobe's own code asked for (in a
# counted run; TORTURE_OWN_STRIDE, 5 under SAN=1, where each run costs
# several times as much) and every TORTURE_STRIDE-th (default 5) of the
# rest; under SAN=1 the pcap sweeps take every second n too (the plain
# build every n), so that each make check stays within its 15 minutes.
# TORTURE=full
# takes every n there too; TORTURE_ONLY=WORDS runs only the scenarios
# whose name holds WORDS ("pcap", "gnutls-serv", "paired", "claim");
# TORTURE_SHOW=N shows the first N bad runs (default 5).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

case "$BIN" in
*/build/san/bin) BUILD=$TOP/build/san ;;
*) BUILD=$TOP/build/std ;;
esac
SHIM=${TORTURE_SHIM:-$BUILD/tests/failmalloc.so}
STRIDE=${TORTURE_STRIDE:-5}
# A run past this many seconds is a hang (each network stage is bounded
# by --timeout 2 below).
RUN_LIMIT=${TORTURE_LIMIT:-20}
# Allocations whose failure crashes a library, or that a library turns
# into a wrong answer before tlsprobe hears of it, are spared (anywhere
# below these on the call stack); everything else in GnuTLS, libpcap,
# jansson and libc still fails. libtasn1 4.19 dereferences its own
# failed node allocations (_asn1_copy_structure3 does not check
# _asn1_add_single_node); GNU MP aborts by design when it cannot
# allocate (nettle's RSA and EC arithmetic); GnuTLS 3.7's
# gnutls_x509_dn_init does not check its calloc (reached from
# gnutls_x509_crt_check_issuer); glibc's NSS lookup of /etc/hosts
# (gethostbyname2_r, inside getaddrinfo) answers "no such name" or
# EAI_SYSTEM when it cannot allocate, which no caller can tell from a
# name that does not exist.
SPARE=${TORTURE_SPARE-libtasn1,libgmp}
SPARE_FN=${TORTURE_SPARE_FN-gnutls_x509_dn_init,gethostbyname2_r}

if [ ! -f "$SHIM" ]; then
	not_ok "the shim $SHIM is built (make unit-tests)"
	exit 1
fi

SAN=0
if ldd "$TP" 2>/dev/null | grep -q libasan; then
	SAN=1
	# The shim must come before ASan's runtime to see every call; its
	# exit codes must not be taken for tlsprobe's own 1.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:exitcode=86:detect_leaks=1:allocator_may_return_null=1"
	LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=87:print_suppressions=0:suppressions=$TOP/tests/torture/lsan.supp"
	UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=88:print_stacktrace=1"
	export ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
fi

# digest KIND FILE: what must not change when a failure is absorbed.
# pcap: the whole report but the time it took; client: the report's verdict, stages, session,
# findings, certificates and the paired server's account, not its
# times, ports or addresses (the JSON is one member a line). No python
# here: it runs once a run.
digest() {
	if [ "$1" = pcap ]; then
		# less the time the run took
		sed -E 's/, [0-9.]+ ms$//; /^ *"ms": [0-9.]+$/d' "$2"
	else
		grep -E '^ *"(verdict|name|status|version|cipher|group|signature|code|severity|side|sha256|subject|outcome|alert_sent)":' "$2"
	fi
}

# torture_run N CMD...: one run with the N-th allocation failing (0:
# none); sets TRC (exit status), TFAILED (allocations made to fail,
# empty when the process did not exit), TCALLS, and leaves $T/t.out,
# $T/t.err, $T/t.trace (where the failure was), $T/t.log.
torture_run() {
	_n=$1; shift
	rm -f "$T/t.rep" "$T/t.trace" "$T/t.log"
	# preloaded into tlsprobe only, not into timeout or env
	timeout -s KILL "$RUN_LIMIT" env -u SSLKEYLOGFILE \
		TORTURE_FAIL_AT="$_n" TORTURE_REPORT="$T/t.rep" \
		TORTURE_TRACE="$T/t.trace" TORTURE_LOG="$T/t.log" \
		TORTURE_SPARE="$SPARE" TORTURE_SPARE_FN="$SPARE_FN" \
		LD_PRELOAD="$SHIM" \
		"$@" >"$T/t.out" 2>"$T/t.err" </dev/null
	TRC=$?
	TFAILED=$(sed -n 's/^allocations [0-9]* failed \([0-9]*\)$/\1/p' "$T/t.rep" 2>/dev/null)
	TCALLS=$(sed -n 's/^allocations \([0-9]*\) .*/\1/p' "$T/t.rep" 2>/dev/null)
}

# show_trace FILE: the failed allocation's call stack, tlsprobe's own
# frames as function and line (addr2line), the shim's left out.
show_trace() {
	sed -n '2,$p' "$1" | grep -v failmalloc | head -n 10 |
	while IFS= read -r _l; do
		_obj=${_l%%(*}
		_off=$(echo "$_l" | sed -n 's/.*(+\(0x[0-9a-f]*\)).*/\1/p')
		case "$_obj" in
		*.so*|"") echo "$_l" | sed 's/\[0x[0-9a-f]*\]$//' ;;
		*) if [ -n "$_off" ]; then
			addr2line -f -i -p -e "$_obj" "$_off" 2>/dev/null |
				sed "s|$TOP/||g"
		   else
			echo "$_l"
		   fi ;;
		esac
	done
}

# verdict_of KIND BASE_RC BASE_DIGEST: empty when the last run is
# acceptable, else why not. Sets ABSORBED=1 for a run that reached its
# failure and still produced the baseline's report.
verdict_of() {
	ABSORBED=0
	if [ "$TRC" -eq 137 ]; then
		echo "hang: killed after $RUN_LIMIT s"; return
	fi
	if [ "$TRC" -ge 86 ] && [ "$TRC" -le 88 ] && [ "$SAN" = 1 ]; then
		echo "sanitizer report (exit $TRC)"; return
	fi
	if [ "$TRC" -gt 128 ] || [ -z "$TFAILED" ]; then
		echo "crash: exit status $TRC, no orderly exit"; return
	fi
	_lines=$(wc -l <"$T/t.err")
	if [ "$TRC" -eq 3 ]; then
		if [ "$_lines" -ne 1 ]; then
			echo "exit 3 with $_lines lines on stderr, wanted one"
		elif ! grep -qiE 'memory|allocat' "$T/t.err"; then
			echo "exit 3 without saying memory ran out"
		fi
		return
	fi
	if [ "$TRC" -ne "$2" ]; then
		echo "exit status $TRC, wanted 3 (or $2 as without a failure)"
		return
	fi
	if [ "$_lines" -ne 0 ]; then
		echo "exit status $TRC with stderr output"; return
	fi
	if [ "$(digest "$1" "$T/t.out")" != "$3" ]; then
		echo "exit status $TRC with another report than without a failure"
		return
	fi
	ABSORBED=1
}

# sweep NAME KIND CMD...: the whole sweep over one command, in TAP:
# the baseline, then one line for the sweep (the first failures found
# in full below it), and the numbers as a comment.
sweep() {
	_name=$1 _kind=$2; shift 2
	case "$_name" in *"${TORTURE_ONLY:-}"*) ;; *) return ;; esac
	torture_run 0 "$@"
	if [ -z "$TFAILED" ] || [ "$TRC" -gt 1 ]; then
		not_ok "$_name: the run without failures works (exit $TRC)"
		sed 's/^/#   /' "$T/t.err" | head -n 10
		return
	fi
	_base_rc=$TRC _base_calls=$TCALLS
	_base_digest=$(digest "$_kind" "$T/t.out")
	_own=$(tr -cd o <"$T/t.log" | wc -c)
	cp "$T/t.log" "$T/base.log"
	ok "$_name: without failures, exit $_base_rc after $_base_calls allocations ($_own by tlsprobe's own code)"
	_every=1 _own_every=1
	if [ "$_kind" = client ] && [ "${TORTURE:-}" != full ]; then
		_every=$STRIDE
		if [ "$SAN" = 1 ]; then
			_own_every=${TORTURE_OWN_STRIDE:-5}
		else
			_own_every=${TORTURE_OWN_STRIDE:-2}
		fi
	elif [ "$SAN" = 1 ] && [ "${TORTURE:-}" != full ]; then
		_every=2 _own_every=2
	fi
	_n=0 _runs=0 _bad=0 _absorbed=0 _oom=0 _t0=$(now_ms)
	: >"$T/bad"
	while :; do
		_n=$((_n + 1))
		# sampled: every (or every OWN_STRIDE-th) n tlsprobe asked
		# for, every STRIDE-th else
		if [ "$_every" -gt 1 ] && [ $((_n % _every)) -ne 0 ] &&
		   [ "$_n" -le "$_base_calls" ]; then
			if [ "$(cut -c "$_n" "$T/base.log" 2>/dev/null)" != o ] ||
			   [ $((_n % _own_every)) -ne 0 ]; then
				continue
			fi
		fi
		torture_run "$_n" "$@"
		_runs=$((_runs + 1))
		if [ "$TFAILED" = 0 ]; then
			# the run no longer reaches n: done, if it ended as
			# the baseline did
			[ "$TRC" -eq "$_base_rc" ] && break
			echo "n=$_n: exit status $TRC without reaching its failure, $_base_rc before" >>"$T/bad"
			_bad=$((_bad + 1))
			break
		else
			_why=$(verdict_of "$_kind" "$_base_rc" "$_base_digest")
		fi
		if [ -n "$_why" ]; then
			_bad=$((_bad + 1))
			if [ "$_bad" -le "${TORTURE_SHOW:-5}" ]; then
				{
					echo "n=$_n: $_why"
					sed 's/^/    stderr: /' "$T/t.err" | head -n 6
					[ -f "$T/t.trace" ] &&
						show_trace "$T/t.trace" | sed 's/^/    /'
				} >>"$T/bad"
			fi
		elif [ "$ABSORBED" = 1 ]; then
			_absorbed=$((_absorbed + 1))
		else
			_oom=$((_oom + 1))
		fi
		if [ "$_n" -gt $((_base_calls * 2 + 100)) ]; then
			echo "n=$_n: the runs never stop reaching their failure" >>"$T/bad"
			_bad=$((_bad + 1))
			break
		fi
	done
	_secs=$(( ($(now_ms) - _t0) / 1000 ))
	echo "# $_name: $_runs runs, n reached $_n, $_oom out-of-memory exits, $_absorbed absorbed, $_bad bad, ${_secs}s"
	if [ "$_bad" -eq 0 ]; then
		ok "$_name: every failed allocation ends in exit 3 or is absorbed ($_runs runs, n up to $_n)"
	else
		not_ok "$_name: every failed allocation ends in exit 3 or is absorbed ($_bad of $_runs runs did not)"
		sed 's/^/#   /' "$T/bad"
	fi
}

# ---- tlsprobe pcap over real captures: every n ----

sweep "pcap tls12.pcap --json" pcap "$TP" pcap --json "$TOP/samples/tls12.pcap"
sweep "pcap tls13.pcapng" pcap "$TP" pcap --no-color "$TOP/samples/tls13.pcapng"

# ---- tlsprobe client against gnutls-serv, no side channel ----

make_pki ca1.pem server.pem server.key
CA1=$PKI/ca1.pem
start_gnutls_serv --x509certfile "$PKI/server.pem" \
	--x509keyfile "$PKI/server.key" || exit 1
sweep "client, gnutls-serv" client "$TP" client --json -4 --timeout 2 \
	--ca "$CA1" --no-sideband "localhost:$SRV_PORT"
stop_servers

# ---- tlsprobe client paired with a tlsprobe server ----

SRVLOG="$T/tp-server.err"
"$TP" server --listen 127.0.0.1:0 --cert "$PKI/server.pem" \
	--key "$PKI/server.key" --json >"$T/tp-server.out" 2>"$SRVLOG" </dev/null &
srv_track $! "$SRVLOG"
if ! _srv_wait $! "$SRVLOG" 'listening on 127\.0\.0\.1:[0-9]+'; then
	_srv_failed_start "tlsprobe server" "$SRVLOG"
	exit 1
fi
TP_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$SRVLOG" | head -n 1)
sweep "client, paired tlsprobe server" client "$TP" client --json -4 \
	--timeout 2 --ca "$CA1" "localhost:$TP_PORT"
stop_servers

# ---- the same, refused: the account claimed on the side channel ----

SRVLOG="$T/tp-claim.err"
"$TP" server --listen 127.0.0.1:0 --cert "$PKI/server.pem" \
	--key "$PKI/server.key" --ca "$CA1" --require-client-cert --json \
	>"$T/tp-claim.out" 2>"$SRVLOG" </dev/null &
srv_track $! "$SRVLOG"
if ! _srv_wait $! "$SRVLOG" 'listening on 127\.0\.0\.1:[0-9]+'; then
	_srv_failed_start "tlsprobe server" "$SRVLOG"
	exit 1
fi
TP_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$SRVLOG" | head -n 1)
NAME="client, claimed account from a refusing tlsprobe server"
# the baseline must have claimed its account (the handshake failed, so
# none came inside TLS), or the sweep would not cover the claim
case "$NAME" in *"${TORTURE_ONLY:-}"*)
	torture_run 0 "$TP" client --json -4 --timeout 2 --ca "$CA1" \
		"localhost:$TP_PORT"
	check "$NAME: the account of the refused handshake was claimed" \
		grep -q '"outcome": "alert"' "$T/t.out"
	;;
esac
sweep "$NAME" client "$TP" client --json -4 --timeout 2 --ca "$CA1" \
	"localhost:$TP_PORT"
stop_servers
