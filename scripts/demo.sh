#!/bin/sh
# make demo: builds a sample PKI, starts three TLS servers on loopback
# (one healthy, one with a certificate from another CA, one with the
# wrong name) and shows what tlsprobe says of each, with a cipher audit
# of the healthy one. Everything it starts
# or writes is removed when it ends.
set -u
BIN=${1:-bin}
TP="$BIN/tlsprobe"
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tlsprobe-demo.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# a reader that goes away (| head) or a closed terminal: clean up too
trap 'exit 141' PIPE
trap 'exit 129' HUP

fail() { echo "demo: $*" >&2; exit 1; }
. "$top/scripts/ports.sh"

# serve NAME: gnutls-serv with samples NAME.pem/.key; sets port. Not run
# in a $(…) subshell, so that its pid reaches the cleanup.
serve() {
	port=$(free_port)
	gnutls-serv --port "$port" --x509certfile "$work/pki/$1.pem" \
		--x509keyfile "$work/pki/$1.key" >"$work/$1.log" 2>&1 &
	pids="$pids $!"
	wait_port "$port" || fail "gnutls-serv for $1 did not start (see $work/$1.log)"
}

# Bold command lines only on a terminal, and never with NO_COLOR set.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	bold=$(printf '\033[1m') plain=$(printf '\033[0m')
else
	bold="" plain=""
fi

show() {
	printf '\n%s$ %s%s\n' "$bold" "$*" "$plain" | sed "s|$work|\$DEMO|g; s|$BIN/||"
	"$@" 2>&1 | sed "s|$work|\$DEMO|g"
}

[ -x "$TP" ] || fail "$TP is missing: run make first"
sh "$top/samples/mkpki.sh" "$work/pki" >/dev/null || fail "sample PKI generation failed"
serve server; good=$port
serve server-ca2; other_ca=$port
serve server-wrongname; wrong_name=$port

echo "tlsprobe demo: three TLS servers on loopback, certificates from a fresh sample PKI"
echo "(\$DEMO is a temporary directory; CA1 is the CA this client trusts)"
show "$TP" client "localhost:$good" --ca "$work/pki/ca1.pem"
show "$TP" client "localhost:$other_ca" --ca "$work/pki/ca1.pem"
show "$TP" client "localhost:$wrong_name" --ca "$work/pki/ca1.pem"
# the healthy server also gets a cipher audit, against the policy it
# should have (GnuTLS's own NORMAL priority string)
show "$TP" ciphers "localhost:$good" --protocols TLS1.2,TLS1.3 \
	--policy NORMAL
show "$TP" cert --cert "$work/pki/node-a.pem" --key "$work/pki/node-b.key" \
	--ca "$work/pki/ca1.pem" --expect-id aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01 --purpose client
echo
echo "demo: done. Try '$TP client HOST:PORT --json' for the machine-readable report."
