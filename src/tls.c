/* GnuTLS client sessions over a non-blocking socket, with deadlines and
 * a record of every message and byte that went by; what the client and
 * the server share: the credentials they present (tp_tls_creds), the
 * checks of a priority string and an ALPN list, the key log and the
 * session's summary. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alloc.h"
#include "cert.h"
#include "net.h"
#include "registry.h"
#include "sideband.h"
#include "tls.h"

/* Everything the callbacks need; reached through gnutls_session_get_ptr. */
struct ctx {
	const struct tp_tls_client_cfg *cfg;
	struct tp_tls_obs *obs;
	struct tp_report *r;
	int fd;
	double start;
	double deadline;       /* the current wait's */
	double end;            /* the caller's: no wait goes past it */
	double last_in;
	gnutls_session_t session;
};

/* A priority cache for the string (NULL: "NORMAL"); usage error naming
 * the failing part. */
static int priority_init(const char *priority, gnutls_priority_t *prio,
			 struct tp_error *err)
{
	const char *pos = NULL;
	int rc;

	/* GnuTLS would take an empty string for its default: the user
	 * asked for something, and "nothing" is not what they meant */
	if (priority != NULL && priority[strspn(priority, " \t")] == '\0') {
		tp_error_set(err, TP_ERR_USAGE, "{priority} '%s': an empty "
			     "priority string (GnuTLS would use its default); "
			     "leave the option out for NORMAL", priority);
		return -1;
	}
	errno = 0;
	rc = gnutls_priority_init(prio, priority ? priority : "NORMAL", &pos);
	if (rc < 0) {
		/* not the string's fault: the main says so (alloc.h) */
		if (rc == GNUTLS_E_MEMORY_ERROR || errno == ENOMEM)
			tp_alloc_note();
		tp_error_set(err, TP_ERR_USAGE, "{priority} '%s': %s at '%s'",
			     priority ? priority : "NORMAL", gnutls_strerror(rc),
			     pos ? pos : "?");
		err->lib_status = rc;
		*prio = NULL;
		return -1;
	}
	return 0;
}

int tp_tls_check_priority(const char *priority, struct tp_error *err)
{
	gnutls_priority_t prio;

	if (priority_init(priority, &prio, err) < 0)
		return -1;
	gnutls_priority_deinit(prio);
	return 0;
}

static ssize_t push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
	struct ctx *c = p;
	ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);

	if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
		/*
		 * The peer has gone, but what it said before going (often
		 * an alert) may still wait in our receive buffer. Swallow
		 * the write so that GnuTLS goes on to read it; the failure
		 * is kept as evidence in case nothing is there.
		 */
		if (c->obs->send_errno == 0)
			c->obs->send_errno = errno;
		return (ssize_t)len;
	}
	if (n < 0) {
		gnutls_transport_set_errno(c->session, errno);
		if (errno != EAGAIN && errno != EINTR && c->obs->recv_errno == 0)
			c->obs->recv_errno = errno;
		return -1;
	}
	c->obs->bytes_out += (size_t)n;
	return n;
}

static ssize_t pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
	struct ctx *c = p;
	struct tp_tls_obs *o = c->obs;
	ssize_t n = recv(c->fd, data, len, 0);

	if (n < 0) {
		gnutls_transport_set_errno(c->session, errno);
		if (errno != EAGAIN && errno != EINTR && o->recv_errno == 0)
			o->recv_errno = errno;
		return -1;
	}
	if (n == 0) {
		o->eof = true;
		return 0;
	}
	/* keep the first bytes: they tell what the peer speaks */
	if (o->first_in_len < sizeof(o->first_in)) {
		size_t k = sizeof(o->first_in) - o->first_in_len;

		if (k > (size_t)n)
			k = (size_t)n;
		memcpy(o->first_in + o->first_in_len, data, k);
		o->first_in_len += k;
	}
	o->bytes_in += (size_t)n;
	c->last_in = tp_now_ms();
	return n;
}

/* tp_net_wait_stop with the caller's stop flag; a stop is noted. */
static int wait_for(struct ctx *c, short events, double deadline_ms)
{
	int rc = tp_net_wait_stop(c->fd, events, deadline_ms, c->cfg->stop);

	if (rc == TP_NET_STOPPED)
		c->obs->cancelled = true;
	return rc;
}

/* GnuTLS asks whether data arrives within ms; our deadline bounds it. */
static int pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
	struct ctx *c = p;
	double until = c->deadline;
	int rc;

	if (ms != GNUTLS_INDEFINITE_TIMEOUT && tp_now_ms() + ms < until)
		until = tp_now_ms() + ms;
	rc = wait_for(c, POLLIN, until);
	if (rc == TP_NET_STOPPED) {
		gnutls_transport_set_errno(c->session, ECANCELED);
		return -1;
	}
	if (rc < 0)
		gnutls_transport_set_errno(c->session, errno);
	return rc;
}

/* The suite a ServerHello chose, read from the message itself (RFC 8446
 * section 4.1.3: version, random, session id, cipher suite): GnuTLS has
 * not installed it yet when the hook runs. */
static const char *server_hello_suite(const gnutls_datum_t *msg)
{
	unsigned char id[2];
	const char *name;
	size_t off = 2 + 32, i;

	if (msg == NULL || msg->size < off + 1)
		return NULL;
	off += 1 + msg->data[off];
	if (msg->size < off + 2)
		return NULL;
	for (i = 0; (name = gnutls_cipher_suite_info(i, id, NULL, NULL, NULL,
						     NULL)) != NULL; i++)
		if (id[0] == msg->data[off] && id[1] == msg->data[off + 1])
			return name;
	return NULL;
}

/* Whether the ServerHello random answers the mark of ours. */
static bool server_marked(const struct ctx *c, gnutls_session_t s)
{
	gnutls_datum_t cr = {NULL, 0}, sr = {NULL, 0};

	if (c->cfg->client_random == NULL)
		return false;
	gnutls_session_get_random(s, &cr, &sr);
	return sr.size == 32 &&
	       tp_sideband_server_marked(c->cfg->client_random, sr.data);
}

static int hook(gnutls_session_t s, unsigned int htype, unsigned when,
		unsigned int incoming, const gnutls_datum_t *msg)
{
	struct ctx *c = gnutls_session_get_ptr(s);
	char buf[40];
	const char *name;

	(void)when;
	name = tp_registry_gnutls_handshake_name(htype, buf, sizeof(buf));
	tp_report_add_message(c->r, tp_now_ms() - c->start, incoming != 0,
			      name);
	if (incoming) {
		snprintf(c->obs->last_in, sizeof(c->obs->last_in), "%s", name);
		if (htype == GNUTLS_HANDSHAKE_SERVER_HELLO) {
			const char *v = gnutls_protocol_get_name(
				gnutls_protocol_get_version(s));
			const char *cs = server_hello_suite(msg);

			c->obs->saw_server_hello = true;
			c->obs->server_marked = server_marked(c, s);
			snprintf(c->obs->hello_version,
				 sizeof(c->obs->hello_version), "%s",
				 v ? v : "?");
			snprintf(c->obs->hello_cipher,
				 sizeof(c->obs->hello_cipher), "%s",
				 cs ? cs : "?");
		}
		if (htype == GNUTLS_HANDSHAKE_CERTIFICATE_PKT)
			c->obs->saw_server_cert = true;
	} else {
		snprintf(c->obs->last_out, sizeof(c->obs->last_out), "%s",
			 name);
	}
	return 0;
}

/* Alerts are not handshake messages; add them to the ladder by hand. */
static void note_alert(struct ctx *c, bool fatal, int desc)
{
	const struct tp_alert_info *a = tp_registry_alert(desc);
	char name[64];

	snprintf(name, sizeof(name), "Alert(%s, %s)", fatal ? "fatal" : "warning",
		 a ? a->name : "unknown");
	tp_report_add_message(c->r, tp_now_ms() - c->start, true, name);
}

/* The server asked for our certificate: note which CAs it accepts. */
static int retrieve(gnutls_session_t s, const gnutls_datum_t *req_ca_rdn,
		    int nreqs, const gnutls_pk_algorithm_t *pk_algos,
		    int pk_algos_length, gnutls_pcert_st **pcert,
		    unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
	struct ctx *c = gnutls_session_get_ptr(s);
	struct tp_tls_obs *o = c->obs;
	int i;

	(void)pk_algos;
	(void)pk_algos_length;
	o->cert_requested = true;
	for (i = 0; i < nreqs && o->n_req_cas < TP_TLS_MAX_REQ_CAS; i++) {
		gnutls_datum_t dn = {NULL, 0};

		if (gnutls_x509_rdn_get2(&req_ca_rdn[i], &dn, 0) == 0) {
			/* raw, as our own issuer is, so that the two compare;
			 * sanitised where a finding quotes it */
			char *name = o->req_cas[o->n_req_cas++];
			size_t n = dn.size < sizeof(o->req_cas[0])
				   ? dn.size : sizeof(o->req_cas[0]) - 1;

			memcpy(name, dn.data, n);
			name[n] = '\0';
			if (n < dn.size)
				name[tp_utf8_prefix(name, n)] = '\0';
			gnutls_free(dn.data);
		}
	}
	if (c->cfg->n_pcerts > 0) {
		*pcert = c->cfg->pcerts;
		*pcert_length = c->cfg->n_pcerts;
		*privkey = c->cfg->key;
		o->sent_cert = true;
	} else {
		*pcert = NULL;
		*pcert_length = 0;
		*privkey = NULL;
	}
	return 0;
}

/* ---- credentials: one way for the client and the server ---- */

static void creds_nomem(enum tp_tls_role role, struct tp_error *err)
{
	tp_error_set(err, TP_ERR_RUNTIME, "%s", role == TP_TLS_SERVER
		     ? "out of memory loading the server's certificate"
		     : "out of memory");
}

/* A server whose key is not its certificate's fails every handshake:
 * refused here, in the words of tlsprobe cert's KEY_MISMATCH. */
static int check_key_matches(const struct tp_tls_creds_opts *o,
			     const struct tp_tls_creds *c,
			     struct tp_error *err)
{
	struct tp_report *scratch = tp_report_new("server");
	const struct tp_finding *f;
	char *what, *why;

	if (scratch == NULL) {
		creds_nomem(o->role, err);
		return -1;
	}
	if (tp_cert_check_key(scratch, o->cert_file, o->key_file, c->chain,
			      c->n_chain, c->key)) {
		tp_report_free(scratch);
		return 0;
	}
	/* the finding names the files sanitised already; with no memory
	 * for it there is none, and the words below stand in */
	f = scratch->n_findings > 0 ? &scratch->findings[0] : NULL;
	what = f && f->summary ? tp_unsanitize(f->summary, strlen(f->summary))
			       : NULL;
	why = f && f->detail ? tp_unsanitize(f->detail, strlen(f->detail))
			     : NULL;
	tp_error_set(err, TP_ERR_USAGE, "%s (%s)",
		     what ? what : "the key is not the certificate's",
		     why ? why : "");
	free(what);
	free(why);
	tp_report_free(scratch);
	return -1;
}

/* The chain and key as a client's retrieve function hands them over. */
static int client_presentable(const struct tp_tls_creds_opts *o,
			      struct tp_tls_creds *c, struct tp_error *err)
{
	unsigned i;
	int rc;

	c->pcerts = calloc(c->n_chain, sizeof(*c->pcerts));
	if (c->pcerts == NULL) {
		creds_nomem(o->role, err);
		return -1;
	}
	for (i = 0; i < c->n_chain; i++) {
		rc = gnutls_pcert_import_x509(&c->pcerts[i], c->chain[i], 0);
		if (rc < 0) {
			tp_error_set(err, TP_ERR_USAGE, "{cert} %s: "
				     "certificate %u: %s", o->cert_file, i,
				     gnutls_strerror(rc));
			return -1;
		}
		c->n_pcerts++;
	}
	if (gnutls_privkey_init(&c->privkey) < 0 ||
	    gnutls_privkey_import_x509(c->privkey, c->key, 0) < 0) {
		tp_error_set(err, TP_ERR_USAGE, "{key} %s: unusable private "
			     "key", o->key_file);
		return -1;
	}
	return 0;
}

/* This side's chain and key, checked before anything presents them. */
static int load_own(const struct tp_tls_creds_opts *o,
		    struct tp_tls_creds *c, struct tp_error *err)
{
	if (o->key_file == NULL) {
		tp_error_set(err, TP_ERR_USAGE, "{cert} %s given without "
			     "{key}: a certificate needs both", o->cert_file);
		return -1;
	}
	if (tp_cert_load_chain(o->cert_file, o->password, &c->chain,
			       &c->n_chain, NULL, err) < 0 ||
	    tp_cert_load_key(o->key_file, o->password, &c->key, err) < 0)
		return -1;
	/* a chain too large to send would fail every handshake, and each
	 * failure would look like the far end's doing */
	if (tp_cert_check_sendable("cert", o->cert_file, c->chain,
				   c->n_chain, err) < 0)
		return -1;
	if (o->role == TP_TLS_SERVER)
		return check_key_matches(o, c, err);
	return client_presentable(o, c, err);
}

/* The GnuTLS credentials: what a server presents and whose clients it
 * asks for, or how a client answers a CertificateRequest. */
static int build_cred(const struct tp_tls_creds_opts *o,
		      struct tp_tls_creds *c, struct tp_error *err)
{
	int rc;

	if (gnutls_certificate_allocate_credentials(&c->cred) < 0) {
		c->cred = NULL;
		creds_nomem(o->role, err);
		return -1;
	}
	/* A client verifies the server's chain itself, after the
	 * handshake, so that every problem is reported and not just the
	 * first one GnuTLS meets: its credentials hold no trust. */
	if (o->role == TP_TLS_CLIENT) {
		gnutls_certificate_set_retrieve_function2(c->cred, retrieve);
		return 0;
	}
	if (c->n_chain > 0) {
		rc = gnutls_certificate_set_x509_key(c->cred, c->chain,
						     c->n_chain, c->key);
		if (rc < 0) {
			tp_error_set(err, TP_ERR_USAGE, "{cert} %s / {key} %s: "
				     "GnuTLS refuses them: %s", o->cert_file,
				     o->key_file, gnutls_strerror(rc));
			return -1;
		}
	}
	if (c->trust != NULL && c->trust->n_cas > 0) {
		/* the CertificateRequest then names these CAs */
		rc = gnutls_certificate_set_x509_trust(c->cred, c->trust->cas,
						       (int)c->trust->n_cas);
		if (rc < 0) {
			tp_error_set(err, TP_ERR_USAGE, "{ca} %s: GnuTLS "
				     "refuses it: %s", o->ca_file,
				     gnutls_strerror(rc));
			return -1;
		}
	}
	return 0;
}

int tp_tls_creds_load(const struct tp_tls_creds_opts *o,
		      struct tp_tls_creds *c, struct tp_error *err)
{
	memset(c, 0, sizeof(*c));
	if (priority_init(o->priority, &c->prio, err) < 0)
		return -1;
	if (o->cert_file != NULL && load_own(o, c, err) < 0)
		return -1;
	if (o->ca_file != NULL) {
		c->trust = tp_cert_trust_load(o->ca_file, err);
		if (c->trust == NULL)
			return -1;
	}
	return build_cred(o, c, err);
}

void tp_tls_creds_free(struct tp_tls_creds *c)
{
	unsigned i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_pcerts; i++)
		gnutls_pcert_deinit(&c->pcerts[i]);
	free(c->pcerts);
	/* the abstract key refers to the X.509 one: it goes first */
	if (c->privkey != NULL)
		gnutls_privkey_deinit(c->privkey);
	tp_cert_free_chain(c->chain, c->n_chain);
	if (c->key != NULL)
		gnutls_x509_privkey_deinit(c->key);
	tp_cert_trust_free(c->trust);
	if (c->cred != NULL)
		gnutls_certificate_free_credentials(c->cred);
	if (c->prio != NULL)
		gnutls_priority_deinit(c->prio);
	memset(c, 0, sizeof(*c));
}

FILE *tp_tls_keylog_open(const char *path, struct tp_error *err)
{
	/* the secrets decrypt the traffic: readable by the owner only */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;

	if (f == NULL) {
		tp_error_set(err, TP_ERR_USAGE, "{keylog} %s: %s", path,
			     strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

void tp_tls_keylog_write(FILE *f, gnutls_session_t s, const char *label,
			 const gnutls_datum_t *secret)
{
	gnutls_datum_t client_random, server_random;
	unsigned i;

	gnutls_session_get_random(s, &client_random, &server_random);
	/* NSS key log format: LABEL <client random hex> <secret hex> */
	fprintf(f, "%s ", label);
	for (i = 0; i < client_random.size; i++)
		fprintf(f, "%02x", client_random.data[i]);
	fputc(' ', f);
	for (i = 0; i < secret->size; i++)
		fprintf(f, "%02x", secret->data[i]);
	fputc('\n', f);
	fflush(f);
}

static int keylog(gnutls_session_t s, const char *label,
		  const gnutls_datum_t *secret)
{
	struct ctx *c = gnutls_session_get_ptr(s);

	tp_tls_keylog_write(c->cfg->keylog, s, label, secret);
	return 0;
}

int tp_tls_check_alpn(const char *alpn, struct tp_error *err)
{
	const char *p;
	size_t len, names = 0;

	if (alpn == NULL)
		return 0;
	for (p = alpn; *p != '\0'; p += len) {
		p += strspn(p, ",");
		len = strcspn(p, ",");
		if (len > 255) {
			tp_error_set(err, TP_ERR_USAGE, "{alpn} '%.80s…': a "
				     "protocol name longer than 255 bytes "
				     "(RFC 7301 section 3.1)", alpn);
			return -1;
		}
		names += len > 0;
	}
	/* an empty list would silently offer no ALPN at all */
	if (names == 0) {
		tp_error_set(err, TP_ERR_USAGE, "{alpn} '%s': names no "
			     "protocol (e.g. h2,http/1.1)", alpn);
		return -1;
	}
	if (names > 8) {
		tp_error_set(err, TP_ERR_USAGE, "{alpn} '%.80s': %zu "
			     "protocols; at most 8 are offered", alpn, names);
		return -1;
	}
	return 0;
}

/* "h2,http/1.1" → ALPN list; at most 8 names. */
static void set_alpn(gnutls_session_t s, const char *alpn)
{
	gnutls_datum_t protos[8];
	char *copy = strdup(alpn), *tok, *save = NULL;
	unsigned n = 0;

	if (copy == NULL)
		return;
	for (tok = strtok_r(copy, ",", &save); tok != NULL && n < 8;
	     tok = strtok_r(NULL, ",", &save)) {
		protos[n].data = (unsigned char *)tok;
		protos[n].size = (unsigned)strlen(tok);
		n++;
	}
	if (n > 0)
		gnutls_alpn_set_protocols(s, protos, n, 0);
	free(copy);
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

void tp_tls_record_session(gnutls_session_t s, struct tp_session *out)
{
	gnutls_datum_t alpn = {NULL, 0};
	char group[48] = "", alpn_buf[64] = "";
	const char *gname = NULL;
	gnutls_group_t g = gnutls_group_get(s);
	gnutls_sign_algorithm_t sig = gnutls_sign_algorithm_get(s);

	if (g != GNUTLS_GROUP_INVALID)
		gname = gnutls_group_get_name(g);
	if (gname != NULL) {
		snprintf(group, sizeof(group), "%s", gname);
		lower(group);
	}
	if (gnutls_alpn_get_selected_protocol(s, &alpn) == 0)
		snprintf(alpn_buf, sizeof(alpn_buf), "%.*s", (int)alpn.size,
			 alpn.data);
	tp_session_set(out,
		       gnutls_protocol_get_name(gnutls_protocol_get_version(s)),
		       gnutls_ciphersuite_get(s), group[0] ? group : NULL,
		       sig != GNUTLS_SIGN_UNKNOWN ? gnutls_sign_get_name(sig)
						   : NULL,
		       alpn_buf[0] ? alpn_buf : NULL,
		       gnutls_session_is_resumed(s) != 0);
}

void tp_tls_describe_priority(gnutls_priority_t p, char *versions,
			      size_t vsize, char *suites, size_t ssize)
{
	const unsigned int *protos;
	unsigned idx, sidx, count = 0;
	size_t used = 0;
	int n, i;

	versions[0] = suites[0] = '\0';
	n = gnutls_priority_protocol_list(p, &protos);
	for (i = 0; i < n && used < vsize; i++)
		used += (size_t)snprintf(versions + used, vsize - used, "%s%s",
			i ? ", " : "", gnutls_protocol_get_name(protos[i]));
	used = 0;
	for (idx = 0; gnutls_priority_get_cipher_suite_index(p, idx, &sidx) !=
		      GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE; idx++) {
		const char *name;

		if (sidx == (unsigned)GNUTLS_E_UNKNOWN_CIPHER_SUITE)
			continue;
		name = gnutls_cipher_suite_info(sidx, NULL, NULL, NULL, NULL,
						NULL);
		if (name == NULL)
			continue;
		if (count < 6 && used < ssize)
			used += (size_t)snprintf(suites + used, ssize - used,
						 "%s%s", count ? ", " : "", name);
		count++;
	}
	if (count > 6 && used < ssize)
		snprintf(suites + used, ssize - used, ", … (%u suites in all)",
			 count);
}

/* Keeps a copy of the chain the peer sent (available even when the
 * handshake failed after the Certificate message). */
static void copy_peer_chain(gnutls_session_t s, struct tp_tls_obs *o)
{
	const gnutls_datum_t *der;
	unsigned n = 0, i;

	der = gnutls_certificate_get_peers(s, &n);
	if (der == NULL || n == 0)
		return;
	if (n > 16)
		n = 16;
	o->peer_der = calloc(n, sizeof(*o->peer_der));
	if (o->peer_der == NULL)
		return;
	for (i = 0; i < n; i++) {
		o->peer_der[i].data = malloc(der[i].size);
		if (o->peer_der[i].data == NULL)
			break;
		memcpy(o->peer_der[i].data, der[i].data, der[i].size);
		o->peer_der[i].size = der[i].size;
	}
	o->n_peer = i;
}

/*
 * GnuTLS gives up after a 5-byte record header that is not TLS; read a
 * little more (bounded in size and time) so that the diagnosis can say
 * what the peer speaks.
 */
static void top_up_first_bytes(struct ctx *c)
{
	struct tp_tls_obs *o = c->obs;
	double until = tp_now_ms() + 200;
	ssize_t n;

	if (until > c->deadline)
		until = c->deadline;
	while (o->first_in_len < sizeof(o->first_in) &&
	       memchr(o->first_in, '\n', o->first_in_len) == NULL) {
		if (wait_for(c, POLLIN, until) <= 0)
			return;
		n = recv(c->fd, o->first_in + o->first_in_len,
			 sizeof(o->first_in) - o->first_in_len, 0);
		if (n <= 0)
			return;
		o->first_in_len += (size_t)n;
		/* once the rest has started to come, wait little for more */
		if (until > tp_now_ms() + 20)
			until = tp_now_ms() + 20;
	}
}

/*
 * GnuTLS stops reading after a few warning alerts in a row and says
 * only "internal error", while what the peer meant may come after them
 * (a storm of warnings ending in a fatal alert). Before the ServerHello
 * records are plaintext (RFC 8446 section 5.1), so read on ourselves,
 * bounded in bytes and time, counting warnings until a fatal alert or
 * anything that is not an alert.
 */
static void read_alert_storm(struct ctx *c)
{
	struct tp_tls_obs *o = c->obs;
	unsigned char buf[4096];
	size_t have = 0, total = 0, i;
	double until = tp_now_ms() + 200;
	ssize_t n;

	if (until > c->deadline)
		until = c->deadline;
	/* GnuTLS may have read one warning more than it reported; when
	 * nothing but alerts came, the bytes count them exactly */
	if (o->last_in[0] == '\0' && o->first_in_len > 0 &&
	    o->first_in[0] == 21 && o->bytes_in % 7 == 0)
		o->warnings_in = (unsigned)(o->bytes_in / 7);
	while (total < 1024 * 1024) {
		if (wait_for(c, POLLIN, until) <= 0)
			return;
		n = recv(c->fd, buf + have, sizeof(buf) - have, 0);
		if (n <= 0)
			return;
		have += (size_t)n;
		total += (size_t)n;
		o->bytes_in += (size_t)n;
		/* an alert record: type 21, version, length 2, level, desc */
		for (i = 0; i + 7 <= have; i += 7) {
			const unsigned char *rec = buf + i;

			if (rec[0] != 21 || rec[3] != 0 || rec[4] != 2)
				return;
			if (rec[5] != 1) {
				o->alert_in = rec[6];
				note_alert(c, true, o->alert_in);
				return;
			}
			o->warnings_in++;
			o->warning_in = rec[6];
		}
		memmove(buf, buf + i, have - i);
		have -= i;
		/* while it comes, a short quiet gap ends it, and never
		 * later than the deadline */
		until = tp_now_ms() + 50;
		if (until > c->deadline)
			until = c->deadline;
	}
}

/*
 * In TLS 1.3 the server judges our certificate after our Finished, so a
 * rejection arrives as an alert after the handshake "succeeded". Send
 * close_notify and read until the peer's close, an alert, or a short
 * deadline.
 */
static void confirm_client_auth(struct ctx *c)
{
	char buf[512];
	int rc;

	c->deadline = tp_now_ms() + 1500;
	if (c->deadline > c->end)
		c->deadline = c->end;
	gnutls_record_set_timeout(c->session, 0);
	do {
		rc = gnutls_bye(c->session, GNUTLS_SHUT_WR);
	} while ((rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) &&
		 wait_for(c, POLLOUT, c->deadline) > 0);
	for (;;) {
		rc = (int)gnutls_record_recv(c->session, buf, sizeof(buf));
		if (rc > 0)
			continue;  /* application data: the peer is talking */
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
			if (wait_for(c, POLLIN, c->deadline) <= 0)
				return;
			continue;
		}
		if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
			c->obs->alert_in = (int)gnutls_alert_get(c->session);
			c->obs->alert_after_handshake = true;
			note_alert(c, true, c->obs->alert_in);
			c->obs->status = rc;
		}
		return;  /* close_notify, EOF, reset: no verdict against us */
	}
}

/*
 * Sends the side-channel request inside the session and reads one line
 * back (bounded in size and time). A rejection of our certificate in
 * TLS 1.3 arrives here too, as an alert, as in confirm_client_auth.
 */
static void inside_exchange(struct ctx *c)
{
	const char *line = c->cfg->inside_line;
	size_t len = strlen(line), sent = 0, got = 0;
	double wait = c->obs->server_marked ? c->cfg->inside_wait_ms
					    : c->cfg->inside_blind_ms;
	char *buf = malloc(TP_SIDEBAND_MAX_LINE + 1);
	double t0 = tp_now_ms();
	ssize_t n;

	if (buf == NULL)
		return;
	c->deadline = t0 + wait;
	if (c->deadline > c->end)
		c->deadline = c->end;
	while (sent < len) {
		n = gnutls_record_send(c->session, line + sent, len - sent);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			if (wait_for(c, POLLOUT, c->deadline) <= 0)
				goto out;
			continue;
		}
		if (n == GNUTLS_E_MEMORY_ERROR)
			tp_alloc_note();  /* not the peer's doing (alloc.h) */
		if (n < 0)
			goto out;
		sent += (size_t)n;
	}
	while (got < TP_SIDEBAND_MAX_LINE) {
		n = gnutls_record_recv(c->session, buf + got,
				       TP_SIDEBAND_MAX_LINE - got);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			if (wait_for(c, POLLIN, c->deadline) <= 0)
				break;
			continue;
		}
		if (n == GNUTLS_E_FATAL_ALERT_RECEIVED) {
			c->obs->alert_in = (int)gnutls_alert_get(c->session);
			c->obs->alert_after_handshake = true;
			c->obs->status = (int)n;
			note_alert(c, true, c->obs->alert_in);
			break;
		}
		/* a failed allocation would pass for the peer's quiet end,
		 * and hide an alert still to come */
		if (n == GNUTLS_E_MEMORY_ERROR)
			tp_alloc_note();
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(buf + got - (size_t)n, '\n', (size_t)n) != NULL)
			break;
	}
	if (got > 0) {
		buf[got] = '\0';
		c->obs->inside_reply = buf;
		buf = NULL;
	}
	gnutls_bye(c->session, GNUTLS_SHUT_WR);
out:
	c->obs->inside_ms = tp_now_ms() - t0;
	free(buf);
}

/* A handshake's context, with obs cleared for it. */
static void ctx_init(struct ctx *c, const struct tp_tls_client_cfg *cfg,
		     int fd, double deadline, struct tp_report *r,
		     struct tp_tls_obs *obs)
{
	memset(obs, 0, sizeof(*obs));
	obs->alert_in = -1;
	obs->warning_in = -1;
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->obs = obs;
	c->r = r;
	c->fd = fd;
	c->start = c->last_in = tp_now_ms();
	c->deadline = c->end = deadline;
}

/*
 * The session, ready for its ClientHello: credentials (cfg->cred, or
 * *own allocated here), priority, SNI, ALPN, our transport and hooks,
 * the key log and the ClientHello random. A GnuTLS status.
 */
static int session_setup(struct ctx *c,
			 gnutls_certificate_credentials_t *own)
{
	const struct tp_tls_client_cfg *cfg = c->cfg;
	gnutls_certificate_credentials_t cred = cfg->cred;
	gnutls_session_t s;
	const char *pos;
	int rc;

	if (cred == NULL) {
		if ((rc = gnutls_certificate_allocate_credentials(own)) < 0)
			return rc;
		cred = *own;
		/* verification is ours, after the handshake (build_cred) */
		gnutls_certificate_set_retrieve_function2(cred, retrieve);
	}
	rc = gnutls_init(&c->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	if (rc < 0)
		return rc;
	s = c->session;
	if ((rc = gnutls_priority_set_direct(s, cfg->priority ? cfg->priority
							      : "NORMAL",
					     &pos)) < 0 ||
	    (rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred)) < 0)
		return rc;
	if (cfg->sni != NULL &&
	    (rc = gnutls_server_name_set(s, GNUTLS_NAME_DNS, cfg->sni,
					 strlen(cfg->sni))) < 0)
		return rc;
	if (cfg->alpn != NULL)
		set_alpn(s, cfg->alpn);
	gnutls_session_set_ptr(s, c);
	gnutls_transport_set_ptr(s, c);
	gnutls_transport_set_push_function(s, push);
	gnutls_transport_set_pull_function(s, pull);
	gnutls_transport_set_pull_timeout_function(s, pull_timeout);
	gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_ANY,
					   GNUTLS_HOOK_POST, hook);
	if (cfg->keylog != NULL)
		gnutls_session_set_keylog_function(s, keylog);
	if (cfg->client_random != NULL) {
		gnutls_datum_t random = {(unsigned char *)cfg->client_random,
					 32};

		if ((rc = gnutls_handshake_set_random(s, &random)) < 0)
			return rc;
	}
	return 0;
}

/*
 * Runs the handshake until it ends, the deadline passes, the server
 * stays quiet past silent_until or the stop flag is set; warning alerts
 * are noted and passed over. Returns GnuTLS's last status.
 */
static int handshake_loop(struct ctx *c)
{
	const struct tp_tls_client_cfg *cfg = c->cfg;
	struct tp_tls_obs *obs = c->obs;
	gnutls_session_t s = c->session;
	bool check_quiet = cfg->silent_until > 0;
	int rc;

	for (;;) {
		rc = gnutls_handshake(s);
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
			short ev = gnutls_record_get_direction(s) ? POLLOUT
								  : POLLIN;
			/* a server quiet for quiet_ms at silent_until is
			 * taken as stalled, so that the caller's retries
			 * have the rest of the stage */
			double until = check_quiet &&
				       cfg->silent_until < c->deadline
				       ? cfg->silent_until : c->deadline;
			int w = wait_for(c, ev, until);

			if (w == TP_NET_STOPPED)
				break;
			if (w == 0 && check_quiet &&
			    tp_now_ms() < c->deadline) {
				check_quiet = false;
				if (tp_now_ms() - c->last_in < cfg->quiet_ms)
					continue;  /* still coming */
			}
			if (w == 0) {
				obs->timed_out = true;
				break;
			}
			if (w < 0) {
				obs->recv_errno = errno;
				break;
			}
			continue;
		}
		if (rc == GNUTLS_E_WARNING_ALERT_RECEIVED) {
			obs->warning_in = (int)gnutls_alert_get(s);
			obs->warnings_in++;
			note_alert(c, false, obs->warning_in);
		}
		if (rc < 0 && !gnutls_error_is_fatal(rc) && !obs->cancelled)
			continue;  /* a warning alert: go on */
		break;
	}
	return rc;
}

/*
 * What the handshake that ended with GnuTLS status rc showed: the
 * outcome, the fatal alert (or the storm of warnings before it), the
 * peer's chain, a non-TLS peer's first bytes; after a success the
 * session's facts, and what follows the handshake (the exchange inside
 * the session, or the wait for a verdict on our certificate).
 */
static void collect(struct ctx *c, int rc)
{
	const struct tp_tls_client_cfg *cfg = c->cfg;
	struct tp_tls_obs *obs = c->obs;
	gnutls_session_t s = c->session;

	obs->status = obs->cancelled ? GNUTLS_E_INTERRUPTED
		      : obs->timed_out ? GNUTLS_E_TIMEDOUT : rc;
	obs->stalled_ms = tp_now_ms() - c->last_in;
	if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		obs->alert_in = (int)gnutls_alert_get(s);
		note_alert(c, true, obs->alert_in);
	}
	if (rc < 0 && rc != GNUTLS_E_FATAL_ALERT_RECEIVED &&
	    obs->warnings_in > 0 && !obs->saw_server_hello &&
	    !obs->timed_out && !obs->cancelled && !obs->eof)
		read_alert_storm(c);
	copy_peer_chain(s, obs);
	/* RFC 8446 section 5.1: a record starts with content type 20..24 */
	if (rc < 0 && obs->first_in_len > 0 &&
	    (obs->first_in[0] < 20 || obs->first_in[0] > 24))
		top_up_first_bytes(c);
	if (rc != 0 || obs->timed_out || obs->cancelled)
		return;
	obs->handshake_done = true;
	/* the stage's time is the handshake's; what follows waits for a
	 * peer that may have nothing to say */
	obs->ms = tp_now_ms() - c->start;
	tp_tls_record_session(s, &c->r->session);
	if (cfg->inside_line != NULL &&
	    (obs->server_marked || cfg->inside_blind_ms > 0))
		inside_exchange(c);
	else if (obs->cert_requested &&
		 gnutls_protocol_get_version(s) == GNUTLS_TLS1_3)
		confirm_client_auth(c);
	else
		gnutls_bye(s, GNUTLS_SHUT_WR);
}

int tp_tls_client_handshake(const struct tp_tls_client_cfg *cfg, int fd,
			    double deadline, struct tp_report *r,
			    struct tp_tls_obs *obs)
{
	gnutls_certificate_credentials_t own = NULL;
	struct ctx c;
	int rc;

	ctx_init(&c, cfg, fd, deadline, r, obs);
	errno = 0;
	rc = session_setup(&c, &own);
	if (rc == 0) {
		collect(&c, handshake_loop(&c));
		rc = obs->status;
	}
	/* GnuTLS says GNUTLS_E_MEMORY_ERROR, or some other failure with
	 * errno left at ENOMEM: neither is the peer's doing */
	if (rc < 0 && (rc == GNUTLS_E_MEMORY_ERROR || errno == ENOMEM))
		tp_alloc_note();
	if (!obs->handshake_done)
		obs->ms = tp_now_ms() - c.start;
	if (c.session != NULL)
		gnutls_deinit(c.session);
	if (own != NULL)
		gnutls_certificate_free_credentials(own);
	if (rc < 0 && obs->status == 0)
		obs->status = rc;
	return obs->status == 0 ? 0 : -1;
}

void tp_tls_obs_free(struct tp_tls_obs *obs)
{
	unsigned i;

	free(obs->inside_reply);
	obs->inside_reply = NULL;
	for (i = 0; i < obs->n_peer; i++)
		free(obs->peer_der[i].data);
	free(obs->peer_der);
	obs->peer_der = NULL;
	obs->n_peer = 0;
}
