/*
 * The summary of many-target runs: counts, grades, codes, expiry at a
 * fixed now, shared certificates and weak keys, the routing map and
 * ADDRESSES_DIFFER, the baseline diff, malformed lines, and the HTML
 * page's escaping of hostile strings. Records are built here as the
 * runs write them; nothing is contacted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "summary.h"

/* 2026-12-01T00:00:00Z */
#define NOW ((time_t)1796083200)

/* One client record as a run writes it; NULL fields are left out or
 * null, codes is "CODE:severity CODE:severity". */
struct rec {
	const char *host;
	const char *addr;
	int port;
	const char *verdict;
	const char *sha256;
	const char *not_after;
	const char *key;
	const char *cipher;    /* TLS1.3 with this suite */
	const char *unique_id; /* the paired server's */
	const char *codes;
	const char *key_sha256;  /* the leaf's key, when given */
};

static char *client_line(const struct rec *r)
{
	json_t *doc, *findings = json_array(), *certs = json_array();
	char codes[256], *tok, *save = NULL, *out;

	if (r->sha256 != NULL)
		json_array_append_new(certs, json_pack("{s:i, s:s, s:s, s:s, s:s}",
			"position", 0, "subject", "CN=leaf", "sha256", r->sha256,
			"not_after", r->not_after ? r->not_after
						  : "2040-01-01T00:00:00Z",
			"key", r->key ? r->key : "EC-SECP256R1"));
	if (r->sha256 != NULL && r->key_sha256 != NULL)
		json_object_set_new(json_array_get(certs, 0), "key_sha256",
				    json_string(r->key_sha256));
	snprintf(codes, sizeof(codes), "%s", r->codes ? r->codes : "");
	for (tok = strtok_r(codes, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		char *colon = strchr(tok, ':');

		*colon = '\0';
		json_array_append_new(findings, json_pack("{s:s, s:s, s:s}",
			"code", tok, "severity", colon + 1, "side", "server"));
	}
	doc = json_pack("{s:s, s:s, s:s, s:{s:s, s:i, s:s, s:[s], s:i}, s:s, "
			"s:o, s:o, s:o, s:o, s:s}",
		"tool", "tlsprobe", "version", "0.1.0", "command", "client",
		"target", "host", r->host, "port", r->port ? r->port : 443,
		"sni", r->host, "addresses", r->addr, "line", 1,
		"verdict", r->verdict ? r->verdict : "pass",
		"session", r->cipher ? json_pack("{s:s, s:s}", "version", "TLS1.3",
						 "cipher", r->cipher)
				     : json_null(),
		"certificates", certs,
		"peer_report", r->unique_id ? json_pack("{s:s, s:s}", "unique_id",
			r->unique_id, "seen_from", "203.0.113.1:4242") : json_null(),
		"findings", findings, "unknown_field", "ignored");
	assert_non_null(doc);
	out = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return out;
}

/* A summary of the records (and extra raw lines), at NOW, 30 days. */
static struct tp_summary *summarise(const struct rec *recs, size_t n,
				    const char *const *raw, size_t n_raw)
{
	struct tp_summary *s = tp_summary_new(NOW, 30);
	size_t i;

	assert_non_null(s);
	for (i = 0; i < n; i++) {
		char *line = client_line(&recs[i]);

		tp_summary_add_line(s, line, strlen(line), "t.jsonl", i + 1);
		free(line);
	}
	for (i = 0; i < n_raw; i++)
		tp_summary_add_line(s, raw[i], strlen(raw[i]), "t.jsonl",
				    n + i + 1);
	assert_non_null(tp_summary_doc(s));
	return s;
}

static long jnum(const json_t *o, const char *path)
{
	char buf[128], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o;
	     tok = strtok_r(NULL, ".", &save))
		o = json_object_get(o, tok);
	return (long)json_integer_value(o);
}

#define SHA_A "aa00000000000000000000000000000000000000000000000000000000000000"
#define SHA_B "bb00000000000000000000000000000000000000000000000000000000000000"
#define SHA_C "cc00000000000000000000000000000000000000000000000000000000000000"
#define SUITE "TLS_AES_128_GCM_SHA256"

static void test_summary_counts(void **state)
{
	static const struct rec recs[] = {
		{"a.test", "192.0.2.1", 443, "pass", SHA_A, NULL, NULL, SUITE, NULL, NULL, NULL},
		{"a.test", "192.0.2.2", 443, "warn", SHA_A, NULL, NULL, SUITE, NULL,
		 "CHAIN_ORDER:warning", NULL},
		{"b.test", "192.0.2.3", 443, "fail", SHA_B, NULL, NULL, NULL, NULL,
		 "UNKNOWN_CA:error CHAIN_ORDER:warning", NULL},
		{"192.0.2.9", "192.0.2.9", 443, "fail", NULL, NULL, NULL, NULL, NULL,
		 "TCP_REFUSED:error", NULL},
	};
	static const char *const raw[] = {
		"{\"target\": {\"line\": 7, \"text\": \"bad!!\"}, \"error\": \"unknown word\"}",
	};
	struct tp_summary *s = summarise(recs, 4, raw, 1);
	const json_t *doc = tp_summary_doc(s);

	(void)state;
	assert_string_equal(json_string_value(json_object_get(doc, "command")),
			    "summary");
	assert_int_equal(jnum(doc, "records"), 5);
	assert_int_equal(jnum(doc, "verdicts.pass"), 1);
	assert_int_equal(jnum(doc, "verdicts.warn"), 1);
	assert_int_equal(jnum(doc, "verdicts.fail"), 2);
	assert_int_equal(jnum(doc, "verdicts.error"), 1);
	assert_int_equal(jnum(doc, "codes.CHAIN_ORDER"), 2);
	assert_int_equal(jnum(doc, "codes.UNKNOWN_CA"), 1);
	assert_int_equal(jnum(doc, "codes.TCP_REFUSED"), 1);
	assert_int_equal(json_array_size(json_object_get(
		json_object_get(doc, "code_targets"), "CHAIN_ORDER")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		json_object_get(doc, "code_targets"), "UNKNOWN_CA"), 0)),
		"b.test:443@192.0.2.3");
	assert_int_equal(json_array_size(json_object_get(doc, "endpoints")), 4);
	assert_int_equal(json_array_size(json_object_get(doc, "errors")), 1);
	assert_int_equal(jnum(doc, "malformed"), 0);
	assert_int_equal(tp_summary_exit_status(s), 1);
	tp_summary_free(s);

	/* all passed (a warning included): exit 0 */
	s = summarise(recs, 2, NULL, 0);
	assert_int_equal(tp_summary_exit_status(s), 0);
	tp_summary_free(s);
}

/* ciphers records: the grades counted, the accepted suites compared */
static void test_summary_grades(void **state)
{
	static const char *const grades[] = {"A", "A", "B", "F", "A"};
	struct tp_summary *s = tp_summary_new(NOW, 30);
	const json_t *doc;
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		char line[600];

		snprintf(line, sizeof(line),
			 "{\"tool\":\"tlsprobe\",\"command\":\"ciphers\","
			 "\"target\":{\"host\":\"10.0.0.%zu\",\"port\":443,"
			 "\"addresses\":[\"10.0.0.%zu\"]},\"verdict\":\"pass\","
			 "\"grade\":\"%s\",\"protocols\":[{\"version\":\"TLS1.2\","
			 "\"accepted\":true,\"ciphers\":[{\"iana\":\"X\"}]}],"
			 "\"findings\":[],\"future\":{\"x\":1}}", i, i, grades[i]);
		tp_summary_add_line(s, line, strlen(line), "c.jsonl", i + 1);
	}
	doc = tp_summary_doc(s);
	assert_int_equal(jnum(doc, "grades.A"), 3);
	assert_int_equal(jnum(doc, "grades.B"), 1);
	assert_int_equal(jnum(doc, "grades.F"), 1);
	assert_null(json_object_get(json_object_get(doc, "grades"), "C"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(doc, "endpoints"), 0), "config")), "TLS1.2:X");
	assert_int_equal(jnum(doc, "records"), 5);
	assert_int_equal(jnum(doc, "malformed"), 0);
	tp_summary_free(s);
}

/* expiry at a fixed now, the same certificate on several endpoints,
 * weak keys */
static void test_summary_certificates(void **state)
{
	static const struct rec recs[] = {
		/* in 4 days */
		{"a.test", "192.0.2.1", 443, "pass", SHA_A, "2026-12-05T00:00:00Z",
		 "RSA-2048", SUITE, NULL, NULL, NULL},
		{"b.test", "192.0.2.2", 443, "pass", SHA_A, "2026-12-05T00:00:00Z",
		 "RSA-2048", SUITE, NULL, NULL, NULL},
		/* expired 30 days ago */
		{"c.test", "192.0.2.3", 443, "fail", SHA_B, "2026-11-01T00:00:00Z",
		 "RSA-1024", SUITE, NULL, "CERT_EXPIRED:error", NULL},
		/* in half a year */
		{"d.test", "192.0.2.4", 443, "pass", SHA_C, "2027-06-01T00:00:00Z",
		 "EC-SECP192R1", SUITE, NULL, NULL, NULL},
	};
	struct tp_summary *s = summarise(recs, 4, NULL, 0);
	const json_t *doc = tp_summary_doc(s), *exp, *e;

	(void)state;
	exp = json_object_get(doc, "expiring");
	assert_int_equal(json_array_size(exp), 2);
	e = json_array_get(exp, 0);  /* the earliest first */
	assert_string_equal(json_string_value(json_object_get(e, "sha256")), SHA_B);
	assert_int_equal(jnum(e, "days_left"), -30);
	assert_true(json_is_true(json_object_get(e, "expired")));
	e = json_array_get(exp, 1);
	assert_string_equal(json_string_value(json_object_get(e, "sha256")), SHA_A);
	assert_int_equal(jnum(e, "days_left"), 4);
	assert_false(json_is_true(json_object_get(e, "expired")));
	assert_int_equal(json_array_size(json_object_get(e, "endpoints")), 2);

	assert_int_equal(json_array_size(json_object_get(doc, "shared_certificates")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(doc, "shared_certificates"), 0), "sha256")), SHA_A);

	e = json_object_get(doc, "weak_keys");
	assert_int_equal(json_array_size(e), 2);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(e, 0), "key")), "RSA-1024");
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(e, 1), "key")), "EC-SECP192R1");
	tp_summary_free(s);

	/* --days 200 takes the one of June too */
	s = tp_summary_new(NOW, 200);
	for (size_t i = 0; i < 4; i++) {
		char *line = client_line(&recs[i]);

		tp_summary_add_line(s, line, strlen(line), "t", i + 1);
		free(line);
	}
	assert_int_equal(json_array_size(json_object_get(tp_summary_doc(s),
							 "expiring")), 3);
	tp_summary_free(s);
}

/* The same key on several endpoints, under one certificate or two (a
 * renewal that kept its key); a key on one endpoint is not listed. */
static void test_summary_shared_keys(void **state)
{
	static const struct rec recs[] = {
		{"a.test", "192.0.2.1", 443, "pass", SHA_A, NULL, NULL, SUITE, NULL, NULL, SHA_C},
		{"b.test", "192.0.2.2", 443, "pass", SHA_B, NULL, NULL, SUITE, NULL, NULL, SHA_C},
		{"c.test", "192.0.2.3", 443, "pass", SHA_B, NULL, NULL, SUITE, NULL, NULL, SHA_C},
		{"d.test", "192.0.2.4", 443, "pass", SHA_C, NULL, NULL, SUITE, NULL, NULL, SHA_A},
		{"e.test", "192.0.2.5", 443, "pass", SHA_A, NULL, NULL, SUITE, NULL, NULL, NULL},
	};
	struct tp_summary *s = summarise(recs, 5, NULL, 0);
	const json_t *keys = json_object_get(tp_summary_doc(s), "shared_keys"), *k;

	(void)state;
	assert_int_equal(json_array_size(keys), 1);
	k = json_array_get(keys, 0);
	assert_string_equal(json_string_value(json_object_get(k, "key_sha256")), SHA_C);
	assert_int_equal(json_array_size(json_object_get(k, "endpoints")), 3);
	assert_int_equal(json_array_size(json_object_get(k, "certificates")), 2);
	tp_summary_free(s);
}

/* The routing map: one name's addresses and what differs between them. */
static const struct route_case {
	const char *name;
	struct rec recs[3];
	size_t n;
	bool differ;
	const char *detail;  /* in the finding's detail, when differ */
} route_cases[] = {
	{"same certificate, suite and server", {
		{"pool.test", "192.0.2.1", 443, "pass", SHA_A, NULL, NULL, SUITE, "id1", NULL, NULL},
		{"pool.test", "192.0.2.2", 443, "pass", SHA_A, NULL, NULL, SUITE, "id1", NULL, NULL},
	 }, 2, false, NULL},
	{"a half-updated pool: another certificate", {
		{"pool.test", "192.0.2.1", 443, "pass", SHA_A, NULL, NULL, SUITE, NULL, NULL, NULL},
		{"pool.test", "192.0.2.2", 443, "pass", SHA_A, NULL, NULL, SUITE, NULL, NULL, NULL},
		{"pool.test", "192.0.2.3", 443, "pass", SHA_B, NULL, NULL, SUITE, NULL, NULL, NULL},
	 }, 3, true, "certificate SHA-256: " SHA_A " at 192.0.2.1, 192.0.2.2 | "
		     SHA_B " at 192.0.2.3"},
	{"another paired server behind one address", {
		{"pool.test", "10.0.0.1", 443, "pass", SHA_A, NULL, NULL, SUITE, "id1", NULL, NULL},
		{"pool.test", "203.0.113.1", 443, "pass", SHA_A, NULL, NULL, SUITE, "id2", NULL, NULL},
	 }, 2, true, "paired server's unique ID: id1 at 10.0.0.1 | id2 at 203.0.113.1"},
	{"another configuration", {
		{"pool.test", "192.0.2.1", 443, "pass", SHA_A, NULL, NULL, SUITE, NULL, NULL, NULL},
		{"pool.test", "192.0.2.2", 443, "pass", SHA_A, NULL, NULL,
		 "TLS_AES_256_GCM_SHA384", NULL, NULL, NULL},
	 }, 2, true, "protocol and suites: TLS1.3/TLS_AES_128_GCM_SHA256 at 192.0.2.1"},
	{"a refused address is not compared", {
		{"pool.test", "192.0.2.1", 443, "pass", SHA_A, NULL, NULL, SUITE, NULL, NULL, NULL},
		{"pool.test", "192.0.2.2", 443, "fail", NULL, NULL, NULL, NULL, NULL,
		 "TCP_REFUSED:error", NULL},
	 }, 2, false, NULL},
	{"two ports of one name are two services", {
		{"pool.test", "192.0.2.1", 443, "pass", SHA_A, NULL, NULL, SUITE, NULL, NULL, NULL},
		{"pool.test", "192.0.2.1", 8443, "pass", SHA_B, NULL, NULL, SUITE, NULL, NULL, NULL},
	 }, 2, false, NULL},
};

static void test_summary_routing_map(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(route_cases) / sizeof(route_cases[0]); i++) {
		const struct route_case *c = &route_cases[i];
		struct tp_summary *s = summarise(c->recs, c->n, NULL, 0);
		const json_t *doc = tp_summary_doc(s), *names, *f;

		print_message("# %s\n", c->name);
		names = json_object_get(doc, "names");
		assert_true(json_array_size(names) >= 1);
		assert_string_equal(json_string_value(json_object_get(
			json_array_get(names, 0), "name")), "pool.test");
		assert_int_equal(json_is_true(json_object_get(
			json_array_get(names, 0), "differ")), c->differ);
		f = json_array_get(json_object_get(doc, "findings"), 0);
		if (!c->differ) {
			assert_null(f);
			assert_null(json_object_get(json_object_get(doc, "codes"),
						    "ADDRESSES_DIFFER"));
		} else {
			assert_string_equal(json_string_value(json_object_get(f, "code")),
					    "ADDRESSES_DIFFER");
			assert_string_equal(json_string_value(json_object_get(f, "severity")),
					    "warning");
			assert_non_null(strstr(json_string_value(json_object_get(
				f, "detail")), c->detail));
			assert_int_equal(jnum(doc, "codes.ADDRESSES_DIFFER"), 1);
			/* a warning: the records still all passed */
			assert_int_equal(tp_summary_exit_status(s), 0);
		}
		tp_summary_free(s);
	}
}

/* A client's and an audit's view of one name that differ are two
 * findings, and the codes' targets tell them apart. */
static void test_summary_differ_by_command(void **state)
{
	static const struct rec recs[] = {
		{"pool.test", "192.0.2.1", 443, "pass", SHA_A, NULL, NULL, SUITE, NULL, NULL, NULL},
		{"pool.test", "192.0.2.2", 443, "pass", SHA_B, NULL, NULL, SUITE, NULL, NULL, NULL},
	};
	struct tp_summary *s = tp_summary_new(NOW, 30);
	const json_t *doc, *targets;
	size_t i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < 4; i++) {
		static const char from[] = "\"command\":\"client\"";
		char *line = client_line(&recs[i % 2]), *cmd, *audit;

		/* the last two as an audit's records of the same ends */
		if (i >= 2) {
			cmd = strstr(line, from);
			assert_non_null(cmd);
			assert_true(asprintf(&audit, "%.*s\"command\":"
					     "\"ciphers\"%s", (int)(cmd - line),
					     line, cmd + sizeof(from) - 1) > 0);
			free(line);
			line = audit;
		}
		tp_summary_add_line(s, line, strlen(line), "t.jsonl", i + 1);
		free(line);
	}
	doc = tp_summary_doc(s);
	assert_non_null(doc);
	assert_int_equal(jnum(doc, "codes.ADDRESSES_DIFFER"), 2);
	targets = json_object_get(json_object_get(doc, "code_targets"),
				  "ADDRESSES_DIFFER");
	assert_int_equal(json_array_size(targets), 2);
	assert_string_equal(json_string_value(json_array_get(targets, 0)),
			    "ciphers pool.test:443");
	assert_string_equal(json_string_value(json_array_get(targets, 1)),
			    "pool.test:443");
	tp_summary_free(s);
}

/* The paired server's view in the routing map; an address as host is
 * no name. */
static void test_summary_routing_fields(void **state)
{
	static const struct rec recs[] = {
		{"node.test", "100.64.0.2", 443, "pass", SHA_A, NULL, NULL, SUITE, "id9", NULL, NULL},
		{"192.0.2.7", "192.0.2.7", 443, "pass", SHA_A, NULL, NULL, SUITE, NULL, NULL, NULL},
		{"2001:db8::1", "2001:db8::1", 443, "pass", SHA_A, NULL, NULL, SUITE, NULL, NULL, NULL},
	};
	struct tp_summary *s = summarise(recs, 3, NULL, 0);
	const json_t *doc = tp_summary_doc(s), *names, *a;

	(void)state;
	names = json_object_get(doc, "names");
	assert_int_equal(json_array_size(names), 1);
	a = json_array_get(json_object_get(json_array_get(names, 0), "addresses"), 0);
	assert_string_equal(json_string_value(json_object_get(a, "address")), "100.64.0.2");
	assert_string_equal(json_string_value(json_object_get(a, "sha256")), SHA_A);
	assert_string_equal(json_string_value(json_object_get(a, "unique_id")), "id9");
	assert_string_equal(json_string_value(json_object_get(a, "seen_from")),
			    "203.0.113.1:4242");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(doc, "endpoints"), 1), "endpoint")),
		"[2001:db8::1]:443@2001:db8::1");
	tp_summary_free(s);
}

/* The baseline: added, gone, verdicts, findings new and cleared,
 * certificates rotated. */
static void test_summary_baseline(void **state)
{
	static const struct rec old[] = {
		{"a.test", "192.0.2.1", 443, "pass", SHA_A, NULL, NULL, SUITE, NULL, NULL, NULL},
		{"b.test", "192.0.2.2", 443, "fail", SHA_B, NULL, NULL, SUITE, NULL,
		 "CERT_EXPIRED:error", NULL},
		{"gone.test", "192.0.2.3", 443, "pass", SHA_A, NULL, NULL, SUITE, NULL, NULL, NULL},
	};
	static const struct rec now[] = {
		{"a.test", "192.0.2.1", 443, "fail", SHA_A, NULL, NULL, SUITE, NULL,
		 "UNKNOWN_CA:error", NULL},
		{"b.test", "192.0.2.2", 443, "pass", SHA_C, NULL, NULL, SUITE, NULL, NULL, NULL},
		{"new.test", "192.0.2.4", 443, "pass", SHA_A, NULL, NULL, SUITE, NULL, NULL, NULL},
	};
	struct tp_summary *s = tp_summary_new(NOW, 30);
	struct tp_summary *b = summarise(old, 3, NULL, 0);
	const json_t *ch, *x;
	size_t i;

	(void)state;
	tp_summary_set_baseline(s, b);
	for (i = 0; i < 3; i++) {
		char *line = client_line(&now[i]);

		tp_summary_add_line(s, line, strlen(line), "n", i + 1);
		free(line);
	}
	ch = json_object_get(tp_summary_doc(s), "changes");
	assert_non_null(ch);
	assert_int_equal(json_array_size(json_object_get(ch, "added")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		ch, "added"), 0)), "new.test:443@192.0.2.4");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		ch, "gone"), 0)), "gone.test:443@192.0.2.3");
	assert_int_equal(json_array_size(json_object_get(ch, "verdicts")), 2);
	x = json_array_get(json_object_get(ch, "new_findings"), 0);
	assert_string_equal(json_string_value(json_object_get(x, "code")), "UNKNOWN_CA");
	assert_string_equal(json_string_value(json_object_get(x, "endpoint")),
			    "a.test:443@192.0.2.1");
	x = json_array_get(json_object_get(ch, "cleared_findings"), 0);
	assert_string_equal(json_string_value(json_object_get(x, "code")), "CERT_EXPIRED");
	assert_int_equal(json_array_size(json_object_get(ch, "rotated")), 1);
	x = json_array_get(json_object_get(ch, "rotated"), 0);
	assert_string_equal(json_string_value(json_object_get(x, "from")), SHA_B);
	assert_string_equal(json_string_value(json_object_get(x, "to")), SHA_C);
	assert_int_equal(json_array_size(json_object_get(ch, "grades")), 0);
	tp_summary_free(s);
}

/* Malformed lines: counted, the first ten kept as FILE:LINE: why. */
static void test_summary_malformed(void **state)
{
	static const struct {
		const char *line;
		const char *why;
	} cases[] = {
		{"not json", "t:1: not JSON"},
		{"[1, 2]", "t:2: not a JSON object"},
		{"{\"tool\": \"other\", \"command\": \"client\"}", "t:3: not a tlsprobe record"},
		{"{\"tool\": \"tlsprobe\", \"command\": \"pcap\", \"target\": {\"host\": \"x\"}, \"findings\": []}",
		 "t:4: a record of a command that takes no --targets"},
		{"{\"tool\": \"tlsprobe\", \"command\": \"client\", \"findings\": []}",
		 "t:5: a record without target.host"},
		{"{\"target\": {\"text\": \"x\"}, \"error\": \"why\"}",
		 "t:6: an error record without"},
	};
	struct tp_summary *s = tp_summary_new(NOW, 30);
	char text[4096] = "";
	FILE *f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strcat(text, cases[i].line);
		strcat(text, "\n");
	}
	/* a blank line is no record and no fault */
	strcat(text, "\n");
	/* the last line torn by a kill */
	strcat(text, "{\"tool\":\"tlsprobe\",\"command\":\"client\",\"tar");
	f = fmemopen(text, strlen(text), "r");
	assert_int_equal(tp_summary_read(s, f, "t", NULL), 0);
	fclose(f);
	assert_int_equal(tp_summary_malformed_count(s), 7);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_non_null(strstr(tp_summary_malformed(s, i), cases[i].why));
	assert_non_null(strstr(tp_summary_malformed(s, 6), "t:8: the last line is cut short"));
	assert_non_null(tp_summary_doc(s));
	assert_int_equal(tp_summary_exit_status(s), 1);
	tp_summary_free(s);

	/* a line with no end in sight: dropped, not held; the next read */
	s = tp_summary_new(NOW, 30);
	{
		size_t big = TP_SUMMARY_MAX_LINE + 100;
		struct rec r = {"a.test", "192.0.2.1", 443, "pass", SHA_A, NULL,
				NULL, SUITE, NULL, NULL, NULL};
		char *line = client_line(&r), *buf = malloc(big + strlen(line) + 2);

		memset(buf, 'x', big);
		buf[big] = '\n';
		strcpy(buf + big + 1, line);
		f = fmemopen(buf, strlen(buf), "r");
		assert_int_equal(tp_summary_read(s, f, "long", NULL), 0);
		fclose(f);
		free(buf);
		free(line);
	}
	assert_int_equal(tp_summary_malformed_count(s), 1);
	assert_non_null(strstr(tp_summary_malformed(s, 0), "long:1: a line longer than"));
	assert_int_equal(jnum(tp_summary_doc(s), "records"), 1);
	tp_summary_free(s);

	/* a flood: fifteen kept as ten, all counted */
	s = tp_summary_new(NOW, 30);
	for (i = 0; i < 15; i++)
		tp_summary_add_line(s, "x", 1, "flood", i + 1);
	assert_int_equal(tp_summary_malformed_count(s), 15);
	assert_int_equal(tp_summary_malformed_kept(s), TP_SUMMARY_MAX_MALFORMED);
	tp_summary_free(s);

	/* a whole last record without its newline is a record */
	s = tp_summary_new(NOW, 30);
	{
		struct rec r = {"a.test", "192.0.2.1", 443, "pass", SHA_A, NULL,
				NULL, SUITE, NULL, NULL, NULL};
		char *line = client_line(&r);

		f = fmemopen(line, strlen(line), "r");
		assert_int_equal(tp_summary_read(s, f, "t", NULL), 0);
		fclose(f);
		free(line);
	}
	assert_int_equal(tp_summary_malformed_count(s), 0);
	assert_int_equal(jnum(tp_summary_doc(s), "records"), 1);
	tp_summary_free(s);
}

/* Hostile strings from a record: escaped for HTML and sanitised, in the
 * page and in the text. */
static void test_summary_hostile_strings(void **state)
{
	static const struct rec recs[] = {
		{"<script>alert(1)</script>.test", "192.0.2.1", 443, "pass",
		 "\"><img src=x onerror=alert(2)>", NULL, "it's \x1b[31mred",
		 "TLS_\xe2\x80\xae" "drow", "id'\"<&>", NULL, NULL},
	};
	struct tp_summary *s = summarise(recs, 1, NULL, 0);
	char *page = NULL, *text = NULL, *p;
	size_t len = 0, tlen = 0, n;
	FILE *m;

	(void)state;
	m = open_memstream(&page, &len);
	tp_summary_html(s, m);
	fclose(m);
	m = open_memstream(&text, &tlen);
	tp_summary_text(s, m, false);
	fclose(m);
	/* one script element: the page's own */
	for (n = 0, p = page; (p = strstr(p, "<script")) != NULL; p++)
		n++;
	assert_int_equal(n, 1);
	assert_null(strstr(page, "<img"));
	assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;.test"));
	assert_non_null(strstr(page, "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
	assert_non_null(strstr(page, "id&#39;&quot;&lt;&amp;&gt;"));
	for (p = page; *p != '\0'; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
	assert_null(strstr(page, "\xe2\x80\xae"));
	assert_non_null(strstr(page, "TLS_\\u202edrow"));
	assert_null(strstr(text, "\x1b"));
	assert_null(strstr(text, "\xe2\x80\xae"));
	free(page);
	free(text);
	tp_summary_free(s);
}

/* A sanitised string from a record shows as its writer showed it, not
 * escaped twice. */
static void test_summary_sanitised_once(void **state)
{
	static const char line[] =
		"{\"tool\":\"tlsprobe\",\"command\":\"client\",\"target\":{\"host\":"
		"\"a\\\\x1b.test\",\"port\":1,\"addresses\":[\"192.0.2.1\"]},"
		"\"verdict\":\"pass\",\"findings\":[]}";
	struct tp_summary *s = tp_summary_new(NOW, 30);

	(void)state;
	tp_summary_add_line(s, line, strlen(line), "t", 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(tp_summary_doc(s), "endpoints"), 0), "host")),
		"a\\x1b.test");
	tp_summary_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_counts),
		cmocka_unit_test(test_summary_grades),
		cmocka_unit_test(test_summary_certificates),
		cmocka_unit_test(test_summary_shared_keys),
		cmocka_unit_test(test_summary_routing_map),
		cmocka_unit_test(test_summary_differ_by_command),
		cmocka_unit_test(test_summary_routing_fields),
		cmocka_unit_test(test_summary_baseline),
		cmocka_unit_test(test_summary_malformed),
		cmocka_unit_test(test_summary_hostile_strings),
		cmocka_unit_test(test_summary_sanitised_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
