/*
 * A small PKI for the unit tests that run TLS over real certificates
 * (test_tls.c, test_server.c): ECDSA P-256 keys and X.509 v3
 * certificates for a CA, a server (localhost) or a client, valid from
 * 2024 to 2044. Static functions, included by each test after cmocka.h
 * (every failure is a test failure); the Makefile builds each test from
 * its own .c.
 */
#ifndef TLSPROBE_TEST_PKI_H
#define TLSPROBE_TEST_PKI_H

#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

/* 2024-01-01 and 2044-01-01 */
#define T2024 ((time_t)1704067200)
#define T2044 ((time_t)2335219200)

static gnutls_x509_privkey_t new_key(void)
{
	gnutls_x509_privkey_t k;

	assert_int_equal(gnutls_x509_privkey_init(&k), 0);
	assert_int_equal(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	return k;
}

enum role { ROLE_CA, ROLE_SERVER, ROLE_CLIENT };

/* What a test wants beyond the plain certificate: */
enum {
	/* a CA's DN reads "CN=…,O=tlsprobe" (O first: RFC 4514 order) */
	PKI_CA_ORG = 1,
	/* subject key id, and the issuer's as the authority key id */
	PKI_KEY_IDS = 2,
};

/* A certificate of key for cn, signed by issuer (self-signed if NULL);
 * serial numbers count up from 101 in each test program. */
static gnutls_x509_crt_t new_cert(const char *cn, gnutls_x509_privkey_t key,
				  gnutls_x509_crt_t issuer,
				  gnutls_x509_privkey_t issuer_key,
				  enum role role, unsigned flags)
{
	static unsigned serial = 100;
	unsigned char id[64], sn[4];
	size_t size = sizeof(id);
	gnutls_x509_crt_t crt;

	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	gnutls_x509_crt_set_version(crt, 3);
	serial++;
	sn[0] = 0;
	sn[1] = (unsigned char)(serial >> 16);
	sn[2] = (unsigned char)(serial >> 8);
	sn[3] = (unsigned char)serial;
	gnutls_x509_crt_set_serial(crt, sn, sizeof(sn));
	gnutls_x509_crt_set_activation_time(crt, T2024);
	gnutls_x509_crt_set_expiration_time(crt, T2044);
	if (role == ROLE_CA && (flags & PKI_CA_ORG))
		gnutls_x509_crt_set_dn_by_oid(crt,
			GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "tlsprobe", 8);
	assert_int_equal(gnutls_x509_crt_set_dn_by_oid(crt,
		GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn)), 0);
	assert_int_equal(gnutls_x509_crt_set_key(crt, key), 0);
	gnutls_x509_crt_set_basic_constraints(crt, role == ROLE_CA, -1);
	gnutls_x509_crt_set_key_usage(crt, role == ROLE_CA
		? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN
		: GNUTLS_KEY_DIGITAL_SIGNATURE);
	if (role == ROLE_SERVER) {
		gnutls_x509_crt_set_key_purpose_oid(crt,
			GNUTLS_KP_TLS_WWW_SERVER, 0);
		gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
			"localhost", 9, GNUTLS_FSAN_SET);
	} else if (role == ROLE_CLIENT) {
		gnutls_x509_crt_set_key_purpose_oid(crt,
			GNUTLS_KP_TLS_WWW_CLIENT, 0);
	}
	if (flags & PKI_KEY_IDS) {
		assert_int_equal(gnutls_x509_privkey_get_key_id(key, 0, id,
								&size), 0);
		gnutls_x509_crt_set_subject_key_id(crt, id, size);
		size = sizeof(id);
		if (issuer != NULL &&
		    gnutls_x509_crt_get_subject_key_id(issuer, id, &size,
						       NULL) == 0)
			gnutls_x509_crt_set_authority_key_id(crt, id, size);
	}
	assert_int_equal(gnutls_x509_crt_sign2(crt, issuer ? issuer : crt,
		issuer_key ? issuer_key : key, GNUTLS_DIG_SHA256, 0), 0);
	return crt;
}

#endif
