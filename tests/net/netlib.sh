# Network namespaces for the tests in tests/net. Source it after lib.sh.

# setup STEP COMMAND...: one step of building the networks; a failure
# ends the test with one TAP line and the command's output (the cleanup
# the test registered with at_exit still runs).
setup() {
	_step=$1; shift
	if ! "$@" >"$T/setup.log" 2>&1; then
		not_ok "setup: $_step"
		echo "#   $*"
		sed 's/^/#   /' "$T/setup.log"
		exit 1
	fi
}

# ns_add NS...: namespaces with their loopback up.
ns_add() {
	for _ns in "$@"; do
		setup "namespace $_ns" ip netns add "$_ns"
		setup "lo up in $_ns" ip -n "$_ns" link set lo up
	done
}

# net_routed C R S PFX C_IP R_C_IP R_S_IP S_IP: client C and server S on
# two /24 networks joined by router R (forwarding on), routes both ways.
# The veths are PFXcr (in C), PFXrc and PFXrs (in R), PFXsr (in S).
net_routed() {
	_c=$1 _r=$2 _s=$3 _p=$4 _cip=$5 _rc=$6 _rs=$7 _sip=$8
	ns_add "$_c" "$_r" "$_s"
	setup "veth C-R" ip link add "${_p}cr" netns "$_c" type veth peer name "${_p}rc" netns "$_r"
	setup "veth R-S" ip link add "${_p}rs" netns "$_r" type veth peer name "${_p}sr" netns "$_s"
	setup "address C" ip -n "$_c" addr add "$_cip/24" dev "${_p}cr"
	setup "address R (C side)" ip -n "$_r" addr add "$_rc/24" dev "${_p}rc"
	setup "address R (S side)" ip -n "$_r" addr add "$_rs/24" dev "${_p}rs"
	setup "address S" ip -n "$_s" addr add "$_sip/24" dev "${_p}sr"
	for _l in "$_c ${_p}cr" "$_r ${_p}rc" "$_r ${_p}rs" "$_s ${_p}sr"; do
		set -- $_l
		setup "link $2 up" ip -n "$1" link set "$2" up
	done
	setup "route C to S" ip -n "$_c" route add "${_sip%.*}.0/24" via "$_rc"
	setup "route S to C" ip -n "$_s" route add "${_cip%.*}.0/24" via "$_rs"
	setup "forwarding in R" ip netns exec "$_r" sysctl -qw net.ipv4.ip_forward=1
}

# routed_cleanup: stops the servers and removes the namespaces $C $R $S
# of a net_routed network; register it with at_exit.
routed_cleanup() {
	stop_servers
	for _ns in $C $R $S; do
		ip netns del "$_ns" 2>/dev/null
	done
}

# big_chain SERIAL ADDR: $T/big.key and $T/big-chain.pem, an RSA-4096
# leaf for localhost and ADDR under int1 (make_pki with int1.pem and
# int1.key first): a chain that fills several full-size segments, its
# CertificateVerify alone 512 bytes.
big_chain() {
	printf '%s\n' 'cn = "localhost"' "serial = $1" 'dns_name = "localhost"' \
		'dns_name = "server.test"' "ip_address = \"$2\"" tls_www_server \
		signing_key encryption_key \
		'activation_date = "2024-01-01 00:00:00"' \
		'expiration_date = "2044-01-01 00:00:00"' >"$T/big.tmpl"
	setup "RSA-4096 key" certtool --generate-privkey --key-type rsa \
		--bits 4096 --no-text --outfile "$T/big.key"
	setup "RSA-4096 leaf under int1" env TZ=UTC certtool \
		--generate-certificate --load-privkey "$T/big.key" \
		--load-ca-certificate "$PKI/int1.pem" \
		--load-ca-privkey "$PKI/int1.key" --template "$T/big.tmpl" \
		--outfile "$T/big.pem"
	cat "$T/big.pem" "$PKI/int1.pem" >"$T/big-chain.pem"
}
