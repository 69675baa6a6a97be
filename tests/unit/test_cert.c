/*
 * Unit tests of cert.c: a small PKI is built in this process with GnuTLS
 * (fixed dates, a fixed "now"), and each case asserts the exact finding
 * codes tp_cert_check_chain reports for one chain and one trust store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "cert.h"

/* 2026-11-22T00:00:00Z */
#define NOW ((time_t)1795305600)
/* 2024-01-01, 2044-01-01, 2021-01-01, 2019-01-01, 2040-01-01 */
#define T2024 ((time_t)1704067200)
#define T2044 ((time_t)2335219200)
#define T2021 ((time_t)1609459200)
#define T2019 ((time_t)1546300800)
#define T2040 ((time_t)2208988800)

#define NODE_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01"
#define NODE_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb02"
#define EVIL_CN "evil\x1b[31mred"

/* ---- building certificates ---- */

struct spec {
	const char *cn;
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t issuer;          /* NULL: self-signed */
	gnutls_x509_privkey_t issuer_key;
	bool ca;
	time_t not_before, not_after;      /* 0: 2024 .. 2044 */
	const char *dns;
	const char *ip;
	const char *eku;                   /* NULL: none */
	unsigned key_usage;                /* 0: the usual for its role */
	gnutls_digest_algorithm_t hash;    /* 0: SHA-256 */
};

static unsigned serial;

static void set_key_ids(gnutls_x509_crt_t crt, const struct spec *s)
{
	unsigned char id[64];
	size_t size = sizeof(id);

	assert_int_equal(gnutls_x509_privkey_get_key_id(s->key, 0, id, &size), 0);
	assert_int_equal(gnutls_x509_crt_set_subject_key_id(crt, id, size), 0);
	if (s->issuer != NULL) {
		size = sizeof(id);
		assert_int_equal(gnutls_x509_crt_get_subject_key_id(
				 s->issuer, id, &size, NULL), 0);
		assert_int_equal(gnutls_x509_crt_set_authority_key_id(crt, id,
								      size), 0);
	}
}

/* Imports what was exported, so that the certificate behaves exactly as
 * one read from a file or received in a handshake. */
static gnutls_x509_crt_t reimport(gnutls_x509_crt_t crt)
{
	gnutls_datum_t der;
	gnutls_x509_crt_t out;

	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER,
						 &der), 0);
	assert_int_equal(gnutls_x509_crt_init(&out), 0);
	assert_int_equal(gnutls_x509_crt_import(out, &der, GNUTLS_X509_FMT_DER),
			 0);
	gnutls_free(der.data);
	gnutls_x509_crt_deinit(crt);
	return out;
}

static gnutls_x509_crt_t make_cert(const struct spec *s)
{
	gnutls_x509_crt_t crt;
	unsigned char sn[4], ip[16];
	unsigned usage = s->key_usage;

	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_set_version(crt, 3), 0);
	serial++;
	sn[0] = 0x01;
	sn[1] = (unsigned char)(serial >> 16);
	sn[2] = (unsigned char)(serial >> 8);
	sn[3] = (unsigned char)serial;
	assert_int_equal(gnutls_x509_crt_set_serial(crt, sn, sizeof(sn)), 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(crt,
			 s->not_before ? s->not_before : T2024), 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(crt,
			 s->not_after ? s->not_after : T2044), 0);
	assert_int_equal(gnutls_x509_crt_set_dn_by_oid(crt,
			 GNUTLS_OID_X520_COMMON_NAME, 0, s->cn, strlen(s->cn)), 0);
	assert_int_equal(gnutls_x509_crt_set_key(crt, s->key), 0);
	assert_int_equal(gnutls_x509_crt_set_basic_constraints(crt, s->ca, -1),
			 0);
	if (usage == 0)
		usage = s->ca ? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN
			      : GNUTLS_KEY_DIGITAL_SIGNATURE |
				GNUTLS_KEY_KEY_ENCIPHERMENT;
	assert_int_equal(gnutls_x509_crt_set_key_usage(crt, usage), 0);
	if (s->dns != NULL)
		assert_int_equal(gnutls_x509_crt_set_subject_alt_name(crt,
				 GNUTLS_SAN_DNSNAME, s->dns, strlen(s->dns),
				 GNUTLS_FSAN_APPEND), 0);
	if (s->ip != NULL) {
		bool v6 = strchr(s->ip, ':') != NULL;

		assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, s->ip, ip),
				 1);
		assert_int_equal(gnutls_x509_crt_set_subject_alt_name(crt,
				 GNUTLS_SAN_IPADDRESS, ip, v6 ? 16 : 4,
				 GNUTLS_FSAN_APPEND), 0);
	}
	if (s->eku != NULL)
		assert_int_equal(gnutls_x509_crt_set_key_purpose_oid(crt,
				 s->eku, 0), 0);
	set_key_ids(crt, s);
	assert_int_equal(gnutls_x509_crt_sign2(crt,
			 s->issuer ? s->issuer : crt,
			 s->issuer ? s->issuer_key : s->key,
			 s->hash ? s->hash : GNUTLS_DIG_SHA256, 0), 0);
	return reimport(crt);
}

/* ---- the test PKI ---- */

enum key_id { K_ROOT1, K_ROOT1B, K_ROOT2, K_INT1, K_INT2, K_LEAF, K_OTHER,
	      K_RSA1024, K_COUNT };

enum cert_id {
	C_ROOT1,        /* CN=Test CA1, self-signed */
	C_ROOT1_REKEY,  /* CN=Test CA1 again, another key */
	C_ROOT2,        /* CN=Test CA2 */
	C_INT1,         /* CN=Test Int1, issued by ROOT1 */
	C_INT2,         /* CN=Test Int2, issued by INT1 */
	C_LEAF_INT2,    /* localhost, issued by INT2 */
	C_LEAF1,        /* localhost, issued by ROOT1 */
	C_LEAF_INT,     /* localhost, issued by INT1 */
	C_LEAF2,        /* localhost, issued by ROOT2 */
	C_LEAF_REKEY,   /* localhost, issued by ROOT1_REKEY */
	C_SELF,         /* localhost, self-signed */
	C_EXPIRED,      /* 2019 .. 2021 */
	C_NOTYET,       /* 2040 .. 2044 */
	C_WEAK,         /* RSA-1024 */
	C_SHA1,         /* ECDSA-SHA1 by ROOT1 */
	C_CLIENTAUTH,   /* EKU clientAuth only */
	C_NODE_B,       /* CN = NODE_B */
	C_NOT_CA,       /* issued by ROOT1, CA:FALSE */
	C_LEAF_NOT_CA,  /* issued by NOT_CA */
	C_NO_DIGSIG,    /* EC key, keyUsage keyEncipherment only */
	C_BAD_ALL,      /* expired, wrong name, issued by ROOT2 */
	C_EVIL,         /* CN with an escape sequence, self-signed */
	C_COUNT
};

static gnutls_x509_privkey_t keys[K_COUNT];
static gnutls_x509_crt_t certs[C_COUNT];
static char tmpdir[64];

static gnutls_x509_privkey_t make_key(bool rsa1024)
{
	gnutls_x509_privkey_t k;

	assert_int_equal(gnutls_x509_privkey_init(&k), 0);
	if (rsa1024)
		assert_int_equal(gnutls_x509_privkey_generate(k, GNUTLS_PK_RSA,
							      1024, 0), 0);
	else
		assert_int_equal(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
				 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
				 0), 0);
	return k;
}

#define LEAF(...) make_cert(&(struct spec){.dns = "localhost", \
	.ip = "127.0.0.1", .key = keys[K_LEAF], __VA_ARGS__})

static void build_pki(void)
{
	int i;

	for (i = 0; i < K_COUNT; i++)
		keys[i] = make_key(i == K_RSA1024);
	certs[C_ROOT1] = make_cert(&(struct spec){.cn = "Test CA1",
		.key = keys[K_ROOT1], .ca = true, .not_before = T2019});
	certs[C_ROOT1_REKEY] = make_cert(&(struct spec){.cn = "Test CA1",
		.key = keys[K_ROOT1B], .ca = true, .not_before = T2019});
	certs[C_ROOT2] = make_cert(&(struct spec){.cn = "Test CA2",
		.key = keys[K_ROOT2], .ca = true, .not_before = T2019});
	certs[C_INT1] = make_cert(&(struct spec){.cn = "Test Int1",
		.key = keys[K_INT1], .ca = true, .not_before = T2019,
		.issuer = certs[C_ROOT1], .issuer_key = keys[K_ROOT1]});
	certs[C_INT2] = make_cert(&(struct spec){.cn = "Test Int2",
		.key = keys[K_INT2], .ca = true, .not_before = T2019,
		.issuer = certs[C_INT1], .issuer_key = keys[K_INT1]});
	certs[C_LEAF_INT2] = LEAF(.cn = "localhost", .issuer = certs[C_INT2],
				  .issuer_key = keys[K_INT2]);
	certs[C_NOT_CA] = make_cert(&(struct spec){.cn = "Not A CA",
		.key = keys[K_OTHER], .issuer = certs[C_ROOT1],
		.issuer_key = keys[K_ROOT1], .not_before = T2019});
	certs[C_LEAF1] = LEAF(.cn = "localhost", .issuer = certs[C_ROOT1],
			      .issuer_key = keys[K_ROOT1]);
	certs[C_LEAF_INT] = LEAF(.cn = "localhost", .issuer = certs[C_INT1],
				 .issuer_key = keys[K_INT1]);
	certs[C_LEAF2] = LEAF(.cn = "localhost", .issuer = certs[C_ROOT2],
			      .issuer_key = keys[K_ROOT2]);
	certs[C_LEAF_REKEY] = LEAF(.cn = "localhost",
				   .issuer = certs[C_ROOT1_REKEY],
				   .issuer_key = keys[K_ROOT1B]);
	certs[C_SELF] = LEAF(.cn = "localhost");
	certs[C_EXPIRED] = LEAF(.cn = "localhost", .issuer = certs[C_ROOT1],
				.issuer_key = keys[K_ROOT1],
				.not_before = T2019, .not_after = T2021);
	certs[C_NOTYET] = LEAF(.cn = "localhost", .issuer = certs[C_ROOT1],
			       .issuer_key = keys[K_ROOT1], .not_before = T2040);
	certs[C_WEAK] = make_cert(&(struct spec){.cn = "localhost",
		.dns = "localhost", .key = keys[K_RSA1024],
		.issuer = certs[C_ROOT1], .issuer_key = keys[K_ROOT1]});
	certs[C_SHA1] = LEAF(.cn = "localhost", .issuer = certs[C_ROOT1],
			     .issuer_key = keys[K_ROOT1],
			     .hash = GNUTLS_DIG_SHA1);
	certs[C_CLIENTAUTH] = LEAF(.cn = "localhost", .issuer = certs[C_ROOT1],
				   .issuer_key = keys[K_ROOT1],
				   .eku = GNUTLS_KP_TLS_WWW_CLIENT);
	certs[C_NODE_B] = LEAF(.cn = NODE_B, .issuer = certs[C_ROOT1],
			       .issuer_key = keys[K_ROOT1]);
	certs[C_LEAF_NOT_CA] = LEAF(.cn = "localhost",
				    .issuer = certs[C_NOT_CA],
				    .issuer_key = keys[K_OTHER]);
	certs[C_NO_DIGSIG] = LEAF(.cn = "localhost", .issuer = certs[C_ROOT1],
				  .issuer_key = keys[K_ROOT1],
				  .key_usage = GNUTLS_KEY_KEY_ENCIPHERMENT);
	certs[C_BAD_ALL] = make_cert(&(struct spec){.cn = "old.test",
		.dns = "old.test", .key = keys[K_LEAF],
		.issuer = certs[C_ROOT2], .issuer_key = keys[K_ROOT2],
		.not_before = T2019, .not_after = T2021});
	certs[C_EVIL] = LEAF(.cn = EVIL_CN);
}

static int setup(void **state)
{
	(void)state;
	build_pki();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_cert.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	int i;

	(void)state;
	for (i = 0; i < C_COUNT; i++)
		gnutls_x509_crt_deinit(certs[i]);
	for (i = 0; i < K_COUNT; i++)
		gnutls_x509_privkey_deinit(keys[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- running a chain check ---- */

#define END (-1)
#define MAXC 8

struct expect_code {
	enum tp_code code;
	enum tp_severity severity;
};

struct chain_case {
	const char *name;
	int chain[MAXC];           /* cert ids, END-terminated */
	int trust[MAXC];
	const char *expect_name;
	const char *expect_id;
	enum tp_purpose purpose;
	struct expect_code codes[MAXC];  /* in any order; code 0 ends */
	const char *text;          /* a summary must contain it, or NULL */
};

#define E(c) {TP_##c, TP_SEV_ERROR}
#define W(c) {TP_##c, TP_SEV_WARNING}
#define NONE {{0, 0}}

/* Code 0 is DNS_FAILURE, which a chain check never reports: it ends. */
static const struct chain_case cases[] = {
	{"test_cert_good_chain", {C_LEAF1, END}, {C_ROOT1, END},
	 "localhost", NULL, TP_PURPOSE_SERVER, NONE, NULL},
	{"test_cert_good_chain_with_intermediate", {C_LEAF_INT, C_INT1, END},
	 {C_ROOT1, END}, "127.0.0.1", NULL, TP_PURPOSE_SERVER, NONE, NULL},
	{"test_cert_good_chain_with_root_sent",
	 {C_LEAF_INT, C_INT1, C_ROOT1, END}, {C_ROOT1, END}, "localhost",
	 NULL, TP_PURPOSE_SERVER, NONE, NULL},
	{"test_cert_intermediate_sent_and_trusted", {C_LEAF_INT, C_INT1, END},
	 {C_INT1, C_ROOT1, END}, NULL, NULL, TP_PURPOSE_SERVER, NONE, NULL},
	{"test_cert_self_signed", {C_SELF, END}, {C_ROOT1, END}, NULL, NULL,
	 TP_PURPOSE_SERVER, {E(SELF_SIGNED)}, "is self-signed"},
	{"test_cert_self_signed_but_trusted", {C_SELF, END}, {C_SELF, END},
	 NULL, NULL, TP_PURPOSE_SERVER, NONE, NULL},
	{"test_cert_unknown_ca", {C_LEAF2, END}, {C_ROOT1, END}, NULL, NULL,
	 TP_PURPOSE_SERVER, {E(UNKNOWN_CA)},
	 "the server sent only its certificate [0] CN=localhost; its issuer "
	 "CN=Test CA2 was not sent and is not among the 1 trusted CAs from "
	 "ca.pem"},
	{"test_cert_root_missing_intermediate_sent", {C_LEAF_INT, C_INT1, END},
	 {C_ROOT2, END}, NULL, NULL, TP_PURPOSE_SERVER, {E(UNKNOWN_CA)},
	 "issuer CN=Test CA1 of [1] CN=Test Int1 is not among the 1 trusted "
	 "CAs from ca.pem"},
	{"test_cert_extra_certificate_sent", {C_LEAF_INT, C_INT1, C_LEAF2, END},
	 {C_ROOT1, END}, NULL, NULL, TP_PURPOSE_SERVER, {W(CHAIN_ORDER)},
	 "[2] CN=localhost was sent but issues none of the other "
	 "certificates"},
	{"test_cert_unknown_root_sent", {C_LEAF2, C_ROOT2, END},
	 {C_ROOT1, END}, NULL, NULL, TP_PURPOSE_SERVER, {E(UNKNOWN_CA)},
	 "the chain ends at [1] CN=Test CA2"},
	{"test_cert_unknown_ca_same_name_other_key", {C_LEAF_REKEY, END},
	 {C_ROOT1, END}, NULL, NULL, TP_PURPOSE_SERVER, {E(UNKNOWN_CA)},
	 "same name, different key"},
	{"test_cert_missing_intermediate", {C_LEAF_INT, C_ROOT1, END},
	 {C_ROOT1, END}, NULL, NULL, TP_PURPOSE_SERVER,
	 {E(INCOMPLETE_CHAIN)},
	 "issuer CN=Test Int1 of [0] CN=localhost is missing from what was "
	 "sent ([0] CN=localhost, [1] CN=Test CA1)"},
	{"test_cert_missing_intermediate_in_the_middle",
	 {C_LEAF_INT2, C_INT2, C_ROOT1, END}, {C_ROOT1, END}, NULL, NULL,
	 TP_PURPOSE_SERVER, {E(INCOMPLETE_CHAIN)},
	 "issuer CN=Test Int1 of [1] CN=Test Int2 is missing from what was "
	 "sent"},
	{"test_cert_good_two_intermediates",
	 {C_LEAF_INT2, C_INT2, C_INT1, END}, {C_ROOT1, END}, "localhost",
	 NULL, TP_PURPOSE_SERVER, NONE, NULL},
	{"test_cert_intermediate_only_in_store", {C_LEAF_INT, END},
	 {C_ROOT1, C_INT1, END}, NULL, NULL, TP_PURPOSE_SERVER,
	 {W(INCOMPLETE_CHAIN)}, "trusted only through the intermediate "
	 "CN=Test Int1 from ca.pem"},
	{"test_cert_chain_order", {C_LEAF_INT, C_ROOT1, C_INT1, END},
	 {C_ROOT1, END}, NULL, NULL, TP_PURPOSE_SERVER, {W(CHAIN_ORDER)},
	 "certificate [1] CN=Test CA1 does not issue [0] CN=localhost; its "
	 "issuer was sent at position [2]"},
	{"test_cert_expired", {C_EXPIRED, END}, {C_ROOT1, END}, NULL, NULL,
	 TP_PURPOSE_SERVER, {E(CERT_EXPIRED)},
	 "[0] CN=localhost expired on 2021-01-01T00:00:00Z, 5 years 325 days "
	 "ago"},
	{"test_cert_not_yet_valid", {C_NOTYET, END}, {C_ROOT1, END}, NULL,
	 NULL, TP_PURPOSE_SERVER, {E(CERT_NOT_YET_VALID)},
	 "[0] CN=localhost becomes valid on 2040-01-01T00:00:00Z, in 13 years "
	 "40 days"},
	{"test_cert_name_mismatch_dns", {C_LEAF1, END}, {C_ROOT1, END},
	 "other.test", NULL, TP_PURPOSE_SERVER, {E(NAME_MISMATCH)},
	 "does not match the expected name other.test"},
	{"test_cert_name_mismatch_ip", {C_LEAF1, END}, {C_ROOT1, END},
	 "127.0.0.2", NULL, TP_PURPOSE_SERVER, {E(NAME_MISMATCH)},
	 "does not match the expected name 127.0.0.2"},
	{"test_cert_name_mismatch_ipv6", {C_LEAF1, END}, {C_ROOT1, END},
	 "::1", NULL, TP_PURPOSE_SERVER, {E(NAME_MISMATCH)}, NULL},
	{"test_cert_unique_id_mismatch", {C_NODE_B, END}, {C_ROOT1, END},
	 NULL, NODE_A, TP_PURPOSE_SERVER, {E(PEER_ID_MISMATCH)},
	 "certificate CN=" NODE_B " is not the expected unique ID " NODE_A},
	{"test_cert_unique_id_match", {C_NODE_B, END}, {C_ROOT1, END},
	 NULL, NODE_B, TP_PURPOSE_SERVER, NONE, NULL},
	{"test_cert_weak_key", {C_WEAK, END}, {C_ROOT1, END}, NULL, NULL,
	 TP_PURPOSE_SERVER, {W(WEAK_KEY)}, "has a 1024-bit RSA key"},
	{"test_cert_sha1_signature", {C_SHA1, END}, {C_ROOT1, END}, NULL,
	 NULL, TP_PURPOSE_SERVER, {E(WEAK_SIGNATURE)}, "ECDSA-SHA1"},
	{"test_cert_eku_client_only_for_server", {C_CLIENTAUTH, END},
	 {C_ROOT1, END}, NULL, NULL, TP_PURPOSE_SERVER, {E(BAD_KEY_USAGE)},
	 "holds clientAuth, not serverAuth"},
	{"test_cert_eku_client_only_for_client", {C_CLIENTAUTH, END},
	 {C_ROOT1, END}, NULL, NULL, TP_PURPOSE_CLIENT, NONE, NULL},
	{"test_cert_key_usage_without_digital_signature", {C_NO_DIGSIG, END},
	 {C_ROOT1, END}, NULL, NULL, TP_PURPOSE_SERVER, {E(BAD_KEY_USAGE)},
	 "without digitalSignature"},
	{"test_cert_issuer_not_a_ca", {C_LEAF_NOT_CA, C_NOT_CA, END},
	 {C_ROOT1, END}, NULL, NULL, TP_PURPOSE_SERVER, {E(BAD_KEY_USAGE)},
	 "[1] CN=Not A CA issues [0] CN=localhost but is not a CA"},
	{"test_cert_every_problem_reported", {C_BAD_ALL, END}, {C_ROOT1, END},
	 "localhost", NULL, TP_PURPOSE_SERVER,
	 {E(UNKNOWN_CA), E(CERT_EXPIRED), E(NAME_MISMATCH)}, NULL},
};

static bool summary_has(const struct tp_report *r, const char *text)
{
	size_t i;

	for (i = 0; i < r->n_findings; i++)
		if (r->findings[i].summary != NULL &&
		    strstr(r->findings[i].summary, text) != NULL)
			return true;
	return false;
}

static void print_findings(const struct tp_report *r)
{
	size_t i;

	for (i = 0; i < r->n_findings; i++)
		print_message("  found %s (%s): %s | %s\n",
			      tp_code_info(r->findings[i].code)->name,
			      tp_severity_name(r->findings[i].severity),
			      r->findings[i].summary,
			      r->findings[i].detail ? r->findings[i].detail : "");
}

/* The findings are exactly the expected codes and severities. */
static void assert_codes(const struct tp_report *r,
			 const struct expect_code *want, size_t n_want)
{
	bool used[64] = {false};
	size_t i, j, n = 0;

	for (i = 0; i < n_want && !(want[i].code == 0 && want[i].severity == 0);
	     i++)
		n++;
	if (r->n_findings != n)
		print_findings(r);
	assert_int_equal(r->n_findings, n);
	for (i = 0; i < n; i++) {
		for (j = 0; j < r->n_findings; j++)
			if (!used[j] && r->findings[j].code == want[i].code &&
			    r->findings[j].severity == want[i].severity)
				break;
		if (j == r->n_findings) {
			print_findings(r);
			fail_msg("missing %s (%s)", tp_code_info(want[i].code)->name,
				 tp_severity_name(want[i].severity));
		}
		used[j] = true;
	}
}

static size_t ids_to_certs(const int *ids, gnutls_x509_crt_t *out)
{
	size_t n = 0;

	while (n < MAXC && ids[n] != END) {
		out[n] = certs[ids[n]];
		n++;
	}
	return n;
}

static void run_case(void **state)
{
	const struct chain_case *tc = *state;
	gnutls_x509_crt_t chain[MAXC], cas[MAXC];
	struct tp_trust trust = {0};
	struct tp_chain_check check = {
		.role = "server certificate",
		.purpose = tc->purpose,
		.expect_name = tc->expect_name,
		.expect_id = tc->expect_id,
		.now = NOW,
		.side = TP_SIDE_SERVER,
		.sent_by_peer = true,
	};
	struct tp_report *r = tp_report_new("client");
	size_t n, i;
	int errors, counted = 0;

	assert_non_null(r);
	n = ids_to_certs(tc->chain, chain);
	trust.n_cas = (unsigned)ids_to_certs(tc->trust, cas);
	trust.cas = cas;
	trust.source = (char *)"ca.pem";
	errors = tp_cert_check_chain(r, chain, (unsigned)n, &trust, &check);
	assert_codes(r, tc->codes, MAXC);
	for (i = 0; i < r->n_findings; i++) {
		assert_int_equal(r->findings[i].side, TP_SIDE_SERVER);
		assert_non_null(r->findings[i].summary);
		assert_non_null(r->findings[i].detail);
		if (r->findings[i].severity == TP_SEV_ERROR)
			counted++;
	}
	assert_int_equal(errors, counted);
	assert_int_equal(r->n_certs, n);
	for (i = 0; i < n; i++)
		assert_int_equal(r->certs[i].position, (int)i);
	if (tc->text != NULL && !summary_has(r, tc->text)) {
		print_findings(r);
		fail_msg("no summary contains \"%s\"", tc->text);
	}
	tp_report_free(r);
}

/* ---- single cases ---- */

/* A chase_issuer that hands back the certificate arg names, or none. */
static gnutls_x509_crt_t chase_fixed(void *arg, gnutls_x509_crt_t crt,
				     const char **url)
{
	(void)crt;
	*url = "http://127.0.0.1:1/int.der";
	return arg;
}

/* The leaf alone, its chase giving issuer: the codes found. */
static struct tp_report *chase_run(gnutls_x509_crt_t issuer)
{
	gnutls_x509_crt_t chain[1] = {certs[C_LEAF_INT]}, cas[1];
	struct tp_trust trust = {.cas = cas, .n_cas = 1,
				 .source = (char *)"ca.pem"};
	struct tp_chain_check check = {
		.role = "server certificate",
		.purpose = TP_PURPOSE_SERVER,
		.now = NOW,
		.side = TP_SIDE_SERVER,
		.sent_by_peer = true,
		.chase_issuer = chase_fixed,
		.chase_arg = issuer,
	};
	struct tp_report *r = tp_report_new("client");

	assert_non_null(r);
	cas[0] = certs[C_ROOT1];
	tp_cert_check_chain(r, chain, 1, &trust, &check);
	return r;
}

/* The issuer fetched through AIA proves the intermediate missing; one
 * that did not issue the leaf, or none, proves nothing. */
static void test_cert_chased_issuer(void **state)
{
	static const struct expect_code incomplete[MAXC] = {
		E(INCOMPLETE_CHAIN)};
	static const struct expect_code unknown[MAXC] = {E(UNKNOWN_CA)};
	struct tp_report *r;

	(void)state;
	r = chase_run(certs[C_INT1]);
	assert_codes(r, incomplete, MAXC);
	if (!summary_has(r, "the intermediate CN=Test Int1 (SHA-256 ") ||
	    !summary_has(r, "http://127.0.0.1:1/int.der")) {
		print_findings(r);
		fail_msg("INCOMPLETE_CHAIN does not name the intermediate");
	}
	tp_report_free(r);
	r = chase_run(certs[C_INT2]);
	assert_codes(r, unknown, MAXC);
	tp_report_free(r);
	r = chase_run(NULL);
	assert_codes(r, unknown, MAXC);
	tp_report_free(r);
}

static void test_cert_describe(void **state)
{
	struct tp_cert_info info = {0};
	size_t i;

	(void)state;
	assert_int_equal(tp_cert_describe(certs[C_LEAF1], &info), 0);
	assert_string_equal(info.subject, "CN=localhost");
	assert_string_equal(info.issuer, "CN=Test CA1");
	assert_string_equal(info.not_before, "2024-01-01T00:00:00Z");
	assert_string_equal(info.not_after, "2044-01-01T00:00:00Z");
	assert_string_equal(info.key, "EC-SECP256R1");
	assert_string_equal(info.signature, "ECDSA-SHA256");
	assert_int_equal(info.n_san, 2);
	assert_string_equal(info.san[0], "DNS:localhost");
	assert_string_equal(info.san[1], "IP:127.0.0.1");
	assert_false(info.is_ca);
	assert_false(info.self_signed);
	assert_int_equal(strlen(info.sha256), 64);
	for (i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", info.sha256[i]));
	free(info.subject);
	free(info.issuer);
	free(info.signature);
	for (i = 0; i < info.n_san; i++)
		free(info.san[i]);
	free(info.san);

	memset(&info, 0, sizeof(info));
	assert_int_equal(tp_cert_describe(certs[C_ROOT1], &info), 0);
	assert_true(info.is_ca);
	assert_true(info.self_signed);
	free(info.subject);
	free(info.issuer);
	free(info.signature);

	memset(&info, 0, sizeof(info));
	assert_int_equal(tp_cert_describe(certs[C_WEAK], &info), 0);
	assert_string_equal(info.key, "RSA-1024");
	free(info.subject);
	free(info.issuer);
	free(info.signature);
	for (i = 0; i < info.n_san; i++)
		free(info.san[i]);
	free(info.san);
}

static void test_cert_describe_ipv6_san(void **state)
{
	gnutls_x509_crt_t crt;
	struct tp_cert_info info = {0};
	size_t i;

	(void)state;
	crt = make_cert(&(struct spec){.cn = "v6", .ip = "::1",
		.key = keys[K_LEAF], .issuer = certs[C_ROOT1],
		.issuer_key = keys[K_ROOT1]});
	assert_int_equal(tp_cert_describe(crt, &info), 0);
	assert_int_equal(info.n_san, 1);
	assert_string_equal(info.san[0], "IP:::1");
	free(info.subject);
	free(info.issuer);
	free(info.signature);
	for (i = 0; i < info.n_san; i++)
		free(info.san[i]);
	free(info.san);
	gnutls_x509_crt_deinit(crt);
}

/* A CN holding an escape sequence must never reach a view raw. */
static void test_cert_hostile_subject_sanitised(void **state)
{
	struct tp_trust trust = {.cas = &certs[C_ROOT1], .n_cas = 1,
				 .source = (char *)"ca.pem"};
	struct tp_chain_check check = {.role = "server certificate",
				       .now = NOW, .sent_by_peer = true};
	struct tp_report *r = tp_report_new("client");
	char *json;
	size_t i;

	(void)state;
	tp_cert_check_chain(r, &certs[C_EVIL], 1, &trust, &check);
	assert_int_equal(r->n_certs, 1);
	assert_null(strchr(r->certs[0].subject, '\x1b'));
	assert_non_null(strstr(r->certs[0].subject, "\\x1b[31m"));
	assert_true(tp_report_has(r, TP_SELF_SIGNED));
	for (i = 0; i < r->n_findings; i++) {
		assert_null(strchr(r->findings[i].summary, '\x1b'));
		assert_null(strchr(r->findings[i].detail, '\x1b'));
	}
	json = tp_report_to_json(r, 0);
	assert_non_null(json);
	assert_null(strchr(json, '\x1b'));
	assert_null(strstr(json, "\\u001b"));
	free(json);
	tp_report_free(r);
}

/* More than TP_CHAIN_MAX certificates: the rest are ignored, and said so. */
static void test_cert_long_chain_capped(void **state)
{
	gnutls_x509_crt_t chain[TP_CHAIN_MAX + 2];
	struct tp_trust trust = {.cas = &certs[C_ROOT1], .n_cas = 1,
				 .source = (char *)"ca.pem"};
	struct tp_chain_check check = {.now = NOW, .sent_by_peer = true};
	struct tp_report *r = tp_report_new("client");
	size_t i;

	(void)state;
	for (i = 0; i < TP_CHAIN_MAX + 2; i++)
		chain[i] = certs[C_LEAF2];
	tp_cert_check_chain(r, chain, TP_CHAIN_MAX + 2, &trust, &check);
	assert_int_equal(r->n_certs, TP_CHAIN_MAX);
	assert_true(tp_report_has(r, TP_UNKNOWN_CA));
	assert_non_null(strstr(r->findings[0].detail,
			       "only the first 16 of the 18 certificates"));
	tp_report_free(r);
}

static void test_cert_import_der_capped(void **state)
{
	gnutls_datum_t der[TP_CHAIN_MAX + 1], saved;
	gnutls_datum_t bad = {(unsigned char *)"\x30\x03xyz", 5};
	gnutls_x509_crt_t *chain;
	struct tp_error err = {0};
	unsigned count, i;

	(void)state;
	for (i = 0; i < TP_CHAIN_MAX + 1; i++)
		assert_int_equal(gnutls_x509_crt_export2(certs[C_LEAF1],
				 GNUTLS_X509_FMT_DER, &der[i]), 0);
	assert_int_equal(tp_cert_import_der(der, TP_CHAIN_MAX + 1, &chain,
					    &count, &err), 0);
	assert_int_equal(count, TP_CHAIN_MAX);
	assert_true(gnutls_x509_crt_equals(chain[0], certs[C_LEAF1]));
	tp_cert_free_chain(chain, count);
	saved = der[1];
	der[1] = bad;
	assert_int_equal(tp_cert_import_der(der, 2, &chain, &count, &err), -1);
	assert_int_equal(err.kind, TP_ERR_RUNTIME);
	assert_non_null(strstr(err.message, "[1]"));
	der[1] = saved;
	for (i = 0; i < TP_CHAIN_MAX + 1; i++)
		gnutls_free(der[i].data);
}

/* A certificate with more names than a report lists. */
static void test_cert_many_sans_capped(void **state)
{
	struct tp_trust trust = {.cas = &certs[C_ROOT1], .n_cas = 1,
				 .source = (char *)"ca.pem"};
	struct tp_chain_check check = {.now = NOW, .expect_name = "nowhere.test",
				       .sent_by_peer = true};
	struct tp_report *r = tp_report_new("client");
	gnutls_x509_crt_t crt;
	char name[32];
	int i;

	(void)state;
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_set_version(crt, 3), 0);
	assert_int_equal(gnutls_x509_crt_set_serial(crt, "\x7f", 1), 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(crt, T2024), 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(crt, T2044), 0);
	assert_int_equal(gnutls_x509_crt_set_dn_by_oid(crt,
			 GNUTLS_OID_X520_COMMON_NAME, 0, "many", 4), 0);
	assert_int_equal(gnutls_x509_crt_set_key(crt, keys[K_LEAF]), 0);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "n%d.test", i);
		assert_int_equal(gnutls_x509_crt_set_subject_alt_name(crt,
				 GNUTLS_SAN_DNSNAME, name, strlen(name),
				 GNUTLS_FSAN_APPEND), 0);
	}
	/* a name holding an escape sequence, after the cut-off */
	assert_int_equal(gnutls_x509_crt_set_subject_alt_name(crt,
			 GNUTLS_SAN_DNSNAME, "x\x1b[2J.test", 11,
			 GNUTLS_FSAN_APPEND), 0);
	assert_int_equal(gnutls_x509_crt_sign2(crt, certs[C_ROOT1],
			 keys[K_ROOT1], GNUTLS_DIG_SHA256, 0), 0);
	crt = reimport(crt);
	tp_cert_check_chain(r, &crt, 1, &trust, &check);
	assert_int_equal(r->n_certs, 1);
	assert_int_equal(r->certs[0].n_san, TP_SAN_MAX);
	assert_string_equal(r->certs[0].san[0], "DNS:n0.test");
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(r->findings[0].code, TP_NAME_MISMATCH);
	assert_non_null(strstr(r->findings[0].detail, "(37 more)"));
	assert_null(strchr(r->findings[0].detail, '\x1b'));
	tp_report_free(r);
	gnutls_x509_crt_deinit(crt);
}

static void test_cert_trust_describe_capped(void **state)
{
	gnutls_x509_crt_t cas[10];
	struct tp_trust trust = {.cas = cas, .n_cas = 10};
	char buf[1024] = "trusted: ";
	size_t i;

	(void)state;
	for (i = 0; i < 10; i++)
		cas[i] = certs[i % 2 ? C_ROOT2 : C_ROOT1];
	tp_cert_trust_describe(&trust, buf, sizeof(buf));
	assert_non_null(strstr(buf, "trusted: CN=Test CA1, CN=Test CA2"));
	assert_non_null(strstr(buf, "(2 more)"));
}

/* ---- files: loaders and tp_cert_run ---- */

static char *path_of(const char *name)
{
	/* enough slots that a case's paths all stay valid at once */
	static char buf[32][256];
	static int next;
	char *p = buf[next++ % 32];

	snprintf(p, 256, "%s/%s", tmpdir, name);
	return p;
}

static void write_file(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(path_of(name), "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_certs(const char *name, const int *ids)
{
	gnutls_datum_t d;
	char *all = NULL;
	size_t len = 0;

	for (; *ids != END; ids++) {
		assert_int_equal(gnutls_x509_crt_export2(certs[*ids],
				 GNUTLS_X509_FMT_PEM, &d), 0);
		all = realloc(all, len + d.size);
		assert_non_null(all);
		memcpy(all + len, d.data, d.size);
		len += d.size;
		gnutls_free(d.data);
	}
	write_file(name, all, len);
	free(all);
}

static void write_key(const char *name, gnutls_x509_privkey_t key)
{
	gnutls_datum_t d;

	assert_int_equal(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM,
						     &d), 0);
	write_file(name, d.data, d.size);
	gnutls_free(d.data);
}

static void write_der_cert(const char *name, int id)
{
	gnutls_datum_t d;

	assert_int_equal(gnutls_x509_crt_export2(certs[id], GNUTLS_X509_FMT_DER,
						 &d), 0);
	write_file(name, d.data, d.size);
	gnutls_free(d.data);
}

static void write_der_key(const char *name, gnutls_x509_privkey_t key,
			  const char *password)
{
	char buf[8192];
	size_t size = sizeof(buf);

	assert_int_equal(gnutls_x509_privkey_export_pkcs8(key,
			 GNUTLS_X509_FMT_DER, password, password == NULL
			 ? GNUTLS_PKCS_PLAIN : GNUTLS_PKCS_PBES2_AES_256, buf,
			 &size), 0);
	write_file(name, buf, size);
}

static void write_encrypted_key(const char *name, gnutls_x509_privkey_t key)
{
	char buf[8192];
	size_t size = sizeof(buf);

	assert_int_equal(gnutls_x509_privkey_export_pkcs8(key,
			 GNUTLS_X509_FMT_PEM, "secret", GNUTLS_PKCS_PBES2_AES_256,
			 buf, &size), 0);
	write_file(name, buf, size);
}

static void write_inputs(void)
{
	static const char garbage[] = "-----BEGIN CERTIFICATE-----\n"
		"MIIB!!this*is*not*base64!!\n-----END CERTIFICATE-----\n";
	static const char text[] = "hello, this is not a certificate\n";

	write_certs("leaf.pem", (int[]){C_LEAF1, END});
	write_certs("ca.pem", (int[]){C_ROOT1, END});
	write_key("leaf.key", keys[K_LEAF]);
	write_key("other.key", keys[K_OTHER]);
	write_file("empty.pem", "", 0);
	write_encrypted_key("encrypted.key", keys[K_LEAF]);
	write_certs("seventeen.pem", (int[]){C_LEAF1, C_LEAF1, C_LEAF1,
		C_LEAF1, C_LEAF1, C_LEAF1, C_LEAF1, C_LEAF1, C_LEAF1, C_LEAF1,
		C_LEAF1, C_LEAF1, C_LEAF1, C_LEAF1, C_LEAF1, C_LEAF1, C_LEAF1,
		END});
	write_file("garbage.pem", garbage, sizeof(garbage) - 1);
	write_file("text.pem", text, sizeof(text) - 1);
	write_der_cert("leaf.der", C_LEAF1);
	write_der_cert("ca.der", C_ROOT1);
	write_der_key("leaf.key.der", keys[K_LEAF], NULL);
	write_der_key("encrypted.key.der", keys[K_LEAF], "secret");
	/* a SEQUENCE that holds nothing either loader knows */
	write_file("junk.der", "\x30\x03\x02\x01\x05", 5);
}

struct usage_case {
	const char *cert, *key, *ca;   /* file names in tmpdir, or NULL */
	const char *bad;               /* the file the message must name */
	const char *words;             /* and what it must say */
};

static void test_cert_loader_usage_errors(void **state)
{
	static const struct usage_case uc[] = {
		{"missing.pem", NULL, "ca.pem", "missing.pem", "cannot read"},
		{"empty.pem", NULL, "ca.pem", "empty.pem", "empty file"},
		{"garbage.pem", NULL, "ca.pem", "garbage.pem", "base64"},
		{"text.pem", NULL, "ca.pem", "text.pem", "neither PEM"},
		{"leaf.key", NULL, "ca.pem", "leaf.key", "private key, not a"},
		{"leaf.pem", "leaf.pem", "ca.pem", "leaf.pem",
		 "holds a certificate, not a private key"},
		{"leaf.pem", "missing.key", "ca.pem", "missing.key", "cannot read"},
		{"leaf.pem", "empty.pem", "ca.pem", "empty.pem", "empty file"},
		{"leaf.pem", "text.pem", "ca.pem", "text.pem", "neither PEM"},
		{"leaf.pem", NULL, "missing.pem", "missing.pem", "cannot read"},
		{"leaf.pem", NULL, "empty.pem", "empty.pem", "empty file"},
		{"leaf.pem", NULL, "garbage.pem", "garbage.pem", "base64"},
		{"leaf.pem", NULL, "leaf.key", "leaf.key", "not a certificate"},
		{"leaf.pem", "encrypted.key", "ca.pem", "encrypted.key",
		 "the key is encrypted: give its password with "
		 "--password-file"},
		{"leaf.der", NULL, "leaf.key.der", "leaf.key.der",
		 "holds a private key (DER), not a certificate"},
		{"leaf.key.der", NULL, "ca.pem", "leaf.key.der",
		 "holds a private key (DER), not a certificate"},
		{"leaf.pem", "leaf.der", "ca.pem", "leaf.der",
		 "holds a certificate (DER), not a private key"},
		{"leaf.pem", "junk.der", "ca.pem", "junk.der",
		 "DER that does not parse as a private key"},
		{"junk.der", NULL, "ca.pem", "junk.der",
		 "DER that does not parse as an X.509 certificate"},
		{"seventeen.pem", NULL, "ca.pem", "seventeen.pem",
		 "holds 17 certificates"},
	};
	size_t i;

	(void)state;
	write_inputs();
	for (i = 0; i < sizeof(uc) / sizeof(uc[0]); i++) {
		struct tp_cert_opts o = {.now = NOW};
		struct tp_error err = {0};
		struct tp_report *r = tp_report_new("cert");

		o.cert_file = path_of(uc[i].cert);
		o.key_file = uc[i].key ? path_of(uc[i].key) : NULL;
		o.ca_file = path_of(uc[i].ca);
		assert_int_equal(tp_cert_run(&o, r, &err), -1);
		if (err.kind != TP_ERR_USAGE ||
		    strstr(err.message, path_of(uc[i].bad)) == NULL ||
		    strstr(err.message, uc[i].words) == NULL)
			fail_msg("case %zu: kind %d, message \"%s\"", i,
				 err.kind, err.message);
		assert_null(strchr(err.message, '\n'));
		/* nothing is analysed before every input has loaded */
		assert_int_equal(r->n_findings, 0);
		assert_int_equal(r->n_certs, 0);
		tp_report_free(r);
	}
}

static void test_cert_loaders_direct(void **state)
{
	gnutls_x509_crt_t *chain;
	gnutls_x509_privkey_t key;
	struct tp_error err = {0};
	struct tp_trust *t;
	unsigned n;

	(void)state;
	write_inputs();
	assert_int_equal(tp_cert_load_chain(path_of("leaf.pem"), NULL, &chain,
					    &n, NULL, &err), 0);
	assert_int_equal(n, 1);
	tp_cert_free_chain(chain, n);
	assert_int_equal(tp_cert_load_key(path_of("leaf.key"), NULL, &key,
					  &err), 0);
	gnutls_x509_privkey_deinit(key);
	t = tp_cert_trust_load(path_of("ca.pem"), &err);
	assert_non_null(t);
	assert_int_equal(t->n_cas, 1);
	assert_string_equal(t->source, path_of("ca.pem"));
	assert_non_null(t->list);
	tp_cert_trust_free(t);
	assert_int_equal(err.kind, TP_ERR_NONE);

	assert_null(tp_cert_trust_load(path_of("garbage.pem"), &err));
	assert_int_equal(err.kind, TP_ERR_USAGE);
	assert_non_null(strstr(err.message, "--ca "));
	tp_error_clear(&err);
	assert_int_equal(tp_cert_load_key(path_of("leaf.pem"), NULL, &key,
					  &err), -1);
	assert_non_null(strstr(err.message, "holds a certificate, not a "
			       "private key"));
	tp_error_clear(&err);
	tp_cert_trust_free(NULL);
}

/* A password source for the tests: the string it was given, or none. */
static int test_password(void *arg, const char *path, char *buf, size_t size)
{
	(void)path;
	if (arg == NULL)
		return -1;
	snprintf(buf, size, "%s", (const char *)arg);
	return 0;
}

/* DER certificates and keys load as their PEM forms do: told by
 * content, never by name. */
static void test_cert_loaders_der(void **state)
{
	struct tp_password pw = {test_password, (void *)"secret"};
	gnutls_x509_crt_t *chain = NULL;
	gnutls_x509_privkey_t key = NULL, bundled = NULL;
	struct tp_error err = {0};
	struct tp_trust *t;
	unsigned n = 0;

	(void)state;
	write_inputs();
	assert_int_equal(tp_cert_load_chain(path_of("leaf.der"), NULL, &chain,
					    &n, &bundled, &err), 0);
	assert_int_equal(n, 1);
	assert_null(bundled);
	assert_int_equal(gnutls_x509_crt_equals(chain[0], certs[C_LEAF1]), 1);
	tp_cert_free_chain(chain, n);
	assert_int_equal(tp_cert_load_key(path_of("leaf.key.der"), NULL, &key,
					  &err), 0);
	gnutls_x509_privkey_deinit(key);
	assert_int_equal(tp_cert_load_key(path_of("encrypted.key.der"), &pw,
					  &key, &err), 0);
	gnutls_x509_privkey_deinit(key);
	assert_int_equal(tp_cert_load_key(path_of("encrypted.key"), &pw, &key,
					  &err), 0);
	gnutls_x509_privkey_deinit(key);
	t = tp_cert_trust_load(path_of("ca.der"), &err);
	assert_non_null(t);
	assert_int_equal(t->n_cas, 1);
	tp_cert_trust_free(t);
	assert_int_equal(err.kind, TP_ERR_NONE);
}

/* An encrypted key: no password, and a wrong one, are each one usage
 * error naming the file. */
static void test_cert_encrypted_key_password(void **state)
{
	struct tp_password none = {test_password, NULL};
	struct tp_password wrong = {test_password, (void *)"not it"};
	gnutls_x509_privkey_t key = NULL;
	struct tp_error err = {0};

	(void)state;
	write_inputs();
	assert_int_equal(tp_cert_load_key(path_of("encrypted.key.der"), &none,
					  &key, &err), -1);
	assert_int_equal(err.kind, TP_ERR_USAGE);
	assert_non_null(strstr(err.message, "the key is encrypted"));
	assert_non_null(strstr(err.message, path_of("encrypted.key.der")));
	tp_error_clear(&err);
	assert_int_equal(tp_cert_load_key(path_of("encrypted.key"), &wrong,
					  &key, &err), -1);
	assert_int_equal(err.kind, TP_ERR_USAGE);
	assert_non_null(strstr(err.message, "wrong password"));
	assert_non_null(strstr(err.message, path_of("encrypted.key")));
	assert_null(key);
}

static void test_cert_system_store(void **state)
{
	struct tp_error err = {0};
	struct tp_trust *t;

	(void)state;
	t = tp_cert_trust_load(NULL, &err);
	if (t == NULL)
		fail_msg("system store: %s", err.message);
	assert_string_equal(t->source, "system store");
	tp_cert_trust_free(t);
}

static void test_cert_key_mismatch(void **state)
{
	struct tp_cert_opts o = {.now = NOW, .expect_name = "localhost"};
	struct tp_error err = {0};
	struct tp_report *r = tp_report_new("cert");
	size_t i;

	(void)state;
	write_inputs();
	o.cert_file = path_of("leaf.pem");
	o.key_file = path_of("other.key");
	o.ca_file = path_of("ca.pem");
	assert_int_equal(tp_cert_run(&o, r, &err), 0);
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(r->findings[0].code, TP_KEY_MISMATCH);
	assert_int_equal(r->findings[0].side, TP_SIDE_LOCAL);
	assert_non_null(strstr(r->findings[0].summary, path_of("other.key")));
	assert_non_null(strstr(r->findings[0].summary, path_of("leaf.pem")));
	tp_report_free(r);

	/* the right key: nothing to report, and the findings are local */
	r = tp_report_new("cert");
	o.key_file = path_of("leaf.key");
	o.expect_name = "other.test";
	assert_int_equal(tp_cert_run(&o, r, &err), 0);
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(r->findings[0].code, TP_NAME_MISMATCH);
	assert_int_equal(r->findings[0].side, TP_SIDE_LOCAL);
	for (i = 0; i < r->n_certs; i++)
		assert_int_equal(r->certs[i].position, (int)i);
	tp_report_free(r);
}

/* One judgement of key sizes and signature hashes for every probe. */
static void test_cert_strength_severity(void **state)
{
	static const struct {
		int pk;
		unsigned bits;
		int sev;
	} sizes[] = {
		{GNUTLS_PK_RSA, 512, TP_SEV_ERROR},
		{GNUTLS_PK_RSA, 1023, TP_SEV_ERROR},
		{GNUTLS_PK_RSA, 1024, TP_SEV_WARNING},
		{GNUTLS_PK_RSA_PSS, 2047, TP_SEV_WARNING},
		{GNUTLS_PK_RSA, 2048, -1},
		{GNUTLS_PK_DSA, 1024, TP_SEV_WARNING},
		{GNUTLS_PK_ECDSA, 192, TP_SEV_ERROR},
		{GNUTLS_PK_ECDSA, 224, TP_SEV_WARNING},
		{GNUTLS_PK_ECDSA, 256, -1},
		{GNUTLS_PK_EDDSA_ED25519, 256, -1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		assert_int_equal(tp_cert_key_severity(sizes[i].pk, sizes[i].bits),
				 sizes[i].sev);
	assert_int_equal(tp_cert_signature_severity(GNUTLS_DIG_SHA1, false),
			 TP_SEV_ERROR);
	assert_int_equal(tp_cert_signature_severity(GNUTLS_DIG_MD5, false),
			 TP_SEV_ERROR);
	assert_int_equal(tp_cert_signature_severity(GNUTLS_DIG_SHA1, true), -1);
	assert_int_equal(tp_cert_signature_severity(GNUTLS_DIG_SHA256, false),
			 -1);
}

/* The command line's words, as the front end names options. */
static void flag_words(const char *key, char *out, size_t size)
{
	snprintf(out, size, "--%s", key);
}

int main(void)
{
	static const struct CMUnitTest singles[] = {
		cmocka_unit_test(test_cert_describe),
		cmocka_unit_test(test_cert_describe_ipv6_san),
		cmocka_unit_test(test_cert_hostile_subject_sanitised),
		cmocka_unit_test(test_cert_long_chain_capped),
		cmocka_unit_test(test_cert_import_der_capped),
		cmocka_unit_test(test_cert_many_sans_capped),
		cmocka_unit_test(test_cert_trust_describe_capped),
		cmocka_unit_test(test_cert_loader_usage_errors),
		cmocka_unit_test(test_cert_loaders_direct),
		cmocka_unit_test(test_cert_loaders_der),
		cmocka_unit_test(test_cert_encrypted_key_password),
		cmocka_unit_test(test_cert_system_store),
		cmocka_unit_test(test_cert_key_mismatch),
		cmocka_unit_test(test_cert_strength_severity),
		cmocka_unit_test(test_cert_chased_issuer),
	};
	enum { N_CASES = sizeof(cases) / sizeof(cases[0]),
	       N_SINGLES = sizeof(singles) / sizeof(singles[0]) };
	struct CMUnitTest tests[N_CASES + N_SINGLES];
	size_t i;

	for (i = 0; i < N_CASES; i++)
		tests[i] = (struct CMUnitTest){.name = cases[i].name,
					       .test_func = run_case,
					       .initial_state = (void *)&cases[i]};
	for (i = 0; i < N_SINGLES; i++)
		tests[N_CASES + i] = singles[i];
	tp_error_set_namer(flag_words);
	return _cmocka_run_group_tests("cert", tests, N_CASES + N_SINGLES,
				       setup, teardown);
}
