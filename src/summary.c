/*
 * The summary of many-target runs: reads client and ciphers records
 * (JSON Lines) into tables keyed by endpoint, then builds the summary
 * document: totals, grades, codes and the targets that have them,
 * certificates (expiring, shared, weak keys) and keys shared, the
 * routing map of every
 * name with its ADDRESSES_DIFFER findings, and the changes since a
 * baseline. The views are in summary_view.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

/* The targets listed for one code: enough to act on, bounded. */
#define MAX_CODE_TARGETS 50
/* Error records listed one by one; the rest are only counted. */
#define MAX_ERROR_RECORDS 100

enum { V_PASS, V_WARN, V_FAIL, V_ERROR, V_COUNT };
static const char *const verdict_names[V_COUNT] = {"pass", "warn", "fail",
						   "error"};

struct tp_summary {
	time_t now;
	unsigned days;
	unsigned long records;
	unsigned long verdicts[V_COUNT];
	unsigned long malformed;
	bool any_error;        /* an error finding or an error record */
	json_t *grades;        /* grade -> count */
	json_t *codes;         /* code -> count */
	json_t *code_targets;  /* code -> [endpoint key] */
	json_t *endpoints;     /* endpoint key -> what it reached */
	json_t *errors;        /* the error records, first of them */
	json_t *malformed_msgs;
	struct tp_summary *baseline;
	json_t *doc;
};

struct tp_summary *tp_summary_new(time_t now, unsigned days)
{
	struct tp_summary *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->now = now;
	s->days = days;
	s->grades = json_object();
	s->codes = json_object();
	s->code_targets = json_object();
	s->endpoints = json_object();
	s->errors = json_array();
	s->malformed_msgs = json_array();
	if (!s->grades || !s->codes || !s->code_targets || !s->endpoints ||
	    !s->errors || !s->malformed_msgs) {
		tp_summary_free(s);
		return NULL;
	}
	return s;
}

void tp_summary_free(struct tp_summary *s)
{
	if (s == NULL)
		return;
	json_decref(s->grades);
	json_decref(s->codes);
	json_decref(s->code_targets);
	json_decref(s->endpoints);
	json_decref(s->errors);
	json_decref(s->malformed_msgs);
	json_decref(s->doc);
	tp_summary_free(s->baseline);
	free(s);
}

void tp_summary_set_baseline(struct tp_summary *s, struct tp_summary *old)
{
	tp_summary_free(s->baseline);
	s->baseline = old;
}

/* ---- reading ---- */

static void malformed(struct tp_summary *s, const char *name,
		      unsigned long lineno, const char *why)
{
	char *line = NULL;
	char *clean;

	s->malformed++;
	if (json_array_size(s->malformed_msgs) >= TP_SUMMARY_MAX_MALFORMED)
		return;
	if (asprintf(&line, "%s:%lu: %s", name, lineno, why) < 0)
		return;
	clean = tp_sanitize(line, strlen(line));
	if (clean != NULL)
		json_array_append_new(s->malformed_msgs, json_string(clean));
	free(clean);
	free(line);
}

/*
 * A string from a record, made safe to show: records are sanitised by
 * the tlsprobe that wrote them, but a file can hold anything. Undoing
 * the escapes first keeps a sanitised string as its writer showed it
 * rather than escaped twice.
 */
static json_t *clean_cstr(const char *raw, size_t len)
{
	char *plain, *safe;
	json_t *out;

	if (raw == NULL)
		return json_null();
	plain = tp_unsanitize(raw, len);
	if (plain == NULL)
		return json_null();
	safe = tp_sanitize(plain, strlen(plain));
	free(plain);
	if (safe == NULL)
		return json_null();
	out = json_string(safe);
	free(safe);
	return out != NULL ? out : json_null();
}

static json_t *clean_str(const json_t *v)
{
	return clean_cstr(json_string_value(v), json_string_length(v));
}

static const char *str_of(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool is_address(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 ||
	       inet_pton(AF_INET6, host, buf) == 1;
}

/* "host:port", "[v6]:port". */
static void target_name(char *out, size_t size, const char *host,
			json_int_t port)
{
	if (strchr(host, ':') != NULL)
		snprintf(out, size, "[%s]:%lld", host, (long long)port);
	else
		snprintf(out, size, "%s:%lld", host, (long long)port);
}

/* What a client negotiated or what a ciphers run saw accepted: the
 * configuration two addresses of one name should share. */
static json_t *config_of(const json_t *rec, bool ciphers)
{
	const json_t *p, *c;
	size_t i, j;
	char *buf = NULL;
	size_t len = 0;
	bool first = true;
	FILE *m;
	json_t *out;

	if (!ciphers) {
		const json_t *sess = json_object_get(rec, "session");
		const char *v = str_of(sess, "version");
		const char *ci = str_of(sess, "cipher");
		char both[256];

		if (v == NULL || ci == NULL)
			return json_null();
		snprintf(both, sizeof(both), "%s/%s", v, ci);
		return clean_cstr(both, strlen(both));
	}
	m = open_memstream(&buf, &len);
	if (m == NULL)
		return json_null();
	json_array_foreach(json_object_get(rec, "protocols"), i, p) {
		if (!json_is_true(json_object_get(p, "accepted")))
			continue;
		fprintf(m, "%s%s:", first ? "" : " ",
			str_of(p, "version") ? str_of(p, "version") : "?");
		first = false;
		json_array_foreach(json_object_get(p, "ciphers"), j, c)
			fprintf(m, "%s%s", j ? "," : "",
				str_of(c, "iana") ? str_of(c, "iana")
						  : str_of(c, "id") ? str_of(c, "id")
								    : "?");
	}
	fclose(m);
	out = buf && buf[0] ? clean_cstr(buf, strlen(buf)) : json_null();
	free(buf);
	return out ? out : json_null();
}

static void count(json_t *table, const char *key)
{
	json_t *n = json_object_get(table, key);

	if (n != NULL)
		json_integer_set(n, json_integer_value(n) + 1);
	else
		json_object_set_new(table, key, json_integer(1));
}

/* Counts code once for the endpoint and lists the endpoint under it. */
static void count_code(struct tp_summary *s, const char *code,
		       const char *key)
{
	json_t *list = json_object_get(s->code_targets, code);

	count(s->codes, code);
	if (list == NULL) {
		list = json_array();
		if (json_object_set_new(s->code_targets, code, list) < 0)
			return;
	}
	if (json_array_size(list) < MAX_CODE_TARGETS)
		json_array_append_new(list, json_string(key));
}

static void add_error_record(struct tp_summary *s, const json_t *rec)
{
	const json_t *t = json_object_get(rec, "target");

	s->records++;
	s->verdicts[V_ERROR]++;
	s->any_error = true;
	if (json_array_size(s->errors) >= MAX_ERROR_RECORDS)
		return;
	json_array_append_new(s->errors, json_pack("{s:I, s:o, s:o}",
		"line", json_integer_value(json_object_get(t, "line")),
		"text", clean_str(json_object_get(t, "text")),
		"error", clean_str(json_object_get(rec, "error"))));
}

/* The leaf's facts into ep: the certificate at position 0 (or first). */
static void leaf_into(json_t *ep, const json_t *rec)
{
	const json_t *certs = json_object_get(rec, "certificates");
	const json_t *c, *leaf = json_array_get(certs, 0);
	size_t i;

	json_array_foreach(certs, i, c)
		if (json_integer_value(json_object_get(c, "position")) == 0) {
			leaf = c;
			break;
		}
	json_object_set_new(ep, "sha256", clean_str(json_object_get(leaf, "sha256")));
	json_object_set_new(ep, "subject", clean_str(json_object_get(leaf, "subject")));
	json_object_set_new(ep, "not_after", clean_str(json_object_get(leaf, "not_after")));
	json_object_set_new(ep, "key", clean_str(json_object_get(leaf, "key")));
	json_object_set_new(ep, "key_sha256",
			    clean_str(json_object_get(leaf, "key_sha256")));
}

/* The codes of a record, once each; whether one is an error. */
static json_t *codes_of(struct tp_summary *s, const json_t *rec,
			const char *key, bool *error)
{
	json_t *codes = json_array(), *f, *c;
	size_t i, j;

	*error = false;
	json_array_foreach(json_object_get(rec, "findings"), i, f) {
		json_t *code = clean_str(json_object_get(f, "code"));
		const char *name = json_string_value(code);
		bool seen = false;

		if (name == NULL) {
			json_decref(code);
			continue;
		}
		if (str_of(f, "severity") != NULL &&
		    strcmp(str_of(f, "severity"), "error") == 0)
			*error = true;
		json_array_foreach(codes, j, c)
			seen = seen || json_equal(c, code);
		if (!seen) {
			count_code(s, name, key);
			json_array_append(codes, code);
		}
		json_decref(code);
	}
	return codes;
}

/* The endpoint's key: "host:port@address", and the command when it is
 * not a client's (a ciphers record of one endpoint is another view). */
static void endpoint_key(char *out, size_t size, const char *command,
			 const char *target, const char *address)
{
	if (strcmp(command, "client") == 0)
		snprintf(out, size, "%s@%s", target, address);
	else
		snprintf(out, size, "%s %s@%s", command, target, address);
}

/* One client, ciphers or audit record. A later record of an endpoint
 * replaces an earlier one: the runs are read in the order given. */
static void add_record(struct tp_summary *s, const json_t *rec,
		       const char *command)
{
	const json_t *t = json_object_get(rec, "target");
	const json_t *peer = json_object_get(rec, "peer_report");
	json_t *host = clean_str(json_object_get(t, "host"));
	json_t *addr = clean_str(json_array_get(json_object_get(t, "addresses"), 0));
	json_int_t port = json_integer_value(json_object_get(t, "port"));
	const char *verdict = str_of(rec, "verdict");
	char target[600], key[1300];
	json_t *ep, *codes;
	bool error, ciphers = strcmp(command, "client") != 0;
	int v;

	target_name(target, sizeof(target),
		    json_string_value(host) ? json_string_value(host) : "?",
		    port);
	if (!json_is_string(addr)) {
		json_decref(addr);
		addr = json_is_string(host) ? json_incref(host) : json_string("?");
	}
	endpoint_key(key, sizeof(key), command, target, json_string_value(addr));
	s->records++;
	for (v = 0; v < V_ERROR; v++)
		if (verdict != NULL && strcmp(verdict, verdict_names[v]) == 0)
			break;
	s->verdicts[v < V_ERROR ? v : V_FAIL]++;
	if (json_is_string(json_object_get(rec, "grade")))
		count(s->grades, str_of(rec, "grade"));
	codes = codes_of(s, rec, key, &error);
	if (error)
		s->any_error = true;
	ep = json_pack("{s:s, s:s, s:o, s:I, s:o, s:s, s:o, s:o, s:o, s:o, s:o}",
		"endpoint", key, "target", target, "host", host, "port", port,
		"address", addr, "command", command,
		"verdict", clean_str(json_object_get(rec, "verdict")),
		"grade", clean_str(json_object_get(rec, "grade")),
		"config", config_of(rec, ciphers),
		"unique_id", clean_str(json_object_get(peer, "unique_id")),
		"seen_from", clean_str(json_object_get(peer, "seen_from")));
	if (ep == NULL) {
		json_decref(codes);
		return;
	}
	leaf_into(ep, rec);
	json_object_set_new(ep, "codes", codes);
	json_object_set_new(s->endpoints, key, ep);
}

/* Why a parsed line is no tlsprobe record, or NULL when it is one. */
static const char *not_a_record(const json_t *doc)
{
	const json_t *t = json_object_get(doc, "target");
	const char *command = str_of(doc, "command");

	if (!json_is_object(doc))
		return "not a JSON object";
	if (json_object_get(doc, "error") != NULL) {
		if (!json_is_string(json_object_get(doc, "error")) ||
		    !json_is_integer(json_object_get(t, "line")))
			return "an error record without target.line or error";
		return NULL;
	}
	if (str_of(doc, "tool") == NULL || strcmp(str_of(doc, "tool"), "tlsprobe") != 0)
		return "not a tlsprobe record (no \"tool\": \"tlsprobe\")";
	if (command == NULL)
		return "not a tlsprobe record (no command)";
	if (strcmp(command, "client") != 0 && strcmp(command, "ciphers") != 0 &&
	    strcmp(command, "audit") != 0)
		return "a record of a command that takes no --targets";
	if (!json_is_object(t) || !json_is_string(json_object_get(t, "host")))
		return "a record without target.host";
	if (!json_is_array(json_object_get(doc, "findings")))
		return "a record without findings";
	return NULL;
}

void tp_summary_add_line(struct tp_summary *s, const char *line, size_t len,
			 const char *name, unsigned long lineno)
{
	json_error_t jerr;
	json_t *doc;
	const char *why;
	char msg[300];

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (len == 0)
		return;
	doc = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		snprintf(msg, sizeof(msg), "not JSON: %s (column %d)",
			 jerr.text, jerr.column);
		malformed(s, name, lineno, msg);
		return;
	}
	why = not_a_record(doc);
	if (why != NULL)
		malformed(s, name, lineno, why);
	else if (json_object_get(doc, "error") != NULL)
		add_error_record(s, doc);
	else
		add_record(s, doc, str_of(doc, "command"));
	json_decref(doc);
}

/* Whether a last line without its newline still holds a whole record. */
static bool last_line_whole(const char *line, size_t len)
{
	json_t *doc = json_loadb(line, len, 0, NULL);
	bool whole = doc != NULL && not_a_record(doc) == NULL;

	json_decref(doc);
	return whole;
}

/*
 * Reads one line into *buf, without its newline: at most
 * TP_SUMMARY_MAX_LINE bytes are kept, the rest of a longer line is read
 * and dropped (*too_long), so that one line with no end cannot take the
 * memory. *whole: it ended with a newline. Returns its length, -1 at the
 * end of the file, -2 when memory ran out.
 */
static ssize_t read_line(FILE *f, char **buf, size_t *cap, bool *whole,
			 bool *too_long)
{
	size_t len = 0;
	int c;

	*whole = false;
	*too_long = false;
	while ((c = getc_unlocked(f)) != EOF) {
		if (c == '\n') {
			*whole = true;
			break;
		}
		if (len >= TP_SUMMARY_MAX_LINE) {
			*too_long = true;
			continue;
		}
		if (len + 1 >= *cap) {
			size_t want = *cap ? *cap * 2 : 4096;
			char *grown;

			if (want > TP_SUMMARY_MAX_LINE + 1)
				want = TP_SUMMARY_MAX_LINE + 1;
			grown = realloc(*buf, want);
			if (grown == NULL)
				return -2;
			*buf = grown;
			*cap = want;
		}
		(*buf)[len++] = (char)c;
	}
	if (c == EOF && len == 0 && !*too_long)
		return -1;
	return (ssize_t)len;
}

int tp_summary_read(struct tp_summary *s, FILE *f, const char *name,
		    struct tp_error *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	bool whole, too_long;

	errno = 0;
	while ((n = read_line(f, &line, &cap, &whole, &too_long)) >= 0) {
		lineno++;
		if (too_long) {
			char why[64];

			snprintf(why, sizeof(why), "a line longer than %d bytes",
				 TP_SUMMARY_MAX_LINE);
			malformed(s, name, lineno, why);
			continue;
		}
		if (!whole && !last_line_whole(line, (size_t)n)) {
			/* a run killed inside a write leaves this */
			malformed(s, name, lineno, "the last line is cut "
				  "short (no newline, not a whole record)");
			break;
		}
		tp_summary_add_line(s, line, (size_t)n, name, lineno);
	}
	free(line);
	if (n == -2) {
		tp_error_set(err, TP_ERR_RUNTIME, "%s: out of memory", name);
		return -1;
	}
	if (ferror(f)) {
		tp_error_set(err, TP_ERR_USAGE, "%s: cannot read: %s", name,
			     strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the document ---- */

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of obj, sorted (borrowed from obj); NULL when obj is empty
 * or memory ran out. */
static const char **sorted_keys(const json_t *obj, size_t *n)
{
	const char **keys, *k;
	json_t *v;
	size_t i = 0;

	*n = json_object_size(obj);
	keys = *n ? calloc(*n, sizeof(*keys)) : NULL;
	if (keys == NULL) {
		*n = 0;
		return NULL;
	}
	json_object_foreach((json_t *)obj, k, v)
		keys[i++] = k;
	qsort(keys, *n, sizeof(*keys), by_string);
	return keys;
}

/* A certificate date (RFC 3339, "Z") as seconds since the epoch. */
static bool parse_date(const char *s, time_t *out)
{
	struct tm tm = {0};
	const char *end;

	if (s == NULL)
		return false;
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL || (*end != 'Z' && *end != '\0'))
		return false;
	*out = timegm(&tm);
	return true;
}

/* RSA, DSA and DH under 2048 bits, EC under 256 (the WEAK_KEY rule). */
static bool weak_key(const char *key)
{
	const char *d;
	long bits;

	if (key == NULL)
		return false;
	for (d = key; *d != '\0' && (*d < '0' || *d > '9'); d++)
		;
	if (*d == '\0')
		return false;
	bits = strtol(d, NULL, 10);
	if (strncmp(key, "EC-", 3) == 0)
		return bits < 256;
	if (strncmp(key, "RSA", 3) == 0 || strncmp(key, "DSA", 3) == 0 ||
	    strncmp(key, "DH", 2) == 0)
		return bits < 2048;
	return false;
}

/* sha256 -> {sha256, subject, not_after, key, endpoints} over keys. */
static json_t *certificates(const json_t *eps, const char **keys, size_t n)
{
	json_t *certs = json_object();
	size_t i;

	for (i = 0; i < n && certs != NULL; i++) {
		const json_t *ep = json_object_get(eps, keys[i]);
		const char *sha = str_of(ep, "sha256");
		json_t *c;

		if (sha == NULL)
			continue;
		c = json_object_get(certs, sha);
		if (c == NULL) {
			c = json_pack("{s:s, s:O, s:O, s:O, s:[]}", "sha256",
				      sha, "subject", json_object_get(ep, "subject"),
				      "not_after", json_object_get(ep, "not_after"),
				      "key", json_object_get(ep, "key"),
				      "endpoints");
			if (c == NULL || json_object_set_new(certs, sha, c) < 0)
				continue;
		}
		json_array_append_new(json_object_get(c, "endpoints"),
				      json_string(keys[i]));
	}
	return certs;
}

/* The keys (SubjectPublicKeyInfo SHA-256) on more than one endpoint,
 * with the certificates that carry them: a key copied to many hosts, or
 * kept through renewals. */
static json_t *shared_keys(const json_t *eps, const char **keys, size_t n)
{
	json_t *by_key = json_object(), *out = json_array(), *k, *c;
	const char **spkis;
	size_t i, j, nk;

	for (i = 0; i < n && by_key != NULL; i++) {
		const json_t *ep = json_object_get(eps, keys[i]);
		const char *spki = str_of(ep, "key_sha256");
		bool seen = false;

		if (spki == NULL)
			continue;
		k = json_object_get(by_key, spki);
		if (k == NULL) {
			k = json_pack("{s:s, s:O, s:[], s:[]}", "key_sha256", spki,
				      "key", json_object_get(ep, "key"),
				      "certificates", "endpoints");
			if (k == NULL || json_object_set_new(by_key, spki, k) < 0)
				continue;
		}
		json_array_append_new(json_object_get(k, "endpoints"),
				      json_string(keys[i]));
		json_array_foreach(json_object_get(k, "certificates"), j, c)
			seen = seen || json_equal(c, json_object_get(ep, "sha256"));
		if (!seen)
			json_array_append(json_object_get(k, "certificates"),
					  json_object_get(ep, "sha256"));
	}
	spkis = sorted_keys(by_key, &nk);
	for (i = 0; spkis != NULL && i < nk; i++) {
		k = json_object_get(by_key, spkis[i]);
		if (json_array_size(json_object_get(k, "endpoints")) > 1)
			json_array_append(out, k);
	}
	free(spkis);
	json_decref(by_key);
	return out;
}

static int by_not_after(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *p = str_of(x, "not_after"), *q = str_of(y, "not_after");
	int c = strcmp(p ? p : "", q ? q : "");

	return c ? c : strcmp(str_of(x, "sha256"), str_of(y, "sha256"));
}

/* The certificate lists: expiring before now + days, the same
 * certificate on more than one endpoint, weak keys. */
static void certificate_lists(struct tp_summary *s, json_t *doc,
			      const char **keys, size_t n)
{
	json_t *certs = certificates(s->endpoints, keys, n);
	json_t *expiring = json_array(), *shared = json_array();
	json_t *weak = json_array(), **all, *c;
	const char *sha;
	size_t i = 0, nc = json_object_size(certs);

	all = nc ? calloc(nc, sizeof(*all)) : NULL;
	json_object_foreach(certs, sha, c)
		if (all != NULL)
			all[i++] = c;
	if (all != NULL)
		qsort(all, nc, sizeof(*all), by_not_after);
	for (i = 0; all != NULL && i < nc; i++) {
		time_t t;

		c = all[i];
		if (parse_date(str_of(c, "not_after"), &t) &&
		    t < s->now + (time_t)s->days * 86400) {
			json_t *e = json_deep_copy(c);
			double left = difftime(t, s->now) / 86400.0;

			/* whole days, rounded down: expired a minute ago is
			 * -1, not 0 */
			json_object_set_new(e, "days_left",
					    json_integer((json_int_t)floor(left)));
			json_object_set_new(e, "expired", json_boolean(t <= s->now));
			json_array_append_new(expiring, e);
		}
		if (json_array_size(json_object_get(c, "endpoints")) > 1)
			json_array_append(shared, c);
		if (weak_key(str_of(c, "key")))
			json_array_append(weak, c);
	}
	free(all);
	json_object_set_new(doc, "expiring", expiring);
	json_object_set_new(doc, "shared_certificates", shared);
	json_object_set_new(doc, "weak_keys", weak);
	json_object_set_new(doc, "shared_keys", shared_keys(s->endpoints, keys, n));
	json_decref(certs);
}

/*
 * What differs between the addresses of one name in one field: the
 * distinct values (addresses without one are left out: a refused
 * address is its own finding) as "VALUE at A, B; VALUE at C" into m.
 * Returns whether there was more than one value.
 */
static bool field_differs(const json_t *addresses, const char *field,
			  const char *what, FILE *m, bool *first)
{
	json_t *seen = json_object(), *a, *list;
	const char *value;
	size_t i, j;
	bool differ;

	json_array_foreach(addresses, i, a) {
		value = str_of(a, field);
		if (value == NULL)
			continue;
		list = json_object_get(seen, value);
		if (list == NULL) {
			list = json_array();
			json_object_set_new(seen, value, list);
		}
		json_array_append(list, json_object_get(a, "address"));
	}
	differ = json_object_size(seen) > 1;
	if (differ) {
		size_t n;
		const char **vals = sorted_keys(seen, &n);

		fprintf(m, "%s%s: ", *first ? "" : "; ", what);
		*first = false;
		for (i = 0; vals != NULL && i < n; i++) {
			fprintf(m, "%s%s at ", i ? " | " : "", vals[i]);
			json_array_foreach(json_object_get(seen, vals[i]), j, a)
				fprintf(m, "%s%s", j ? ", " : "",
					json_string_value(a));
		}
		free(vals);
	}
	json_decref(seen);
	return differ;
}

/* A code of one name, named as its endpoints are: with the command when
 * the records are not a client's, so that a client's and an audit's
 * view of one name are told apart. */
static void count_name_code(struct tp_summary *s, const json_t *name,
			    const char *code)
{
	const char *cmd = str_of(name, "command");
	char key[700];

	if (cmd == NULL || strcmp(cmd, "client") == 0) {
		count_code(s, code, str_of(name, "target"));
		return;
	}
	snprintf(key, sizeof(key), "%s %s", cmd, str_of(name, "target"));
	count_code(s, code, key);
}

/* The ADDRESSES_DIFFER finding of one name when its addresses differ. */
static void name_differ(struct tp_summary *s, json_t *name, json_t *findings)
{
	const struct tp_code_info *k = tp_code_info(TP_ADDRESSES_DIFFER);
	const json_t *addrs = json_object_get(name, "addresses");
	const char *what[3] = {NULL, NULL, NULL};
	char *detail = NULL, summary[800];
	size_t len = 0, n = 0;
	bool first = true;
	FILE *m;

	m = open_memstream(&detail, &len);
	if (m == NULL)
		return;
	if (field_differs(addrs, "sha256", "certificate SHA-256", m, &first))
		what[n++] = "certificates";
	if (field_differs(addrs, "unique_id", "paired server's unique ID", m,
			  &first))
		what[n++] = "servers";
	if (field_differs(addrs, "config", "protocol and suites", m, &first))
		what[n++] = "configurations";
	fclose(m);
	json_object_set_new(name, "differ", json_boolean(n > 0));
	if (n > 0 && detail != NULL) {
		snprintf(summary, sizeof(summary),
			 "the %zu addresses of %s reach different %s%s%s%s%s",
			 json_array_size(addrs), str_of(name, "target"), what[0],
			 n > 1 ? (n > 2 ? ", " : " and ") : "",
			 n > 1 ? what[1] : "", n > 2 ? " and " : "",
			 n > 2 ? what[2] : "");
		json_array_append_new(findings, json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			"code", k->name, "severity", tp_severity_name(k->severity),
			"side", tp_side_name(k->side), "target",
			str_of(name, "target"), "summary", summary,
			"detail", detail, "fix", k->fix));
		count_name_code(s, name, k->name);
	}
	free(detail);
}

/* The routing map: every name (not an address), per command and port,
 * with what each of its addresses reached. */
static json_t *routing_map(struct tp_summary *s, const char **keys, size_t n,
			   json_t *findings)
{
	json_t *groups = json_object(), *names = json_array(), *g;
	const char **gkeys;
	size_t i, ng;

	for (i = 0; i < n; i++) {
		const json_t *ep = json_object_get(s->endpoints, keys[i]);
		const char *host = str_of(ep, "host");
		char gkey[700];

		if (host == NULL || is_address(host))
			continue;
		snprintf(gkey, sizeof(gkey), "%s %s", str_of(ep, "target"),
			 str_of(ep, "command"));
		g = json_object_get(groups, gkey);
		if (g == NULL) {
			g = json_pack("{s:s, s:O, s:O, s:O, s:[]}", "name", host,
				      "port", json_object_get(ep, "port"),
				      "target", json_object_get(ep, "target"),
				      "command", json_object_get(ep, "command"),
				      "addresses");
			if (g == NULL || json_object_set_new(groups, gkey, g) < 0)
				continue;
		}
		json_array_append_new(json_object_get(g, "addresses"), json_pack(
			"{s:O, s:O, s:O, s:O, s:O, s:O, s:O}",
			"address", json_object_get(ep, "address"),
			"sha256", json_object_get(ep, "sha256"),
			"unique_id", json_object_get(ep, "unique_id"),
			"seen_from", json_object_get(ep, "seen_from"),
			"config", json_object_get(ep, "config"),
			"verdict", json_object_get(ep, "verdict"),
			"subject", json_object_get(ep, "subject")));
	}
	gkeys = sorted_keys(groups, &ng);
	for (i = 0; gkeys != NULL && i < ng; i++) {
		g = json_object_get(groups, gkeys[i]);
		name_differ(s, g, findings);
		json_array_append(names, g);
	}
	free(gkeys);
	json_decref(groups);
	return names;
}

static bool same_str(const json_t *a, const json_t *b, const char *field)
{
	const char *x = str_of(a, field), *y = str_of(b, field);

	return (x == NULL && y == NULL) || (x && y && strcmp(x, y) == 0);
}

/* Codes of a that b lacks, each as {endpoint, code} onto out. */
static void codes_minus(const char *key, const json_t *a, const json_t *b,
			json_t *out)
{
	json_t *c, *d;
	size_t i, j;

	json_array_foreach(json_object_get(a, "codes"), i, c) {
		bool found = false;

		json_array_foreach(json_object_get(b, "codes"), j, d)
			found = found || json_equal(c, d);
		if (!found)
			json_array_append_new(out, json_pack("{s:s, s:O}",
				"endpoint", key, "code", c));
	}
}

/* What changed since the baseline, endpoint by endpoint. */
static json_t *changes(const struct tp_summary *s, const char **keys,
		       size_t n)
{
	const json_t *old_eps = s->baseline->endpoints;
	json_t *ch = json_pack("{s:[], s:[], s:[], s:[], s:[], s:[], s:[]}",
			       "added", "gone", "grades", "verdicts",
			       "new_findings", "cleared_findings", "rotated");
	const char **old_keys;
	size_t i, n_old;

	if (ch == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		const json_t *now = json_object_get(s->endpoints, keys[i]);
		const json_t *was = json_object_get(old_eps, keys[i]);

		if (was == NULL) {
			json_array_append_new(json_object_get(ch, "added"),
					      json_string(keys[i]));
			continue;
		}
		if (!same_str(now, was, "grade"))
			json_array_append_new(json_object_get(ch, "grades"),
				json_pack("{s:s, s:O, s:O}", "endpoint", keys[i],
					  "from", json_object_get(was, "grade"),
					  "to", json_object_get(now, "grade")));
		if (!same_str(now, was, "verdict"))
			json_array_append_new(json_object_get(ch, "verdicts"),
				json_pack("{s:s, s:O, s:O}", "endpoint", keys[i],
					  "from", json_object_get(was, "verdict"),
					  "to", json_object_get(now, "verdict")));
		codes_minus(keys[i], now, was, json_object_get(ch, "new_findings"));
		codes_minus(keys[i], was, now,
			    json_object_get(ch, "cleared_findings"));
		if (str_of(now, "sha256") && str_of(was, "sha256") &&
		    !same_str(now, was, "sha256"))
			json_array_append_new(json_object_get(ch, "rotated"),
				json_pack("{s:s, s:O, s:O}", "endpoint", keys[i],
					  "from", json_object_get(was, "sha256"),
					  "to", json_object_get(now, "sha256")));
	}
	old_keys = sorted_keys(old_eps, &n_old);
	for (i = 0; old_keys != NULL && i < n_old; i++)
		if (json_object_get(s->endpoints, old_keys[i]) == NULL)
			json_array_append_new(json_object_get(ch, "gone"),
					      json_string(old_keys[i]));
	free(old_keys);
	return ch;
}

/* The totals: records, verdicts, grades, codes and their targets. */
static json_t *totals(const struct tp_summary *s)
{
	json_t *doc;
	int v;

	doc = json_pack("{s:s, s:I, s:{}, s:O, s:O, s:O, s:I, s:O, s:I, s:I}",
			"command", "summary", "records", (json_int_t)s->records,
			"verdicts", "grades", s->grades, "codes", s->codes,
			"code_targets", s->code_targets,
			"malformed", (json_int_t)s->malformed,
			"errors", s->errors, "days", (json_int_t)s->days,
			"now", (json_int_t)s->now);
	for (v = 0; doc != NULL && v < V_COUNT; v++)
		json_object_set_new(json_object_get(doc, "verdicts"),
				    verdict_names[v],
				    json_integer((json_int_t)s->verdicts[v]));
	return doc;
}

const json_t *tp_summary_doc(struct tp_summary *s)
{
	json_t *doc, *eps, *findings;
	const char **keys;
	size_t i, n;

	if (s->doc != NULL)
		return s->doc;
	keys = sorted_keys(s->endpoints, &n);
	findings = json_array();
	/* the routing map first: its findings are counted with the codes */
	eps = routing_map(s, keys, n, findings);
	doc = totals(s);
	if (doc == NULL || eps == NULL || findings == NULL) {
		json_decref(eps);
		json_decref(findings);
		json_decref(doc);
		free(keys);
		return NULL;
	}
	json_object_set_new(doc, "names", eps);
	json_object_set_new(doc, "findings", findings);
	certificate_lists(s, doc, keys, n);
	eps = json_array();
	for (i = 0; i < n; i++)
		json_array_append(eps, json_object_get(s->endpoints, keys[i]));
	json_object_set_new(doc, "endpoints", eps);
	if (s->baseline != NULL)
		json_object_set_new(doc, "changes", changes(s, keys, n));
	free(keys);
	s->doc = doc;
	return doc;
}

unsigned long tp_summary_malformed_count(const struct tp_summary *s)
{
	return s->malformed;
}

size_t tp_summary_malformed_kept(const struct tp_summary *s)
{
	return json_array_size(s->malformed_msgs);
}

const char *tp_summary_malformed(const struct tp_summary *s, size_t i)
{
	return json_string_value(json_array_get(s->malformed_msgs, i));
}

int tp_summary_exit_status(const struct tp_summary *s)
{
	return s->any_error || s->malformed > 0 ? 1 : 0;
}
