#!/bin/sh
# tlsprobe client across real networks built from namespaces: firewalls
# that drop, reset and send ICMP unreachables, a missing route, and
# resolvers that deny every name or never answer (and a run stopped
# while one keeps silent).
#
#   client C 100.64.1.2 --- 100.64.1.1 router R 100.64.2.1 --- 100.64.2.2 server S
#   resolver D: only lo; /etc/netns/D/resolv.conf names 127.0.0.1
#
# Nothing leaves these namespaces: C routes only 100.64.2.0/24 (via R),
# S only 100.64.1.0/24, and D has no interface but lo.
. "$(dirname "$0")/../lib.sh"
need_root t_client_net
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/net/netlib.sh"

for tool in ip iptables; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "t_client_net: $tool is installed"
		exit 1
	fi
done

P=tpn$$
C=${P}c R=${P}r S=${P}s D=${P}d
SRV=100.64.2.2
NETNS_ETC=/etc/netns

net_cleanup() {
	stop_servers
	for ns in $C $R $S $D; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$NETNS_ETC/$D"
	[ -n "${made_netns_etc:-}" ] && rmdir "$NETNS_ETC" 2>/dev/null
}
at_exit net_cleanup

net_routed "$C" "$R" "$S" "$P" 100.64.1.2 100.64.1.1 100.64.2.1 "$SRV"
ns_add "$D"

# A listener behind every rule, so that only the rule explains what the
# client sees (without one, a closed port would answer RST by itself).
FAKE_NS=$S
setup "SSH-speaking control server" start_fake ssh --host "$SRV" --port 2222
for port in 4431 4432 4433 4434; do
	setup "server on port $port" start_fake stall --host "$SRV" --port $port
done
FAKE_NS=
setup "DROP rule" ip netns exec "$S" iptables -A INPUT -p tcp --dport 4431 -j DROP
setup "REJECT tcp-reset rule" ip netns exec "$S" iptables -A INPUT -p tcp \
	--dport 4432 -j REJECT --reject-with tcp-reset
setup "REJECT icmp-host-unreachable rule" ip netns exec "$S" iptables -A INPUT \
	-p tcp --dport 4433 -j REJECT --reject-with icmp-host-unreachable
setup "REJECT icmp-net-unreachable rule on the router" ip netns exec "$R" \
	iptables -A FORWARD -p tcp --dport 4434 -j REJECT --reject-with icmp-net-unreachable

CLIENT_NS=$C

# timely NAME LIMIT_MS: the last run ended within LIMIT_MS.
timely() {
	if [ "$MS" -lt "$2" ]; then
		ok "$1 ends within $2 ms ($MS ms)"
	else
		not_ok "$1 ends within $2 ms ($MS ms)"
	fi
}

# ---- the path works where no rule stands in the way ----

run_client control "$SRV:2222" --timeout 2
expect "control: through the router to an SSH server: NOT_TLS" 1 NOT_TLS \
	'!TCP_TIMEOUT' '!TCP_REFUSED' '!NET_UNREACHABLE'

# ---- firewalls ----

run_client drop "$SRV:4431" --timeout 1
expect "DROP rule on the server: TCP_TIMEOUT" 1 TCP_TIMEOUT \
	'!TCP_REFUSED' '!NET_UNREACHABLE'
timely "TCP_TIMEOUT with --timeout 1" 2500

run_client reject-rst "$SRV:4432" --timeout 1
expect "REJECT --reject-with tcp-reset on the server: TCP_REFUSED" 1 TCP_REFUSED \
	'!TCP_TIMEOUT' '!NET_UNREACHABLE'

run_client reject-host "$SRV:4433" --timeout 1
expect "REJECT icmp-host-unreachable on the server: NET_UNREACHABLE" 1 \
	NET_UNREACHABLE '!TCP_TIMEOUT' '!TCP_REFUSED'

run_client reject-net "$SRV:4434" --timeout 1
expect "REJECT icmp-net-unreachable on the router: NET_UNREACHABLE" 1 \
	NET_UNREACHABLE '!TCP_TIMEOUT' '!TCP_REFUSED'

# ---- no route at all ----

run_client noroute 203.0.113.9:443 --timeout 1
expect "no route to 203.0.113.9: NET_UNREACHABLE" 1 NET_UNREACHABLE \
	'!TCP_TIMEOUT' '!DNS_FAILURE'
timely "no route" 2500

# ---- name resolution ----
# ip netns exec bind-mounts /etc/netns/D/* over /etc/*: D's resolver is
# fakedns.py on its own 127.0.0.1, and its nsswitch.conf sends host
# lookups to files and DNS only (nothing that could reach the host's
# resolver through a Unix socket, as nss-resolve would).

if [ -S /var/run/nscd/socket ] || [ -S /run/nscd/socket ]; then
	# nscd answers through a Unix socket from outside the namespace,
	# with the machine's own resolver: that must not be asked.
	echo "# *** SKIPPING the DNS cases: nscd runs and would ask the machine's resolver ***" >&2
	skip "DNS_FAILURE, NXDOMAIN" "nscd is running"
	skip "DNS_FAILURE, silent resolver" "nscd is running"
	exit 0
fi

[ -d "$NETNS_ETC" ] || made_netns_etc=1
setup "/etc/netns/$D" mkdir -p "$NETNS_ETC/$D"
printf 'nameserver 127.0.0.1\n' >"$NETNS_ETC/$D/resolv.conf"
sed 's/^hosts:.*/hosts: files dns/' /etc/nsswitch.conf >"$NETNS_ETC/$D/nsswitch.conf"
grep -q '^hosts:' "$NETNS_ETC/$D/nsswitch.conf" ||
	echo 'hosts: files dns' >>"$NETNS_ETC/$D/nsswitch.conf"

FAKEDNS="$TOP/tests/net/fakedns.py"
CLIENT_NS=$D
NAME=no-such-host.test

setup "NXDOMAIN resolver" start_ready fakedns ip netns exec "$D" \
	python3 "$FAKEDNS" --host 127.0.0.1 --port 53
run_client nxdomain "$NAME:443" --timeout 1
expect "resolver says NXDOMAIN: DNS_FAILURE" 1 DNS_FAILURE '!TCP_REFUSED'
if log_waits "$READY_LOG" "query $NAME"; then
	ok "the query went to the namespace's resolver"
else
	not_ok "the query went to the namespace's resolver"
	fail_context
fi
stop_servers

setup "silent resolver" start_ready fakedns ip netns exec "$D" \
	python3 "$FAKEDNS" --host 127.0.0.1 --port 53 --silent
run_client dns-silent "$NAME:443" --timeout 1
expect "resolver never answers: DNS_FAILURE" 1 DNS_FAILURE
timely "DNS_FAILURE with a silent resolver and --timeout 1" 2500

# x in tlsprobe tui while the resolver keeps silent: the dns stage is
# cut at once (not at --timeout 10), and no DNS_FAILURE is made of it
if command -v tmux >/dev/null 2>&1; then
	TMUX_SOCK="$T/tmux.sock"
	at_exit 'tmux -S "$TMUX_SOCK" kill-server 2>/dev/null'
	tmux -S "$TMUX_SOCK" new-session -d -s dns -x 100 -y 30 \
		"ip netns exec '$D' '$TP' tui client '$NAME:443' --timeout 10; sleep 30"
	sleep 1.5
	tmux -S "$TMUX_SOCK" send-keys -t dns x
	_end=$(( $(date +%s) + 2 ))
	while [ "$(date +%s)" -le "$_end" ]; do
		tmux -S "$TMUX_SOCK" capture-pane -p -t dns >"$T/dns.txt"
		grep -qE '^ dns +FAIL +[0-9.]+ ms +cancelled$' "$T/dns.txt" && break
		sleep 0.1
	done
	check "x while the resolver is silent: the dns stage is cancelled at once" \
		grep -qE '^ dns +FAIL +[0-9.]+ ms +cancelled$' "$T/dns.txt"
	check "x while the resolver is silent: RUN_CANCELLED, no DNS_FAILURE" \
		sh -c "grep -q RUN_CANCELLED '$T/dns.txt' && ! grep -q DNS_FAILURE '$T/dns.txt'"
	tmux -S "$TMUX_SOCK" send-keys -t dns q
elif [ "${CI:-}" = true ]; then
	not_ok "tmux is installed (CI must run the cancelled resolver case)"
else
	skip "x while the resolver is silent" "tmux is not installed"
fi
stop_servers
