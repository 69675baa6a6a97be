#!/bin/sh
# mkpki.sh OUTDIR - build the tlsprobe test PKI into OUTDIR.
#
# Everything is generated at run time with GnuTLS's certtool (Debian
# package gnutls-bin); no key of any value is ever committed. Re-running
# into the same directory regenerates every file. On success the only
# output is "mkpki: wrote N files to OUTDIR"; on failure one line names
# the step that failed and the exit status is 1 (2 for bad usage).
#

set -eu

# certtool reads the template dates in the local time zone; pin it so that
# "2024-01-01 00:00:00" means midnight UTC on every machine.
TZ=UTC
export TZ
LC_ALL=C
export LC_ALL

prog=mkpki

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
	printf 'usage: %s OUTDIR\n' "$0" >&2
	exit 2
fi

command -v certtool >/dev/null 2>&1 ||
	die "step 'find certtool' failed: certtool not found (install gnutls-bin)"

mkdir -p -- "$1" 2>/dev/null || die "step 'create $1' failed: cannot create directory"
out=$(cd -- "$1" && pwd) || die "step 'enter $1' failed: cannot enter directory"

# Templates and logs live in a scratch directory inside OUTDIR, so that
# nothing is ever written outside it; it is removed on every exit path.
work=$out/.mkpki.$$
rm -rf -- "$work"
mkdir -- "$work" || die "step 'create scratch directory' failed"
trap 'rm -rf -- "$work"' EXIT
trap 'exit 1' HUP INT TERM

count=0

# run STEP COMMAND...: run one generation step; on failure report the step
# and the tool's last line of complaint, then stop.
run() {
	step=$1
	shift
	if ! "$@" >"$work/log" 2>&1; then
		why=$(grep -v '^[[:space:]]*$' "$work/log" | tail -n 1)
		die "step '$step' failed: ${why:-exit status non-zero}"
	fi
}

# ec_key NAME / rsa_key NAME BITS: write NAME.key. P-256 is the default
# because it is generated in a millisecond; RSA only where a test needs it.
ec_key() {
	run "key $1" certtool --generate-privkey --key-type ecdsa \
		--curve secp256r1 --no-text --outfile "$out/$1.key"
	count=$((count + 1))
}

rsa_key() {
	run "key $1" certtool --generate-privkey --key-type rsa \
		--bits "$2" --no-text --outfile "$out/$1.key"
	count=$((count + 1))
}

# tmpl NAME LINES...: write a certtool template, one field per argument.
tmpl() {
	name=$1
	shift
	: >"$work/$name.tmpl"
	for line in "$@"; do
		printf '%s\n' "$line" >>"$work/$name.tmpl"
	done
}

# self_sign NAME: NAME.pem signed by NAME.key with template NAME.
self_sign() {
	run "certificate $1" certtool --generate-self-signed \
		--load-privkey "$out/$1.key" --template "$work/$1.tmpl" \
		--outfile "$out/$1.pem"
	count=$((count + 1))
}

# sign NAME ISSUER [HASH]: NAME.pem for NAME.key, issued by ISSUER.
sign() {
	run "certificate $1" certtool --generate-certificate \
		--hash "${3:-SHA256}" \
		--load-privkey "$out/$1.key" \
		--load-ca-certificate "$out/$2.pem" \
		--load-ca-privkey "$out/$2.key" \
		--template "$work/$1.tmpl" --outfile "$out/$1.pem"
	count=$((count + 1))
}

# cat_to DEST SRC...: write the SRC files, in order, to DEST.
cat_to() {
	dest=$1
	shift
	cat -- "$@" >"$dest"
}

# concat DEST SRC...: a multi-certificate PEM file in the given order.
concat() {
	dest=$1
	shift
	files=
	for f in "$@"; do
		files="$files $out/$f"
	done
	# shellcheck disable=SC2086 # the names are ours and hold no spaces
	run "assemble $dest" cat_to "$out/$dest" $files
	count=$((count + 1))
}

# Remove what an earlier run wrote (only our own names), so that a file
# skipped this time (node-self.pem) cannot survive from a previous run.
for f in ca1 ca2 int1 server server-ec server-int server-ca2 \
	server-wrongname server-expired server-notyet server-selfsigned \
	server-weakkey server-sha1 server-clientauth client client-ca2 \
	node-a node-b node-self; do
	rm -f -- "$out/$f.pem" "$out/$f.key"
done
rm -f -- "$out/ca1-bundle.pem" "$out/server-int-chain.pem" \
	"$out/server-int-misordered.pem" "$out/server-int-gap.pem" \
	"$out/other.key" "$out/not-a-key.pem" "$out/garbage.pem" \
	"$out/empty.pem"

# Shared template fragments. Dates are explicit so that tests pass for
# decades and never depend on the day the script ran.
ca_dates='activation_date = "2020-01-01 00:00:00"'
ca_until='expiration_date = "2045-01-01 00:00:00"'
leaf_dates='activation_date = "2024-01-01 00:00:00"'
leaf_until='expiration_date = "2044-01-01 00:00:00"'

# server_tmpl NAME SERIAL EXTRA...: a leaf for localhost with the four
# names every server test connects by.
server_tmpl() {
	name=$1
	serial=$2
	shift 2
	tmpl "$name" 'cn = "localhost"' "serial = $serial" \
		'dns_name = "localhost"' 'dns_name = "server.test"' \
		'ip_address = "127.0.0.1"' 'ip_address = "::1"' "$@"
}

# --- trust anchors and the intermediate ------------------------------------

ec_key ca1
tmpl ca1 'cn = "tlsprobe Test CA1"' 'organization = "tlsprobe"' 'serial = 1' \
	ca cert_signing_key crl_signing_key "$ca_dates" "$ca_until"
self_sign ca1

ec_key ca2
tmpl ca2 'cn = "tlsprobe Test CA2"' 'organization = "tlsprobe"' 'serial = 2' \
	ca cert_signing_key crl_signing_key "$ca_dates" "$ca_until"
self_sign ca2

ec_key int1
tmpl int1 'cn = "tlsprobe Test Intermediate 1"' 'organization = "tlsprobe"' \
	'serial = 3' ca 'path_len = 0' cert_signing_key crl_signing_key \
	"$ca_dates" "$ca_until"
sign int1 ca1

concat ca1-bundle.pem ca1.pem int1.pem

# --- server certificates ---------------------------------------------------

# RSA so that reports show an RSA-2048 key; RSA key exchange also needs
# keyEncipherment.
rsa_key server 2048
server_tmpl server 10 tls_www_server signing_key encryption_key \
	"$leaf_dates" "$leaf_until"
sign server ca1

ec_key server-ec
server_tmpl server-ec 11 tls_www_server signing_key "$leaf_dates" "$leaf_until"
sign server-ec ca1

ec_key server-int
server_tmpl server-int 12 tls_www_server signing_key "$leaf_dates" "$leaf_until"
sign server-int int1
concat server-int-chain.pem server-int.pem int1.pem
concat server-int-misordered.pem server-int.pem ca1.pem int1.pem
concat server-int-gap.pem server-int.pem ca1.pem

ec_key server-ca2
server_tmpl server-ca2 13 tls_www_server signing_key "$leaf_dates" "$leaf_until"
sign server-ca2 ca2

ec_key server-wrongname
tmpl server-wrongname 'cn = "other.test"' 'serial = 14' \
	'dns_name = "other.test"' tls_www_server signing_key \
	"$leaf_dates" "$leaf_until"
sign server-wrongname ca1

ec_key server-expired
server_tmpl server-expired 15 tls_www_server signing_key \
	'activation_date = "2019-01-01 00:00:00"' \
	'expiration_date = "2021-01-01 00:00:00"'
sign server-expired ca1

ec_key server-notyet
server_tmpl server-notyet 16 tls_www_server signing_key \
	'activation_date = "2040-01-01 00:00:00"' \
	'expiration_date = "2045-01-01 00:00:00"'
sign server-notyet ca1

# No "ca" line: certtool then writes CA:FALSE, a self-signed leaf.
ec_key server-selfsigned
server_tmpl server-selfsigned 17 tls_www_server signing_key \
	"$leaf_dates" "$leaf_until"
self_sign server-selfsigned

rsa_key server-weakkey 1024
server_tmpl server-weakkey 18 tls_www_server signing_key encryption_key \
	"$leaf_dates" "$leaf_until"
sign server-weakkey ca1

# certtool 3.7 still signs with SHA-1 when asked (it only warns), so
# openssl is not needed here.
ec_key server-sha1
server_tmpl server-sha1 19 tls_www_server signing_key "$leaf_dates" "$leaf_until"
sign server-sha1 ca1 SHA1

ec_key server-clientauth
server_tmpl server-clientauth 20 tls_www_client signing_key \
	"$leaf_dates" "$leaf_until"
sign server-clientauth ca1

# --- client certificates ---------------------------------------------------

ec_key client
tmpl client 'cn = "client.test"' 'serial = 30' tls_www_client signing_key \
	"$leaf_dates" "$leaf_until"
sign client ca1

ec_key client-ca2
tmpl client-ca2 'cn = "client.test"' 'serial = 31' tls_www_client signing_key \
	"$leaf_dates" "$leaf_until"
sign client-ca2 ca2

# --- per-node certificates (CN = unique ID, both roles) --------------------

# node_tmpl NAME SERIAL ID
node_tmpl() {
	tmpl "$1" "cn = \"$3\"" "serial = $2" 'dns_name = "localhost"' \
		'ip_address = "127.0.0.1"' tls_www_server tls_www_client \
		signing_key "$leaf_dates" "$leaf_until"
}

ec_key node-a
node_tmpl node-a 40 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01
sign node-a ca1

ec_key node-b
node_tmpl node-b 41 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb02
sign node-b ca1

# The same unique ID that "tlsprobe id" prints: systemd's machine id, or
# D-Bus's copy of it on systems without systemd.
machine_id=
for f in /etc/machine-id /var/lib/dbus/machine-id; do
	if [ -r "$f" ]; then
		machine_id=$(tr -d ' \t\r\n' <"$f")
		case $machine_id in
		*[!0-9a-f]*) machine_id= ;;
		esac
		[ "${#machine_id}" -eq 32 ] && break
		machine_id=
	fi
done
if [ -n "$machine_id" ]; then
	ec_key node-self
	node_tmpl node-self 42 "$machine_id"
	sign node-self ca1
else
	printf '%s: # no valid /etc/machine-id or /var/lib/dbus/machine-id: node-self.pem not written\n' \
		"$prog" >&2
fi

# --- malformed and mismatched inputs ---------------------------------------

ec_key other

run "copy not-a-key.pem" cp -- "$out/server.pem" "$out/not-a-key.pem"
count=$((count + 1))

# Armour that looks right around a body that is not base64 ("!", "*",
# "@" and "$" are outside the alphabet), so a loader gets past the header
# and fails on the contents.
write_garbage() {
	# shellcheck disable=SC2016 # the dollars are meant literally
	printf '%s\n' '-----BEGIN CERTIFICATE-----' \
		'MIIB!!this*is*not*base64*at*all!!ZZZZ@@@@####' \
		'$$$$not-base64-either$$$$' \
		'-----END CERTIFICATE-----' >"$1"
}
run "write garbage.pem" write_garbage "$out/garbage.pem"
count=$((count + 1))

write_empty() {
	: >"$1"
}
run "write empty.pem" write_empty "$out/empty.pem"
count=$((count + 1))

# --- self-check ------------------------------------------------------------

# A broken generator must fail here, not in some later test.
run "verify server.pem under ca1" certtool --verify \
	--load-ca-certificate "$out/ca1.pem" --infile "$out/server.pem"
run "verify server-int-chain.pem under ca1" certtool --verify \
	--load-ca-certificate "$out/ca1.pem" --infile "$out/server-int-chain.pem"

printf '%s: wrote %d files to %s\n' "$prog" "$count" "$1"
