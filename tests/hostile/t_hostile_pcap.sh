#!/bin/sh
# tlsprobe pcap over captures of hostile exchanges (tlsprobe client
# --pcap-out against the hostile servers, in TLS 1.2 so that the
# certificates travel in clear): the handshakes read as they happened,
# and nothing the server sent reaches the terminal raw.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/hostile/hostile.sh"

need_root "t_hostile_pcap (the captures are made with --pcap-out)"
hostile_certs
BOUND=$(bound_ms 4 1)

CASES=""
# pcase MODE RC CODE...: tlsprobe pcap over the capture of a client run
# against MODE exits RC and reports each CODE.
pcase() { CASES="$CASES$*
"; }
# guards against (clean output): bidi controls passing the sanitiser
pcase evil-cert 0 '!PROTOCOL_VIOLATION'
pcase alert-storm 1 ALERT_RECEIVED
# the client's reset after a record longer than TLS allows (RFC 8446
# 5.1); pcap does not judge record lengths (PROTOCOL_VIOLATION would
# be more specific)
pcase giant-length 1 'RESET_DURING_HANDSHAKE|PROTOCOL_VIOLATION'
pcase hrr-endless - '!NOT_TLS'
pcase split-hello - '!NOT_TLS'
pcase sslv2 - '!ALERT_RECEIVED'
pcase garbage - '!ALERT_RECEIVED'
pcase escape - '!ALERT_RECEIVED'
pcase unknown-record - '!ALERT_RECEIVED'
pcase rst-mid 1 RESET_DURING_HANDSHAKE

MODES=$(printf '%s' "$CASES" | awk '{print $1}')
# shellcheck disable=SC2086
start_hostile $MODES
printf '%s' "$CASES" >"$T/cases"

for m in $MODES; do
	hrun "capture-$m" "$TP" client "127.0.0.1:$(hport "$m")" \
		--timeout "$TO" --ca "$CERTS/ca.pem" \
		--priority NORMAL:-VERS-TLS1.3 --pcap-out "$T/$m.pcap" --json
done
hwait
for m in $MODES; do
	hrun "pcap-$m-json" "$TP" pcap "$T/$m.pcap" --json
	hrun "pcap-$m-text" "$TP" pcap "$T/$m.pcap"
done
hwait

while read -r m rc codes; do
	# shellcheck disable=SC2086
	hcase "pcap-$m-json" "$rc" "$BOUND" $codes
	htext "pcap-$m-text" "$rc" "$BOUND"
	hclean "pcap-$m-json" "pcap-$m-text"
done <"$T/cases"
hpy pcap-evil-cert-json "the hostile chain is read from the capture" \
	"any(len(h.get('certificates') or []) == 2 for h in d['handshakes'])"
hpy pcap-split-hello-json "a ServerHello in one-byte records is reassembled" \
	"any(h.get('version') == 'TLS1.2' for h in d['handshakes'])"
hpy pcap-alert-storm-json "the storm's fatal alert is the one named" \
	"any((h.get('alert') or {}).get('description') == 'internal_error' for h in d['handshakes'])"
hjudge
# guards against: a HelloRetryRequest is named so, not "handshake type 1025"
check "pcap names no handshake type 1025" \
	sh -c "! grep -q 'type 1025' '$T/pcap-hrr-endless-text.out'"
stop_servers
