/*
 * Fuzz target of the certificates a peer sends, as the probes read them:
 * the input is a Certificate handshake body (a 3-byte list of 3-byte
 * DER entries, RFC 5246 section 7.4.2), or else one bare DER
 * certificate. The DER goes through tp_cert_import_der, and a chain that
 * imports is described (as the scanner does its leaf) and checked as the
 * client checks a server's chain, against a fixed CA and a fixed clock.
 * The report then renders as text and JSON, sanitised.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "cert.h"
#include "wire.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A CA of our own for the trust store: the seeds' chains end at it. */
static const char ca_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBWDCB/6ADAgECAgEBMAoGCCqGSM49BAMCMBQxEjAQBgNVBAMTCWZ1enogcm9v\n"
	"dDAeFw0yNjAxMDEwMDAwMDBaFw0zNjAxMDEwMDAwMDBaMBQxEjAQBgNVBAMTCWZ1\n"
	"enogcm9vdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABBFQbz7p7quB3SHevlvH\n"
	"E6mFDaqWMX4/MpVjhAQMUmziGtQj61kYipvjQN/1dFJnCj0jPhiSN7Vfw252z3DK\n"
	"0uSjQjBAMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQW\n"
	"BBTXkdiNl32bgRPDxP2d0TN2K8ZfxDAKBggqhkjOPQQDAgNIADBFAiBf3D1Knyv4\n"
	"MiAbRWzodBMt3VGZ622yM1WnWveErs+BkAIhALZ8XqfcrMY8n/LTDAS7v2mWp04m\n"
	"OOQwhZYudV7JmZzl\n"
	"-----END CERTIFICATE-----\n";

/* 2026-06-01: inside the seeds' validity, so dates are checked both
 * ways by what the fuzzer makes of them. */
#define NOW ((time_t)1780272000)

static struct tp_trust *trust(void)
{
	static struct tp_trust *t;
	gnutls_datum_t d = {(unsigned char *)ca_pem, sizeof(ca_pem) - 1};

	if (t != NULL)
		return t;
	t = calloc(1, sizeof(*t));
	if (t == NULL || gnutls_x509_trust_list_init(&t->list, 0) < 0 ||
	    gnutls_x509_crt_list_import2(&t->cas, &t->n_cas, &d,
					 GNUTLS_X509_FMT_PEM, 0) < 0 ||
	    (t->source = strdup("fuzz-ca.pem")) == NULL)
		abort();
	return t;
}

static void render(const struct tp_report *r)
{
	char *s;

	s = tp_report_to_text(r, 0);
	fuzz_check_text(s);
	free(s);
	s = tp_report_to_json(r, 0);
	fuzz_check_json(s);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *der[TP_CHAIN_MAX + 1];
	size_t der_len[TP_CHAIN_MAX + 1];
	gnutls_datum_t list[TP_CHAIN_MAX + 1];
	struct tp_chain_check check = {
		.role = "server certificate",
		.purpose = TP_PURPOSE_SERVER,
		.expect_name = "node1.test",
		.now = NOW,
		.side = TP_SIDE_SERVER,
		.sent_by_peer = true,
		.weak_hash_refusal = "GnuTLS with priority 'NORMAL'",
	};
	struct tp_error err = {0};
	struct tp_report *r;
	gnutls_x509_crt_t *chain = NULL;
	unsigned count = 0, i;
	int n;

	n = tp_wire_parse_certificate(data, size, der, der_len,
				      TP_CHAIN_MAX + 1);
	if (n <= 0) {
		der[0] = data;
		der_len[0] = size;
		n = 1;
	}
	if (n > TP_CHAIN_MAX + 1)
		n = TP_CHAIN_MAX + 1;
	for (i = 0; i < (unsigned)n; i++) {
		list[i].data = (unsigned char *)der[i];
		list[i].size = (unsigned)der_len[i];
	}
	if (tp_cert_import_der(list, (unsigned)n, &chain, &count, &err) < 0) {
		if (err.kind == TP_ERR_NONE || chain != NULL || count != 0)
			abort();
		return 0;
	}
	if (count == 0 || count > TP_CHAIN_MAX)
		abort();
	r = tp_report_new("client");
	if (r == NULL)
		abort();
	/* the scanner's view: the leaf alone, described */
	{
		struct tp_cert_info info;

		memset(&info, 0, sizeof(info));
		if (tp_cert_describe(chain[0], &info) == 0) {
			fuzz_check_text(info.subject);
			fuzz_check_text(info.issuer);
			fuzz_check_text(info.signature);
			for (i = 0; i < info.n_san; i++)
				fuzz_check_text(info.san[i]);
		}
		tp_cert_info_clear(&info);
	}
	tp_cert_check_chain(r, chain, count, trust(), &check);
	if (r->n_certs > count)
		abort();
	render(r);
	tp_report_free(r);
	tp_cert_free_chain(chain, count);
	return 0;
}
