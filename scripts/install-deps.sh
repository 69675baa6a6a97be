#!/bin/sh
# Installs the Debian 12 packages that building, testing and the demo
# need, and only those that are missing. Quiet when nothing is missing,
# so that `make check` can call it every time.
#
#   sh scripts/install-deps.sh
#
# Exit status: 0 when everything is installed, 1 when packages are
# missing and cannot be installed here (not root, no sudo).
set -u

# build: compiler, pkg-config and the libraries' headers (libcurl, GnuTLS
#        flavour, for the audit's AIA, OCSP and CRL fetches; GMP, GnuTLS's
#        own bignum library, for the raw RSA of the ROBOT check)
# tests: cmocka; real TLS peers (gnutls-serv, openssl s_server); python3
#        for the helpers in tests/lib.sh and gen-findings-doc.sh;
#        namespaces and firewall rules (iproute2, iptables); the TUI under
#        tmux; pgrep/pkill (procps); man and groff to lint the man pages;
#        nginx, stunnel4 and nmap for the cipher audit's tests; mosquitto,
#        a plain TLS server that logs what it makes of stray bytes; tcpdump,
#        tshark and curl to make and check captures; python3-cryptography
#        for the hostile-peer suite's certificates, whose names hold
#        control characters that openssl and certtool will not write;
#        strace to show that a refused name sends nothing; GNU parallel
#        and openssh-server (sshd, ssh, ssh-keygen) to run the shards of a
#        list on network-namespace hosts over ssh (scripts/fleet.sh);
#        chromium (headless) to load the summary's HTML page as a browser
#        does; tinyproxy (HTTP CONNECT) and microsocks (SOCKS4/4a/5) as
#        real proxies that probes go through and whose tunnels `pcap`
#        must follow in a capture;
#        testssl.sh, whose verdicts the audit's tests compare with ours
#        on the same loopback servers
PACKAGES="build-essential pkg-config libgnutls28-dev libpcap-dev \
libncurses-dev libjansson-dev libidn2-dev libcurl4-gnutls-dev libgmp-dev libcmocka-dev gnutls-bin openssl \
python3 iproute2 iptables tmux procps ca-certificates man-db groff-base \
sslsplit nginx-light stunnel4 nmap mosquitto tcpdump tshark curl \
python3-cryptography strace parallel openssh-server chromium \
tinyproxy microsocks testssl.sh"

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: dpkg-query not found: this script knows Debian" \
	     "only; install the equivalents of: $PACKAGES" >&2
	exit 1
fi

missing=""
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)
	case "$status" in
	*" ok installed") ;;
	*) missing="$missing $pkg" ;;
	esac
done
missing=${missing# }
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	as_root=""
elif command -v sudo >/dev/null 2>&1; then
	as_root="sudo"
else
	echo "install-deps: missing packages, and neither root nor sudo:" \
	     "run as root: apt-get install $missing" >&2
	exit 1
fi

echo "install-deps: installing $missing"
# apt's chatter is kept in a log and shown only when a step fails
log=$(mktemp "${TMPDIR:-/tmp}/install-deps.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT
fail() {
	cat "$log" >&2
	echo "install-deps: $1 failed" >&2
	exit 1
}
# Debian's openssh-server starts a system sshd on every address when it
# is installed (its postinst, through systemd or invoke-rc.d). The tests
# start their own sshd in namespaces and want none listening on the
# machine: the unit and the init script both stand down while
# /etc/ssh/sshd_not_to_be_run exists. Only a fresh install gets the
# marker; an sshd someone installed on purpose is left alone.
case " $missing " in
*" openssh-server "*)
	{ $as_root mkdir -p /etc/ssh &&
	  $as_root touch /etc/ssh/sshd_not_to_be_run; } ||
		fail "creating /etc/ssh/sshd_not_to_be_run"
	;;
esac
# sudo drops the environment; pass the frontend through explicitly
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
	>"$log" 2>&1 || fail "apt-get update"
# $missing is deliberately split into one word per package
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends $missing \
	>"$log" 2>&1 || fail "apt-get install $missing"
