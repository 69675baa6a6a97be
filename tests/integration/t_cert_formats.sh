#!/bin/sh
# What people have: PKCS#12 (openssl pkcs12 -export, modern and legacy
# encryption, with a password, with the empty one and with none;
# certtool --to-p12) and DER certificates and keys, told by content.
# Each gives cert the very report its PEM form gives; a wrong password,
# a MAC that does not verify and a missing password are each exit 2 in
# one line naming the file; client and server load the same files.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

NOW=2026-11-22T00:00:00Z
make_pki server.pem server.key ca1.pem other.key client.pem client.key
P12=$T/p12
mkdir -p "$P12"
printf 'secret\n' >"$T/pw"
printf 'wrong\n' >"$T/badpw"
cat "$PKI/server.pem" "$PKI/ca1.pem" >"$T/full.pem"

made() {
	if [ $? -ne 0 ]; then
		not_ok "make $1"
		sed 's/^/#   /' "$T/make.log"
		exit 1
	fi
}
export_p12() {
	_out=$1; shift
	openssl pkcs12 -export -in "$PKI/server.pem" -inkey "$PKI/server.key" \
		-name server -out "$P12/$_out" "$@" >"$T/make.log" 2>&1
	made "$_out"
}
export_p12 modern.p12 -passout pass:secret
export_p12 chain.p12 -certfile "$PKI/ca1.pem" -passout pass:secret
export_p12 empty.p12 -passout pass:
export_p12 plain.p12 -nomac -keypbe NONE -certpbe NONE -passout pass:
# openssl 3 keeps RC2-40 and 3DES in its legacy provider
if openssl pkcs12 -export -legacy -in "$PKI/server.pem" \
	-inkey "$PKI/server.key" -out "$P12/legacy.p12" \
	-passout pass:secret >"$T/make.log" 2>&1; then
	HAVE_LEGACY=1
else
	HAVE_LEGACY=0
fi
certtool --to-p12 --load-certificate "$PKI/server.pem" \
	--load-privkey "$PKI/server.key" --p12-name server \
	--password secret --outder --outfile "$P12/certtool.p12" \
	>"$T/make.log" 2>&1
made certtool.p12
certtool --to-p12 --load-certificate "$PKI/client.pem" \
	--load-privkey "$PKI/client.key" --p12-name client \
	--password secret --outder --outfile "$P12/client.p12" \
	>"$T/make.log" 2>&1
made client.p12
# a key that is not the certificate's: openssl refuses to write one
certtool --to-p12 --load-certificate "$PKI/server.pem" \
	--load-privkey "$PKI/other.key" --p12-name server \
	--password secret --outder --outfile "$P12/mismatch.p12" \
	>"$T/make.log" 2>&1
made mismatch.p12
openssl x509 -in "$PKI/server.pem" -outform DER -out "$T/server.der" \
	>"$T/make.log" 2>&1
made server.der
openssl pkey -in "$PKI/server.key" -outform DER -out "$T/server.key.der" \
	>"$T/make.log" 2>&1
made server.key.der
# a DER file named as PEM, since names say nothing
cp "$T/server.der" "$T/server-der.pem"
# a MAC that does not verify: one bit of its digest flipped (the last
# OCTET STRING of 32 bytes in the file is the SHA-256 MAC, RFC 7292
# section 4)
python3 - "$P12/modern.p12" "$P12/altered.p12" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.rindex(b"\x04\x20")
d[i + 2] ^= 1
open(sys.argv[2], "wb").write(d)
PY

# The PEM runs every other form must equal, text and JSON.
"$TP" cert --now "$NOW" --cert "$PKI/server.pem" --key "$PKI/server.key" \
	--ca "$PKI/ca1.pem" >"$T/pem.txt" 2>&1
check "cert, PEM: exit 0" test $? -eq 0
"$TP" cert --json --now "$NOW" --cert "$PKI/server.pem" \
	--key "$PKI/server.key" --ca "$PKI/ca1.pem" >"$T/pem.json" 2>&1
"$TP" cert --now "$NOW" --cert "$T/full.pem" --key "$PKI/server.key" \
	--ca "$PKI/ca1.pem" >"$T/full.txt" 2>&1
check "cert, PEM with its CA: exit 0" test $? -eq 0

# same NAME REFERENCE ARGS...: cert with ARGS exits 0, stderr empty, and
# prints REFERENCE's text; with --json, its JSON.
same() {
	_name=$1; _ref=$2; shift 2
	"$TP" cert --now "$NOW" --ca "$PKI/ca1.pem" "$@" >"$T/got.txt" \
		2>"$T/got.err" </dev/null
	_rc=$?
	"$TP" cert --json --now "$NOW" --ca "$PKI/ca1.pem" "$@" \
		>"$T/got.json" 2>>"$T/got.err" </dev/null
	_why=""
	[ $_rc -eq 0 ] || _why="$_why; exit $_rc"
	[ -s "$T/got.err" ] && _why="$_why; stderr: $(head -c 300 "$T/got.err")"
	cmp -s "$T/got.txt" "$T/$_ref.txt" || _why="$_why; text differs"
	if [ "$_ref" = pem ] && ! cmp -s "$T/got.json" "$T/pem.json"; then
		_why="$_why; JSON differs"
	fi
	if [ -z "$_why" ]; then
		ok "$_name: the report of its PEM form"
	else
		not_ok "$_name: the report of its PEM form"
		echo "#   ${_why#; }"
		diff "$T/$_ref.txt" "$T/got.txt" | head -n 20 | sed 's/^/#   /'
	fi
}

same "DER certificate and key" pem --cert "$T/server.der" \
	--key "$T/server.key.der"
same "DER named .pem" pem --cert "$T/server-der.pem" --key "$PKI/server.key"
same "openssl pkcs12, --password-file" pem --cert "$P12/modern.p12" \
	--password-file "$T/pw"
TP_TEST_PW=secret
export TP_TEST_PW
same "openssl pkcs12, --password-env" pem --cert "$P12/modern.p12" \
	--password-env TP_TEST_PW
same "openssl pkcs12, as --cert and --key" pem --cert "$P12/modern.p12" \
	--key "$P12/modern.p12" --password-file "$T/pw"
same "openssl pkcs12 with its CA" full --cert "$P12/chain.p12" \
	--password-file "$T/pw"
same "openssl pkcs12, the empty password" pem --cert "$P12/empty.p12"
same "openssl pkcs12, no password, no MAC" pem --cert "$P12/plain.p12"
same "certtool --to-p12" pem --cert "$P12/certtool.p12" \
	--password-file "$T/pw"
if [ $HAVE_LEGACY = 1 ]; then
	same "openssl pkcs12 -legacy (RC2-40, 3DES)" pem \
		--cert "$P12/legacy.p12" --password-file "$T/pw"
else
	skip "openssl pkcs12 -legacy" "openssl has no legacy provider"
fi

# The key a PKCS#12 file holds is checked against its certificate.
"$TP" cert --json --now "$NOW" --ca "$PKI/ca1.pem" \
	--cert "$P12/mismatch.p12" --password-file "$T/pw" >"$T/mism.json" \
	2>"$T/mism.err" </dev/null
_rc=$?
check "pkcs12 whose key is not the certificate's: exit 1, KEY_MISMATCH" \
	test $_rc -eq 1 -a "$(json_codes "$T/mism.json" | tr '\n' ' ')" = \
	"KEY_MISMATCH "

# refused NAME REGEX ARGS...: exit 2, stdout empty, one stderr line
# matching REGEX.
refused() {
	_name=$1; _re=$2; shift 2
	"$TP" cert --now "$NOW" --ca "$PKI/ca1.pem" "$@" >"$T/out" \
		2>"$T/err" </dev/null
	_rc=$?
	_lines=$(awk 'END { print NR }' "$T/err")
	if [ $_rc -eq 2 ] && [ ! -s "$T/out" ] && [ "$_lines" -eq 1 ] &&
		grep -qE -- "$_re" "$T/err"; then
		ok "$_name: exit 2, one line naming it"
	else
		not_ok "$_name: exit 2, one line naming it"
		echo "#   exit $_rc, $_lines lines on stderr"
		head -n 5 "$T/err" | sed 's/^/#   /'
	fi
}
refused "pkcs12, wrong password" \
	"--cert .*modern\.p12: wrong password for this PKCS#12 file" \
	--cert "$P12/modern.p12" --password-file "$T/badpw"
refused "certtool --to-p12, wrong password" \
	"--cert .*certtool\.p12: wrong password" \
	--cert "$P12/certtool.p12" --password-file "$T/badpw"
if [ $HAVE_LEGACY = 1 ]; then
	refused "pkcs12 -legacy, wrong password" \
		"--cert .*legacy\.p12: wrong password" \
		--cert "$P12/legacy.p12" --password-file "$T/badpw"
fi
refused "pkcs12, a MAC that does not verify" \
	"--cert .*altered\.p12: the PKCS#12 MAC does not verify, though the password decrypts" \
	--cert "$P12/altered.p12" --password-file "$T/pw"
refused "pkcs12, no password and no terminal" \
	"--cert .*modern\.p12: a PKCS#12 file protected by a password: give it with --password-file" \
	--cert "$P12/modern.p12"
refused "pkcs12 as --key, wrong password" \
	"--key .*modern\.p12: wrong password" \
	--cert "$PKI/server.pem" --key "$P12/modern.p12" \
	--password-file "$T/badpw"
refused "--password-env naming no variable" \
	"--password-env TP_NO_SUCH_PW_X: no such variable" \
	--cert "$P12/modern.p12" --password-env TP_NO_SUCH_PW_X
refused "--password-file that does not exist" \
	"--password-file .*no-such-pw: cannot read" \
	--cert "$P12/modern.p12" --password-file "$T/no-such-pw"
refused "pkcs12 as --ca" \
	"--ca .*modern\.p12: a PKCS#12 file; give the CAs to trust as PEM or DER" \
	--cert "$PKI/server.pem" --ca "$P12/modern.p12"
refused "a DER key as --cert" \
	"--cert .*server\.key\.der: holds a private key \(DER\), not a certificate" \
	--cert "$T/server.key.der"
refused "a DER certificate as --key" \
	"--key .*server\.der: holds a certificate \(DER\), not a private key" \
	--cert "$PKI/server.pem" --key "$T/server.der"

# On a terminal, a password that is needed is asked for, once, with echo
# off: the typed password never shows.
python3 - "$TP" "$P12/modern.p12" "$PKI/ca1.pem" "$NOW" >"$T/pty.out" \
	2>&1 <<'PY'
import os, pty, select, sys, time
tp, p12, ca, now = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(tp, [tp, "cert", "--cert", p12, "--key", p12, "--ca", ca,
                  "--now", now, "--no-color"])
out, sent, asked = b"", False, 0
deadline = time.time() + 30
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.5)
    if not ready:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not sent and b"Password for " in out:
        time.sleep(0.2)
        os.write(fd, b"secret\n")
        sent = True
_, status = os.waitpid(pid, 0)
text = out.decode("utf-8", "replace")
print(text)
print("asked %d times" % text.count("Password for "))
sys.exit(os.WEXITSTATUS(status) if sent else 99)
PY
_rc=$?
if [ $_rc -eq 0 ] && grep -q "asked 1 times" "$T/pty.out" &&
	grep -q "verdict   PASS" "$T/pty.out" && ! grep -q secret "$T/pty.out"
then
	ok "on a terminal: asked once, echo off, then the report"
else
	not_ok "on a terminal: asked once, echo off, then the report"
	echo "#   exit $_rc"
	head -n 20 "$T/pty.out" | sed 's/^/#   /'
fi

# The one loader serves the server and the client: a server on a
# PKCS#12 file, and a client that presents another.
"$TP" server --listen 127.0.0.1:0 --cert "$P12/modern.p12" \
	--key "$P12/modern.p12" --password-file "$T/pw" --ca "$PKI/ca1.pem" \
	--once --json >"$T/srv.json" 2>"$T/srv.err" </dev/null &
SRV_PID=$!
srv_track "$SRV_PID" "$T/srv.err"
if _srv_wait "$SRV_PID" "$T/srv.err" 'listening on 127\.0\.0\.1:[0-9]+'; then
	PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
		"$T/srv.err" | head -n 1)
	"$TP" client --json --timeout 10 --ca "$PKI/ca1.pem" \
		--cert "$P12/client.p12" --key "$P12/client.p12" \
		--password-env TP_TEST_PW "127.0.0.1:$PORT" --sni localhost \
		>"$T/cli.json" 2>"$T/cli.err" </dev/null
	_rc=$?
	check "client with a PKCS#12 --cert, to a server on one: exit 0" \
		test $_rc -eq 0
	if [ $_rc -ne 0 ]; then
		sed 's/^/#   /' "$T/cli.err"
		python3 -c 'import json,sys; [print("#  ", f["code"], f["summary"]) for f in json.load(open(sys.argv[1]))["findings"]]' "$T/cli.json"
	fi
	wait "$SRV_PID"
	check "server: the client's certificate arrived" \
		grep -q 'CN=client\.test' "$T/srv.json"
else
	not_ok "server starts on a PKCS#12 --cert and --key"
	sed 's/^/#   /' "$T/srv.err"
fi
refused_server() {
	"$TP" server --listen 127.0.0.1:0 --once "$@" >"$T/out" 2>"$T/err" \
		</dev/null
}
refused_server --cert "$P12/modern.p12" --key "$P12/modern.p12" \
	--password-file "$T/badpw"
_rc=$?
check "server, wrong password: exit 2 naming the file" \
	test $_rc -eq 2 -a "$(awk 'END { print NR }' "$T/err")" -eq 1
grep -q "modern\.p12: wrong password" "$T/err" ||
	sed 's/^/#   /' "$T/err"

echo "1..$_tap_n"
