/*
 * Fuzz target of the diagnosis of a failed handshake from what the peer
 * sent (tp_diag_tls_failure, diag.c): the first bytes of a peer that
 * does not speak TLS (named by tp_diag_guess_protocol for NOT_TLS), the
 * alert it sent, the messages and CA names it showed. Whatever they
 * are, the findings stay sanitised and the report renders cleanly.
 *
 * Input: a flags byte, the alert (0xff: none), a GnuTLS status (an index
 * into a table), then fields each a length byte and its bytes: the first
 * bytes received, the last message in, the last out, the version and
 * the suite of the ServerHello, then CA names asked for.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "starttls.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int statuses[] = {
	0,
	GNUTLS_E_PREMATURE_TERMINATION,
	GNUTLS_E_UNEXPECTED_PACKET_LENGTH,
	GNUTLS_E_FATAL_ALERT_RECEIVED,
	GNUTLS_E_UNSUPPORTED_VERSION_PACKET,
	GNUTLS_E_NO_CIPHER_SUITES,
	GNUTLS_E_UNKNOWN_CIPHER_SUITE,
	GNUTLS_E_NO_COMMON_KEY_SHARE,
	GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM,
	GNUTLS_E_KEY_USAGE_VIOLATION,
	GNUTLS_E_PUSH_ERROR,
	GNUTLS_E_PULL_ERROR,
	GNUTLS_E_TIMEDOUT,
	GNUTLS_E_UNEXPECTED_PACKET,
	GNUTLS_E_CERTIFICATE_ERROR,
	GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR,
};

/* The next field into buf (at most size - 1 bytes, NUL-terminated);
 * the bytes it holds. */
static size_t field(const uint8_t **p, size_t *left, void *buf, size_t size,
		    bool text)
{
	size_t n;

	if (*left == 0) {
		((char *)buf)[0] = '\0';
		return 0;
	}
	n = **p;
	(*p)++;
	(*left)--;
	if (n > *left)
		n = *left;
	if (n > size - (text ? 1 : 0))
		n = size - (text ? 1 : 0);
	memcpy(buf, *p, n);
	if (text)
		((char *)buf)[n] = '\0';
	*p += n;
	*left -= n;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tp_tls_obs o;
	struct tp_diag_ctx ctx = {
		.remote = "127.0.0.1:4433",
		.sni = "node1.test",
		.priority = "NORMAL",
		.offered_versions = "TLS1.3, TLS1.2",
		.offered_suites = "17 cipher suites",
		.our_subject = "(none)",
		.our_issuer = "(none)",
		.timeout_ms = 10000,
		.first_mss = 1460,
		.retry_mss = 536,
	};
	struct tp_report *r;
	const char *proto;
	uint8_t flags;
	size_t left, i;
	const uint8_t *p;
	char *s;

	if (size < 3)
		return 0;
	memset(&o, 0, sizeof(o));
	flags = data[0];
	o.eof = flags & 1;
	o.timed_out = flags & 2;
	o.saw_server_hello = flags & 4;
	o.saw_server_cert = flags & 8;
	o.cert_requested = flags & 16;
	o.sent_cert = flags & 32;
	o.handshake_done = flags & 64;
	if (flags & 128)
		ctx.starttls = "smtp";
	o.alert_in = data[1] == 0xff ? -1 : data[1];
	o.status = statuses[data[2] % (sizeof(statuses) / sizeof(statuses[0]))];
	o.recv_errno = data[2] & 0x80 ? 104 /* ECONNRESET */ : 0;
	o.stalled_ms = 10000;
	p = data + 3;
	left = size - 3;
	o.first_in_len = field(&p, &left, o.first_in, sizeof(o.first_in),
			       false);
	o.bytes_in = o.first_in_len;
	field(&p, &left, o.last_in, sizeof(o.last_in), true);
	field(&p, &left, o.last_out, sizeof(o.last_out), true);
	field(&p, &left, o.hello_version, sizeof(o.hello_version), true);
	field(&p, &left, o.hello_cipher, sizeof(o.hello_cipher), true);
	while (left > 0 && o.n_req_cas < TP_TLS_MAX_REQ_CAS) {
		field(&p, &left, o.req_cas[o.n_req_cas],
		      sizeof(o.req_cas[0]), true);
		o.n_req_cas++;
	}
	/* the guess alone: a --starttls protocol only with a name */
	if (tp_diag_guess_protocol(o.first_in, o.first_in_len, &proto) ==
	    NULL && proto != NULL)
		abort();
	r = tp_report_new("client");
	if (r == NULL)
		abort();
	tp_report_add_standard_stages(r);
	tp_diag_tls_failure(r, &o, &ctx);
	for (i = 0; i < r->n_findings; i++) {
		fuzz_check_text(r->findings[i].summary);
		fuzz_check_text(r->findings[i].detail);
		fuzz_check_text(r->findings[i].fix);
	}
	s = tp_report_to_text(r, TP_RENDER_VERBOSE);
	fuzz_check_text(s);
	free(s);
	s = tp_report_to_json(r, 0);
	fuzz_check_json(s);
	free(s);
	tp_report_free(r);
	return 0;
}
