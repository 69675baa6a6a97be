/*
 * The report model and its views: findings from the one table, the
 * verdict and exit status, the JSON fields of the contract, and that
 * nothing hostile set into a report reaches an output raw.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "tlsprobe.h"

/* ESC sequence, newline, carriage return, invalid UTF-8, C1 CSI. */
#define HOSTILE "evil\x1b[2J\nline\r\xff\xfe\xc2\x9b" "31m"
#define HOSTILE_CLEAN "evil\\x1b[2J\\x0aline\\x0d\\xff\\xfe\\xc2\\x9b31m"

static int report_setup(void **state)
{
	*state = tp_report_new("client");
	return *state == NULL ? -1 : 0;
}

static int report_teardown(void **state)
{
	tp_report_free(*state);
	return 0;
}

#define REPORT_TEST(f) \
	cmocka_unit_test_setup_teardown(f, report_setup, report_teardown)

/* Parses a rendering back; fails the test when it is not JSON. */
static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *doc;

	assert_non_null(text);
	doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		fail_msg("not JSON (%s, line %d): %s", jerr.text, jerr.line,
			 text);
	return doc;
}

static json_t *to_json(const struct tp_report *r, int flags)
{
	char *text = tp_report_to_json(r, flags);
	json_t *doc = parse(text);

	free(text);
	return doc;
}

/* True when obj has exactly the keys listed (NULL-terminated). */
static void assert_keys(const json_t *obj, const char *what,
			const char *const *keys)
{
	size_t n = 0;

	if (!json_is_object(obj))
		fail_msg("%s is not an object", what);
	for (; keys[n] != NULL; n++)
		if (json_object_get(obj, keys[n]) == NULL)
			fail_msg("%s has no field '%s'", what, keys[n]);
	if (json_object_size(obj) != n) {
		char *dump = json_dumps(obj, JSON_COMPACT);

		fail_msg("%s has %zu fields, expected %zu: %s", what,
			 json_object_size(obj), n, dump);
	}
}

static void assert_json_string(const json_t *obj, const char *key,
			       const char *expected)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		fail_msg("'%s' is not a string", key);
	assert_string_equal(json_string_value(v), expected);
}

/* ---- findings from the table ---- */

static void test_report_finding_defaults_from_table(void **state)
{
	struct tp_report *r = *state;
	int code;

	for (code = 0; code < TP_CODE_COUNT; code++) {
		const struct tp_code_info *info = tp_code_info(code);
		struct tp_finding *f;

		assert_non_null(info);
		f = tp_report_finding(r, code, "summary %d of %s", code,
				      info->name);
		assert_non_null(f);
		assert_int_equal(f->code, code);
		assert_int_equal(f->severity, info->severity);
		assert_int_equal(f->side, info->side);
		assert_non_null(f->fix);
		assert_string_equal(f->fix, info->fix);
		assert_null(f->detail);
		assert_true(strstr(f->summary, info->name) != NULL);
		assert_true(tp_report_has(r, code));
	}
	assert_int_equal(r->n_findings, TP_CODE_COUNT);
}

static void test_report_finding_fix_and_detail_override(void **state)
{
	struct tp_report *r = *state;
	struct tp_finding *f;

	f = tp_report_finding(r, TP_UNKNOWN_CA, "issuer %s is not trusted",
			      "CN=CA2");
	assert_non_null(f);
	assert_string_equal(f->summary, "issuer CN=CA2 is not trusted");
	tp_finding_detail(f, "trusted: %s", "CN=CA1");
	tp_finding_fix(f, "add %s to the --ca file", "CN=CA2");
	assert_string_equal(f->detail, "trusted: CN=CA1");
	assert_string_equal(f->fix, "add CN=CA2 to the --ca file");
	/* a second override replaces the first */
	tp_finding_fix(f, "%s", "sign it with CA1");
	assert_string_equal(f->fix, "sign it with CA1");
	/* NULL findings (out of memory) are ignored */
	tp_finding_detail(NULL, "x");
	tp_finding_fix(NULL, "x");
}

static void test_report_finding_unknown_code(void **state)
{
	struct tp_report *r = *state;

	assert_null(tp_code_info(TP_CODE_COUNT));
	assert_null(tp_report_finding(r, TP_CODE_COUNT, "nothing"));
	assert_int_equal(r->n_findings, 0);
	assert_false(tp_report_has(r, TP_UNKNOWN_CA));
}

static void test_report_code_by_name_round_trip(void **state)
{
	int code;

	(void)state;
	for (code = 0; code < TP_CODE_COUNT; code++)
		assert_int_equal(tp_code_by_name(tp_code_info(code)->name),
				 code);
	assert_int_equal(tp_code_by_name("UNKNOWN_CA"), TP_UNKNOWN_CA);
	assert_int_equal(tp_code_by_name("unknown_ca"), -1);
	assert_int_equal(tp_code_by_name("NO_SUCH_CODE"), -1);
	assert_int_equal(tp_code_by_name(""), -1);
	assert_int_equal(tp_code_by_name(NULL), -1);
}

static void test_report_names(void **state)
{
	(void)state;
	assert_string_equal(tp_severity_name(TP_SEV_ERROR), "error");
	assert_string_equal(tp_severity_name(TP_SEV_WARNING), "warning");
	assert_string_equal(tp_severity_name(TP_SEV_INFO), "info");
	assert_string_equal(tp_side_name(TP_SIDE_CLIENT), "client");
	assert_string_equal(tp_side_name(TP_SIDE_SERVER), "server");
	assert_string_equal(tp_side_name(TP_SIDE_PATH), "path");
	assert_string_equal(tp_side_name(TP_SIDE_LOCAL), "local");
}

/* ---- verdict and exit status ---- */

struct verdict_case {
	const char *name;
	int severities[3];  /* -1 ends the list */
	enum tp_verdict verdict;
	const char *verdict_name;
	int exit_status;
};

static const struct verdict_case verdict_cases[] = {
	{"nothing", {-1}, TP_VERDICT_PASS, "pass", 0},
	{"info", {TP_SEV_INFO, -1}, TP_VERDICT_PASS, "pass", 0},
	{"warning", {TP_SEV_WARNING, TP_SEV_INFO, -1}, TP_VERDICT_WARN,
	 "warn", 0},
	{"error", {TP_SEV_ERROR, -1}, TP_VERDICT_FAIL, "fail", 1},
	{"warning then error", {TP_SEV_WARNING, TP_SEV_ERROR, -1},
	 TP_VERDICT_FAIL, "fail", 1},
	{"error then warning", {TP_SEV_ERROR, TP_SEV_WARNING, -1},
	 TP_VERDICT_FAIL, "fail", 1},
};

static void test_report_verdict_and_exit_status(void **state)
{
	size_t i;
	int j;

	(void)state;
	for (i = 0; i < sizeof(verdict_cases) / sizeof(verdict_cases[0]);
	     i++) {
		const struct verdict_case *c = &verdict_cases[i];
		struct tp_report *r = tp_report_new("client");
		json_t *doc;

		assert_non_null(r);
		for (j = 0; c->severities[j] >= 0; j++) {
			/* the table's severity, then the probe's override */
			struct tp_finding *f =
				tp_report_finding(r, TP_NAT_SOURCE, "case");

			assert_non_null(f);
			f->severity = c->severities[j];
		}
		if (tp_report_verdict(r) != c->verdict ||
		    tp_report_exit_status(r) != c->exit_status)
			fail_msg("%s: verdict %d exit %d, expected %d and %d",
				 c->name, tp_report_verdict(r),
				 tp_report_exit_status(r), c->verdict,
				 c->exit_status);
		assert_string_equal(tp_verdict_name(tp_report_verdict(r)),
				    c->verdict_name);
		doc = to_json(r, 0);
		assert_json_string(doc, "verdict", c->verdict_name);
		json_decref(doc);
		tp_report_free(r);
	}
}

/* ---- stages ---- */

static void test_report_standard_stages(void **state)
{
	static const char *const names[] = {"dns", "tcp", "tls", "verify"};
	struct tp_report *r = *state;
	struct tp_stage *tls;
	size_t i;

	assert_int_equal(tp_report_add_standard_stages(r), 0);
	/* adding them again finds the same four */
	assert_int_equal(tp_report_add_standard_stages(r), 0);
	assert_int_equal(r->n_stages, 4);
	for (i = 0; i < 4; i++) {
		assert_string_equal(r->stages[i].name, names[i]);
		assert_int_equal(r->stages[i].status, TP_STAGE_SKIPPED);
	}
	tls = tp_report_stage(r, "tls");
	assert_ptr_equal(tls, &r->stages[2]);
	tp_stage_set(tls, TP_STAGE_FAIL, 3.0, "alert %s", "unknown_ca");
	assert_string_equal(tls->detail, "alert unknown_ca");
	/* a NULL detail keeps the one already there */
	tp_stage_set(tls, TP_STAGE_FAIL, 4.0, NULL);
	assert_string_equal(tls->detail, "alert unknown_ca");
	tp_stage_set(NULL, TP_STAGE_OK, 0, NULL);
	tp_stage_set_ends(NULL, "a", "b");
}

/* The read-only lookups find what is there, the first of a code, and
 * nothing that is not. */
static void test_report_find(void **state)
{
	struct tp_report *r = *state;
	struct tp_finding *first, *second;

	assert_null(tp_report_find_stage(r, "tls"));
	assert_null(tp_report_find_finding(r, TP_UNKNOWN_CA));
	assert_int_equal(tp_report_add_standard_stages(r), 0);
	assert_ptr_equal(tp_report_find_stage(r, "dns"), &r->stages[0]);
	assert_ptr_equal(tp_report_find_stage(r, "verify"), &r->stages[3]);
	assert_null(tp_report_find_stage(r, "tl"));
	assert_null(tp_report_find_stage(r, "tlsx"));
	first = tp_report_finding(r, TP_UNKNOWN_CA, "first");
	tp_report_finding(r, TP_CERT_EXPIRED, "other");
	second = tp_report_finding(r, TP_UNKNOWN_CA, "second");
	assert_non_null(first);
	assert_non_null(second);
	assert_ptr_equal(tp_report_find_finding(r, TP_UNKNOWN_CA),
			 &r->findings[0]);
	assert_string_equal(tp_report_find_finding(r, TP_CERT_EXPIRED)->summary,
			    "other");
	assert_null(tp_report_find_finding(r, TP_CLIENT_CERT_REJECTED));
	assert_true(tp_report_has(r, TP_CERT_EXPIRED));
	assert_false(tp_report_has(r, TP_CLIENT_CERT_REJECTED));
}

/* The parts of a monitor's line: the peer bracketed when it is IPv6,
 * the session, else why there is none, else nothing at all. */
static void test_report_conn_line(void **state)
{
	struct tp_report *r = *state;
	struct tp_conn_line line;

	/* no host, no stages */
	assert_int_equal(tp_report_to_conn_line(r, &line), 0);
	assert_string_equal(line.peer, "?:0");
	assert_null(line.outcome);
	assert_int_equal(line.verdict, TP_VERDICT_PASS);
	tp_conn_line_clear(&line);
	assert_null(line.peer);

	assert_int_equal(tp_report_set_target(r, "2001:db8::7", 50312, NULL),
			 0);
	assert_int_equal(tp_report_add_standard_stages(r), 0);
	/* an empty detail is one, and says so (a front end may show it) */
	tp_stage_set(tp_report_stage(r, "tls"), TP_STAGE_FAIL, 1, "%s", "");
	assert_int_equal(tp_report_to_conn_line(r, &line), 0);
	assert_string_equal(line.peer, "[2001:db8::7]:50312");
	assert_non_null(line.outcome);
	assert_string_equal(line.outcome, "");
	tp_conn_line_clear(&line);

	tp_stage_set(tp_report_stage(r, "tls"), TP_STAGE_FAIL, 1,
		     "received fatal alert %s", "unknown_ca");
	tp_report_finding(r, TP_CLIENT_CERT_REJECTED, "rejected");
	assert_int_equal(tp_report_to_conn_line(r, &line), 0);
	assert_string_equal(line.outcome, "received fatal alert unknown_ca");
	assert_int_equal(line.verdict, TP_VERDICT_FAIL);
	tp_conn_line_clear(&line);

	/* a session wins over the stage; a missing name is a "?" */
	assert_int_equal(tp_report_set_target(r, "192.0.2.7", 443, NULL), 0);
	r->session.present = true;
	r->session.version = strdup("TLS1.3");
	assert_int_equal(tp_report_to_conn_line(r, &line), 0);
	assert_string_equal(line.peer, "192.0.2.7:443");
	assert_string_equal(line.outcome, "TLS1.3 ?");
	tp_conn_line_clear(&line);
	r->session.cipher = strdup("TLS_AES_128_GCM_SHA256");
	assert_int_equal(tp_report_to_conn_line(r, &line), 0);
	assert_string_equal(line.outcome, "TLS1.3 TLS_AES_128_GCM_SHA256");
	tp_conn_line_clear(&line);
	tp_conn_line_clear(NULL);
}

/* ---- the JSON report ---- */

/* A failed client run shaped like the contract's example. */
static void fill_client_report(struct tp_report *r)
{
	struct tp_stage *st;
	struct tp_finding *f;

	assert_int_equal(tp_report_set_target(r, "example.test", 443,
					      "example.test"), 0);
	assert_int_equal(tp_report_add_address(r, "203.0.113.2"), 0);
	assert_int_equal(tp_report_add_standard_stages(r), 0);
	tp_stage_set(tp_report_stage(r, "dns"), TP_STAGE_OK, 0.4, NULL);
	st = tp_report_stage(r, "tcp");
	tp_stage_set(st, TP_STAGE_OK, 1.1, NULL);
	tp_stage_set_ends(st, "100.64.0.2:42746", "203.0.113.2:443");
	tp_stage_set(tp_report_stage(r, "tls"), TP_STAGE_FAIL, 3.0,
		     "received fatal alert %s", "unknown_ca");
	f = tp_report_finding(r, TP_CLIENT_CERT_REJECTED,
			      "the server rejected our certificate");
	tp_finding_detail(f, "server trusts: CN=CA1");
	r->total_ms = 4.5;
}

static void test_report_json_contract_fields(void **state)
{
	static const char *const target_keys[] = {
		"host", "port", "sni", "addresses", NULL};
	static const char *const finding_keys[] = {
		"code", "severity", "side", "summary", "detail", "fix", NULL};
	static const char *const stage_names[] = {"dns", "tcp", "tls",
						  "verify"};
	struct tp_report *r = *state;
	json_t *doc, *target, *stages, *finding;
	size_t i;

	fill_client_report(r);
	doc = to_json(r, 0);
	assert_json_string(doc, "tool", "tlsprobe");
	assert_json_string(doc, "version", TP_VERSION);
	assert_json_string(doc, "command", "client");
	assert_json_string(doc, "verdict", "fail");

	target = json_object_get(doc, "target");
	assert_keys(target, "target", target_keys);
	assert_json_string(target, "host", "example.test");
	assert_int_equal(json_integer_value(json_object_get(target, "port")),
			 443);
	assert_json_string(target, "sni", "example.test");
	assert_int_equal(json_array_size(json_object_get(target, "addresses")),
			 1);
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(target, "addresses"), 0)), "203.0.113.2");

	stages = json_object_get(doc, "stages");
	assert_int_equal(json_array_size(stages), 4);
	for (i = 0; i < 4; i++) {
		json_t *st = json_array_get(stages, i);

		assert_json_string(st, "name", stage_names[i]);
		assert_non_null(json_object_get(st, "status"));
	}
	assert_json_string(json_array_get(stages, 0), "status", "ok");
	assert_true(json_is_number(json_object_get(json_array_get(stages, 0),
						   "ms")));
	assert_json_string(json_array_get(stages, 1), "local",
			   "100.64.0.2:42746");
	assert_json_string(json_array_get(stages, 1), "remote",
			   "203.0.113.2:443");
	assert_json_string(json_array_get(stages, 2), "status", "fail");
	assert_json_string(json_array_get(stages, 2), "detail",
			   "received fatal alert unknown_ca");
	assert_true(json_is_number(json_object_get(json_array_get(stages, 2),
						   "ms")));
	assert_json_string(json_array_get(stages, 3), "status", "skipped");

	assert_true(json_is_null(json_object_get(doc, "session")));
	assert_true(json_is_array(json_object_get(doc, "certificates")));
	assert_int_equal(json_array_size(json_object_get(doc, "certificates")),
			 0);
	/* present and null: no paired probe answered */
	assert_non_null(json_object_get(doc, "peer_report"));
	assert_true(json_is_null(json_object_get(doc, "peer_report")));
	/* packets only with --capture */
	assert_null(json_object_get(doc, "packets"));

	assert_int_equal(json_array_size(json_object_get(doc, "findings")), 1);
	finding = json_array_get(json_object_get(doc, "findings"), 0);
	assert_keys(finding, "finding", finding_keys);
	assert_json_string(finding, "code", "CLIENT_CERT_REJECTED");
	assert_json_string(finding, "severity", "error");
	assert_json_string(finding, "side", "client");
	assert_json_string(finding, "summary",
			   "the server rejected our certificate");
	assert_json_string(finding, "detail", "server trusts: CN=CA1");
	assert_json_string(finding, "fix",
			   tp_code_info(TP_CLIENT_CERT_REJECTED)->fix);
	json_decref(doc);
}

static void test_report_json_no_sni_is_null(void **state)
{
	struct tp_report *r = *state;
	json_t *doc;

	assert_int_equal(tp_report_set_target(r, "127.0.0.1", 4433, NULL), 0);
	assert_int_equal(tp_report_add_standard_stages(r), 0);
	doc = to_json(r, 0);
	assert_true(json_is_null(json_object_get(json_object_get(doc, "target"),
						 "sni")));
	assert_int_equal(json_array_size(json_object_get(
		json_object_get(doc, "target"), "addresses")), 0);
	assert_json_string(doc, "verdict", "pass");
	json_decref(doc);
}

static void test_report_json_session(void **state)
{
	static const char *const session_keys[] = {
		"version", "cipher", "group", "signature", "alpn", "resumed",
		NULL};
	struct tp_report *r = *state;
	json_t *doc, *s;

	assert_int_equal(tp_report_add_standard_stages(r), 0);
	assert_int_equal(tp_session_set(&r->session, "TLS1.3",
					"TLS_AES_128_GCM_SHA256", "x25519",
					"ECDSA-SECP256R1-SHA256", NULL, false),
			 0);
	doc = to_json(r, 0);
	s = json_object_get(doc, "session");
	assert_keys(s, "session", session_keys);
	assert_json_string(s, "version", "TLS1.3");
	assert_json_string(s, "cipher", "TLS_AES_128_GCM_SHA256");
	assert_json_string(s, "group", "x25519");
	assert_json_string(s, "signature", "ECDSA-SECP256R1-SHA256");
	assert_true(json_is_null(json_object_get(s, "alpn")));
	assert_true(json_is_false(json_object_get(s, "resumed")));
	json_decref(doc);
}

static void test_report_json_session_alpn_resumed(void **state)
{
	struct tp_report *r = *state;
	json_t *doc, *s;

	assert_int_equal(tp_report_add_standard_stages(r), 0);
	assert_int_equal(tp_session_set(&r->session, "TLS1.2",
					"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
					"secp256r1", "RSA-PSS-RSAE-SHA256",
					"h2", true), 0);
	doc = to_json(r, TP_RENDER_COMPACT);
	s = json_object_get(doc, "session");
	assert_json_string(s, "alpn", "h2");
	assert_true(json_is_true(json_object_get(s, "resumed")));
	json_decref(doc);
}

static void test_report_json_certificates(void **state)
{
	static const char *const cert_keys[] = {
		"position", "subject", "issuer", "sha256", "not_before",
		"not_after", "san", "key", "signature", "is_ca", NULL};
	struct tp_report *r = *state;
	struct tp_cert_info *c;
	json_t *doc, *certs, *leaf;
	size_t i;

	c = tp_report_add_cert(r);
	assert_non_null(c);
	c->subject = tp_report_strdup("CN=node1");
	c->issuer = tp_report_strdup("CN=CA2");
	snprintf(c->sha256, sizeof(c->sha256), "%064d", 0);
	snprintf(c->not_before, sizeof(c->not_before), "2026-01-01T00:00:00Z");
	snprintf(c->not_after, sizeof(c->not_after), "2027-01-01T00:00:00Z");
	c->san = calloc(2, sizeof(char *));
	assert_non_null(c->san);
	c->san[0] = tp_report_strdup("DNS:node1");
	c->san[1] = tp_report_strdup("IP:100.64.0.2");
	c->n_san = 2;
	snprintf(c->key, sizeof(c->key), "RSA-2048");
	c->signature = tp_report_strdup("RSA-SHA256");
	c = tp_report_add_cert(r);
	assert_non_null(c);
	c->subject = tp_report_strdup("CN=CA2");
	c->is_ca = true;

	doc = to_json(r, 0);
	certs = json_object_get(doc, "certificates");
	assert_int_equal(json_array_size(certs), 2);
	leaf = json_array_get(certs, 0);
	/* the contract's fields; more are allowed */
	for (i = 0; cert_keys[i] != NULL; i++)
		if (json_object_get(leaf, cert_keys[i]) == NULL)
			fail_msg("certificate has no field '%s'", cert_keys[i]);
	assert_int_equal(json_integer_value(json_object_get(leaf, "position")),
			 0);
	assert_json_string(leaf, "subject", "CN=node1");
	assert_json_string(leaf, "issuer", "CN=CA2");
	assert_json_string(leaf, "not_after", "2027-01-01T00:00:00Z");
	assert_json_string(leaf, "key", "RSA-2048");
	assert_json_string(leaf, "signature", "RSA-SHA256");
	assert_int_equal(json_array_size(json_object_get(leaf, "san")), 2);
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(leaf, "san"), 1)), "IP:100.64.0.2");
	assert_true(json_is_false(json_object_get(leaf, "is_ca")));
	assert_int_equal(json_integer_value(json_object_get(
		json_array_get(certs, 1), "position")), 1);
	assert_true(json_is_true(json_object_get(json_array_get(certs, 1),
						 "is_ca")));
	json_decref(doc);
}

/* The store's anchor is apart from what was sent, in JSON and back. */
static void test_report_json_trust_anchor(void **state)
{
	struct tp_report *r = *state, *back;
	struct tp_cert_info *c;
	json_t *doc, *anchor;
	char *text;

	c = tp_report_add_cert(r);
	assert_non_null(c);
	c->subject = tp_report_strdup("CN=node1");
	c->issuer = tp_report_strdup("CN=CA1");
	doc = to_json(r, 0);
	assert_true(json_is_null(json_object_get(doc, "trust_anchor")));
	json_decref(doc);

	r->anchor.subject = tp_report_strdup("CN=CA1");
	r->anchor.issuer = tp_report_strdup("CN=CA1");
	r->anchor.self_signed = true;
	r->anchor.is_ca = true;
	r->anchor.position = -1;
	r->anchor_store = tp_report_strdup("ca1.pem");
	r->has_anchor = true;
	doc = to_json(r, 0);
	assert_int_equal(json_array_size(json_object_get(doc, "certificates")),
			 1);
	anchor = json_object_get(doc, "trust_anchor");
	assert_json_string(anchor, "subject", "CN=CA1");
	assert_json_string(anchor, "source", "trust store");
	assert_json_string(anchor, "store", "ca1.pem");
	assert_true(json_is_false(json_object_get(anchor, "sent")));
	assert_null(json_object_get(anchor, "position"));
	json_decref(doc);

	text = tp_report_to_json(r, TP_RENDER_COMPACT);
	assert_non_null(text);
	back = tp_report_from_json(text, strlen(text));
	free(text);
	assert_non_null(back);
	assert_int_equal(back->n_certs, 1);
	assert_true(back->has_anchor);
	assert_int_equal(back->anchor.position, -1);
	assert_string_equal(back->anchor.subject, "CN=CA1");
	assert_string_equal(back->anchor_store, "ca1.pem");
	tp_report_free(back);
}

static void test_report_json_compact_is_one_line(void **state)
{
	struct tp_report *r = *state;
	char *text;

	fill_client_report(r);
	text = tp_report_to_json(r, TP_RENDER_COMPACT);
	assert_non_null(text);
	assert_null(strchr(text, '\n'));
	json_decref(parse(text));
	free(text);
}

/* ---- hostile strings ---- */

/* Every string (and key) in the document is free of controls. */
static void assert_json_inert(const json_t *j, const char *where)
{
	const char *key;
	json_t *v;
	size_t i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		json_object_foreach((json_t *)j, key, v) {
			assert_json_inert(v, key);
		}
		break;
	case JSON_ARRAY:
		json_array_foreach(j, i, v) {
			assert_json_inert(v, where);
		}
		break;
	case JSON_STRING: {
		const unsigned char *p =
			(const unsigned char *)json_string_value(j);

		for (; *p != '\0'; p++)
			if (*p < 0x20 || *p == 0x7f ||
			    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
				fail_msg("'%s' holds control byte 0x%02x: %s",
					 where, *p, json_string_value(j));
		break;
	}
	default:
		break;
	}
}

/* Every setter that takes outside text, fed the same hostile string. */
static void fill_hostile(struct tp_report *r)
{
	struct tp_stage *st;
	struct tp_finding *f;
	struct tp_cert_info *c;

	assert_int_equal(tp_report_set_target(r, HOSTILE, 443, HOSTILE), 0);
	assert_int_equal(tp_report_add_address(r, HOSTILE), 0);
	assert_int_equal(tp_report_add_standard_stages(r), 0);
	st = tp_report_stage(r, "tcp");
	tp_stage_set(st, TP_STAGE_OK, 1.0, "%s", HOSTILE);
	tp_stage_set_ends(st, HOSTILE, HOSTILE);
	assert_int_equal(tp_report_add_message(r, 0.5, true, HOSTILE), 0);
	assert_int_equal(tp_session_set(&r->session, HOSTILE, HOSTILE,
					HOSTILE, HOSTILE, HOSTILE, false), 0);
	f = tp_report_finding(r, TP_NOT_TLS, "peer said '%s'", HOSTILE);
	tp_finding_detail(f, "%s", HOSTILE);
	tp_finding_fix(f, "%s", HOSTILE);
	c = tp_report_add_cert(r);
	assert_non_null(c);
	c->subject = tp_report_strdup(HOSTILE);
	c->issuer = tp_report_strdup(HOSTILE);
	c->signature = tp_report_strdup(HOSTILE);
	c->san = calloc(1, sizeof(char *));
	assert_non_null(c->san);
	c->san[0] = tp_report_strdup(HOSTILE);
	c->n_san = 1;
	r->unique_id = tp_report_strdup(HOSTILE);
}

static void assert_no_raw_hostile(const char *out, const char *view)
{
	if (strchr(out, '\x1b') != NULL)
		fail_msg("%s output holds an ESC byte", view);
	if (strchr(out, '\r') != NULL)
		fail_msg("%s output holds a CR byte", view);
	if (strstr(out, "\nline") != NULL)
		fail_msg("%s output holds the hostile newline", view);
	if (strstr(out, "\xff") != NULL || strstr(out, "\xfe") != NULL ||
	    strstr(out, "\xc2\x9b") != NULL)
		fail_msg("%s output holds invalid UTF-8 or a C1 control",
			 view);
}

static void test_report_hostile_strings_json(void **state)
{
	struct tp_report *r = *state;
	json_t *doc, *target;
	char *text;

	fill_hostile(r);
	text = tp_report_to_json(r, 0);
	assert_non_null(text);
	assert_no_raw_hostile(text, "JSON");
	/* jansson would escape a raw control as \u001b: none must reach it */
	assert_null(strstr(text, "\\u00"));
	doc = parse(text);
	assert_json_inert(doc, "document");
	target = json_object_get(doc, "target");
	assert_json_string(target, "host", HOSTILE_CLEAN);
	assert_json_string(target, "sni", HOSTILE_CLEAN);
	assert_json_string(json_array_get(json_object_get(doc, "findings"), 0),
			   "summary", "peer said '" HOSTILE_CLEAN "'");
	json_decref(doc);
	free(text);
}

static void test_report_hostile_strings_text(void **state)
{
	struct tp_report *r = *state;
	char *text;

	fill_hostile(r);
	text = tp_report_to_text(r, TP_RENDER_VERBOSE);
	assert_non_null(text);
	assert_no_raw_hostile(text, "text");
	assert_non_null(strstr(text, HOSTILE_CLEAN));
	free(text);
}

/* ---- colour ---- */

static void test_report_text_color_only_when_asked(void **state)
{
	struct tp_report *r = *state;
	char *plain, *colored;

	fill_client_report(r);
	plain = tp_report_to_text(r, 0);
	colored = tp_report_to_text(r, TP_RENDER_COLOR);
	assert_non_null(plain);
	assert_non_null(colored);
	assert_null(strchr(plain, '\x1b'));
	assert_non_null(strchr(colored, '\x1b'));
	assert_non_null(strstr(plain, "CLIENT_CERT_REJECTED"));
	assert_non_null(strstr(plain, "FAIL"));
	free(plain);
	free(colored);
}

/* ---- handshake messages ---- */

static void test_report_add_message_caps_at_256(void **state)
{
	struct tp_report *r = *state;
	int i;

	for (i = 0; i < 256; i++)
		assert_int_equal(tp_report_add_message(r, i, i % 2,
						       "ClientHello"), 0);
	assert_int_equal(tp_report_add_message(r, 256, true, "one too many"),
			 -1);
	assert_int_equal(r->n_messages, 256);
	assert_string_equal(r->messages[255].name, "ClientHello");
	assert_true(r->messages[255].incoming);
}

/*
 * The sanitised name is cut to the 40-byte field on a character: 38 'A'
 * then U+00E9 must not keep a lone 0xc3, which the text view would print
 * as invalid UTF-8 and the JSON view would drop (json_pack refuses the
 * string).
 */
static void test_report_add_message_truncates_on_a_character(void **state)
{
	struct tp_report *r = *state;
	char name[64];
	json_t *doc, *wrapped;

	memset(name, 'A', 38);
	snprintf(name + 38, sizeof(name) - 38, "\xc3\xa9tail");
	assert_int_equal(tp_report_add_standard_stages(r), 0);
	assert_int_equal(tp_report_add_message(r, 1.0, false, name), 0);
	/* what was kept is valid UTF-8 */
	wrapped = json_string(r->messages[0].name);
	assert_non_null(wrapped);
	json_decref(wrapped);
	doc = to_json(r, 0);
	assert_int_equal(json_array_size(json_object_get(doc, "handshake")), 1);
	json_decref(doc);
}

/* ---- what enters the report, once ---- */

/* Another node names its own stages: the name is sanitised too. */
static void test_report_stage_name_sanitised(void **state)
{
	struct tp_report *r = *state;
	struct tp_stage *st = tp_report_stage(r, "\x1b[2Jx");

	assert_non_null(st);
	assert_string_equal(st->name, "\\x1b[2Jx");
	/* the same name finds the same stage */
	assert_ptr_equal(tp_report_stage(r, "\x1b[2Jx"), st);
	st = tp_report_stage(r, "\xe2\x80\xae" "dns");
	assert_string_equal(st->name, "\\u202edns");
	/* cut at a whole escape: 16 bytes hold three \x1b and no more */
	st = tp_report_stage(r, "\x1b\x1b\x1b\x1b\x1b");
	assert_string_equal(st->name, "\\x1b\\x1b\\x1b");
}

/* peer: a node ID cut inside a character still renders, and whole. */
static void test_report_nodes_cut_at_a_character(void **state)
{
	struct tp_report *r = tp_report_new("peer");
	char id[80];
	json_t *doc, *nodes;

	(void)state;
	assert_non_null(r);
	memset(id, 'A', 62);
	snprintf(id + 62, sizeof(id) - 62, "\xc3\xa9\xc3\xa9");
	tp_report_set_nodes(r, id, "\x1b[2J\xe2\x81\xa6");
	assert_int_equal(strlen(r->a_id), 62);
	assert_string_equal(r->b_id, "\\x1b[2J\\u2066");
	doc = to_json(r, 0);
	nodes = json_object_get(doc, "nodes");
	assert_non_null(nodes);
	assert_string_equal(json_string_value(json_object_get(nodes, "B")),
			    "\\x1b[2J\\u2066");
	json_decref(doc);
	/* a fixed field filled past the setters still shows, escaped */
	memcpy(r->a_id, "AB\xc3", 4);
	doc = to_json(r, 0);
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(doc, "nodes"), "A")), "AB\\xc3");
	json_decref(doc);
	tp_report_free(r);
}

/* Another node's report, read back: its strings show as that node
 * showed them, escaped once, not their escapes escaped again. */
static void test_report_from_json_escapes_once(void **state)
{
	struct tp_report *r = *state, *back;
	struct tp_finding *f;
	char *text;

	assert_int_equal(tp_report_set_target(r, HOSTILE, 443, "a\\b"), 0);
	assert_non_null(tp_report_stage(r, "tls"));
	tp_stage_set(tp_report_stage(r, "tls"), TP_STAGE_FAIL, 1, "%s",
		     "\xe2\x80\xae" "x\\x41");
	f = tp_report_finding(r, TP_UNKNOWN_CA, "%s", HOSTILE);
	tp_finding_detail(f, "%s", "\x1b]0;t\x07");
	text = tp_report_to_json(r, TP_RENDER_COMPACT);
	assert_non_null(text);
	back = tp_report_from_json(text, strlen(text));
	free(text);
	assert_non_null(back);
	assert_string_equal(back->target.host, HOSTILE_CLEAN);
	assert_string_equal(back->target.sni, "a\\\\b");
	assert_string_equal(back->stages[0].detail, "\\u202ex\\\\x41");
	assert_string_equal(back->findings[0].summary, HOSTILE_CLEAN);
	assert_string_equal(back->findings[0].detail, "\\x1b]0;t\\x07");
	tp_report_free(back);
	/* raw escapes in the JSON are escaped where they enter */
	text = "{\"command\":\"client\",\"target\":{\"host\":\"h\\u001b[2J\","
	       "\"port\":1},\"stages\":[{\"name\":\"\\u202ex\",\"status\":"
	       "\"ok\"}],\"findings\":[]}";
	back = tp_report_from_json(text, strlen(text));
	assert_non_null(back);
	assert_string_equal(back->target.host, "h\\x1b[2J");
	assert_string_equal(back->stages[0].name, "\\u202ex");
	tp_report_free(back);
}

/* A finding copied from another report keeps its words as they are. */
static void test_report_copy_finding_escapes_once(void **state)
{
	struct tp_report *r = *state, *d = tp_report_new("client");
	struct tp_finding *f;

	assert_non_null(d);
	f = tp_report_finding(d, TP_UNKNOWN_CA, "%s", HOSTILE);
	tp_finding_detail(f, "%s", "a\\b");
	f = tp_report_copy_finding(r, &d->findings[0], "A->B");
	assert_non_null(f);
	assert_string_equal(f->summary, "A->B: " HOSTILE_CLEAN);
	assert_string_equal(f->detail, "a\\\\b");
	assert_int_equal(f->code, TP_UNKNOWN_CA);
	tp_finding_append_detail(f, "; ", "says %s", "\x1b[1m");
	assert_string_equal(f->detail, "a\\\\b; says \\x1b[1m");
	tp_report_free(d);
}

/* ---- pcap handshakes, streamed ---- */

static void set_cert(struct tp_cert_info *c, unsigned n, int position)
{
	char name[32];

	snprintf(name, sizeof(name), "CN=cert %u", n);
	c->position = position;
	c->subject = tp_report_strdup(name);
	c->issuer = tp_report_strdup(n % 2 ? HOSTILE : "CN=CA");
	snprintf(c->sha256, sizeof(c->sha256), "%064u", n);
	snprintf(c->not_before, sizeof(c->not_before), "2026-01-01T00:00:00Z");
	snprintf(c->not_after, sizeof(c->not_after), "2027-01-01T00:00:00Z");
	c->san = calloc(1, sizeof(char *));
	assert_non_null(c->san);
	c->san[0] = tp_report_strdup("DNS:server.test");
	c->n_san = 1;
	snprintf(c->key, sizeof(c->key), "EC-SECP256R1");
	c->is_ca = n == 1;
}

static struct tp_handshake *add_handshake(struct tp_report *r,
					  const unsigned *certs, size_t n)
{
	struct tp_handshake *h = tp_report_add_handshake(r);
	size_t i;

	assert_non_null(h);
	h->client = tp_report_strdup("192.0.2.1:50000");
	h->server = tp_report_strdup("[2001:db8::1]:443");
	h->version = tp_report_strdup("TLS1.2");
	snprintf(h->ja3, sizeof(h->ja3), "%032d", 3);
	snprintf(h->outcome, sizeof(h->outcome), "established");
	snprintf(h->history, sizeof(h->history), "ShADadFf");
	h->t_start = 1795338121.436186;
	h->duration_ms = 15.704;
	h->keylog_secrets = -1;
	h->certs = n ? calloc(n, sizeof(*h->certs)) : NULL;
	for (i = 0; i < n; i++)
		set_cert(&h->certs[i], certs[i], (int)i);
	h->n_certs = n;
	return h;
}

/* One handshake as tp_handshake_to_json writes it: the same text with
 * and without a cache, cached or not yet, and the same value and order
 * as the handshake in the whole report. */
static void assert_streamed_same(const struct tp_report *r, size_t i,
				 struct tp_json_cache *cache)
{
	char *plain = tp_handshake_to_json(&r->handshakes[i], NULL);
	char *first = tp_handshake_to_json(&r->handshakes[i], cache);
	char *again = tp_handshake_to_json(&r->handshakes[i], cache);
	char *whole = tp_report_to_json(r, TP_RENDER_COMPACT), *elem;
	json_t *doc = parse(whole), *one = parse(plain);

	assert_string_equal(first, plain);
	assert_string_equal(again, plain);
	elem = json_dumps(json_array_get(json_object_get(doc, "handshakes"),
					 i), JSON_COMPACT |
			  JSON_REAL_PRECISION(16));
	assert_non_null(elem);
	assert_string_equal(plain, elem);
	assert_int_equal(json_array_size(json_object_get(one,
							 "certificates")),
			 r->handshakes[i].n_certs);
	free(elem);
	json_decref(one);
	json_decref(doc);
	free(whole);
	free(plain);
	free(first);
	free(again);
}

static void test_report_streamed_handshake_json(void **state)
{
	static const unsigned chain[] = {7, 1}, swapped[] = {1, 7};
	struct tp_report *r = *state;
	struct tp_json_cache *cache = tp_json_cache_new();
	struct tp_handshake *h;
	char *json;
	size_t i;

	assert_non_null(cache);
	r->pcap = calloc(1, sizeof(*r->pcap));
	assert_non_null(r->pcap);
	add_handshake(r, chain, 2);
	/* the same certificates in other places of the chain */
	add_handshake(r, swapped, 2);
	/* no certificates; an alert; hostile strings; secrets counted;
	 * TLS after a STARTTLS prelude */
	h = add_handshake(r, NULL, 0);
	h->sni = tp_report_strdup(HOSTILE);
	snprintf(h->starttls, sizeof(h->starttls), "imap");
	h->has_alert = true;
	snprintf(h->alert_level, sizeof(h->alert_level), "fatal");
	snprintf(h->alert_description, sizeof(h->alert_description),
		 "unknown_ca");
	h->keylog_secrets = 2;
	for (i = 0; i < 3; i++)
		assert_streamed_same(r, i, cache);
	json = tp_handshake_to_json(&r->handshakes[2], NULL);
	assert_non_null(strstr(json, ",\"starttls\":\"imap\","));
	free(json);
	json = tp_handshake_to_json(&r->handshakes[1], NULL);
	assert_non_null(strstr(json, ",\"starttls\":null,"));
	free(json);
	/* more distinct certificates than the cache holds, then the
	 * first ones again */
	for (i = 0; i < 100; i++) {
		unsigned one = 100 + (unsigned)i;

		add_handshake(r, &one, 1);
	}
	for (i = 3; i < r->n_handshakes; i += 7)
		assert_streamed_same(r, i, cache);
	for (i = 0; i < 3; i++)
		assert_streamed_same(r, i, cache);
	tp_json_cache_free(cache);
	tp_json_cache_free(NULL);
}

static void test_report_free_null(void **state)
{
	(void)state;
	tp_report_free(NULL);
	assert_null(tp_report_strdup(NULL));
}

/* An international name: host is what was resolved (A-labels), and
 * host_unicode shows it as written, in JSON and in the text header; a
 * plain name has no host_unicode at all. */
static void test_report_target_both_forms(void **state)
{
	struct tp_report *r = *state;
	json_t *doc, *t;
	char *text;

	assert_int_equal(tp_report_set_target(r, "xn--bcher-kva.example", 443,
					      "xn--bcher-kva.example"), 0);
	doc = to_json(r, 0);
	t = json_object_get(doc, "target");
	assert_string_equal(json_string_value(json_object_get(t, "host")),
			    "xn--bcher-kva.example");
	assert_string_equal(json_string_value(json_object_get(t,
							      "host_unicode")),
			    "b\xc3\xbc" "cher.example");
	json_decref(doc);
	text = tp_report_to_text(r, 0);
	assert_non_null(text);
	assert_non_null(strstr(text, "xn--bcher-kva.example:443 (b\xc3\xbc"
			       "cher.example)"));
	free(text);
	assert_int_equal(tp_report_set_target(r, "example.test", 443,
					      "example.test"), 0);
	doc = to_json(r, 0);
	assert_null(json_object_get(json_object_get(doc, "target"),
				    "host_unicode"));
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		REPORT_TEST(test_report_finding_defaults_from_table),
		REPORT_TEST(test_report_finding_fix_and_detail_override),
		REPORT_TEST(test_report_finding_unknown_code),
		cmocka_unit_test(test_report_code_by_name_round_trip),
		cmocka_unit_test(test_report_names),
		cmocka_unit_test(test_report_verdict_and_exit_status),
		REPORT_TEST(test_report_standard_stages),
		REPORT_TEST(test_report_find),
		REPORT_TEST(test_report_conn_line),
		REPORT_TEST(test_report_json_contract_fields),
		REPORT_TEST(test_report_json_no_sni_is_null),
		REPORT_TEST(test_report_target_both_forms),
		REPORT_TEST(test_report_json_session),
		REPORT_TEST(test_report_json_session_alpn_resumed),
		REPORT_TEST(test_report_json_certificates),
		REPORT_TEST(test_report_json_trust_anchor),
		REPORT_TEST(test_report_json_compact_is_one_line),
		REPORT_TEST(test_report_hostile_strings_json),
		REPORT_TEST(test_report_hostile_strings_text),
		REPORT_TEST(test_report_text_color_only_when_asked),
		REPORT_TEST(test_report_add_message_caps_at_256),
		REPORT_TEST(test_report_add_message_truncates_on_a_character),
		REPORT_TEST(test_report_streamed_handshake_json),
		REPORT_TEST(test_report_stage_name_sanitised),
		cmocka_unit_test(test_report_nodes_cut_at_a_character),
		REPORT_TEST(test_report_from_json_escapes_once),
		REPORT_TEST(test_report_copy_finding_escapes_once),
		cmocka_unit_test(test_report_free_null),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
