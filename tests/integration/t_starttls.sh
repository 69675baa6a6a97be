#!/bin/sh
# tlsprobe client --starttls against scripted STARTTLS servers on
# loopback: the prelude of every protocol, then TLS; and every way the
# prelude can fail, each reported as STARTTLS_FAILED.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki ca1.pem server.pem server.key
CA1=$PKI/ca1.pem
PROTOS="smtp imap pop3 ftp xmpp postgres ldap"

# judge NAME RC [LABEL EXPR]...: TAP lines for the last run, all from one
# python3: "NAME: exit RC, a JSON report", then "NAME: LABEL" for each
# Python expression over the report d (codes: its finding codes; stage:
# its stages by name; names: their names in order). Context on failure.
judge() {
	_j_name=$1; _j_rc=$2; shift 2
	if ! python3 - "$OUT" "$RC" "$_j_rc" "$@" >"$T/judge.out" \
		2>"$T/judge.err" <<'EOF'
import json, sys
out, rc, want, pairs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
why = [] if rc == want else ["exit status %d, wanted %d" % (rc, want)]
try:
    d = json.load(open(out))
    codes = [f["code"] for f in d["findings"]]
    stage = {s["name"]: s for s in d["stages"]}
    names = [s["name"] for s in d["stages"]]
except Exception as e:
    d = None
    why.append("stdout is not a JSON report (%s)" % e)
print("\t" + "; ".join(why))
for expr in pairs[1::2]:
    try:
        print("\t" + ("" if d is not None and eval(expr) else "false: " + expr))
    except Exception as e:
        print("\t%s: %s in %s" % (type(e).__name__, e, expr))
EOF
	then
		not_ok "$_j_name: judged"
		sed 's/^/#   /' "$T/judge.err"
		return 1
	fi
	_j_label="exit $_j_rc, a JSON report"
	_j_bad=0
	while IFS= read -r _j_line; do
		_j_why=${_j_line#?}
		if [ -z "$_j_why" ]; then
			ok "$_j_name: $_j_label"
		else
			not_ok "$_j_name: $_j_label"
			echo "#   $_j_why"
			fail_context
			_j_bad=1
		fi
		[ $# -ge 2 ] || break
		_j_label=$1
		shift 2
	done <"$T/judge.out"
	return $_j_bad
}

STAGES="names == ['dns', 'tcp', 'starttls', 'tls', 'verify']"
# failed NAME [LABEL EXPR]...: the last run failed at the starttls stage
# with exactly STARTTLS_FAILED, tls and verify skipped, and each EXPR holds.
failed() {
	_f_name=$1; shift
	judge "$_f_name" 1 \
		"STARTTLS_FAILED, the only finding" \
		"codes == ['STARTTLS_FAILED']" \
		"stages in order; starttls fails, tls and verify skipped" \
		"$STAGES and [stage[n]['status'] for n in ('starttls', 'tls', \
		 'verify')] == ['fail', 'skipped', 'skipped']" "$@"
}

# server PROTO MODE: a fresh scripted server (the previous one stopped).
server() {
	stop_servers
	start_starttls "$1" "$2" "$PKI/server.pem" "$PKI/server.key"
}

# connections: how many connections the last server accepted.
connections() { grep -c 'connection from' "$STLS_LOG"; }

# ---- the prelude, then TLS ----

for p in $PROTOS; do
	server "$p" ok || continue
	run_client "ok-$p" "127.0.0.1:$STLS_PORT" --starttls "$p" --ca "$CA1"
	judge "$p ok" 0 \
		"stages dns, tcp, starttls, tls, verify, all ok" \
		"$STAGES and all(s['status'] == 'ok' for s in d['stages'])" \
		"a session and the server's certificate" \
		"d['session']['version'] and \
		 'localhost' in d['certificates'][0]['subject']"
	check "$p ok: one connection, no side channel on a STARTTLS port" \
		[ "$(connections)" -eq 1 ]
	if [ "$p" = xmpp ]; then
		check "xmpp ok: the stream is opened to the host" \
			grep -q "stream to b'127.0.0.1'" "$STLS_LOG"
	fi
done

# ---- refusals ----

for p in $PROTOS; do
	server "$p" nocap || continue
	run_client "nocap-$p" "127.0.0.1:$STLS_PORT" --starttls "$p" --ca "$CA1"
	failed "$p without STARTTLS" \
		"the detail says it was refused" \
		"'refus' in d['findings'][0]['detail']"
done
server xmpp refuse &&
	run_client refuse-xmpp "127.0.0.1:$STLS_PORT" --starttls xmpp \
		--ca "$CA1" &&
	failed "xmpp <failure/>" "the stage quotes <failure/>" \
		"'<failure' in stage['starttls']['detail']"
for p in smtp ftp; do
	server "$p" busy || continue
	run_client "busy-$p" "127.0.0.1:$STLS_PORT" --starttls "$p" --ca "$CA1"
	failed "$p 421" "the summary says busy, 421" \
		"'busy' in d['findings'][0]['summary'] and \
		 '421' in d['findings'][0]['summary']"
done

# ---- closed, garbled ----

for p in $PROTOS; do
	server "$p" close || continue
	run_client "close-$p" "127.0.0.1:$STLS_PORT" --starttls "$p" --ca "$CA1"
	failed "$p closed after the greeting" "the summary says closed" \
		"'closed the connection' in d['findings'][0]['summary']"

	server "$p" garbage || continue
	run_client "garbage-$p" "127.0.0.1:$STLS_PORT" --starttls "$p" \
		--ca "$CA1"
	failed "$p binary greeting" "the summary says it is not $p" \
		"'not $p' in d['findings'][0]['summary'].lower()"
done

# ---- silence after the greeting: the seven side by side, each client
# bounded by --timeout 1 ----

stop_servers
stalled=""
for p in $PROTOS; do
	start_starttls "$p" stall "$PKI/server.pem" "$PKI/server.key" &&
		stalled="$stalled $p:$STLS_PORT"
done
pids=""
for e in $stalled; do
	(
		run_client "stall-${e%%:*}" "127.0.0.1:${e#*:}" \
			--starttls "${e%%:*}" --ca "$CA1" --timeout 1
		echo "$RC $MS" >"$T/stall-${e%%:*}.rc"
	) &
	pids="$pids $!"
done
wait $pids
for e in $stalled; do
	p=${e%%:*}
	OUT="$T/stall-$p.json" ERR="$T/stall-$p.err"
	LAST_ARGS="127.0.0.1:${e#*:} --starttls $p --ca $CA1 --timeout 1"
	read -r RC MS <"$T/stall-$p.rc"
	_ctx_shown=0
	failed "$p stalled, --timeout 1" "the detail says it timed out" \
		"'timed out' in d['findings'][0]['detail']"
	check "$p stalled: the run ends within 3 s (took $MS ms)" \
		[ "$MS" -lt 3000 ]
done

# ---- TLS where the prelude belongs, and the other way round ----

# a port that speaks TLS from the first byte sends no greeting
server smtp tls &&
	run_client tls-direct "127.0.0.1:$STLS_PORT" --starttls smtp \
		--ca "$CA1" --timeout 1 &&
	failed "smtp asked of a TLS port" "the fix says drop --starttls" \
		"'drop --starttls' in d['findings'][0]['fix']"

# a handshake that stalls after the prelude: the retry on a connection
# with a small MSS goes through the prelude as well
server smtp tls-stall &&
	run_client tls-stall "127.0.0.1:$STLS_PORT" --starttls smtp \
		--ca "$CA1" --timeout 1 &&
	judge "smtp, TLS stalls after the prelude" 1 \
		"HANDSHAKE_TIMEOUT, not STARTTLS_FAILED" \
		"'HANDSHAKE_TIMEOUT' in codes and 'STARTTLS_FAILED' not in codes" \
		"starttls ok, tls fails" \
		"$STAGES and stage['starttls']['status'] == 'ok' and \
		 stage['tls']['status'] == 'fail'"
check "smtp, TLS stalls: the retry connection ran the prelude too" \
	[ "$(grep -c "< b'EHLO tlsprobe.invalid" "$STLS_LOG")" -eq 2 ]
stop_servers

# the wrong protocol asked of a STARTTLS port: the fix names the right
# one
server imap ok &&
	run_client wrong-proto "127.0.0.1:$STLS_PORT" --starttls smtp \
		--ca "$CA1" --timeout 2 &&
	failed "smtp asked of an IMAP port" "the fix says use --starttls imap" \
		"'does not speak smtp' in d['findings'][0]['fix'] and 'use --starttls imap' in d['findings'][0]['fix']"
stop_servers

# plaintext again after the go-ahead: NOT_TLS says so, and does not tell
# to use the --starttls that was used
server smtp tls-plain &&
	run_client tls-plain "127.0.0.1:$STLS_PORT" --starttls smtp \
		--ca "$CA1" --timeout 1 &&
	judge "smtp, plaintext after the go-ahead" 1 "NOT_TLS" \
		"'NOT_TLS' in codes and 'STARTTLS_FAILED' not in codes" \
		"NOT_TLS names the go-ahead and an SMTP banner, suggests no --starttls" \
		"[f for f in d['findings'] if f['code'] == 'NOT_TLS' and 'after the --starttls smtp go-ahead' in f['summary'] and 'an SMTP server banner' in f['summary'] and 'use --starttls' not in f['summary']]"
stop_servers

# ---- usage ----

"$TP" client 127.0.0.1:1 --starttls gopher >"$T/out" 2>"$T/err"; rc=$?
check "--starttls gopher: exit 2, one line naming it and the protocols, nothing on stdout" \
	sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$T/err') -eq 1 ] && \
	       grep -q \"'gopher'\" '$T/err' && \
	       grep -q 'smtp, imap, pop3, ftp, xmpp, postgres or ldap' '$T/err' && \
	       [ ! -s '$T/out' ]"
"$TP" client 127.0.0.1:1 --starttls >"$T/out" 2>"$T/err"; rc=$?
check "--starttls without a value: exit 2" [ "$rc" -eq 2 ]
