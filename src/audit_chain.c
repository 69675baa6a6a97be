/*
 * The audit's checks of the chain as sent: AIA chasing of a missing
 * issuer, Certificate Transparency. Each makes one GnuTLS handshake
 * that asks for everything these checks read: the chain, a stapled OCSP
 * response and the signed_certificate_timestamp extension.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "aia.h"
#include "audit.h"
#include "cert.h"
#include "net.h"

/* RFC 6962 section 3.3: the X.509v3 extension, the TLS extension, the
 * OCSP single extension. */
#define SCT_CERT_OID "1.3.6.1.4.1.11129.2.4.2"
#define SCT_TLS_EXT 18
#define SCT_MAX 4096            /* an SCT list of a few logs: far less */

/* What one handshake showed. */
struct seen {
	gnutls_datum_t chain[TP_CHAIN_MAX];   /* copies, leaf first */
	unsigned n;
	gnutls_datum_t staple;                /* a copy, or empty */
	unsigned char sct[SCT_MAX];           /* the TLS extension's data */
	size_t sct_len;
	bool sct_sent;                        /* the server sent it */
	bool sct_asked;                       /* we could ask for it */
	char version[16];
};

static void seen_free(struct seen *v)
{
	unsigned i;

	for (i = 0; i < v->n; i++)
		gnutls_free(v->chain[i].data);
	gnutls_free(v->staple.data);
	memset(v, 0, sizeof(*v));
}

/* An empty signed_certificate_timestamp extension asks for SCTs. */
static int sct_send(gnutls_session_t s, gnutls_buffer_t ext)
{
	(void)s;
	(void)ext;
	return GNUTLS_E_INT_RET_0;
}

static int sct_recv(gnutls_session_t s, const unsigned char *data, size_t len)
{
	struct seen *v = gnutls_session_get_ptr(s);

	v->sct_sent = true;
	v->sct_len = len < sizeof(v->sct) ? len : sizeof(v->sct);
	memcpy(v->sct, data, v->sct_len);
	return 0;
}

static int copy_datum(gnutls_datum_t *to, const gnutls_datum_t *from)
{
	to->data = gnutls_malloc(from->size ? from->size : 1);
	if (to->data == NULL)
		return -1;
	memcpy(to->data, from->data, from->size);
	to->size = from->size;
	return 0;
}

/* Copies what the finished handshake of s showed into v. */
static void keep(gnutls_session_t s, struct seen *v)
{
	const gnutls_datum_t *peers;
	gnutls_datum_t staple = {NULL, 0};
	unsigned n = 0, i;

	peers = gnutls_certificate_get_peers(s, &n);
	for (i = 0; peers != NULL && i < n && v->n < TP_CHAIN_MAX; i++)
		if (copy_datum(&v->chain[v->n], &peers[i]) == 0)
			v->n++;
	if (gnutls_ocsp_status_request_get(s, &staple) == 0 && staple.size > 0)
		copy_datum(&v->staple, &staple);
	snprintf(v->version, sizeof(v->version), "%s",
		 gnutls_protocol_get_name(gnutls_protocol_get_version(s)));
}

/*
 * One handshake with the audited server, no verification: TLS 1.2 at
 * most when the server speaks it, so that the SCT extension comes in
 * the ServerHello where GnuTLS hands it over (in TLS 1.3 it rides in
 * the Certificate message, which GnuTLS does not pass on). 0 and v, or
 * -1 and why.
 */
static int handshake(struct tp_audit *a, struct seen *v, char *why,
		     size_t why_len)
{
	const char *prio = tp_audit_speaks(a, 0x0303)
		? "NORMAL:-VERS-TLS1.3:%COMPAT"
		: "NORMAL:+VERS-TLS1.1:+VERS-TLS1.0:%COMPAT";
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	double deadline;
	int fd = -1, rc = -1;

	memset(v, 0, sizeof(*v));
	if (tp_audit_connect(a, &fd, why, why_len) < 0)
		return -1;
	deadline = tp_audit_step(a);
	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0 ||
	    gnutls_priority_set_direct(s, prio, NULL) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0) {
		snprintf(why, why_len, "GnuTLS could not set up a session");
		goto out;
	}
	if (a->sni != NULL)
		gnutls_server_name_set(s, GNUTLS_NAME_DNS, a->sni,
				       strlen(a->sni));
	gnutls_ocsp_status_request_enable_client(s, NULL, 0, NULL);
	gnutls_session_set_ptr(s, v);
	v->sct_asked = gnutls_session_ext_register(s,
		"signed_certificate_timestamp", SCT_TLS_EXT, GNUTLS_EXT_TLS,
		sct_recv, sct_send, NULL, NULL, NULL,
		GNUTLS_EXT_FLAG_CLIENT_HELLO |
		GNUTLS_EXT_FLAG_TLS12_SERVER_HELLO) == 0;
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, (unsigned)(deadline - tp_now_ms()) + 1);
	rc = tp_audit_handshake(a, s, fd, deadline, TP_AUDIT_WARNINGS);
	if (rc < 0) {
		snprintf(why, why_len, "the handshake with %s failed: %s",
			 a->where, rc == GNUTLS_E_TIMEDOUT ? "no answer in "
			 "time" : gnutls_strerror(rc));
		rc = -1;
		goto out;
	}
	keep(s, v);
	rc = v->n > 0 ? 0 : -1;
	if (rc < 0)
		snprintf(why, why_len, "%s sent no certificate", a->where);
out:
	if (s != NULL)
		gnutls_deinit(s);
	if (cred != NULL)
		gnutls_certificate_free_credentials(cred);
	tp_audit_close(a, fd);
	return rc;
}

/* handshake, or the check's result when it fails: whether v is filled. */
static bool handshake_or_unknown(struct tp_audit *a, struct seen *v)
{
	char why[512];

	if (handshake(a, v, why, sizeof(why)) == 0)
		return true;
	tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE, "%s", why);
	return false;
}

/* ---- AIA ---- */

/* Copies f, whose text a report's setters made safe already (a setter
 * would escape it twice), into the audit's report. */
static void copy_finding(struct tp_report *r, const struct tp_finding *f)
{
	struct tp_finding *to = tp_report_finding(r, f->code, "%s", "");

	if (to == NULL)
		return;
	to->severity = f->severity;
	to->side = f->side;
	free(to->summary);
	to->summary = f->summary ? strdup(f->summary) : NULL;
	free(to->detail);
	to->detail = f->detail ? strdup(f->detail) : NULL;
	free(to->fix);
	to->fix = f->fix ? strdup(f->fix) : NULL;
}

/* The chain checks' verdict in scratch, as the aia check's result. */
static void aia_verdict(struct tp_audit *a, const struct tp_report *scratch,
			const struct tp_aia *x, const char *last)
{
	const struct tp_finding *incomplete = NULL;
	bool untrusted = false;
	size_t i;

	for (i = 0; i < scratch->n_findings; i++) {
		const struct tp_finding *f = &scratch->findings[i];

		if (f->code == TP_INCOMPLETE_CHAIN && incomplete == NULL)
			incomplete = f;
		if (f->code == TP_UNKNOWN_CA || f->code == TP_SELF_SIGNED)
			untrusted = true;
	}
	if (incomplete != NULL)
		copy_finding(a->r, incomplete);
	if (x->outcome == TP_AIA_FOUND && incomplete != NULL)
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NONE,
				"the chain is incomplete: the issuer of %s was "
				"not sent; %s (SHA-256 %s), fetched from %s, "
				"completes it to a trusted CA "
				"(INCOMPLETE_CHAIN)", last, x->subject,
				x->sha256, x->url);
	else if (x->outcome == TP_AIA_FOUND)
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"the issuer of %s was not sent; %s (SHA-256 "
				"%s), fetched from %s, issued it, but no "
				"trusted CA issued that one: a missing "
				"intermediate cannot be told from an untrusted "
				"root", last, x->subject, x->sha256, x->url);
	else if (x->outcome == TP_AIA_FAILED)
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"the chain stops at %s, whose issuer was not "
				"sent; %s", last, x->why);
	else if (x->outcome == TP_AIA_NO_URL)
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"the chain stops at %s, whose issuer was not "
				"sent, but %s: nothing to chase, and browsers "
				"fail as well", last, x->why);
	else if (incomplete != NULL)
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NONE,
				"the chain is incomplete, trusted only through "
				"an intermediate in the trust store "
				"(INCOMPLETE_CHAIN); nothing to fetch");
	else if (untrusted)
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"nothing to chase: the chain ends at %s, "
				"self-signed or issued by an untrusted root "
				"(see tlsprobe client)", last);
	else
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"the chain is complete: %u certificate%s sent, "
				"ending at %s, leads to a trusted CA; nothing "
				"to chase", (unsigned)scratch->n_certs,
				scratch->n_certs == 1 ? "" : "s", last);
}

/*
 * Checks the chain as sent with cert.c's chain checks, which fetch the
 * issuer of a chain that stops short (tp_aia_chase) and decide
 * INCOMPLETE_CHAIN; of their findings only that one is the audit's.
 */
void tp_audit_aia(struct tp_audit *a)
{
	struct tp_aia x = {.stop = a->o->ciphers.stop};
	struct tp_chain_check check = {
		.role = "server certificate",
		.purpose = TP_PURPOSE_SERVER,
		.side = TP_SIDE_SERVER,
		.sent_by_peer = true,
		.chase_issuer = tp_aia_chase,
		.chase_arg = &x,
	};
	struct tp_error err = {0};
	struct tp_report *scratch = NULL;
	struct tp_trust *trust = NULL;
	gnutls_x509_crt_t *chain = NULL;
	char dn[256], last[300];
	unsigned n = 0;
	struct seen v;

	if (!handshake_or_unknown(a, &v))
		return;
	trust = tp_cert_trust_load(a->o->ca_file, &err);
	scratch = tp_report_new("audit");
	if (trust == NULL || scratch == NULL ||
	    tp_cert_import_der(v.chain, v.n, &chain, &n, &err) < 0) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"the chain could not be checked: %s",
				err.raw[0] ? err.raw : "out of memory");
		goto out;
	}
	x.deadline = tp_audit_step(a);
	tp_cert_dn(chain[n - 1], false, dn, sizeof(dn));
	snprintf(last, sizeof(last), "[%u] %s", n - 1, dn);
	tp_cert_check_chain(scratch, chain, n, trust, &check);
	aia_verdict(a, scratch, &x, last);
out:
	tp_aia_clear(&x);
	tp_cert_free_chain(chain, n);
	tp_report_free(scratch);
	tp_cert_trust_free(trust);
	seen_free(&v);
}

/* ---- Certificate Transparency ---- */

/* The SCTs found in one place. */
struct sct_place {
	const char *where;      /* "embedded in the certificate" */
	unsigned count;
	bool malformed;
	char logs[400];         /* "log IDs a, b" (base64) */
	size_t used;
};

/* The contents of the DER OCTET STRING at p, or NULL. */
static const unsigned char *der_octets(const unsigned char *p, size_t len,
				       size_t *out_len)
{
	size_t n, i, hdr;

	if (len < 2 || p[0] != 0x04)
		return NULL;
	if (p[1] < 0x80) {
		n = p[1];
		hdr = 2;
	} else {
		unsigned k = p[1] & 0x7f;

		if (k == 0 || k > 3 || len < 2 + (size_t)k)
			return NULL;
		for (n = 0, i = 0; i < k; i++)
			n = (n << 8) | p[2 + i];
		hdr = 2 + k;
	}
	if (n > len - hdr)
		return NULL;
	*out_len = n;
	return p + hdr;
}

static void place_add_log(struct sct_place *pl, const unsigned char *id)
{
	gnutls_datum_t raw = {(unsigned char *)id, 32}, b64 = {NULL, 0};
	int n;

	if (gnutls_base64_encode2(&raw, &b64) < 0)
		return;
	if (pl->used + b64.size + 3 < sizeof(pl->logs)) {
		n = snprintf(pl->logs + pl->used, sizeof(pl->logs) - pl->used,
			     "%s%.*s", pl->count > 0 ? ", " : "",
			     (int)b64.size, (const char *)b64.data);
		if (n > 0)
			pl->used += (size_t)n;
	}
	gnutls_free(b64.data);
}

/*
 * A SignedCertificateTimestampList (RFC 6962 section 3.3): a 16-bit
 * length, then each SCT with a 16-bit length; an SCT starts with its
 * version (v1 = 0), its log's ID (32 bytes) and a 64-bit timestamp.
 */
static void read_sct_list(const unsigned char *p, size_t len,
			  struct sct_place *pl)
{
	size_t total, off, n;

	if (len < 2) {
		pl->malformed = true;
		return;
	}
	total = (size_t)p[0] << 8 | p[1];
	if (total != len - 2)
		pl->malformed = true;
	if (total > len - 2)
		total = len - 2;
	for (off = 2; off + 2 <= total + 2;) {
		n = (size_t)p[off] << 8 | p[off + 1];
		off += 2;
		if (n > total + 2 - off || n < 1 + 32 + 8) {
			pl->malformed = true;
			return;
		}
		if (p[off] == 0) {
			place_add_log(pl, p + off + 1);
			pl->count++;
		}
		off += n;
	}
}

/* Embedded: the X.509v3 extension of the leaf (RFC 6962 section 3.3),
 * an OCTET STRING that holds the list. */
static void sct_embedded(const gnutls_datum_t *leaf, struct sct_place *pl)
{
	unsigned char buf[SCT_MAX];
	size_t size = sizeof(buf), n;
	unsigned critical = 0;
	const unsigned char *list;
	gnutls_x509_crt_t crt;

	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, leaf, GNUTLS_X509_FMT_DER) == 0 &&
	    gnutls_x509_crt_get_extension_by_oid(crt, SCT_CERT_OID, 0, buf,
						 &size, &critical) == 0) {
		list = der_octets(buf, size, &n);
		if (list != NULL)
			read_sct_list(list, n, pl);
		else
			pl->malformed = true;
	}
	gnutls_x509_crt_deinit(crt);
}

/*
 * Stapled: the OCSP SingleResponse extension 1.3.6.1.4.1.11129.2.4.5
 * (RFC 6962 section 3.3). GnuTLS reads no single extensions, so the
 * OID's DER bytes are looked for in the response; what follows them is
 * an Extension's rest: an optional critical BOOLEAN, then extnValue, an
 * OCTET STRING holding an OCTET STRING that holds the list.
 */
static void sct_stapled(const gnutls_datum_t *staple, struct sct_place *pl)
{
	static const unsigned char oid[] = {0x06, 0x0a, 0x2b, 0x06, 0x01,
		0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x05};
	const unsigned char *p = staple->data, *outer, *list;
	size_t len = staple->size, i, n, m;

	for (i = 0; i + sizeof(oid) < len; i++) {
		if (memcmp(p + i, oid, sizeof(oid)) != 0)
			continue;
		i += sizeof(oid);
		if (i + 3 <= len && p[i] == 0x01 && p[i + 1] == 0x01)
			i += 3;
		outer = der_octets(p + i, len - i, &n);
		list = outer ? der_octets(outer, n, &m) : NULL;
		if (list == NULL) {
			pl->malformed = true;
			return;
		}
		read_sct_list(list, m, pl);
		return;
	}
}

static void place_say(const struct sct_place *pl, char *out, size_t size,
		      size_t *used)
{
	int n;

	if (pl->count == 0 && !pl->malformed)
		return;
	n = snprintf(out + *used, size - *used, "%s%u %s%s%s%s%s",
		     *used > 0 ? "; " : "", pl->count, pl->where,
		     pl->count > 0 ? " (log IDs " : "", pl->logs,
		     pl->count > 0 ? ")" : "",
		     pl->malformed ? ", a list that does not parse" : "");
	if (n > 0)
		*used = (size_t)n + *used < size ? *used + (size_t)n : size - 1;
}

/*
 * SCTs, the promise of a Certificate Transparency log that it logged
 * the certificate (RFC 6962), in the three places a server can give
 * them: embedded in the leaf, the TLS extension, a stapled OCSP
 * response. Their absence is no fault: private CAs log nothing.
 */
void tp_audit_sct(struct tp_audit *a)
{
	struct sct_place pl[3] = {
		{.where = "embedded in the certificate"},
		{.where = "in the TLS extension signed_certificate_timestamp"},
		{.where = "in the stapled OCSP response"},
	};
	char text[1024] = "";
	size_t used = 0, i;
	unsigned total = 0;
	struct seen v;

	if (!handshake_or_unknown(a, &v))
		return;
	sct_embedded(&v.chain[0], &pl[0]);
	if (v.sct_sent)
		read_sct_list(v.sct, v.sct_len, &pl[1]);
	if (v.staple.size > 0)
		sct_stapled(&v.staple, &pl[2]);
	for (i = 0; i < 3; i++) {
		total += pl[i].count;
		place_say(&pl[i], text, sizeof(text), &used);
	}
	if (total > 0)
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_YES,
				"%u SCT%s: %s", total, total == 1 ? "" : "s",
				text);
	else
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NO,
				"no SCT in the certificate, the TLS extension "
				"(%s%s) or %s%s%s (a certificate from a private "
				"CA has none; browsers require them of public "
				"ones)", v.sct_asked ? "asked for over "
				: "not asked for", v.sct_asked ? v.version : "",
				v.staple.size > 0 ? "the stapled OCSP response"
				: "a stapled OCSP response (none was sent)",
				used > 0 ? "; " : "", text);
	seen_free(&v);
}
