/*
 * tlsprobe pcap: the TLS handshakes of a capture file or a live
 * interface, one summary per TCP connection that carried TLS, and
 * findings for the ones that failed.
 *
 * Frames are decoded by capture.c and followed by flows.c; each TLS
 * connection is handed over when it ends and only its summary is kept,
 * so memory grows with the number of handshakes listed, never with the
 * size of the capture. Findings are grouped (one per alert and side, one
 * per side that reset), each naming a few of its connections.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "alloc.h"
#include "flows.h"
#include "cert.h"
#include "diag.h"
#include "ja.h"
#include "registry.h"
#include "wire.h"

/* Connections named in a grouped finding; the rest are counted. */
#define LIST_MAX 5
/* NSS key log: longest line, and most secrets held. */
#define KEYLOG_LINE_MAX 1024
#define KEYLOG_MAX 1000000
/* Frames between two looks at *stop and the progress callback. */
#define CHECK_EVERY 4096

/* One secret of an NSS key log: which client random, which label. */
struct keylog_entry {
	uint8_t random[32];
	uint32_t label;  /* FNV-1a of the label: distinct labels count once */
};

struct keylog {
	struct keylog_entry *v;
	size_t n;
};

/* Certificates already described: a busy server sends the same chain
 * in every handshake, and decoding X.509 costs more than the rest of a
 * connection. */
#define CERT_CACHE 32

struct cert_cache {
	uint8_t *der;
	size_t len;
	struct tp_cert_info info;
	unsigned used;           /* clock of the last use, 0: empty */
};

/* Connections that share a finding: how many, and the first few. */
struct conn_group {
	uint8_t level, desc;     /* alerts */
	bool from_server;        /* who sent the alert, or the reset */
	unsigned count;
	char conns[LIST_MAX][320];
	size_t n_conns;
};

struct pcap_run {
	const struct tp_pcap_opts *o;
	struct tp_report *r;
	int host_family;         /* 0: no --host */
	uint8_t host_addr[16];
	struct keylog keylog;
	bool use_keylog;
	struct conn_group *alerts;
	size_t n_alerts;
	struct conn_group resets[2];  /* [0] client, [1] server */
	struct conn_group conflicts;  /* TCP overlaps that disagreed */
	unsigned long long frames, tcp_frames;
	bool no_memory;
	double last_progress;
	const char *source;      /* the file or live:IFACE, raw */
	struct cert_cache certs[CERT_CACHE];
	unsigned cert_clock;
};

/* ---- the NSS key log ---- */

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (hex_value((unsigned char)s[i]) < 0)
			return false;
	return true;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct keylog_entry *x = a, *y = b;
	int c = memcmp(x->random, y->random, sizeof(x->random));

	if (c != 0)
		return c;
	return x->label < y->label ? -1 : x->label > y->label;
}

/*
 * Parses one line "LABEL <client_random hex> <secret hex>" (the NSS key
 * log format, as written by NSS, OpenSSL, GnuTLS and curl). Returns 1
 * with *e filled, 0 for a line that holds no client random (blank, a
 * comment, an RSA pre-master line), -1 with why set when malformed.
 */
static int keylog_parse_line(char *line, struct keylog_entry *e,
			     const char **why)
{
	char *field[3], *p = line;
	size_t len[3], i, n = 0;
	uint32_t h = 2166136261u;

	while (n < 3) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		field[n] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		len[n] = (size_t)(p - field[n]);
		n++;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (n == 0 || field[0][0] == '#')
		return 0;
	if (n < 3 || *p != '\0') {
		*why = "expected three fields: LABEL CLIENT_RANDOM SECRET";
		return -1;
	}
	for (i = 0; i < len[0]; i++) {
		unsigned char c = (unsigned char)field[0][i];

		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_') || i >= 64) {
			*why = "the label is not a key log label "
			       "(CLIENT_RANDOM, CLIENT_TRAFFIC_SECRET_0, …)";
			return -1;
		}
		h = (h ^ c) * 16777619u;
	}
	/* RSA lines key the pre-master secret by the first 8 bytes of its
	 * encryption, not by a client random */
	if (len[0] == 3 && memcmp(field[0], "RSA", 3) == 0) {
		if (len[1] != 16 || !is_hex(field[1], 16) || len[2] % 2 != 0 ||
		    !is_hex(field[2], len[2])) {
			*why = "an RSA line needs 16 hex digits, then the "
			       "pre-master secret in hex";
			return -1;
		}
		return 0;
	}
	if (len[1] != 64 || !is_hex(field[1], 64)) {
		*why = "the client random is not 64 hex digits";
		return -1;
	}
	if (len[2] < 2 || len[2] > 256 || len[2] % 2 != 0 ||
	    !is_hex(field[2], len[2])) {
		*why = "the secret is not 1 to 128 bytes in hex";
		return -1;
	}
	for (i = 0; i < 32; i++)
		e->random[i] = (uint8_t)(hex_value((unsigned char)field[1][2 * i])
			       << 4 | hex_value((unsigned char)field[1][2 * i + 1]));
	e->label = h;
	return 1;
}

/* Reads a key log file into k, sorted by client random, each (random,
 * label) once. A usage error names the file and the line. */
static int keylog_read(const char *path, struct keylog *k,
		       struct tp_error *err)
{
	char line[KEYLOG_LINE_MAX + 2];
	struct keylog_entry e, *v;
	size_t cap = 0, i, out;
	unsigned long lineno = 0;
	const char *why = NULL;
	FILE *f;
	int rc;

	k->v = NULL;
	k->n = 0;
	f = fopen(path, "r");
	if (f == NULL) {
		int saved = errno;

		tp_error_set(err, TP_ERR_USAGE, "{keylog} %s: cannot read it: "
			     "%s", path, strerror(saved));
		if (err != NULL)
			err->sys_errno = saved;
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(f) || len > KEYLOG_LINE_MAX) {
			/* a NUL byte ends the string early and lands here too */
			tp_error_set(err, TP_ERR_USAGE, "{keylog} %s:%lu: line "
				     "longer than %d bytes (or holding a NUL "
				     "byte): not an NSS key log", path, lineno,
				     KEYLOG_LINE_MAX);
			goto err;
		}
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		rc = keylog_parse_line(line, &e, &why);
		if (rc < 0) {
			tp_error_set(err, TP_ERR_USAGE, "{keylog} %s:%lu: %s",
				     path, lineno, why);
			goto err;
		}
		if (rc == 0)
			continue;
		if (k->n == KEYLOG_MAX) {
			tp_error_set(err, TP_ERR_USAGE, "{keylog} %s:%lu: more "
				     "than %d secrets; split the file", path,
				     lineno, KEYLOG_MAX);
			goto err;
		}
		if (k->n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(k->v, cap * sizeof(*v));
			if (v == NULL) {
				tp_error_set(err, TP_ERR_RUNTIME, "out of memory "
					     "reading {keylog} %s", path);
				goto err;
			}
			k->v = v;
		}
		k->v[k->n++] = e;
	}
	if (ferror(f)) {
		tp_error_set(err, TP_ERR_USAGE, "{keylog} %s: cannot read it: "
			     "%s", path, strerror(errno));
		goto err;
	}
	fclose(f);
	if (k->n > 0)
		qsort(k->v, k->n, sizeof(*k->v), entry_cmp);
	for (i = 0, out = 0; i < k->n; i++)
		if (out == 0 || entry_cmp(&k->v[out - 1], &k->v[i]) != 0)
			k->v[out++] = k->v[i];
	k->n = out;
	return 0;
err:
	fclose(f);
	free(k->v);
	k->v = NULL;
	k->n = 0;
	return -1;
}

/* How many distinct secrets the key log holds for a client random. */
static int keylog_count(const struct keylog *k, const uint8_t random[32])
{
	size_t lo = 0, hi = k->n, mid;
	int n = 0;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (memcmp(k->v[mid].random, random, 32) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo < k->n && memcmp(k->v[lo].random, random, 32) == 0) {
		n++;
		lo++;
	}
	return n;
}

/* ---- filters ---- */

/* Parses an --host value: an IPv4 or IPv6 address, brackets allowed. */
static int parse_host(const char *s, int *family, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(s);

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		if (len - 2 >= sizeof(buf))
			return -1;
		memcpy(buf, s + 1, len - 2);
		buf[len - 2] = '\0';
		s = buf;
	}
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

/* Splits "192.0.2.1:443" or "[2001:db8::1]:443"; -1 if neither. */
static int split_endpoint(const char *ep, char *addr, size_t size,
			  unsigned *port)
{
	const char *colon, *start = ep, *end;

	if (ep[0] == '[') {
		start = ep + 1;
		end = strchr(start, ']');
		if (end == NULL || end[1] != ':')
			return -1;
		colon = end + 1;
	} else {
		colon = strrchr(ep, ':');
		if (colon == NULL)
			return -1;
		end = colon;
	}
	if ((size_t)(end - start) >= size)
		return -1;
	memcpy(addr, start, (size_t)(end - start));
	addr[end - start] = '\0';
	*port = (unsigned)strtoul(colon + 1, NULL, 10);
	return 0;
}

/* Whether an "ip:port" endpoint has the --host address / --port. */
static bool endpoint_has(const struct pcap_run *run, const char *ep,
			 bool want_host)
{
	char addr[INET6_ADDRSTRLEN + 1];
	uint8_t bin[16];
	unsigned port;

	if (split_endpoint(ep, addr, sizeof(addr), &port) < 0)
		return false;
	if (!want_host)
		return port == run->o->port;
	return inet_pton(run->host_family, addr, bin) == 1 &&
	       memcmp(bin, run->host_addr,
		      run->host_family == AF_INET ? 4 : 16) == 0;
}

/* --host and --port: either end each; --sni: exact, case-insensitive. */
static bool selected(const struct pcap_run *run, const struct tp_tls_conn *c)
{
	const struct tp_pcap_opts *o = run->o;

	if (o->sni != NULL &&
	    (!c->has_client_hello || !c->ch.has_sni ||
	     c->ch.sni_len != strlen(o->sni) ||
	     strcasecmp(c->ch.sni, o->sni) != 0))
		return false;
	if (run->host_family != 0 && !endpoint_has(run, c->client, true) &&
	    !endpoint_has(run, c->server, true))
		return false;
	if (o->port != 0 && !endpoint_has(run, c->client, false) &&
	    !endpoint_has(run, c->server, false))
		return false;
	return true;
}

/* ---- one connection ---- */

/* The description of one certificate, from the cache or decoded into
 * it (the least recently used entry makes room); NULL when it does not
 * parse. */
static const struct tp_cert_info *cert_lookup(struct pcap_run *run,
					      const uint8_t *der, size_t len)
{
	gnutls_datum_t d = {(unsigned char *)der, (unsigned)len};
	struct cert_cache *e, *victim = &run->certs[0];
	gnutls_x509_crt_t crt;
	size_t i;
	bool ok;

	for (i = 0; i < CERT_CACHE; i++) {
		e = &run->certs[i];
		if (e->used != 0 && e->len == len &&
		    memcmp(e->der, der, len) == 0) {
			e->used = ++run->cert_clock;
			return &e->info;
		}
		if (e->used < victim->used)
			victim = e;
	}
	errno = 0;  /* GnuTLS's one witness of a failed allocation */
	if (gnutls_x509_crt_init(&crt) < 0) {
		tp_alloc_note();
		return NULL;
	}
	ok = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) == 0;
	if (!ok && errno == ENOMEM)
		tp_alloc_note();
	e = victim;
	if (ok) {
		if (e->used != 0) {
			free(e->der);
			tp_cert_info_clear(&e->info);
			memset(e, 0, sizeof(*e));
		}
		e->der = malloc(len);
		if (e->der == NULL) {
			ok = false;
		} else {
			memcpy(e->der, der, len);
			e->len = len;
			tp_cert_describe(crt, &e->info);
			e->used = ++run->cert_clock;
		}
	}
	gnutls_x509_crt_deinit(crt);
	return ok ? &e->info : NULL;
}

static void cert_cache_free(struct pcap_run *run)
{
	size_t i;

	for (i = 0; i < CERT_CACHE; i++) {
		if (run->certs[i].used == 0)
			continue;
		free(run->certs[i].der);
		tp_cert_info_clear(&run->certs[i].info);
	}
}

/* borrow: the entries share the cache's strings (a handshake that is
 * streamed and dropped at once); else they own copies. */
static void describe_certs(struct pcap_run *run, const struct tp_tls_conn *c,
			   struct tp_handshake *h, bool borrow)
{
	size_t i;

	if (c->n_certs == 0)
		return;
	h->certs = calloc(c->n_certs, sizeof(*h->certs));
	if (h->certs == NULL)
		return;
	for (i = 0; i < c->n_certs; i++) {
		const struct tp_cert_info *ci = cert_lookup(run, c->certs[i],
							    c->cert_len[i]);

		if (ci == NULL)
			continue;
		if (borrow)
			h->certs[h->n_certs] = *ci;
		else if (tp_cert_info_copy(&h->certs[h->n_certs], ci) < 0)
			continue;
		h->certs[h->n_certs++].position = (int)i;
	}
}

static void utc_time(double t, char *buf, size_t size)
{
	time_t s = (time_t)t;
	unsigned ms = (unsigned)((t - (double)s) * 1000) % 1000;
	char date[24];
	struct tm tm;

	if (gmtime_r(&s, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, "%.23s.%03uZ", date, ms);
}

static void group_add(struct conn_group *g, const struct tp_tls_conn *c)
{
	char when[32];

	g->count++;
	if (g->n_conns == LIST_MAX)
		return;
	utc_time(c->t_first, when, sizeof(when));
	/* cut at whole characters, as the finding's setter wants them */
	snprintf(g->conns[g->n_conns++], sizeof(g->conns[0]),
		 "%.*s -> %.*s at %.31s", (int)tp_utf8_prefix(c->client, 63),
		 c->client, (int)tp_utf8_prefix(c->server, 63), c->server,
		 when);
}

static void note_alert(struct pcap_run *run, const struct tp_tls_conn *c)
{
	struct conn_group *g;
	size_t i;

	/* an encrypted alert may be a close_notify: only plaintext ones
	 * say what went wrong */
	if (!c->has_alert || c->alert_encrypted ||
	    (c->alert_level == 1 && c->alert_desc == 0))
		return;
	for (i = 0; i < run->n_alerts; i++) {
		g = &run->alerts[i];
		if (g->level == c->alert_level && g->desc == c->alert_desc &&
		    g->from_server == c->alert_from_server) {
			group_add(g, c);
			return;
		}
	}
	g = realloc(run->alerts, (run->n_alerts + 1) * sizeof(*g));
	if (g == NULL) {
		run->no_memory = true;
		return;
	}
	run->alerts = g;
	g = &run->alerts[run->n_alerts++];
	memset(g, 0, sizeof(*g));
	g->level = c->alert_level;
	g->desc = c->alert_desc;
	g->from_server = c->alert_from_server;
	group_add(g, c);
}

static int count_add(struct tp_count **v, size_t *n, const char *name)
{
	struct tp_count *grown;
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*v)[i].name, name) == 0) {
			(*v)[i].n++;
			return 0;
		}
	}
	grown = realloc(*v, (*n + 1) * sizeof(**v));
	if (grown == NULL)
		return -1;
	*v = grown;
	grown[*n].name = strdup(name);
	if (grown[*n].name == NULL)
		return -1;
	grown[(*n)++].n = 1;
	return 0;
}

static void fill_alert(const struct tp_tls_conn *c, struct tp_handshake *h)
{
	const struct tp_alert_info *a;

	h->has_alert = true;
	h->alert_from_server = c->alert_from_server;
	h->alert_inferred = c->alert_inferred;
	if (c->alert_encrypted) {
		snprintf(h->alert_level, sizeof(h->alert_level), "unknown");
		snprintf(h->alert_description, sizeof(h->alert_description),
			 "encrypted");
		return;
	}
	if (c->alert_level == 1 || c->alert_level == 2)
		snprintf(h->alert_level, sizeof(h->alert_level), "%s",
			 c->alert_level == 2 ? "fatal" : "warning");
	else
		snprintf(h->alert_level, sizeof(h->alert_level), "%u",
			 c->alert_level);
	a = tp_registry_alert(c->alert_desc);
	if (a != NULL)
		snprintf(h->alert_description, sizeof(h->alert_description),
			 "%s", a->name);
	else
		snprintf(h->alert_description, sizeof(h->alert_description),
			 "unassigned_%u", c->alert_desc);
}

/* The protocols the ClientHello offered, in its order. */
static void fill_alpn_offered(struct pcap_run *run,
			      const struct tp_tls_conn *c,
			      struct tp_handshake *h)
{
	size_t i, n = c->ch.n_alpn;

	if (n == 0)
		return;
	if (n > TP_CH_MAX_ALPN)
		n = TP_CH_MAX_ALPN;
	h->alpn_offered = calloc(n, sizeof(*h->alpn_offered));
	if (h->alpn_offered == NULL) {
		tp_alloc_note();
		run->no_memory = true;
		return;
	}
	for (i = 0; i < n; i++) {
		h->alpn_offered[i] = tp_sanitize(c->ch.alpn[i],
						 c->ch.alpn_len[i]);
		if (h->alpn_offered[i] == NULL) {
			run->no_memory = true;
			break;
		}
		h->n_alpn_offered++;
	}
}

static void fill(struct pcap_run *run, const struct tp_tls_conn *c,
		 struct tp_handshake *h)
{
	char id[8];

	h->client = tp_report_strdup(c->client);
	h->server = tp_report_strdup(c->server);
	if (c->has_client_hello) {
		if (c->ch.has_sni)
			h->sni = tp_sanitize(c->ch.sni, c->ch.sni_len);
		fill_alpn_offered(run, c, h);
		tp_ja3(&c->ch, h->ja3, NULL, 0);
		tp_ja4(&c->ch, false, h->ja4);
		if (run->use_keylog)
			h->keylog_secrets = keylog_count(&run->keylog,
							 c->ch.random);
	} else if (run->use_keylog) {
		h->keylog_secrets = 0;
	}
	if (c->has_server_hello) {
		const char *v = tp_wire_version_name(c->sh.version);

		/* the server's choice is in its ServerHello up to TLS 1.2;
		 * TLS 1.3 moved it into EncryptedExtensions (RFC 8446
		 * section 4.3.1), which nothing here decrypts: none seen */
		if (c->sh.has_alpn)
			h->alpn = tp_sanitize(c->sh.alpn, c->sh.alpn_len);
		const struct tp_suite *s = tp_registry_suite(c->sh.suite);

		snprintf(id, sizeof(id), "0x%04X", c->sh.version);
		h->version = tp_report_strdup(v != NULL ? v : id);
		snprintf(id, sizeof(id), "0x%04X", c->sh.suite);
		h->cipher = tp_report_strdup(s != NULL ? s->iana : id);
		tp_ja3s(&c->sh, h->ja3s, NULL, 0);
	}
	describe_certs(run, c, h, run->o->on_handshake != NULL);
	if (c->has_alert)
		fill_alert(c, h);
	snprintf(h->outcome, sizeof(h->outcome), "%s",
		 tp_flows_conn_outcome(c));
	snprintf(h->history, sizeof(h->history), "%s", c->history);
	if (c->starttls != TP_STARTTLS_NONE)
		snprintf(h->starttls, sizeof(h->starttls), "%s",
			 tp_starttls_name(c->starttls));
	if (c->tunnel != TP_TUNNEL_NONE) {
		snprintf(h->tunnel, sizeof(h->tunnel), "%s",
			 tp_tunnel_name(c->tunnel));
		/* the client's words, from the network */
		if (c->tunnel_target != NULL)
			h->tunnel_target = tp_sanitize(c->tunnel_target,
						       strlen(c->tunnel_target));
	}
	/* capture files keep microseconds at most */
	h->tcp_conflicts = c->tcp_conflicts;
	h->t_start = round(c->t_first * 1e6) / 1e6;
	h->duration_ms = round((c->t_last - c->t_first) * 1e6) / 1e3;
}

/* A connection whose TCP segments disagreed: where the first
 * disagreement was, in the words of a person reading the capture. */
static void conflict_add(struct conn_group *g, const struct tp_tls_conn *c)
{
	size_t listed = g->n_conns, used;
	char *entry;

	group_add(g, c);
	if (g->n_conns == listed)
		return;  /* counted, not listed */
	entry = g->conns[listed];
	used = strlen(entry);
	snprintf(entry + used, sizeof(g->conns[0]) - used,
		 ": %u byte%s of the %s's stream at relative seq %" PRIu32
		 " (seq %" PRIu32 ")%s", c->conflict_bytes,
		 c->conflict_bytes == 1 ? "" : "s",
		 c->conflict_from_server ? "server" : "client",
		 c->conflict_offset, c->conflict_seq,
		 c->tcp_conflicts > 1 ? ", and later segments" : "");
}

/* tp_flows hands over each TLS connection here as it ends. */
static void on_conn(void *arg, const struct tp_tls_conn *c)
{
	struct pcap_run *run = arg;
	struct tp_pcap_summary *s = run->r->pcap;
	struct tp_handshake one = {.client = NULL}, *h;

	if (!selected(run, c))
		return;
	if (run->o->on_handshake != NULL) {
		h = &one;
		h->keylog_secrets = -1;
	} else {
		h = tp_report_add_handshake(run->r);
		if (h == NULL) {
			run->no_memory = true;
			return;
		}
	}
	fill(run, c, h);
	s->handshakes++;
	if (s->t_first == 0 || h->t_start < s->t_first)
		s->t_first = h->t_start;
	if (count_add(&s->by_version, &s->n_by_version,
		      h->version ? h->version : "none") < 0 ||
	    count_add(&s->by_cipher, &s->n_by_cipher,
		      h->cipher ? h->cipher : "none") < 0 ||
	    count_add(&s->by_outcome, &s->n_by_outcome, h->outcome) < 0 ||
	    (h->starttls[0] != '\0' &&
	     count_add(&s->by_starttls, &s->n_by_starttls, h->starttls) < 0) ||
	    (h->tunnel[0] != '\0' &&
	     count_add(&s->by_tunnel, &s->n_by_tunnel, h->tunnel) < 0))
		run->no_memory = true;
	note_alert(run, c);
	if (c->tcp_conflicts > 0)
		conflict_add(&run->conflicts, c);
	if ((c->rst_client || c->rst_server) && !c->has_alert &&
	    !tp_flows_conn_established(c))
		group_add(&run->resets[c->rst_server && !c->rst_client], c);
	if (h == &one) {
		run->o->on_handshake(run->o->handshake_arg, h);
		free(h->certs);  /* borrowed from the cache */
		h->certs = NULL;
		h->n_certs = 0;
		tp_handshake_clear(h);
	}
}

/* ---- the run ---- */

static int handshake_cmp(const void *a, const void *b)
{
	const struct tp_handshake *x = a, *y = b;
	int c;

	if (x->t_start != y->t_start)
		return x->t_start < y->t_start ? -1 : 1;
	c = strcmp(x->client ? x->client : "", y->client ? y->client : "");
	if (c != 0)
		return c;
	return strcmp(x->server ? x->server : "", y->server ? y->server : "");
}

static int count_cmp(const void *a, const void *b)
{
	const struct tp_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int group_cmp(const void *a, const void *b)
{
	const struct conn_group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	if (x->desc != y->desc)
		return x->desc < y->desc ? -1 : 1;
	return x->from_server ? -1 : y->from_server;
}

/* "a -> b at t, c -> d at t and 3 more" */
static void group_detail(struct tp_finding *f, const struct conn_group *g,
			 const char *what)
{
	char list[LIST_MAX * 330] = "";
	size_t i, len = 0;

	for (i = 0; i < g->n_conns && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? "; " : "", g->conns[i]);
	if (g->count > g->n_conns)
		tp_finding_detail(f, "%s: %s; and %u more", what, list,
				  g->count - (unsigned)g->n_conns);
	else
		tp_finding_detail(f, "%s: %s", what, list);
}

static void alert_findings(struct pcap_run *run)
{
	size_t i;

	if (run->n_alerts > 1)
		qsort(run->alerts, run->n_alerts, sizeof(*run->alerts),
		      group_cmp);
	for (i = 0; i < run->n_alerts; i++) {
		const struct conn_group *g = &run->alerts[i];
		const struct tp_alert_info *a = tp_registry_alert(g->desc);
		const char *who = g->from_server ? "server" : "client";
		const char *level = g->level == 2 ? "fatal"
				    : g->level == 1 ? "warning" : "level-?";
		char name[32];
		struct tp_finding *f;

		if (a != NULL)
			snprintf(name, sizeof(name), "%s", a->name);
		else
			snprintf(name, sizeof(name), "unassigned_%u", g->desc);
		f = tp_report_finding(run->r, TP_ALERT_RECEIVED, "the %s sent "
				      "a %s alert %s in %u connection%s%s%s",
				      who, level, name, g->count,
				      g->count == 1 ? "" : "s",
				      a != NULL ? ": " : "",
				      a != NULL ? a->meaning : "");
		if (f == NULL) {
			run->no_memory = true;
			continue;
		}
		f->side = g->from_server ? TP_SIDE_SERVER : TP_SIDE_CLIENT;
		if (g->level != 2)
			f->severity = TP_SEV_WARNING;
		group_detail(f, g, "seen in the capture, in plaintext, before "
			     "the handshake completed or instead of it");
		if (!g->from_server)
			tp_finding_fix(f, "look at the client's log for the "
				       "reason it sent this alert");
	}
}

static void reset_findings(struct pcap_run *run)
{
	int side;

	for (side = 1; side >= 0; side--) {
		const struct conn_group *g = &run->resets[side];
		struct tp_finding *f;

		if (g->count == 0)
			continue;
		f = tp_report_finding(run->r, TP_RESET_DURING_HANDSHAKE,
				      "%u TLS connection%s reset by the %s "
				      "before the handshake completed",
				      g->count, g->count == 1 ? " was" : "s were",
				      side ? "server end" : "client end");
		if (f == NULL) {
			run->no_memory = true;
			continue;
		}
		group_detail(f, g, "a TCP reset after the ClientHello, before "
			     "both sides had sent change_cipher_spec or "
			     "application data (a middlebox may send it in "
			     "either end's name)");
	}
}

static void conflict_finding(struct pcap_run *run)
{
	const struct conn_group *g = &run->conflicts;
	struct tp_finding *f;

	if (g->count == 0)
		return;
	f = tp_diag_overlap_conflict(run->r, g->count);
	if (f == NULL) {
		run->no_memory = true;
		return;
	}
	group_detail(f, g, tp_diag_overlap_why);
}

static void finish(struct pcap_run *run, struct tp_flows *flows)
{
	struct tp_report *r = run->r;
	struct tp_pcap_summary *s = r->pcap;
	struct tp_flows_stats stats;

	tp_flows_flush(flows);
	tp_flows_stats(flows, &stats);
	s->frames = run->frames;
	s->tcp_frames = run->tcp_frames;
	s->flows = stats.flows;
	s->tls_flows = stats.tls_flows;
	s->evicted = stats.evicted;
	s->peak_buffer = stats.peak_bytes;
	s->starttls_refused = stats.starttls_refused;
	s->tunnels_refused = stats.tunnels_refused;
	s->tunnels_without_tls = stats.tunnels_without_tls;
	s->over_budget = stats.over_budget;
	if (r->n_handshakes > 1)
		qsort(r->handshakes, r->n_handshakes, sizeof(*r->handshakes),
		      handshake_cmp);
	if (s->n_by_version > 1)
		qsort(s->by_version, s->n_by_version, sizeof(*s->by_version),
		      count_cmp);
	if (s->n_by_cipher > 1)
		qsort(s->by_cipher, s->n_by_cipher, sizeof(*s->by_cipher),
		      count_cmp);
	if (s->n_by_outcome > 1)
		qsort(s->by_outcome, s->n_by_outcome, sizeof(*s->by_outcome),
		      count_cmp);
	if (s->n_by_starttls > 1)
		qsort(s->by_starttls, s->n_by_starttls,
		      sizeof(*s->by_starttls), count_cmp);
	if (s->n_by_tunnel > 1)
		qsort(s->by_tunnel, s->n_by_tunnel, sizeof(*s->by_tunnel),
		      count_cmp);
	alert_findings(run);
	reset_findings(run);
	conflict_finding(run);
}

static void progress(struct pcap_run *run, bool force)
{
	double now;

	if (run->o->progress == NULL)
		return;
	now = tp_now_ms();
	if (!force && now - run->last_progress < 200)
		return;
	run->last_progress = now;
	run->o->progress(run->o->progress_arg, run->frames,
			 (unsigned)run->r->n_handshakes);
}

static bool stopped(const struct pcap_run *run)
{
	return run->o->stop != NULL && *run->o->stop;
}

/* One frame from the capture: 1, or 0 when the source is done (live:
 * nothing waiting), -1 when it failed. */
static int feed_one(struct pcap_run *run, struct tp_capture *cap,
		    struct tp_flows *flows, struct tp_error *cerr)
{
	struct tp_pkt pkt;
	int rc = tp_capture_next(cap, &pkt, cerr);

	if (rc <= 0)
		return rc;
	run->frames++;
	if (rc == 1) {
		run->tcp_frames++;
		tp_flows_add(flows, &pkt);
	}
	return 1;
}

static void truncated(struct pcap_run *run, const struct tp_error *cerr)
{
	struct tp_finding *f;

	run->r->pcap->truncated = true;
	f = tp_report_finding(run->r, TP_CAPTURE_TRUNCATED, "%s ends early: "
			      "%llu frames read before it", run->source,
			      run->frames);
	if (f != NULL)
		tp_finding_detail(f, "%s", cerr->raw[0] ? cerr->raw
				  : "the capture library reported an error");
}

static void read_file(struct pcap_run *run, struct tp_capture *cap,
		      struct tp_flows *flows)
{
	struct tp_error cerr = {0};
	int rc;

	while ((rc = feed_one(run, cap, flows, &cerr)) > 0) {
		if (run->frames % CHECK_EVERY == 0) {
			if (stopped(run))
				return;
			progress(run, false);
		}
	}
	if (rc < 0)
		truncated(run, &cerr);
}

static void read_live(struct pcap_run *run, struct tp_capture *cap,
		      struct tp_flows *flows)
{
	double end = run->o->live_seconds > 0
		     ? tp_now_ms() + run->o->live_seconds * 1000 : 0;
	struct pollfd pfd = {.fd = tp_capture_fd(cap), .events = POLLIN};
	struct tp_error cerr = {0};
	int rc, wait;

	while (!stopped(run)) {
		double left = end > 0 ? end - tp_now_ms() : 200;

		if (left <= 0)
			break;
		wait = left > 200 ? 200 : (int)left + 1;
		if (pfd.fd >= 0 && poll(&pfd, 1, wait) < 0 && errno != EINTR)
			break;
		while ((rc = feed_one(run, cap, flows, &cerr)) > 0)
			if (run->frames % CHECK_EVERY == 0 && stopped(run))
				break;
		if (rc < 0) {
			truncated(run, &cerr);
			break;
		}
		progress(run, false);
	}
}

int tp_pcap_opts_check(const struct tp_pcap_opts *o, struct tp_error *err)
{
	uint8_t addr[16];
	int family;

	if ((o->file == NULL) == (o->live == NULL)) {
		tp_error_set(err, TP_ERR_USAGE, "give either a capture file or "
			     "{live} IFACE");
		return -1;
	}
	if (o->host != NULL && parse_host(o->host, &family, addr) < 0) {
		tp_error_set(err, TP_ERR_USAGE, "{host} '%s': expected an IPv4 "
			     "or IPv6 address", o->host);
		return -1;
	}
	if (o->port > 65535) {
		tp_error_set(err, TP_ERR_USAGE, "{port} %u: expected 1 to "
			     "65535", o->port);
		return -1;
	}
	return 0;
}

static int check_opts(const struct tp_pcap_opts *o, struct pcap_run *run,
		      struct tp_error *err)
{
	if (tp_pcap_opts_check(o, err) < 0)
		return -1;
	/* the address the check accepted, in the form flows are matched */
	if (o->host != NULL)
		(void)parse_host(o->host, &run->host_family, run->host_addr);
	if (o->keylog_file != NULL) {
		if (keylog_read(o->keylog_file, &run->keylog, err) < 0)
			return -1;
		run->use_keylog = true;
	}
	return 0;
}

int tp_pcap_run(const struct tp_pcap_opts *o, struct tp_report *r,
		struct tp_error *err)
{
	struct pcap_run run = {.o = o, .r = r};
	struct tp_capture *cap = NULL;
	struct tp_flows *flows = NULL;
	double t0 = tp_now_ms();
	char source[300];
	int ret = -1;

	if (check_opts(o, &run, err) < 0)
		return -1;
	r->pcap = calloc(1, sizeof(*r->pcap));
	if (r->pcap == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
		goto out;
	}
	/* raw, cut at a whole character: r->pcap->source is its
	 * sanitised copy, and findings quote this one through their
	 * setters, which sanitise */
	run.source = source;
	if (o->file != NULL) {
		snprintf(source, sizeof(source), "%.*s",
			 (int)tp_utf8_prefix(o->file, sizeof(source) - 1),
			 o->file);
		if (tp_capture_open_file(o->file, &cap, err) < 0)
			goto out;
	} else {
		snprintf(source, sizeof(source), "live:%.*s",
			 (int)tp_utf8_prefix(o->live, sizeof(source) - 6),
			 o->live);
		if (tp_capture_open_live(o->live, NULL, &cap, err) < 0)
			goto out;
	}
	r->pcap->source = tp_report_strdup(source);
	flows = tp_flows_new(o->max_flows, 0, on_conn, &run);
	if (r->pcap->source == NULL || flows == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
		goto out;
	}
	if (o->file != NULL)
		read_file(&run, cap, flows);
	else
		read_live(&run, cap, flows);
	finish(&run, flows);
	progress(&run, true);
	if (run.no_memory) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory after %llu "
			     "frames of %s", run.frames, source);
		goto out;
	}
	r->pcap->ms = round((tp_now_ms() - t0) * 1e3) / 1e3;
	r->total_ms = r->pcap->ms;
	ret = 0;
out:
	if (flows != NULL)
		tp_flows_free(flows);
	if (cap != NULL)
		tp_capture_close(cap);
	free(run.keylog.v);
	free(run.alerts);
	cert_cache_free(&run);
	return ret;
}
