#!/bin/sh
# tlsprobe tui's chain view labels the trust store's anchor as such and
# never numbers it among the certificates the server sent.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

. "$TOP/tests/tui/tmux.sh"

make_pki ca1.pem server-int-chain.pem server-int.key

start_gnutls_serv --x509certfile "$PKI/server-int-chain.pem" \
	--x509keyfile "$PKI/server-int.key" || exit 1

tm new-session -d -s a -x 120 -y 30 \
	"cd '$T' && '$TP' tui client localhost:$SRV_PORT -4 --ca '$PKI/ca1.pem'; sleep 30"
expect_screen a "client: the verify stage passes" "verify   ok" 20
keys a Enter
expect_screen a "chain: the sent intermediate is numbered [1]" \
	"[1] CN=tlsprobe Test Intermediate 1"
expect_screen a "chain: the anchor is labelled as the trust store's, not sent" \
	"└─anchor from the trust store, not sent"
expect_screen a "chain: the anchor's subject follows its label" \
	"  CN=tlsprobe Test CA1,O=tlsprobe"
check "chain: no [2] for the anchor" sh -c \
	"! tmux -S '$TMUX_SOCK' capture-pane -p -t a | grep -qF '[2]'"
keys a G
expect_screen a "chain: the anchor's details say where it came from" \
	"│ anchor from the trust store"
keys a q

# all three past their dates: the trusted CA's CERT_EXPIRED hangs on the
# anchor, not on a numbered certificate
tm new-session -d -s b -x 120 -y 40 \
	"cd '$T' && '$TP' tui client localhost:$SRV_PORT -4 --ca '$PKI/ca1.pem' --now 2045-06-01T00:00:00Z; sleep 30"
expect_screen b "expired anchor: the verify stage fails" "verify   FAIL" 20
keys b Enter
expect_screen b "expired anchor: the chain is shown" \
	"└─anchor from the trust store, not sent"
# the tree is the left pane: what comes before its border
check "expired anchor: one CERT_EXPIRED under each of [0], [1] and the anchor" \
	sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t b | awk -F '│' '
		{ l = \$1 }
		l ~ /\\[0\\] CN=localhost/ { where = \"leaf\" }
		l ~ /\\[1\\] CN=/ { where = \"int\" }
		l ~ /anchor from the trust store/ { where = \"anchor\" }
		l ~ /CERT_EXPIRED/ { n[where]++ }
		END { exit !(n[\"leaf\"] == 1 && n[\"int\"] == 1 && n[\"anchor\"] == 1) }'"
keys b q
stop_servers
