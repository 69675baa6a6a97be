#!/bin/sh
# tlsprobe client against hostile servers: each run ends within the
# --timeout bound with the most specific finding, and nothing the server
# sent reaches the terminal raw, in text (-v) or JSON.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/hostile/hostile.sh"

hostile_certs
# the client's stages are dns, tcp, tls, verify and the side channel's
# short wait: docs/tlsprobe-client.1 bounds each by --timeout
BOUND=$(bound_ms 4 1)

CASES=""
# ccase MODE RC CODE...: the client against MODE exits RC and reports
# each CODE (A|B: either; !C: not C).
ccase() { CASES="$CASES$*
"; }

ccase silence 1 HANDSHAKE_TIMEOUT
ccase garbage 1 NOT_TLS
# the client keeps GnuTLS's word for what the server broke
# (t_client_local: an oversized record is TLS_HANDSHAKE_FAILED with
# GNUTLS_E_RECORD_OVERFLOW); PROTOCOL_VIOLATION would do too
ccase giant-length 1 'TLS_HANDSHAKE_FAILED|PROTOCOL_VIOLATION'
# a ServerHello at one byte a second: the handshake's deadline holds
# however much trickles in
ccase slowloris 1 HANDSHAKE_TIMEOUT
ccase rst-mid 1 RESET_DURING_HANDSHAKE
ccase reset 1 RESET_DURING_HANDSHAKE
ccase close 1 PEER_CLOSED
# a second HelloRetryRequest is forbidden (RFC 8446 4.1.4)
ccase hrr-endless 1 'TLS_HANDSHAKE_FAILED|PROTOCOL_VIOLATION'
ccase sh-silence 1 HANDSHAKE_TIMEOUT
ccase zero-window 1 HANDSHAKE_TIMEOUT
ccase flood-instead 1 NOT_TLS
ccase flood-after 0 '!TLS_HANDSHAKE_FAILED'
# as giant-length (GNUTLS_E_UNEXPECTED_EXTENSIONS_LENGTH)
ccase ext-len-lie 1 'TLS_HANDSHAKE_FAILED|PROTOCOL_VIOLATION'
# GnuTLS lets an unknown extension pass: ServerHello, then silence
ccase ext64k 1 HANDSHAKE_TIMEOUT
# an alert storm that ends in a fatal internal_error (and the
# alerts named: see below)
ccase alert-storm 1 'ALERT_RECEIVED|PROTOCOL_VIOLATION|TLS_HANDSHAKE_FAILED'
# close_notify during the handshake: a clean close, named so
ccase close-notify 1 'PEER_CLOSED|ALERT_RECEIVED'
ccase split-hello 1 HANDSHAKE_TIMEOUT
ccase split-tls 0 '!TLS_HANDSHAKE_FAILED'
ccase unknown-record 1 'NOT_TLS|PROTOCOL_VIOLATION'
# the TLS 1.3 downgrade sentinel (RFC 8446 4.1.3): GnuTLS's
# illegal_parameter, kept by name
ccase downgrade 1 'TLS_HANDSHAKE_FAILED|PROTOCOL_VIOLATION'
# guards against: an SSL 2.0 SERVER-HELLO is NOT_TLS naming SSL 2.0, as ciphers
# says, not TLS_HANDSHAKE_FAILED
ccase sslv2 1 'NOT_TLS|PROTOCOL_VERSION_MISMATCH'
# GnuTLS refuses handshake messages over 128 KiB: said plainly
ccase many-sans 1 TLS_HANDSHAKE_FAILED
ccase big-chain 1 TLS_HANDSHAKE_FAILED
# guards against (clean output): bidi controls passing the sanitiser
ccase evil-cert 1 UNKNOWN_CA
# The side-channel modes (evil-sideband, sb-*, acct-*) are run with
# --paired: hostile_server.py's ServerHello cannot answer the mark, and
# without it the client says nothing but TLS.
# guards against (clean output): bidi controls passing the sanitiser
ccase evil-sideband 1 NAT_SOURCE NAT_DESTINATION TLS_INTERCEPTED
ccase sb-raw 0 '!TLS_HANDSHAKE_FAILED'
ccase sb-malformed 0 '!TLS_HANDSHAKE_FAILED'
ccase sb-huge 0 '!TLS_HANDSHAKE_FAILED'
ccase sb-nested 0 '!TLS_HANDSHAKE_FAILED'
ccase sb-deep 0 '!TLS_HANDSHAKE_FAILED'
# a well-behaved node but for its answer to the claim
ccase acct-malformed 0 '!TLS_HANDSHAKE_FAILED' '!TLS_INTERCEPTED'
ccase acct-long 0 '!TLS_HANDSHAKE_FAILED' '!TLS_INTERCEPTED'
ccase acct-huge 0 '!TLS_HANDSHAKE_FAILED' '!TLS_INTERCEPTED'
ccase acct-endless 0 '!TLS_HANDSHAKE_FAILED' '!TLS_INTERCEPTED'
ccase escape 1 NOT_TLS
ccase http 1 NOT_TLS

MODES=$(printf '%s' "$CASES" | awk '{print $1}')
# The side-channel modes in a process of their own: the client waits
# only a quarter of --timeout for a welcome, and Python's one thread at
# a time must not spend it on flood-after's 100 MB.
SB_MODES=$(printf '%s\n' $MODES | grep -E '^(evil-sideband|sb-|acct-)')
# shellcheck disable=SC2086
start_hostile $(printf '%s\n' $MODES | grep -vE '^(evil-sideband|sb-|acct-)')
H1OUT=$HOUT
# shellcheck disable=SC2086
start_hostile $SB_MODES
cat "$H1OUT" "$HOUT" | grep '^mode ' >"$T/hports"
HOUT=$T/hports

# every run at once (HOSTILE_PAR at a time): JSON, and text with -v
for m in $MODES; do
	p=$(hport "$m")
	# paired, the handshake has only half of three quarters of
	# --timeout before it looks for a black hole (a quarter is kept
	# for the account): twice --timeout, so that a Python server
	# slowed by its neighbours is not taken for one. Still within
	# BOUND (tcp's and tls's stages).
	case "$m" in
	evil-sideband|sb-*|acct-*)
		paired=--paired to=$("$PY" -c "print($TO * 2)") ;;
	*) paired= to=$TO ;;
	esac
	# shellcheck disable=SC2086
	hrun "client-$m-json" "$TP" client "127.0.0.1:$p" --timeout "$to" \
		--ca "$CERTS/ca.pem" --json $paired
	# shellcheck disable=SC2086
	hrun "client-$m-text" "$TP" client "127.0.0.1:$p" --timeout "$to" \
		--ca "$CERTS/ca.pem" -v $paired
done
hwait

printf '%s' "$CASES" >"$T/cases"
while read -r m rc codes; do
	# shellcheck disable=SC2086
	hcase "client-$m-json" "$rc" "$BOUND" $codes
	htext "client-$m-text" "$rc" "$BOUND"
	hclean "client-$m-json" "client-$m-text"
done <"$T/cases"

# what the cases above cannot say by codes alone
# guards against: a HelloRetryRequest is named so, not "handshake type 1025"
hpy client-hrr-endless-json "the ladder names the HelloRetryRequest" \
	"any(h.get('message') == 'HelloRetryRequest' for h in d['handshake']) and not any('1025' in (h.get('message') or '') for h in d['handshake'])"
hpy client-sslv2-json "an SSL 2.0 answer is named" \
	"'SSL 2' in text('NOT_TLS') + text('PROTOCOL_VERSION_MISMATCH')"
hpy client-alert-storm-json "10,000 alerts: the report stays small" \
	"len(json.dumps(d)) < 65536"
# guards against: the finding says alerts came (it said "GnuTLS internal error;
# last received: nothing" while its own ladder listed the alerts)
hpy client-alert-storm-json "the finding names the alerts received" \
	"'alert' in ' '.join(f['summary'] + ' ' + (f['detail'] or '') for f in d['findings']).lower() and 'last received: nothing' not in json.dumps(d['findings'])"
hpy client-giant-length-json "the finding keeps GnuTLS's status name" \
	"'GNUTLS_E_RECORD_OVERFLOW' in text('TLS_HANDSHAKE_FAILED') + text('PROTOCOL_VIOLATION')"
hpy client-close-notify-json "the finding names close_notify" \
	"'close_notify' in text('PEER_CLOSED') + text('ALERT_RECEIVED')"
hpy client-split-hello-json "a ServerHello in one-byte records is read" \
	"any(h.get('message') == 'ServerHello' for h in d['handshake'])"
hpy client-split-tls-json "a handshake in one-byte records is made" \
	"d['session'] is not None and d['stages'][2]['status'] == 'ok'"
hpy client-flood-after-json "100 MB after the handshake: the session stands" \
	"d['session'] is not None"
hpy client-evil-sideband-json "the hostile welcome reached the report (so its strings were checked)" \
	"d['peer_report'] is not None and 'id' in d['peer_report']['unique_id']"
hpy client-evil-sideband-json "the hostile account claimed reached the report (so its strings were checked)" \
	"d['peer_report']['account'] is not None and d['peer_report']['account']['reason'].startswith('reason')"
# the stage says what the line was: so it was read, and refused
for m in sb-raw sb-malformed sb-huge sb-nested sb-deep; do
	hpy "client-$m-json" "a hostile side-channel line is not a paired probe" \
		"d['peer_report'] is None and [s for s in d['stages'] if s['name'] == 'sideband'][0]['status'] == 'skipped' and 'malformed side-channel answer' in [s for s in d['stages'] if s['name'] == 'sideband'][0]['detail']"
done
for m in acct-malformed acct-long acct-huge acct-endless; do
	hpy "client-$m-json" "a hostile answer to the claim is no account, and the welcome stands" \
		"d['peer_report'] is not None and d['peer_report']['unique_id'] == 'hostile' and d['peer_report']['account'] is None"
	hpy "client-$m-json" "a hostile answer to the claim: the report stays small" \
		"len(json.dumps(d)) < 16384"
done
hjudge
# the claims were made, and the hostile answers sent (HLOG: the
# side-channel modes' process)
for m in acct-malformed acct-long acct-huge acct-endless evil-sideband; do
	check "$m: the client claimed its account and met the hostile answer" \
		grep -q "^hostile_server: $m: claim answered" "$HLOG"
done
stop_servers
