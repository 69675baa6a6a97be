#!/bin/sh
# tlsprobe pcap on STARTTLS: tcpdump on lo records openssl s_client
# -starttls and tlsprobe client --starttls against the scripted server of
# each protocol (starttls_server.py, on a port the kernel picks). The
# report must list one handshake per connection with the protocol its
# TLS came after, and agree with tshark (told which protocol the port
# speaks, so that it reads the prelude) on endpoints, SNI, version,
# cipher, JA3 and JA3S, and with what each client says it negotiated.
# TLS 1.2 twice more, for the certificates in clear. Servers that do not
# offer STARTTLS or refuse it: nothing listed, the refusals counted.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/captures.sh"

need_root t_pcap_starttls
for tool in tcpdump tshark openssl timeout python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "t_pcap_starttls: $tool is installed (scripts/install-deps.sh)"
		exit 1
	fi
done

make_pki ca1.pem server.pem server.key
PROTOS="smtp imap pop3 ftp xmpp postgres ldap"

# server PROTO MODE [ARGS...]: a fresh scripted server (the previous one
# stopped); STLS_PORT.
server() {
	stop_servers
	_sp=$1 _sm=$2
	shift 2
	start_starttls "$_sp" "$_sm" "$PKI/server.pem" "$PKI/server.key" "$@"
}

# tshark's name for each protocol's dissector
dissector() {
	case $1 in
	pop3) echo pop ;;
	postgres) echo pgsql ;;
	*) echo "$1" ;;
	esac
}

# by_openssl NAME PROTO PORT: one openssl s_client connection (SNI
# openssl.test) that ends when its input does; $T/NAME.openssl.
by_openssl() {
	timeout -k 1 "$CAP_LIMIT" openssl s_client -connect "127.0.0.1:$3" \
		-starttls "$2" -servername openssl.test </dev/null \
		>"$T/$1.openssl" 2>&1
}

# by_tlsprobe NAME PROTO PORT: tlsprobe client --starttls (SNI
# tlsprobe.test); its report in $T/NAME.tlsprobe.
by_tlsprobe() {
	timeout -k 1 "$CAP_LIMIT" "$TP" client "127.0.0.1:$3" --starttls "$2" \
		--sni tlsprobe.test --ca "$PKI/ca1.pem" --no-sideband --json \
		</dev/null >"$T/$1.tlsprobe" 2>"$T/$1.tlsprobe.err"
}

# as_clients_said NAME PROTO: the handshake of each client (told by its
# SNI) has starttls PROTO and the version and cipher that client reports:
# openssl's "New, TLSv1.3, Cipher is …" (the cipher only for TLS 1.3,
# where openssl names it as IANA does) and tlsprobe's session.
as_clients_said() {
	if python3 - "$PJSON" "$2" "$T/$1.openssl" "$T/$1.tlsprobe" \
		>"$T/$1.said" 2>&1 <<'EOF'
import json, re, sys
report, proto, ossl, tp = sys.argv[1:5]
hs = {h["sni"]: h for h in json.load(open(report))["handshakes"]}
m = re.search(r"^New, TLSv(1\.[0-3]), Cipher is (\S+)$",
              open(ossl, errors="replace").read(), re.M)
s = json.load(open(tp))["session"]
want = {"tlsprobe.test": (s["version"], s["cipher"])}
if m is None:
    print("openssl s_client printed no \"New, TLSv…, Cipher is …\" line")
else:
    want["openssl.test"] = ("TLS" + m.group(1),
                            m.group(2) if m.group(1) == "1.3" else None)
bad = m is None or sorted(hs) != sorted(want)
if sorted(hs) != sorted(want):
    print("handshakes with SNI %s, expected %s" % (sorted(hs), sorted(want)))
for sni, (version, cipher) in want.items():
    h = hs.get(sni)
    if h is None:
        continue
    got = (h["starttls"], h["version"], h["cipher"])
    exp = (proto, version, cipher or h["cipher"])
    if got != exp or version is None:
        bad = True
        print("%s: starttls, version, cipher %s, expected %s" % (sni, got, exp))
sys.exit(1 if bad else 0)
EOF
	then
		ok "$1: each client's handshake: starttls $2, the version and cipher it reports"
	else
		not_ok "$1: each client's handshake: starttls $2, the version and cipher it reports"
		sed 's/^/#   /' "$T/$1.said"
	fi
}

# upgraded NAME PROTO [SERVER ARGS...]: both clients against PROTO's ok
# server, captured; the report against tshark's and the clients'.
upgraded() {
	_un=$1 _up=$2
	shift 2
	server "$_up" ok "$@" || return 1
	cap_start "$_un" "tcp port $STLS_PORT" || return 1
	by_openssl "$_un" "$_up" "$STLS_PORT"
	by_tlsprobe "$_un" "$_up" "$STLS_PORT"
	cap_stop
	pcap_run "$_un" "$CAP_FILE"
	TSHARK_DECODE="-d tcp.port==$STLS_PORT,$(dissector "$_up")" \
		tshark_fields "$_un" "$CAP_FILE"
	pcap_compare "$_un" conns=2 rc=0 outcome=established alert=none \
		"starttls=$_up"
	as_clients_said "$_un" "$_up"
}

for proto in $PROTOS; do
	upgraded "$proto" "$proto"
done

# TLS 1.2: the server's certificates travel in clear after the prelude
# too, and are read as tshark reads them
for proto in smtp ldap; do
	upgraded "$proto-tls12" "$proto" --max-tls12
	if python3 -c '
import json, sys
hs = json.load(open(sys.argv[1]))["handshakes"]
sys.exit(0 if len(hs) == 2 and all(h["version"] == "TLS1.2" and
         h["certificates"] and "CN=localhost" in h["certificates"][0]["subject"]
         for h in hs) else 1)' "$PJSON" 2>/dev/null; then
		ok "$proto-tls12: TLS 1.2, the server's certificate CN=localhost in both"
	else
		not_ok "$proto-tls12: TLS 1.2, the server's certificate CN=localhost in both"
	fi
done

# ---- no upgrade: nothing listed ----

# declined NAME PROTO MODE REFUSED [openssl]: tlsprobe client (and
# openssl s_client) against a server that does not offer STARTTLS (nocap)
# or refuses it (refuse): no handshake listed, every connection counted,
# REFUSED upgrades counted as refused (a client that was not offered
# STARTTLS does not ask).
declined() {
	_dn=$1 _dp=$2 _dm=$3 _dr=$4 _dconns=1
	server "$_dp" "$_dm" || return 1
	cap_start "$_dn" "tcp port $STLS_PORT" || return 1
	by_tlsprobe "$_dn" "$_dp" "$STLS_PORT"
	if [ "${5:-}" = openssl ]; then
		by_openssl "$_dn" "$_dp" "$STLS_PORT"
		_dconns=2
	fi
	cap_stop
	pcap_run "$_dn" "$CAP_FILE"
	if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
sys.exit(0 if d["handshakes"] == [] and s["flows"] == int(sys.argv[2]) and
         s["tls_flows"] == 0 and s["starttls"] == {} and
         s["starttls_refused"] == int(sys.argv[3]) and
         int(sys.argv[4]) == 0 else 1)' "$PJSON" "$_dconns" "$_dr" "$PRC" \
		2>/dev/null; then
		ok "$_dn: no handshake listed, $_dconns connections, $_dr refused, exit 0"
	else
		not_ok "$_dn: no handshake listed, $_dconns connections, $_dr refused, exit 0"
		echo "#   exit status $PRC; stderr: $(head -c 300 "$PERR")"
		json_get "$PJSON" '(d["handshakes"], d["summary"])' 2>&1 |
			head -c 800 | sed 's/^/#   /'
		echo
	fi
}

declined smtp-nocap smtp nocap 0
declined smtp-refuse smtp refuse 1
declined imap-nocap imap nocap 1
declined pop3-nocap pop3 nocap 1
declined ftp-nocap ftp nocap 1
declined xmpp-nocap xmpp nocap 0
declined xmpp-refuse xmpp refuse 1
declined postgres-nocap postgres nocap 2 openssl
declined ldap-nocap ldap nocap 2 openssl
stop_servers
