#!/usr/bin/env python3
# tlsprobe - TLS connectivity diagnostics.
# Copyright (C) 2026 the tlsprobe authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Certificates a hostile peer presents, made at test time.

    mkcerts.py DIR

Writes into DIR:
  ca.pem ca.key           a plain CA ("hostile test CA")
  leaf.pem leaf.key       a plain leaf for localhost and 127.0.0.1
  evil.pem evil.key       a leaf whose CN, O, OU and SAN DNS names, and
                          whose issuer (evil-ca.pem), carry terminal
                          escapes (ESC [2J, OSC title, C1 CSI 0x9b) and
                          bidi controls (U+202E, U+2066)
  evil-chain.pem          evil.pem then evil-ca.pem
  evil-ca.pem
  sans.pem sans.key       a leaf with 10,000 SAN DNS names
  bigchain.pem            leaf.pem then filler certificates: over 1 MB
  client.pem client.key   a client certificate as hostile as evil.pem

Python's cryptography builds them: it writes names as given, which
openssl and certtool cannot be made to do for control characters.
"""

import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Every hostile thing a name can hold: clear screen, set the window
# title (OSC ... BEL), the 8-bit CSI, a right-to-left override and a
# left-to-right isolate.
EVIL = "\x1b[2J\x1b]0;x\x07\u009b31m\u202etxt.exe\u2066"

NOW = datetime.datetime.now(datetime.timezone.utc)


def key():
    return ec.generate_private_key(ec.SECP256R1())


def name(cn, o=None, ou=None):
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if o is not None:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, o))
    if ou is not None:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME,
                                        ou))
    return x509.Name(attrs)


def dns(text):
    # DNSName insists on A-labels; a hostile certificate does not
    return x509.DNSName._init_without_validation(text)


def cert(subject, pub, issuer, issuer_key, sans=None, ca=False,
         client=False, serial=None):
    b = (x509.CertificateBuilder()
         .subject_name(subject).issuer_name(issuer).public_key(pub)
         .serial_number(serial or x509.random_serial_number())
         .not_valid_before(NOW - datetime.timedelta(days=1))
         .not_valid_after(NOW + datetime.timedelta(days=30))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None),
                        critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        b = b.add_extension(x509.ExtendedKeyUsage(
            [ExtendedKeyUsageOID.CLIENT_AUTH if client
             else ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans),
                            critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM)


def pem_key(k):
    return k.private_bytes(serialization.Encoding.PEM,
                           serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption())


def write(d, fname, data):
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data)


def main(d):
    os.makedirs(d, exist_ok=True)
    local = [dns("localhost"), x509.IPAddress(__import__("ipaddress")
                                             .ip_address("127.0.0.1"))]

    ca_key = key()
    ca_name = name("hostile test CA")
    ca = cert(ca_name, ca_key.public_key(), ca_name, ca_key, ca=True)
    write(d, "ca.pem", pem(ca))
    write(d, "ca.key", pem_key(ca_key))

    leaf_key = key()
    leaf = cert(name("localhost"), leaf_key.public_key(), ca_name, ca_key,
                sans=local)
    write(d, "leaf.pem", pem(leaf))
    write(d, "leaf.key", pem_key(leaf_key))

    evil_ca_key = key()
    evil_ca_name = name("ca" + EVIL, "o" + EVIL, "ou" + EVIL)
    evil_ca = cert(evil_ca_name, evil_ca_key.public_key(), evil_ca_name,
                   evil_ca_key, ca=True)
    write(d, "evil-ca.pem", pem(evil_ca))
    evil_key = key()
    evil = cert(name("cn" + EVIL, "o" + EVIL, "ou" + EVIL),
                evil_key.public_key(), evil_ca_name, evil_ca_key,
                sans=[dns("dns" + EVIL), dns("x.\u202egro.test")] + local)
    write(d, "evil.pem", pem(evil))
    write(d, "evil.key", pem_key(evil_key))
    write(d, "evil-chain.pem", pem(evil) + pem(evil_ca))

    client_key = key()
    client = cert(name("client" + EVIL, "o" + EVIL, "ou" + EVIL),
                  client_key.public_key(), ca_name, ca_key,
                  sans=[dns("client" + EVIL)], client=True)
    write(d, "client.pem", pem(client))
    write(d, "client.key", pem_key(client_key))

    sans_key = key()
    sans = cert(name("localhost"), sans_key.public_key(), ca_name, ca_key,
                sans=[dns("san%05d.hostile.test" % i)
                      for i in range(10000)] + local)
    write(d, "sans.pem", pem(sans))
    write(d, "sans.key", pem_key(sans_key))

    # Fillers of about 14 KB each (500 SAN names): 75 of them are over
    # a megabyte of Certificate message.
    filler_key = key()
    fillers = b""
    for i in range(75):
        n = name("filler %d" % i)
        fillers += pem(cert(n, filler_key.public_key(), n, filler_key,
                            sans=[dns("f%02d-%04d.filler.hostile.test"
                                      % (i, j)) for j in range(500)]))
    write(d, "bigchain.pem", pem(leaf) + fillers)


if __name__ == "__main__":
    main(sys.argv[1])
