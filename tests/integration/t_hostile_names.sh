# Names that try to write to the terminal or to display as another name:
# a certificate whose CN, O and SAN hold escape sequences, a C1 control
# and bidi controls (through cert, client and a capture of that
# handshake, in text and JSON), an SNI that does the same (through the
# server's line), and file names given on the command line.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/captures.sh"

# ---- a certificate with hostile names ----
ESC=$(printf '\033')
RLO=$(printf '\342\200\256')
LRI=$(printf '\342\201\246')
CSI1=$(printf '\302\233')
CN="evil${ESC}[2J${ESC}]0;title$(printf '\007')${CSI1}31m${RLO}gnp.exe${LRI}x"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/hostile.key" -out "$T/hostile.pem" -days 30 -utf8 \
	-subj "/CN=$CN/O=Org${ESC}[31m${RLO}" \
	-addext "subjectAltName=DNS:a${ESC}[2Jb${RLO}c.test,DNS:localhost" \
	>"$T/req.log" 2>&1 || { not_ok "a certificate with hostile names"; exit 1; }

# 1. cert: its names, and a finding that lists them
"$TP" cert --cert "$T/hostile.pem" --ca "$T/hostile.pem" \
	--expect-name other.test >"$T/cert.txt" 2>&1
check "cert: NAME_MISMATCH (exit 1)" test $? -eq 1
inert "$T/cert.txt" "cert text: nothing raw"
shows "$T/cert.txt" 'CN=evil\x1b[2J' '\xc2\x9b31m\u202egnp.exe\u2066x' \
	'O=Org\x1b[31m\u202e' 'DNS:a\x1b[2Jb\u202ec.test' \
	"cert text: the names show escaped once"
"$TP" cert --cert "$T/hostile.pem" --ca "$T/hostile.pem" \
	--expect-name other.test --json >"$T/cert.json" 2>"$T/cert.err"
inert "$T/cert.json" "cert --json: nothing raw"
shows "$T/cert.json" 'CN=evil\x1b[2J' 'DNS:a\x1b[2Jb\u202ec.test' \
	"cert --json: the names show escaped once"
check "cert --json: NAME_MISMATCH lists the names, escaped once" \
	python3 -c 'import json, sys
f = [f for f in json.load(open(sys.argv[1]))["findings"]
     if f["code"] == "NAME_MISMATCH"]
sys.exit(0 if f and "DNS:a\\x1b[2Jb\\u202ec.test" in f[0]["detail"] and
         "CN: evil\\x1b[2J" in f[0]["detail"] else 1)' "$T/cert.json"

# 2. client, TLS 1.2 so that a capture shows the certificate too
start_openssl_server -cert "$T/hostile.pem" -key "$T/hostile.key" -no_tls1_3 ||
	exit 1
cap_start hostile "tcp port $SRV_PORT" || exit 1
"$TP" client "127.0.0.1:$SRV_PORT" --ca "$T/hostile.pem" \
	--expect-name other.test --timeout 3 >"$T/client.txt" 2>"$T/client.err"
check "client: exit 1 (NAME_MISMATCH)" test $? -eq 1
"$TP" client "127.0.0.1:$SRV_PORT" --ca "$T/hostile.pem" \
	--expect-name other.test --timeout 3 --json >"$T/client.json" \
	2>>"$T/client.err"
cap_stop
inert "$T/client.txt" "client text: nothing raw"
inert "$T/client.err" "client stderr: nothing raw" empty
shows "$T/client.txt" 'CN=evil\x1b[2J' 'DNS:a\x1b[2Jb\u202ec.test' \
	"client text: the names show escaped once"
inert "$T/client.json" "client --json: nothing raw"
shows "$T/client.json" 'CN=evil\x1b[2J' 'DNS:a\x1b[2Jb\u202ec.test' \
	"client --json: the names show escaped once"

# 3. the capture of those handshakes
"$TP" pcap "$CAP_FILE" >"$T/pcap.txt" 2>&1
inert "$T/pcap.txt" "pcap text: nothing raw"
"$TP" pcap "$CAP_FILE" --json >"$T/pcap.json" 2>"$T/pcap.err"
inert "$T/pcap.json" "pcap --json: nothing raw"
shows "$T/pcap.json" 'CN=evil\x1b[2J' 'DNS:a\x1b[2Jb\u202ec.test' \
	"pcap --json: the names show escaped once"
check "pcap --json: both handshakes and their certificates are there" \
	test "$(json_get "$T/pcap.json" 'sum(len(h["certificates"]) for h in d["handshakes"])')" = 2

# 4. an SNI with the same in it, on the server's line (it showed \\x1b)
make_pki server.pem server.key
SP=$(free_port)
"$TP" server --listen "127.0.0.1:$SP" --cert "$PKI/server.pem" \
	--key "$PKI/server.key" --once --timeout 3 >"$T/server.txt" \
	2>"$T/server.err" &
SPID=$!
wait_port "$SP" || { not_ok "tlsprobe server starts"; exit 1; }
python3 - "$SP" <<'PY'
import socket, struct, sys
name = b"a\x1b[2Jb\xe2\x80\xaec.test"
sni = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
exts = struct.pack("!HH", 0, len(sni)) + sni
exts += struct.pack("!HHHHH", 10, 6, 4, 29, 23)
exts += struct.pack("!HHBB", 11, 2, 1, 0)
suites = struct.pack("!HHHH", 6, 0xC02F, 0xC02B, 0x009C)
body = (b"\x03\x03" + bytes(range(32)) + b"\x00" + suites + b"\x01\x00"
        + struct.pack("!H", len(exts)) + exts)
hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 3)
s.settimeout(3)
s.sendall(b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs)
try:
    while s.recv(4096):
        pass
except OSError:
    pass
s.close()
PY
wait "$SPID"
inert "$T/server.txt" "server line: nothing raw"
shows "$T/server.txt" 'SNI a\x1b[2Jb\u202ec.test' \
	"server line: the SNI shows escaped once"

# 5. file names given on the command line are echoed sanitised
BAD="$T/x${ESC}[31m${RLO}.pem"
name_echo() {
	_what=$1; shift
	"$@" >"$T/name.out" 2>"$T/name.err"
	_rc=$?
	check "$_what: exit 2 (got $_rc)" test "$_rc" -eq 2
	inert "$T/name.err" "$_what: stderr has nothing raw"
	shows "$T/name.err" 'x\x1b[31m\u202e.pem' "$_what: the name shows escaped"
}
name_echo "client --ca" "$TP" client 127.0.0.1:1 --ca "$BAD"
name_echo "cert --cert" "$TP" cert --cert "$BAD"
name_echo "server --cert" "$TP" server --cert "$BAD" --key "$BAD"
name_echo "pcap FILE" "$TP" pcap "$BAD"
"$TP" "x${ESC}[31m" >"$T/sub.out" 2>"$T/sub.err"
inert "$T/sub.err" "an unknown subcommand is echoed sanitised"

# 6. a name in an error message that a report quotes is escaped once
# (it showed \\x1b): a capture cut inside a frame, and (with the right
# to capture) a --pcap-out that cannot be written
CUT="$T/cut${ESC}[31m${RLO}.pcap"
_size=$(wc -c <"$TOP/samples/tls12.pcap")
head -c $((_size - 10)) "$TOP/samples/tls12.pcap" >"$CUT"
"$TP" pcap "$CUT" --json >"$T/cut.json" 2>"$T/cut.err"
inert "$T/cut.json" "pcap of a cut capture --json: nothing raw"
shows "$T/cut.json" 'cut\x1b[31m\u202e.pcap ends early' \
	'capture '"$T"'/cut\x1b[31m\u202e.pcap is truncated' \
	"pcap of a cut capture: its name shows escaped once in the finding"
"$TP" pcap "$CUT" >"$T/cut.txt" 2>&1
shows "$T/cut.txt" 'cut\x1b[31m\u202e.pcap ends early' \
	"pcap of a cut capture, text: its name shows escaped once"
if [ "$(id -u)" = 0 ]; then
	"$TP" client 127.0.0.1:1 --timeout 1 --capture \
		--pcap-out "$T/no-dir/x${ESC}[31m${RLO}.pcap" >"$T/po.out" \
		2>"$T/po.err"
	check "client --pcap-out into no directory: exit 2" test $? -eq 2
	inert "$T/po.err" "client --pcap-out: stderr has nothing raw"
	shows "$T/po.err" 'x\x1b[31m\u202e.pcap' \
		"client --pcap-out: the name shows escaped once"
else
	skip "client --pcap-out: capturing needs root"
fi

echo "1..$_tap_n"
