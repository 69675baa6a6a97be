/*
 * The audit's checks of session behaviour: resumption, tickets, early
 * data, extensions, ALPN, the certificate without SNI.
 *
 * Every probe here is a full GnuTLS handshake (TLS 1.3 answers most of
 * these inside encrypted messages, so a raw hello could not read them).
 * The checks share handshakes where one answers several: the first TLS
 * 1.2 handshake of resumption_id also tells extended master secret,
 * encrypt-then-MAC, heartbeat, the leaf under the audit's SNI and that
 * the server needs no ALPN; the TLS 1.3 ticket pair of resumption_ticket
 * also tells early data.
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "audit.h"
#include "net.h"
#include "registry.h"
#include "wire.h"

/* TLS 1.2 and older; NORMAL leaves TLS 1.0 and 1.1 to the system's
 * configuration, and an old server is what these checks are for. */
#define PRIO_TLS12 "NORMAL:-VERS-TLS1.3:+VERS-TLS1.1:+VERS-TLS1.0"
/* The same with only CBC suites: encrypt-then-MAC (RFC 7366 section 2)
 * applies to CBC alone, and a server that prefers AEAD never shows it. */
#define PRIO_TLS12_CBC PRIO_TLS12 ":-AES-256-GCM:-AES-128-GCM" \
	":-CHACHA20-POLY1305:-AES-256-CCM:-AES-128-CCM:+AES-256-CBC" \
	":+AES-128-CBC:+CAMELLIA-256-CBC:+CAMELLIA-128-CBC:+3DES-CBC" \
	":+SHA1:+SHA256:+SHA384"
#define PRIO_TLS13 "NORMAL:-VERS-ALL:+VERS-TLS1.3"
#define PRIO_ANY "NORMAL:+VERS-TLS1.1:+VERS-TLS1.0"

/* A name no server can hold a certificate for (RFC 2606 ".invalid"). */
#define UNKNOWN_SNI "tlsprobe-unknown.invalid"
/* How long a TLS 1.3 client reads after its handshake for the
 * NewSessionTicket: a server sends it as soon as it has the client's
 * Finished, one round trip; twice the handshake's own time (two round
 * trips and the server's work) covers it, and at least this long. */
#define TICKET_WAIT_MIN_MS 200.0
#define TLS_EXT_EARLY_DATA 42      /* RFC 8446 section 4.2.10 */
#define TLS_EXT_HEARTBEAT 15       /* RFC 6520 section 2 */
#define ALERT_NO_APPLICATION_PROTOCOL 120  /* RFC 7301 section 3.2 */
#define ALERT_UNRECOGNIZED_NAME 112        /* RFC 6066 section 3 */

/* What one handshake asks for. */
struct hs_opts {
	const char *priority;
	const char *sni;               /* NULL: no server_name */
	bool tickets;                  /* false: GNUTLS_NO_TICKETS */
	bool heartbeat;                /* offer RFC 6520's extension */
	const gnutls_datum_t *resume;  /* session data of an earlier one */
	bool early_data;               /* resuming TLS 1.3: send 0-RTT */
	bool wait_ticket;              /* TLS 1.3: read for a ticket */
	const char *const *alpn;       /* offered, in order */
	size_t n_alpn;
};

/* What one handshake showed. */
struct hs {
	bool tried;
	bool done;                     /* the handshake completed */
	int status;                    /* GnuTLS error, 0 when done */
	int alert;                     /* fatal alert received, -1 none */
	char version[16];
	unsigned flags;                /* gnutls_session_get_flags */
	bool resumed;
	bool cbc;                      /* a CBC suite was negotiated */
	bool heartbeat;                /* the ServerHello (TLS 1.2 and
					* older) echoed heartbeat */
	char alpn[256];                /* chosen, "" none */
	char leaf_sha256[65];          /* "" when no certificate came */
	char leaf_names[256];          /* "CN=…; SAN a, b" */
	unsigned tickets;              /* NewSessionTickets received */
	uint32_t ticket_lifetime;      /* of the last (lifetime hint) */
	uint32_t max_early_data;       /* TLS 1.3 ticket's early_data */
	bool sent_early;
	gnutls_datum_t data;           /* session data (caller frees) */
	double ms;                     /* the handshake's time */
	char why[200];                 /* when not done */
};

/*
 * Handshakes shared between the checks of one audit. The key is the
 * audit (its address and deadline, which differ from one target to the
 * next); thread-local because targets run on several threads at once.
 */
static _Thread_local struct {
	const struct tp_audit *a;
	double deadline;
	struct hs base;                /* TLS 1.2, audit SNI, no tickets */
	struct hs t13_first, t13_second; /* TLS 1.3 ticket, then resumed */
} cache;

static void hs_clear(struct hs *h)
{
	gnutls_free(h->data.data);
	memset(h, 0, sizeof(*h));
}

static void drop_data(struct hs *h)
{
	gnutls_free(h->data.data);
	h->data.data = NULL;
	h->data.size = 0;
}

static void cache_for(const struct tp_audit *a)
{
	if (cache.a == a && cache.deadline == a->deadline)
		return;
	hs_clear(&cache.base);
	hs_clear(&cache.t13_first);
	hs_clear(&cache.t13_second);
	cache.a = a;
	cache.deadline = a->deadline;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * The early_data extension of a TLS 1.3 NewSessionTicket body (RFC 8446
 * section 4.6.1: lifetime, age_add, nonce<0..255>, ticket<1..2^16-1>,
 * extensions<0..2^16-2>): its max_early_data_size, 0 when absent.
 */
static uint32_t ticket_max_early(const unsigned char *p, size_t len)
{
	size_t pos = 8, end;

	if (pos + 1 > len)
		return 0;
	pos += 1 + p[pos];
	if (pos + 2 > len)
		return 0;
	pos += 2 + ((size_t)p[pos] << 8 | p[pos + 1]);
	if (pos + 2 > len)
		return 0;
	end = pos + 2 + ((size_t)p[pos] << 8 | p[pos + 1]);
	if (end > len)
		return 0;
	for (pos += 2; pos + 4 <= end;) {
		unsigned type = (unsigned)p[pos] << 8 | p[pos + 1];
		size_t n = (size_t)p[pos + 2] << 8 | p[pos + 3];

		pos += 4;
		if (pos + n > end)
			return 0;
		if (type == TLS_EXT_EARLY_DATA && n == 4)
			return get32(p + pos);
		pos += n;
	}
	return 0;
}

/* GnuTLS keeps no getter for a ticket's lifetime: the hook reads it off
 * the NewSessionTicket (RFC 5077 section 3.3, RFC 8446 section 4.6.1;
 * both start with the 32-bit lifetime). Before GnuTLS reads it (the PRE
 * hook): after, a TLS 1.3 ticket's hook sees its extensions alone. */
static void on_ticket(gnutls_session_t s, struct hs *h,
		      const gnutls_datum_t *msg)
{
	const unsigned char *p = msg->data;
	size_t len = msg->size;

	/* the hook may be handed the message with its 4-byte header */
	if (len >= 4 && p[0] == GNUTLS_HANDSHAKE_NEW_SESSION_TICKET &&
	    ((size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3]) == len - 4) {
		p += 4;
		len -= 4;
	}
	if (len < 4)
		return;
	h->tickets++;
	h->ticket_lifetime = get32(p);
	if (gnutls_protocol_get_version(s) == GNUTLS_TLS1_3)
		h->max_early_data = ticket_max_early(p, len);
}

/* The messages read before GnuTLS reads them (a PRE hook): the
 * ServerHello's extensions as sent (GnuTLS's heartbeat flags say what
 * it allows, not what the server answered) and the tickets. */
static int on_message(gnutls_session_t s, unsigned htype, unsigned when,
		      unsigned incoming, const gnutls_datum_t *msg)
{
	struct hs *h = gnutls_session_get_ptr(s);
	struct tp_wire_server_hello sh;
	size_t i;

	(void)when;
	if (h == NULL || !incoming)
		return 0;
	if (htype == GNUTLS_HANDSHAKE_NEW_SESSION_TICKET)
		on_ticket(s, h, msg);
	if (htype == GNUTLS_HANDSHAKE_SERVER_HELLO &&
	    tp_wire_parse_server_hello(msg->data, msg->size, &sh) == 0)
		for (i = 0; i < sh.n_extensions; i++)
			if (sh.extensions[i] == TLS_EXT_HEARTBEAT)
				h->heartbeat = true;
	return 0;
}

/* The leaf's SHA-256 and names, for default_certificate. */
static void note_leaf(gnutls_session_t s, struct hs *h)
{
	unsigned n = 0, i, len;
	const gnutls_datum_t *der = gnutls_certificate_get_peers(s, &n);
	gnutls_x509_crt_t crt;
	unsigned char fp[32];
	char name[256];
	size_t size, used;
	int rc;

	if (der == NULL || n == 0 ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, der[0].data, der[0].size,
			     fp) < 0)
		return;
	tp_hex(fp, sizeof(fp), h->leaf_sha256);
	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &der[0], GNUTLS_X509_FMT_DER) == 0) {
		size = sizeof(name);
		if (gnutls_x509_crt_get_dn(crt, name, &size) < 0)
			snprintf(name, sizeof(name), "?");
		used = (size_t)snprintf(h->leaf_names, sizeof(h->leaf_names),
					"%s", name);
		for (i = 0; used < sizeof(h->leaf_names) - 8; i++) {
			size = sizeof(name) - 1;
			rc = gnutls_x509_crt_get_subject_alt_name(crt, i, name,
								  &size, NULL);
			if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
				break;
			if (rc != GNUTLS_SAN_DNSNAME)
				continue;
			name[size] = '\0';
			len = (unsigned)snprintf(h->leaf_names + used,
						 sizeof(h->leaf_names) - used,
						 "%s%s", used && strchr(
						 h->leaf_names, '[') ? ", "
						 : " [SAN ", name);
			used += len;
		}
		if (strchr(h->leaf_names, '[') != NULL &&
		    used < sizeof(h->leaf_names) - 1)
			strcat(h->leaf_names, "]");
	}
	gnutls_x509_crt_deinit(crt);
}

/* TLS 1.3 sends its tickets after the handshake: read (and drop) what
 * the server sends until one came, briefly. */
static void read_ticket(const struct tp_audit *a, gnutls_session_t s,
			int fd, struct hs *h)
{
	double wait = 2 * h->ms > TICKET_WAIT_MIN_MS ? 2 * h->ms
		      : TICKET_WAIT_MIN_MS;
	double end = tp_now_ms() + wait;
	char buf[4096];
	ssize_t n;

	if (end > tp_audit_step(a))
		end = tp_audit_step(a);
	while (h->tickets == 0 && tp_now_ms() < end) {
		n = gnutls_record_recv(s, buf, sizeof(buf));
		if (h->tickets > 0)
			break;
		if (n > 0 || n == GNUTLS_E_WARNING_ALERT_RECEIVED)
			continue;
		if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED)
			break;
		if (tp_net_wait_stop(fd, POLLIN, end, a->o->ciphers.stop) <= 0)
			break;
	}
}

/* A short harmless request as 0-RTT data: an HTTP HEAD, or a bare line
 * for the protocols STARTTLS leads to. */
static void send_early(const struct tp_audit *a, gnutls_session_t s,
		       struct hs *h)
{
	char req[320];
	int n;

	if (a->starttls != TP_STARTTLS_NONE)
		n = snprintf(req, sizeof(req), "\r\n");
	else
		n = snprintf(req, sizeof(req), "HEAD / HTTP/1.1\r\nHost: %s"
			     "\r\nConnection: close\r\n\r\n",
			     a->sni != NULL ? a->sni : a->host);
	if (n > 0 && (size_t)n < sizeof(req) &&
	    gnutls_record_get_max_early_data_size(s) >= (size_t)n &&
	    gnutls_record_send_early_data(s, req, (size_t)n) >= 0)
		h->sent_early = true;
}

static int setup(const struct hs_opts *o, gnutls_session_t s,
		 gnutls_certificate_credentials_t cred, struct hs *h)
{
	gnutls_datum_t protos[8];
	size_t i;
	int rc;

	if ((rc = gnutls_priority_set_direct(s, o->priority, NULL)) < 0 ||
	    (rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred)) < 0)
		return rc;
	if (o->sni != NULL &&
	    (rc = gnutls_server_name_set(s, GNUTLS_NAME_DNS, o->sni,
					 strlen(o->sni))) < 0)
		return rc;
	for (i = 0; i < o->n_alpn && i < 8; i++) {
		protos[i].data = (unsigned char *)(uintptr_t)o->alpn[i];
		protos[i].size = (unsigned)strlen(o->alpn[i]);
	}
	if (i > 0 && (rc = gnutls_alpn_set_protocols(s, protos,
						     (unsigned)i, 0)) < 0)
		return rc;
	if (o->resume != NULL &&
	    (rc = gnutls_session_set_data(s, o->resume->data,
					  o->resume->size)) < 0)
		return rc;
	if (o->heartbeat)
		gnutls_heartbeat_enable(s, GNUTLS_HB_PEER_ALLOWED_TO_SEND);
	gnutls_session_set_ptr(s, h);
	gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_ANY,
					   GNUTLS_HOOK_PRE, on_message);
	return 0;
}

/* What an established session shows. */
static void note_session(const struct hs_opts *o, gnutls_session_t s,
			 struct hs *h)
{
	const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(s));
	const char *c = gnutls_cipher_get_name(gnutls_cipher_get(s));
	gnutls_datum_t p;

	h->done = true;
	snprintf(h->version, sizeof(h->version), "%s", v ? v : "?");
	h->flags = gnutls_session_get_flags(s);
	h->resumed = gnutls_session_is_resumed(s) != 0;
	h->cbc = c != NULL && strstr(c, "CBC") != NULL;
	if (gnutls_alpn_get_selected_protocol(s, &p) == 0)
		snprintf(h->alpn, sizeof(h->alpn), "%.*s", (int)p.size,
			 (const char *)p.data);
	note_leaf(s, h);
	(void)o;
}

/* Why a handshake failed, in words: the alert by its RFC name, the
 * deadline, or GnuTLS's own error. */
static void note_failure(const struct tp_audit *a, gnutls_session_t s,
			 int rc, struct hs *h)
{
	const struct tp_alert_info *ai;

	if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		h->alert = (int)gnutls_alert_get(s);
		ai = tp_registry_alert(h->alert);
		snprintf(h->why, sizeof(h->why), "the server sent the fatal "
			 "alert %s (%d)", ai != NULL ? ai->name : "unassigned",
			 h->alert);
	} else if (rc == GNUTLS_E_TIMEDOUT && tp_audit_stopped(a)) {
		snprintf(h->why, sizeof(h->why), "the audit stopped (a signal, "
			 "or its deadline) during the handshake");
	} else if (rc == GNUTLS_E_TIMEDOUT) {
		snprintf(h->why, sizeof(h->why), "the handshake did not end "
			 "within %.0f ms", a->timeout_ms);
	} else {
		snprintf(h->why, sizeof(h->why), "the handshake failed: %s",
			 gnutls_strerror(rc));
	}
}

static bool speaks_tls12_or_older(const struct tp_audit *a)
{
	return tp_audit_speaks(a, 0x0301) || tp_audit_speaks(a, 0x0302) ||
	       tp_audit_speaks(a, 0x0303);
}

/* Every version the server speaks, and no other: a server that knows
 * no TLS 1.3 may refuse a hello offering it rather than answer lower. */
static const char *prio_any(const struct tp_audit *a)
{
	return tp_audit_speaks(a, 0x0304) ? PRIO_ANY : PRIO_TLS12;
}

/* One handshake with o on a connection of the audit's; h says what
 * came of it. */
static void handshake(struct tp_audit *a, const struct hs_opts *o,
		      struct hs *h)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	unsigned flags = GNUTLS_CLIENT | GNUTLS_NONBLOCK;
	double t0;
	int fd = -1, rc;

	hs_clear(h);
	h->tried = true;
	h->alert = -1;
	if (tp_audit_connect(a, &fd, h->why, sizeof(h->why)) < 0)
		return;
	if (!o->tickets)
		flags |= GNUTLS_NO_TICKETS;
	if (o->early_data)
		flags |= GNUTLS_ENABLE_EARLY_DATA;
	if ((rc = gnutls_certificate_allocate_credentials(&cred)) < 0 ||
	    (rc = gnutls_init(&s, flags)) < 0 ||
	    (rc = setup(o, s, cred, h)) < 0) {
		snprintf(h->why, sizeof(h->why), "GnuTLS could not set up "
			 "the session: %s", gnutls_strerror(rc));
		goto out;
	}
	gnutls_transport_set_int(s, fd);
	if (o->early_data && o->resume != NULL)
		send_early(a, s, h);
	t0 = tp_now_ms();
	rc = tp_audit_handshake(a, s, fd, tp_audit_step(a), TP_AUDIT_WARNINGS);
	h->ms = tp_now_ms() - t0;
	h->status = rc;
	if (rc == 0) {
		note_session(o, s, h);
		if (o->wait_ticket)
			read_ticket(a, s, fd, h);
		gnutls_session_get_data2(s, &h->data);
		gnutls_bye(s, GNUTLS_SHUT_WR);
	} else {
		note_failure(a, s, rc, h);
	}
out:
	if (s != NULL)
		gnutls_deinit(s);
	if (cred != NULL)
		gnutls_certificate_free_credentials(cred);
	tp_audit_close(a, fd);
}


/* Whether the cipher audit saw a CBC suite GnuTLS can offer accepted in
 * TLS 1.2 or older. */
static bool accepts_cbc(const struct tp_audit *a)
{
	const struct tp_scan *sc = a->r->scan;
	size_t i, j;

	for (i = 0; i < sc->n_protocols; i++) {
		const struct tp_scan_protocol *p = &sc->protocols[i];

		if (!p->accepted || p->version > 0x0303)
			continue;
		for (j = 0; j < p->n_suites; j++) {
			const struct tp_suite *s =
				tp_registry_suite(p->suites[j].id);

			if (s != NULL && s->mode == TP_MODE_CBC &&
			    s->gnutls != NULL)
				return true;
		}
	}
	return false;
}

/*
 * The first TLS 1.2 (or older) handshake: session IDs only, the audit's
 * SNI, no ALPN, heartbeat offered, CBC suites alone when the server
 * accepts one (for encrypt-then-MAC), else any. Its session data lives
 * only as long as resumption_id needs it (keep_data): a check that
 * stops early leaves nothing allocated behind.
 */
static const struct hs *base(struct tp_audit *a, bool keep_data)
{
	struct hs_opts o = {.priority = PRIO_TLS12_CBC, .sni = a->sni,
			    .heartbeat = true};

	cache_for(a);
	if (!cache.base.tried && speaks_tls12_or_older(a)) {
		if (!accepts_cbc(a))
			o.priority = PRIO_TLS12;
		handshake(a, &o, &cache.base);
		if (!cache.base.done &&
		    cache.base.status != GNUTLS_E_TIMEDOUT &&
		    o.priority != (const char *)PRIO_TLS12 &&
		    !tp_audit_stopped(a)) {
			o.priority = PRIO_TLS12;
			handshake(a, &o, &cache.base);
		}
	}
	if (!keep_data)
		drop_data(&cache.base);
	return &cache.base;
}

void tp_audit_resumption_id(struct tp_audit *a)
{
	const struct hs *first;
	struct hs second = {0};
	struct hs_opts o = {.priority = PRIO_TLS12, .sni = a->sni};

	if (!speaks_tls12_or_older(a)) {
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"the server speaks only TLS 1.3, where "
				"sessions resume by ticket alone");
		return;
	}
	first = base(a, true);
	if (!first->done) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"the first TLS 1.2 handshake did not complete: "
				"%s", first->why);
		return;
	}
	o.resume = &first->data;
	handshake(a, &o, &second);
	drop_data(&cache.base);
	if (!second.done)
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"the second handshake (resuming the first's "
				"session ID) did not complete: %s", second.why);
	else if (second.resumed)
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_YES,
				"%s: a second connection resumed the first's "
				"session by its session ID (tickets not "
				"offered)", second.version);
	else
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NO,
				"%s: a second connection offering the first's "
				"session ID got a full handshake (tickets not "
				"offered)", second.version);
	hs_clear(&second);
}

/* One version's ticket pair: a handshake that gets a ticket, a second
 * that offers it. The words go into out; 1 resumed, 0 not, -1 unknown. */
static int ticket_pair(struct tp_audit *a, bool tls13, struct hs *first,
		       struct hs *second, char *out, size_t size)
{
	const char *v = tls13 ? "TLS1.3" : "TLS1.2";
	struct hs_opts o = {.priority = tls13 ? PRIO_TLS13 : PRIO_TLS12,
			    .sni = a->sni, .tickets = true,
			    .wait_ticket = tls13};

	handshake(a, &o, first);
	if (!first->done) {
		snprintf(out, size, "%s: the first handshake did not "
			 "complete: %s", v, first->why);
		return -1;
	}
	if (first->tickets == 0 || first->data.size == 0) {
		snprintf(out, size, "%s: no ticket issued", v);
		return 0;
	}
	o.resume = &first->data;
	o.early_data = tls13;
	handshake(a, &o, second);
	if (!second->done) {
		snprintf(out, size, "%s: a ticket issued (lifetime %" PRIu32
			 " s), but the handshake offering it did not "
			 "complete: %s", v, first->ticket_lifetime,
			 second->why);
		return -1;
	}
	snprintf(out, size, "%s: %s (ticket lifetime %s%" PRIu32 " s)", v,
		 second->resumed ? "resumed by ticket"
		 : "a ticket issued, but offering it got a full handshake",
		 tls13 ? "" : "hint ", first->ticket_lifetime);
	return second->resumed ? 1 : 0;
}

void tp_audit_resumption_ticket(struct tp_audit *a)
{
	char w12[300] = "", w13[300] = "";
	struct hs first = {0}, second = {0};
	int r12 = -2, r13 = -2;

	cache_for(a);
	if (speaks_tls12_or_older(a)) {
		r12 = ticket_pair(a, false, &first, &second, w12, sizeof(w12));
		hs_clear(&first);
		hs_clear(&second);
	}
	if (tp_audit_speaks(a, 0x0304) && !tp_audit_stopped(a)) {
		r13 = ticket_pair(a, true, &cache.t13_first,
				  &cache.t13_second, w13, sizeof(w13));
		drop_data(&cache.t13_first);
		drop_data(&cache.t13_second);
	} else if (tp_audit_speaks(a, 0x0304)) {
		snprintf(w13, sizeof(w13), "TLS1.3: not tried (the audit "
			 "stopped)");
		r13 = -1;
	}
	if (r12 == 1 || r13 == 1)
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_YES,
				"%s%s%s", w12, *w12 && *w13 ? "; " : "", w13);
	else if (r12 == -1 || r13 == -1)
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"%s%s%s", w12, *w12 && *w13 ? "; " : "", w13);
	else if (r12 == -2 && r13 == -2)
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"the server speaks no TLS version GnuTLS "
				"resumes (TLS 1.0 to 1.3)");
	else
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NO,
				"%s%s%s", w12, *w12 && *w13 ? "; " : "", w13);
}

void tp_audit_early_data(struct tp_audit *a)
{
	const struct hs *first = &cache.t13_first, *second = &cache.t13_second;

	cache_for(a);
	if (!tp_audit_speaks(a, 0x0304)) {
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"early data (0-RTT) is TLS 1.3's, and the "
				"server does not speak TLS 1.3");
	} else if (!first->done) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"no TLS 1.3 session to resume: %s",
				first->tried ? first->why : "not tried");
	} else if (first->tickets == 0) {
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NO,
				"the server issues no TLS 1.3 ticket, so no "
				"early data can be sent");
	} else if (first->max_early_data == 0) {
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NO,
				"the server's TLS 1.3 ticket allows no early "
				"data (no early_data extension)");
	} else if (!second->done || !second->sent_early) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"the ticket allows %" PRIu32 " bytes of early "
				"data, but %s", first->max_early_data,
				!second->done ? second->why
				: "GnuTLS would not send them on resumption");
	} else if (second->flags & GNUTLS_SFLAGS_EARLY_DATA) {
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_YES,
				"the server accepted early data (0-RTT) on "
				"resumption; its tickets allow %" PRIu32
				" bytes", first->max_early_data);
	} else {
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NO,
				"the ticket allows %" PRIu32 " bytes of early "
				"data, but the server refused them on "
				"resumption%s", first->max_early_data,
				second->resumed ? "" : " (and resumed nothing)");
	}
}

/* The common start of the checks read off the first TLS 1.2
 * handshake: NULL when the check has given its result. */
static const struct hs *base_for(struct tp_audit *a, const char *what)
{
	const struct hs *h;

	if (!speaks_tls12_or_older(a)) {
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"%s belongs to TLS 1.2 and older, and the "
				"server speaks only TLS 1.3", what);
		return NULL;
	}
	h = base(a, false);
	if (!h->done) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"the TLS 1.2 handshake did not complete: %s",
				h->tried ? h->why : "not tried");
		return NULL;
	}
	return h;
}

/* The result of a check of one extension the first TLS 1.2 handshake
 * offered: answered or ignored, in the words of the check. */
static void extension_result(struct tp_audit *a, const struct hs *h,
			     bool answered, const char *how, const char *ext,
			     const char *yes_note, const char *no_note)
{
	if (answered)
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_YES,
				"%s%s: the server answered the %s extension%s",
				h->version, how, ext, yes_note);
	else
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NO,
				"%s%s: the server ignored the %s extension%s",
				h->version, how, ext, no_note);
}

void tp_audit_extended_master_secret(struct tp_audit *a)
{
	const struct hs *h = base_for(a, "the extended master secret "
				      "(RFC 7627)");

	if (h != NULL)
		extension_result(a, h, h->flags &
				 GNUTLS_SFLAGS_EXT_MASTER_SECRET, "",
				 "extended_master_secret", "", " (RFC 7627): "
				 "its sessions are open to the triple "
				 "handshake attack");
}

void tp_audit_encrypt_then_mac(struct tp_audit *a)
{
	const struct hs *h = base_for(a, "encrypt-then-MAC (RFC 7366)");

	if (h == NULL)
		return;
	if (!h->cbc)
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"%s: no CBC suite negotiated (the cipher "
				"audit saw none GnuTLS offers, or the server "
				"refused them), and encrypt-then-MAC applies "
				"to CBC alone", h->version);
	else
		extension_result(a, h, h->flags & GNUTLS_SFLAGS_ETM,
				 " with a CBC suite", "encrypt_then_mac", "",
				 " (MAC-then-encrypt, the order padding "
				 "oracles feed on)");
}

void tp_audit_heartbeat(struct tp_audit *a)
{
	const struct hs *h = base_for(a, "the heartbeat extension "
				      "(RFC 6520) as GnuTLS offers it");

	if (h != NULL)
		extension_result(a, h, h->heartbeat, "", "heartbeat",
				 " (see heartbleed for whether it leaks)", "");
}

/* ---- ALPN ---- */

/* Protocols asked about: HTTP's two, then others seen on TLS ports. */
static const char *const alpn_known[] = {
	"h2", "http/1.1", "spdy/3.1", "acme-tls/1",
};
#define N_ALPN (sizeof(alpn_known) / sizeof(alpn_known[0]))

/* Offers what is left, drops what the server chose, until it chooses
 * nothing: one connection per accepted protocol, and one more. */
static int alpn_accepted(struct tp_audit *a, bool *accepted, char *why,
			 size_t size)
{
	const char *left[N_ALPN];
	struct hs_opts o = {.priority = prio_any(a), .sni = a->sni};
	struct hs h = {0};
	size_t i, n;

	for (;;) {
		for (i = n = 0; i < N_ALPN; i++)
			if (!accepted[i])
				left[n++] = alpn_known[i];
		if (n == 0)
			return 0;
		o.alpn = left;
		o.n_alpn = n;
		handshake(a, &o, &h);
		if (!h.done && h.alert == ALERT_NO_APPLICATION_PROTOCOL)
			break;
		if (!h.done) {
			snprintf(why, size, "%s", h.why);
			hs_clear(&h);
			return -1;
		}
		for (i = 0; i < N_ALPN; i++)
			if (!accepted[i] && strcmp(h.alpn, alpn_known[i]) == 0)
				break;
		if (i == N_ALPN)
			break;
		accepted[i] = true;
	}
	hs_clear(&h);
	return 0;
}

/* Whether a handshake without ALPN fails: 1 it does (no_application_
 * protocol), 0 it completes, -1 unknown. The first TLS 1.2 handshake
 * offered none and answers when it completed. */
static int alpn_required(struct tp_audit *a, char *why, size_t size)
{
	struct hs_opts o = {.priority = prio_any(a), .sni = a->sni};
	struct hs h = {0};
	int rc;

	cache_for(a);
	if (cache.base.done)
		return 0;
	handshake(a, &o, &h);
	rc = h.done ? 0 : h.alert == ALERT_NO_APPLICATION_PROTOCOL ? 1 : -1;
	if (rc < 0)
		snprintf(why, size, "%s", h.why);
	hs_clear(&h);
	return rc;
}

void tp_audit_alpn(struct tp_audit *a)
{
	bool accepted[N_ALPN] = {false};
	char why[200] = "", list[128] = "", refused[128] = "";
	size_t i, n = 0;
	int req;

	if (alpn_accepted(a, accepted, why, sizeof(why)) < 0) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"a handshake offering ALPN did not complete: "
				"%s", why);
		return;
	}
	for (i = 0; i < N_ALPN; i++) {
		char *to = accepted[i] ? list : refused;

		snprintf(to + strlen(to), 128 - strlen(to), "%s%s",
			 *to ? ", " : "", alpn_known[i]);
		n += accepted[i];
	}
	req = n > 0 ? alpn_required(a, why, sizeof(why)) : 0;
	if (req < 0)
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"accepts %s; a handshake without ALPN did not "
				"complete: %s", list, why);
	else if (n == 0)
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NO,
				"the server chose none of %s", refused);
	else
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_YES,
				"accepts %s%s%s; %s", list,
				*refused ? "; not " : "", refused,
				req ? "requires ALPN (a handshake without it "
				"ends with no_application_protocol)"
				: "does not require ALPN");
}

/* ---- the certificate without SNI ---- */

/* The leaf under the audit's SNI: the cipher audit's, or a handshake's. */
static const char *leaf_with_sni(struct tp_audit *a, struct hs *h,
				 const char **names)
{
	struct hs_opts o = {.priority = prio_any(a), .sni = a->sni};

	cache_for(a);
	*names = NULL;
	if (a->r->n_certs > 0 && a->r->certs[0].sha256[0] != '\0') {
		*names = a->r->certs[0].subject;
		return a->r->certs[0].sha256;
	}
	if (cache.base.done && cache.base.leaf_sha256[0] != '\0') {
		*names = cache.base.leaf_names;
		return cache.base.leaf_sha256;
	}
	handshake(a, &o, h);
	*names = h->leaf_names;
	return h->done && h->leaf_sha256[0] ? h->leaf_sha256 : NULL;
}

/* One other name's leaf, in words appended to out; true when it is
 * another certificate than ref. */
static bool compare_leaf(struct tp_audit *a, const char *sni,
			 const char *ref, char *out, size_t size, bool *served,
			 bool *unknown)
{
	struct hs_opts o = {.priority = prio_any(a), .sni = sni};
	const char *label = sni ? "with an unknown SNI" : "without SNI";
	size_t used = strlen(out);
	struct hs h = {0};
	bool differs = false;

	handshake(a, &o, &h);
	if (!h.done) {
		snprintf(out + used, size - used, "%s%s: %s", used ? "; " : "",
			 label, h.why);
		/* unrecognized_name is an answer (RFC 6066 section 3: no
		 * certificate for that name); anything else, none */
		*unknown |= h.alert != ALERT_UNRECOGNIZED_NAME;
	} else if (h.leaf_sha256[0] == '\0') {
		snprintf(out + used, size - used, "%s%s: no certificate",
			 used ? "; " : "", label);
	} else {
		differs = strcmp(h.leaf_sha256, ref) != 0;
		snprintf(out + used, size - used, "%s%s: %s", used ? "; " : "",
			 label, differs ? h.leaf_names : "the same certificate");
	}
	if (sni == NULL)
		*served = h.done;
	hs_clear(&h);
	return differs;
}

void tp_audit_default_certificate(struct tp_audit *a)
{
	struct hs own = {0};
	const char *names, *ref = leaf_with_sni(a, &own, &names);
	char words[900] = "";
	bool served = true, unknown = false, d1 = false, d2;
	struct tp_finding *f;

	if (ref == NULL) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"no certificate under the audit's own SNI to "
				"compare with: %s", own.why);
		hs_clear(&own);
		return;
	}
	if (a->sni != NULL)
		d1 = compare_leaf(a, NULL, ref, words, sizeof(words), &served,
				  &unknown);
	d2 = compare_leaf(a, UNKNOWN_SNI, ref, words, sizeof(words), &served,
			  &unknown);
	if (unknown)
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"%s", words);
	else
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE,
				served ? TP_SUPPORT_YES : TP_SUPPORT_NO,
				"%s (the audit's %s: %s)", words,
				a->sni ? "SNI" : "handshake", names ? names
				: ref);
	if ((d1 || d2) && !unknown &&
	    (f = tp_report_finding(a->r, TP_DEFAULT_CERT_DIFFERS,
				   "the server presents another certificate "
				   "%s than under %s", d1 ? "without SNI"
				   : "for an unknown name", a->sni ? a->sni
				   : "its address")) != NULL)
		tp_finding_detail(f, "%s", words);
	hs_clear(&own);
}
