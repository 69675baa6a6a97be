# tlsprobe peer with one direction firewalled: the other direction still
# carries both reports, and both nodes print the same two-direction
# result. Two hosts in their own namespaces, each with its own unique ID.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/net/netlib.sh"
need_root t_peer_net

P="tpq$$"
NA="${P}a" NB="${P}b"
ID_A=a0000000000000000000000000000001
ID_B=b0000000000000000000000000000002
net_cleanup() {
	for ns in $NA $NB; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done
}
at_exit net_cleanup

make_pki ca1.pem ca1.key
# each node's certificate carries its own unique ID as CN
for n in A B; do
	eval "id=\$ID_$n"
	printf '%s\n' "cn = \"$id\"" "serial = 7$n" tls_www_server tls_www_client \
		signing_key 'activation_date = "2024-01-01 00:00:00"' \
		'expiration_date = "2044-01-01 00:00:00"' | sed "s/serial = 7A/serial = 71/; s/serial = 7B/serial = 72/" >"$T/$n.tmpl"
	setup "key $n" certtool --generate-privkey --key-type ecdsa --no-text \
		--outfile "$T/$n.key"
	setup "certificate $n" env TZ=UTC certtool --generate-certificate \
		--load-privkey "$T/$n.key" --load-ca-certificate "$PKI/ca1.pem" \
		--load-ca-privkey "$PKI/ca1.key" --template "$T/$n.tmpl" \
		--outfile "$T/$n.pem"
done

ns_add "$NA" "$NB"
setup "veth" ip link add "${P}x" netns "$NA" type veth peer name "${P}y" netns "$NB"
setup "address A" ip -n "$NA" addr add 100.64.30.1/24 dev "${P}x"
setup "address B" ip -n "$NB" addr add 100.64.30.2/24 dev "${P}y"
for l in "$NA ${P}x" "$NB ${P}y"; do
	set -- $l
	setup "link $2 up in $1" ip -n "$1" link set "$2" up
done
for n in A B; do
	eval "ns=\$N$n; id=\$ID_$n"
	mkdir -p "/etc/netns/$ns"
	printf '%s\n' "$id" >"/etc/netns/$ns/machine-id"
done
check "each namespace host has its own unique ID" \
	test "$(ip netns exec "$NA" "$TP" id)" = "$ID_A" -a \
	"$(ip netns exec "$NB" "$TP" id)" = "$ID_B"

# B drops everything that comes to its peer port: A->B is firewalled
setup "DROP on B" ip netns exec "$NB" iptables -A INPUT -p tcp --dport 4433 -j DROP

common="--ca $PKI/ca1.pem --require-client-cert --expect-id peer --timeout 1 --wait 15 --json"
t0=$(now_ms)
ip netns exec "$NA" timeout -k 2 40 "$TP" peer --listen 100.64.30.1:4433 \
	--connect 100.64.30.2:4433 --cert "$T/A.pem" --key "$T/A.key" $common \
	>"$T/a.json" 2>"$T/a.err" &
pa=$!
ip netns exec "$NB" timeout -k 2 40 "$TP" peer --listen 100.64.30.2:4433 \
	--connect 100.64.30.1:4433 --cert "$T/B.pem" --key "$T/B.key" $common \
	>"$T/b.json" 2>"$T/b.err"
rb=$?
wait "$pa"
ra=$?
ms=$(($(now_ms) - t0))

check "A->B firewalled: both nodes exit 1" test "$ra" -eq 1 -a "$rb" -eq 1
if python3 - "$T/a.json" "$T/b.json" "$ID_A" "$ID_B" <<'PY' 2>"$T/py.err"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
ida, idb = sys.argv[3:5]
def codes(d, k):
    v = d["directions"][k]
    return sorted(f["code"] for f in v["findings"]) if v else None
assert a["nodes"] == b["nodes"] == {"A": ida, "B": idb}, (a["nodes"], b["nodes"])
for d in (a, b):
    assert codes(d, "A->B") == ["TCP_TIMEOUT"], codes(d, "A->B")
    assert codes(d, "B->A") == [], codes(d, "B->A")
    ba = d["directions"]["B->A"]
    assert ba["peer_report"]["unique_id"] == ida, ba["peer_report"]
    assert [f for f in d["findings"] if f["summary"].startswith("A->B: ")]
PY
then
	ok "both nodes print the same result: A->B TCP_TIMEOUT, B->A clean and paired ($ms ms)"
else
	not_ok "both nodes print the same result: A->B TCP_TIMEOUT, B->A clean and paired"
	sed 's/^/#   /' "$T/py.err" "$T/a.err" "$T/b.err"
	head -c 2000 "$T/a.json" | sed 's/^/#   /'
fi
check "the firewalled run ends well before --wait ($ms ms < 10000)" test "$ms" -lt 10000
