#!/bin/sh
# tlsprobe ciphers against hostile servers: the most specific finding,
# a bounded time, and nothing unsafe for a terminal in JSON, text or
# --format nmap.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/hostile/hostile.sh"

hostile_certs
# A scan is one connection to see that the port answers, then jobs that
# run side by side, each connection bounded by --timeout: a silent
# server costs a few periods (t_ciphers_robust's bound), never one per
# suite.
BOUND=$(bound_ms 5 1)
# A certificate of 10,000 names is read by GnuTLS's own import, which
# grows its list of names one realloc at a time: 0.07 s in the plain
# build, 7 s under ASan, whose realloc always moves. Those two cases get
# three times the sanitiser's allowance there, not in the plain build.
if [ "$SLOW" = 1 ]; then BIG_BOUND=$BOUND; else BIG_BOUND=$((BOUND * 3)); fi
HOSTILE_KILL=$((BOUND / 1000 * 2 + 2))

CASES=""
# ccase MODE RC CODE...: ciphers against MODE exits RC and reports each
# CODE (A|B: either; !C: not C). With "+" in front of MODE, the text and
# nmap outputs are made and checked too (the modes that put bytes of
# their own into what is printed).
ccase() { CASES="$CASES$*
"; }

ccase +silence 1 HANDSHAKE_TIMEOUT
ccase +garbage 1 NOT_TLS
ccase +giant-length 1 PROTOCOL_VIOLATION
ccase slowloris 1 HANDSHAKE_TIMEOUT
ccase rst-mid 1 RESET_DURING_HANDSHAKE
ccase hrr-endless 1 PROTOCOL_VIOLATION
# guards against: ServerHello then silence costs a full --timeout per probe
# (every answer is TLS 1.2, so older hellos meet a violation)
ccase sh-silence 1 PROTOCOL_VIOLATION
ccase zero-window 1 HANDSHAKE_TIMEOUT
ccase +flood-instead 1 NOT_TLS
ccase flood-after 0 '!PROTOCOL_VIOLATION'
ccase ext-len-lie 1 PROTOCOL_VIOLATION
ccase ext64k 1 PROTOCOL_VIOLATION
# a storm of warnings that ends in a fatal internal_error is no refusal
ccase alert-storm 1 'ALERT_RECEIVED|PROTOCOL_VIOLATION' '!NO_SHARED_CIPHER'
ccase close-notify 1 'NO_SHARED_CIPHER|PEER_CLOSED'
# guards against: as sh-silence (the ServerHello comes in one-byte records)
ccase split-hello 1 PROTOCOL_VIOLATION '!NOT_TLS'
ccase split-tls 0 '!PROTOCOL_VIOLATION'
ccase +unknown-record 1 'NOT_TLS|PROTOCOL_VIOLATION'
# guards against: as sh-silence
ccase downgrade 1 PROTOCOL_VIOLATION
ccase +sslv2 1 NOT_TLS
# handshake messages over 64 KiB (a 10,000-name leaf, a 1 MB chain)
ccase many-sans 0 '!PROTOCOL_VIOLATION'
ccase big-chain 0 '!PROTOCOL_VIOLATION' '!NO_SHARED_CIPHER'
# guards against (clean output): bidi controls passing the sanitiser
ccase +evil-cert 0 '!PROTOCOL_VIOLATION'
ccase +escape 1 NOT_TLS
ccase +http 1 NOT_TLS
ccase hrr 1 PROTOCOL_VIOLATION
ccase bad-suite 1 PROTOCOL_VIOLATION
ccase reset 1 RESET_DURING_HANDSHAKE

MODES=$(printf '%s' "$CASES" | awk '{sub(/^\+/, "", $1); print $1}')
# shellcheck disable=SC2086
start_hostile $MODES

printf '%s' "$CASES" >"$T/cases"
# the slow ones first, so that the others fill the gaps
for m in sh-silence split-hello downgrade $MODES; do
	[ -e "$T/ciphers-$m-json.cmd" ] && continue
	p=$(hport "$m")
	hrun "ciphers-$m-json" "$TP" ciphers "127.0.0.1:$p" --timeout "$TO" \
		--json
	if grep -q "^+$m " "$T/cases"; then
		hrun "ciphers-$m-text" "$TP" ciphers "127.0.0.1:$p" \
			--timeout "$TO"
		hrun "ciphers-$m-nmap" "$TP" ciphers "127.0.0.1:$p" \
			--timeout "$TO" --format nmap
	fi
done
# a banner of escapes where SMTP was expected: quoted, escaped once
hrun ciphers-escape-starttls-json "$TP" ciphers "127.0.0.1:$(hport escape)" \
	--timeout "$TO" --starttls smtp --json
hwait

while read -r m rc codes; do
	case "$m" in
	+*)
		m=${m#+}
		# shellcheck disable=SC2086
		hcase "ciphers-$m-json" "$rc" "$BOUND" $codes
		htext "ciphers-$m-text" "$rc" "$BOUND"
		htext "ciphers-$m-nmap" "$rc" "$BOUND"
		hclean "ciphers-$m-json" "ciphers-$m-text" "ciphers-$m-nmap"
		;;
	many-sans|big-chain)
		# shellcheck disable=SC2086
		hcase "ciphers-$m-json" "$rc" "$BIG_BOUND" $codes
		hclean "ciphers-$m-json"
		;;
	*)
		# shellcheck disable=SC2086
		hcase "ciphers-$m-json" "$rc" "$BOUND" $codes
		hclean "ciphers-$m-json"
		;;
	esac
done <"$T/cases"

accepts() {
	hpy "ciphers-$1-json" "$2 accepted" \
		"sorted(p['version'] for p in d['protocols'] if p['accepted']) == sorted('$2'.split())"
}
accepts split-tls "TLS1.2 TLS1.3"
accepts flood-after "TLS1.2 TLS1.3"
# guards against: handshake messages over 64 KiB are refused by the raw parser
accepts many-sans "TLS1.2 TLS1.3"
accepts big-chain "TLS1.2 TLS1.3"
# a ServerHello, whole or in one-byte records, is an answer
# guards against: ServerHello then silence costs a full --timeout per probe
accepts sh-silence TLS1.2
accepts split-hello TLS1.2
# the TLS 1.3 downgrade sentinel (RFC 8446 4.1.3) is a violation
hpy ciphers-downgrade-json "the downgrade sentinel is named" \
	"'downgrade' in text('PROTOCOL_VIOLATION').lower()"
# the violation here is the extension never offered, not the size
hpy ciphers-ext64k-json "the violation is the extension never offered" \
	"'extension' in text('PROTOCOL_VIOLATION')"
hcase ciphers-escape-starttls-json 1 "$BOUND" STARTTLS_FAILED
hclean ciphers-escape-starttls-json
# the reply is sanitised where it enters the report, not once before
# that too: ESC is written \x1b, never \\x1b
hpy ciphers-escape-starttls-json "the SMTP reply is escaped once" \
	"all((chr(92) + 'x1b]0;pwned') in t and 2 * chr(92) not in t for t in [text('STARTTLS_FAILED'), [s for s in d['stages'] if s['name'] == 'starttls'][0]['detail']])"
hpy ciphers-sslv2-json "an SSL 2.0 answer is named" \
	"'SSL 2' in text('NOT_TLS')"
hjudge
stop_servers
