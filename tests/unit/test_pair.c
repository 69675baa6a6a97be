/*
 * The paired probe's comparison of both ends' views: tp_pair_analyse on
 * a struct tp_pair filled by hand, as the side channel and the TLS
 * session would have left it, and the server's own NAT comparison. No
 * network, no key: the time the exchanges took is fixed (p->ms), so the
 * sideband stage's time is known too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"

#define PAIR_MS 12.5

/* 64 hex digits: a's, b's, c's */
#define LEAF_A \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LEAF_B \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define OTHER_RANDOM \
	"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

#define NO_CODE TP_CODE_COUNT

/* A pair as tp_pair_new leaves it, without the key analyse never uses. */
static struct tp_pair *pair_blank(void)
{
	struct tp_pair *p = calloc(1, sizeof(*p));
	size_t i;

	assert_non_null(p);
	for (i = 0; i < 32; i++)
		p->client_random[i] = (unsigned char)(i * 7 + 1);
	p->ms = PAIR_MS;
	return p;
}

/* The hex the server reports when it saw our very ClientHello. */
static void our_random_hex(const struct tp_pair *p, char out[65])
{
	tp_hex(p->client_random, 32, out);
}

static struct tp_report *report_with_leaf(const char *sha256)
{
	struct tp_report *r = tp_report_new("client");
	struct tp_cert_info *c;

	assert_non_null(r);
	if (sha256 == NULL)
		return r;
	c = tp_report_add_cert(r);
	assert_non_null(c);
	c->subject = tp_report_strdup("CN=server.test");
	c->issuer = tp_report_strdup("CN=Server CA");
	snprintf(c->sha256, sizeof(c->sha256), "%s", sha256);
	return r;
}

/* short names for the report's own lookups, for the tables below */
static const struct tp_finding *find(const struct tp_report *r,
				     enum tp_code code)
{
	return tp_report_find_finding(r, code);
}

static const struct tp_stage *stage(const struct tp_report *r,
				    const char *name)
{
	return tp_report_find_stage(r, name);
}

static void assert_has_words(const char *text, const char *words)
{
	if (text == NULL || strstr(text, words) == NULL)
		fail_msg("'%s' lacks '%s'", text ? text : "(null)", words);
}

static const struct tp_tls_client_cfg no_cfg;

/* ---- tp_pair_analyse: NAT and interception, table-driven ---- */

struct analyse_case {
	const char *name;
	/* the side channel: its state, our ends, the welcome */
	enum tp_pair_state state;
	const char *local, *dialled;
	const char *seen_from, *server_local;
	const char *welcome_leaf;
	/* inside TLS: our ends, the reply */
	bool have_inside;
	const char *tls_local, *tls_dialled;
	const char *in_seen_from, *in_server_local;
	const char *in_leaf;
	bool in_other_random;
	bool in_account;
	/* what we received */
	const char *received_leaf;
	/* expected: every finding counted, one of them checked */
	size_t n_findings;
	enum tp_code code;
	const char *summary;     /* exact, or NULL */
	const char *detail_has;  /* words in the detail, or NULL */
};

static const struct analyse_case analyse_cases[] = {
	{
		.name = "welcome: another source address",
		.state = TP_PAIR_PAIRED,
		.local = "192.168.1.10:40000", .dialled = "203.0.113.9:443",
		.seen_from = "203.0.113.5:61000",
		.server_local = "203.0.113.9:443",
		.n_findings = 1, .code = TP_NAT_SOURCE,
		.summary = "the server saw us come from 203.0.113.5:61000 "
			   "(documentation (RFC 5737)), while we are "
			   "192.168.1.10:40000 (private (RFC 1918))",
		.detail_has = "a source NAT is on the path; our socket's own "
			      "address is 192.168.1.10:40000",
	},
	{
		.name = "welcome: same host, another port",
		.state = TP_PAIR_PAIRED,
		.local = "192.168.1.10:40000", .dialled = "203.0.113.9:443",
		.seen_from = "192.168.1.10:50000",
		.server_local = "203.0.113.9:443",
		.n_findings = 1, .code = TP_NAT_SOURCE,
		.summary = "the server saw us come from 192.168.1.10:50000 "
			   "(private (RFC 1918)), while we are "
			   "192.168.1.10:40000 (private (RFC 1918))",
		.detail_has = "only the port was translated",
	},
	{
		.name = "welcome: IPv6 source translated",
		.state = TP_PAIR_PAIRED,
		.local = "[fd00::2]:40000", .dialled = "[2001:db8::9]:443",
		.seen_from = "[2001:db8::5]:40000",
		.server_local = "[2001:db8::9]:443",
		.n_findings = 1, .code = TP_NAT_SOURCE,
		.summary = "the server saw us come from [2001:db8::5]:40000 "
			   "(documentation (RFC 3849)), while we are "
			   "[fd00::2]:40000 (unique local (ULA))",
		.detail_has = "a source NAT is on the path",
	},
	{
		.name = "welcome: both ends as seen",
		.state = TP_PAIR_PAIRED,
		.local = "192.168.1.10:40000", .dialled = "192.168.1.20:443",
		.seen_from = "192.168.1.10:40000",
		.server_local = "192.168.1.20:443",
		.n_findings = 0, .code = NO_CODE,
	},
	{
		.name = "welcome: dialled another address than it listens on",
		.state = TP_PAIR_PAIRED,
		.local = "192.168.1.10:40000", .dialled = "203.0.113.9:443",
		.seen_from = "192.168.1.10:40000",
		.server_local = "10.0.0.5:8443",
		.n_findings = 1, .code = TP_NAT_DESTINATION,
		.summary = "we dialled 203.0.113.9:443 (documentation (RFC "
			   "5737)), the server listens on 10.0.0.5:8443 "
			   "(private (RFC 1918))",
		.detail_has = "a destination NAT or port forward is on the "
			      "path; the paired tlsprobe server reports its "
			      "own end of the connection as 10.0.0.5:8443",
	},
	{
		.name = "welcome: dialled another port",
		.state = TP_PAIR_PAIRED,
		.local = "192.168.1.10:40000", .dialled = "203.0.113.9:443",
		.seen_from = "192.168.1.10:40000",
		.server_local = "203.0.113.9:8443",
		.n_findings = 1, .code = TP_NAT_DESTINATION,
		.detail_has = "a port forward changes the port",
	},
	{
		.name = "welcome: another leaf than received",
		.state = TP_PAIR_PAIRED,
		.local = "192.168.1.10:40000", .dialled = "192.168.1.20:443",
		.seen_from = "192.168.1.10:40000",
		.server_local = "192.168.1.20:443",
		.welcome_leaf = LEAF_A, .received_leaf = LEAF_B,
		.n_findings = 1, .code = TP_TLS_INTERCEPTED,
		.summary = "the certificate received (CN=server.test, issued "
			   "by CN=Server CA) is not the one the tlsprobe "
			   "server sent",
		.detail_has = "received leaf SHA-256 " LEAF_B "; the paired "
			      "server reports on the side channel " LEAF_A,
	},
	{
		.name = "welcome: the leaf received is the one sent",
		.state = TP_PAIR_PAIRED,
		.local = "192.168.1.10:40000", .dialled = "192.168.1.20:443",
		.seen_from = "192.168.1.10:40000",
		.server_local = "192.168.1.20:443",
		.welcome_leaf = LEAF_A, .received_leaf = LEAF_A,
		.n_findings = 0, .code = NO_CODE,
	},
	{
		/* the NAT words differ too: a middlebox's connection */
		.name = "inside: another leaf than received",
		.state = TP_PAIR_SILENT,
		.have_inside = true,
		.tls_local = "192.168.1.10:40000",
		.tls_dialled = "203.0.113.9:443",
		.in_seen_from = "203.0.113.77:1234",
		.in_server_local = "10.9.9.9:443",
		.in_leaf = LEAF_A, .in_account = true,
		.received_leaf = LEAF_B,
		.n_findings = 1, .code = TP_TLS_INTERCEPTED,
		.summary = "the certificate received (CN=server.test, issued "
			   "by CN=Server CA) is not the one the tlsprobe "
			   "server sent",
		.detail_has = "received leaf SHA-256 " LEAF_B "; the paired "
			      "server reports inside the TLS session " LEAF_A
			      ": something on the path terminates TLS",
	},
	{
		.name = "inside: another ClientHello random",
		.state = TP_PAIR_SILENT,
		.have_inside = true,
		.tls_local = "192.168.1.10:40000",
		.tls_dialled = "203.0.113.9:443",
		.in_seen_from = "203.0.113.77:1234",
		.in_server_local = "10.9.9.9:443",
		.in_leaf = LEAF_A, .in_other_random = true,
		.in_account = true, .received_leaf = LEAF_A,
		.n_findings = 1, .code = TP_TLS_INTERCEPTED,
		.summary = "the tlsprobe server saw another ClientHello than "
			   "the one we sent",
		.detail_has = "the server saw " OTHER_RANDOM ": something on "
			      "the path terminates TLS and makes its own "
			      "handshake",
	},
	{
		/* the control of the two above: no interception, the
		 * same words give the NAT findings */
		.name = "inside: no interception, both NATs",
		.state = TP_PAIR_SILENT,
		.have_inside = true,
		.tls_local = "192.168.1.10:40000",
		.tls_dialled = "203.0.113.9:443",
		.in_seen_from = "203.0.113.77:1234",
		.in_server_local = "10.9.9.9:443",
		.in_leaf = LEAF_A, .in_account = true,
		.received_leaf = LEAF_A,
		.n_findings = 2, .code = TP_NAT_SOURCE,
		.summary = "the server saw us come from 203.0.113.77:1234 "
			   "(documentation (RFC 5737)), while we are "
			   "192.168.1.10:40000 (private (RFC 1918))",
	},
	{
		.name = "inside: no account, no NAT comparison",
		.state = TP_PAIR_SILENT,
		.have_inside = true,
		.tls_local = "192.168.1.10:40000",
		.tls_dialled = "203.0.113.9:443",
		.in_seen_from = "203.0.113.77:1234",
		.in_server_local = "10.9.9.9:443",
		.in_leaf = LEAF_A, .received_leaf = LEAF_A,
		.n_findings = 0, .code = NO_CODE,
	},
};

static void fill_case(struct tp_pair *p, const struct analyse_case *c)
{
#define SET(field, value) \
	snprintf(field, sizeof(field), "%s", (value) ? (value) : "")
	p->state = c->state;
	SET(p->local, c->local);
	SET(p->dialled, c->dialled);
	if (c->state == TP_PAIR_PAIRED) {
		SET(p->welcome.unique_id, "node-b");
		SET(p->welcome.seen_from, c->seen_from);
		SET(p->welcome.server_local, c->server_local);
		if (c->welcome_leaf != NULL) {
			SET(p->welcome.chain_sha256[0], c->welcome_leaf);
			p->welcome.n_chain = 1;
		}
	}
	p->have_inside = c->have_inside;
	if (c->have_inside) {
		SET(p->tls_local, c->tls_local);
		SET(p->tls_dialled, c->tls_dialled);
		SET(p->inside.unique_id, "node-b");
		SET(p->inside.seen_from, c->in_seen_from);
		SET(p->inside.server_local, c->in_server_local);
		if (c->in_leaf != NULL) {
			SET(p->inside.chain_sha256[0], c->in_leaf);
			p->inside.n_chain = 1;
		}
		if (c->in_other_random)
			SET(p->inside.client_random, OTHER_RANDOM);
		else
			our_random_hex(p, p->inside.client_random);
		p->inside.has_account = c->in_account;
		SET(p->inside.account.outcome, "established");
	}
#undef SET
}

static void test_pair_analyse_compares(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(analyse_cases) / sizeof(analyse_cases[0]);
	     i++) {
		const struct analyse_case *c = &analyse_cases[i];
		struct tp_pair *p = pair_blank();
		struct tp_report *r = report_with_leaf(c->received_leaf);
		const struct tp_finding *f;
		const struct tp_stage *st;
		const char *sent_leaf;
		bool paired;

		print_message("# %s\n", c->name);
		fill_case(p, c);
		tp_pair_analyse(p, r, &no_cfg);
		st = stage(r, "sideband");
		assert_non_null(st);
		assert_int_equal(st->status, TP_STAGE_OK);
		assert_true(st->ms == PAIR_MS);
		assert_true(r->has_peer_report);
		assert_string_equal(r->peer.unique_id, "node-b");
		/* the far side's view comes from the welcome when there is
		 * one, else from inside TLS */
		paired = c->state == TP_PAIR_PAIRED;
		sent_leaf = paired ? c->welcome_leaf : c->in_leaf;
		assert_string_equal(r->peer.seen_from, paired ? c->seen_from
				    : c->in_seen_from);
		assert_int_equal(r->peer.n_sent, sent_leaf != NULL);
		if (sent_leaf != NULL)
			assert_string_equal(r->peer.sent_sha256[0], sent_leaf);
		assert_int_equal(r->peer.has_account, c->in_account);
		if (r->n_findings != c->n_findings)
			fail_msg("%s: %zu findings, expected %zu (first: %s)",
				 c->name, r->n_findings, c->n_findings,
				 r->n_findings ? r->findings[0].summary : "-");
		if (c->code != NO_CODE) {
			f = find(r, c->code);
			if (f == NULL)
				fail_msg("%s: no %s", c->name,
					 tp_code_info(c->code)->name);
			assert_int_equal(f->side, TP_SIDE_PATH);
			if (c->summary != NULL)
				assert_string_equal(f->summary, c->summary);
			if (c->detail_has != NULL)
				assert_has_words(f->detail, c->detail_has);
		}
		tp_report_free(r);
		free(p);
	}
}

/* ---- CA_MISMATCH ---- */

struct ca_case {
	const char *name;
	unsigned n_pcerts;          /* we sent a certificate */
	const char *our_issuer;
	size_t n_trusted;           /* of the two below */
	bool unknown_ca;            /* we did not trust the server's */
	bool received;              /* a certificate came */
	bool expected;
};

static const struct ca_case ca_cases[] = {
	{"each end's CA foreign to the other", 1, "CN=Client CA", 2, true,
	 true, true},
	{"the server trusts our CA", 1, "CN=Other CA", 2, true, true, false},
	{"we trust the server's CA", 1, "CN=Client CA", 2, false, true,
	 false},
	{"we sent no certificate", 0, "CN=Client CA", 2, true, true, false},
	{"the server named no CA", 1, "CN=Client CA", 0, true, true, false},
	{"no certificate received", 1, "CN=Client CA", 2, true, false,
	 false},
};

static void test_pair_analyse_ca_mismatch(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ca_cases) / sizeof(ca_cases[0]); i++) {
		const struct ca_case *c = &ca_cases[i];
		struct tp_pair *p = pair_blank();
		struct tp_report *r = report_with_leaf(c->received ? LEAF_A
						       : NULL);
		struct tp_tls_client_cfg cfg;
		const struct tp_finding *f;

		print_message("# %s\n", c->name);
		memset(&cfg, 0, sizeof(cfg));
		cfg.n_pcerts = c->n_pcerts;
		snprintf(cfg.our_issuer, sizeof(cfg.our_issuer), "%s",
			 c->our_issuer);
		p->state = TP_PAIR_PAIRED;
		snprintf(p->welcome.unique_id, 64, "node-b");
		snprintf(p->welcome.trusted_cas[0], 256, "CN=Other CA");
		snprintf(p->welcome.trusted_cas[1], 256, "CN=Third CA");
		p->welcome.n_trusted = c->n_trusted;
		if (c->unknown_ca)
			assert_non_null(tp_report_finding(r, TP_UNKNOWN_CA,
							  "unknown CA"));
		tp_pair_analyse(p, r, &cfg);
		f = find(r, TP_CA_MISMATCH);
		if (!c->expected) {
			if (f != NULL)
				fail_msg("%s: CA_MISMATCH all the same",
					 c->name);
		} else {
			if (f == NULL)
				fail_msg("%s: no CA_MISMATCH", c->name);
			assert_string_equal(f->summary, "each end's "
					    "certificate comes from a CA the "
					    "other does not trust");
			assert_string_equal(f->detail, "ours is issued by "
					    "CN=Client CA, the server trusts "
					    "[CN=Other CA; CN=Third CA]; the "
					    "server's is issued by CN=Server "
					    "CA, which our CA file does not "
					    "hold");
			assert_int_equal(f->side, TP_SIDE_PATH);
		}
		tp_report_free(r);
		free(p);
	}
}

/* ---- a claim answered with no account ---- */

static void test_pair_analyse_claim_without_account(void **state)
{
	static const struct {
		const char *name;
		bool asked, claimed;
		enum tp_side side;       /* RESET_DURING_HANDSHAKE's after */
		const char *stage_words;
	} cases[] = {
		{"claimed, no account", true, true, TP_SIDE_PATH,
		 "tlsprobe server node-b: it saw no handshake with our "
		 "ClientHello"},
		{"asked, no answer", true, false, TP_SIDE_SERVER,
		 "tlsprobe server node-b: its answer to our claim was not "
		 "an account"},
		{"never asked", false, false, TP_SIDE_SERVER,
		 "tlsprobe server node-b: our handshake was not asked "
		 "about"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tp_pair *p = pair_blank();
		struct tp_report *r = report_with_leaf(NULL);
		struct tp_finding *f;
		const struct tp_finding *g;

		print_message("# %s\n", cases[i].name);
		p->state = TP_PAIR_PAIRED;
		snprintf(p->welcome.unique_id, 64, "node-b");
		p->asked = cases[i].asked;
		p->claimed = cases[i].claimed;
		f = tp_report_finding(r, TP_RESET_DURING_HANDSHAKE, "reset");
		assert_non_null(f);
		/* put it on the server's side first: the move is seen */
		f->side = TP_SIDE_SERVER;
		tp_finding_detail(f, "RST after the ClientHello");
		tp_pair_analyse(p, r, &no_cfg);
		g = find(r, TP_RESET_DURING_HANDSHAKE);
		assert_non_null(g);
		assert_int_equal(g->side, cases[i].side);
		if (cases[i].side == TP_SIDE_PATH)
			assert_string_equal(g->detail, "RST after the "
					    "ClientHello; the paired tlsprobe "
					    "server saw no handshake with our "
					    "ClientHello, so it was not the "
					    "server");
		else
			assert_string_equal(g->detail, "RST after the "
					    "ClientHello");
		assert_string_equal(stage(r, "sideband")->detail,
				    cases[i].stage_words);
		assert_false(r->peer.has_account);
		tp_report_free(r);
		free(p);
	}
}

/* ---- the server's account: its reason, its codes ---- */

#define REASON "certificate CN 'node-a' is not the expected 'node-c'"

static void account_of(struct tp_pair *p, const char *const *codes,
		       size_t n_codes)
{
	size_t i;

	p->state = TP_PAIR_PAIRED;
	snprintf(p->welcome.unique_id, 64, "node-b");
	p->asked = p->claimed = p->have_account = true;
	snprintf(p->account.outcome, sizeof(p->account.outcome), "alert");
	snprintf(p->account.reason, sizeof(p->account.reason), REASON);
	for (i = 0; i < n_codes; i++)
		snprintf(p->account.codes[i], 32, "%s", codes[i]);
	p->account.n_codes = n_codes;
}

static void test_pair_analyse_cert_rejected_reason(void **state)
{
	static const char *const codes[] = {"CLIENT_CERT_REJECTED"};
	struct tp_pair *p = pair_blank();
	struct tp_report *r = report_with_leaf(NULL);
	const struct tp_finding *f;
	const struct tp_stage *tls;

	(void)state;
	account_of(p, codes, 1);
	tp_stage_set(tp_report_stage(r, "tls"), TP_STAGE_FAIL, 3.0,
		     "alert bad_certificate");
	assert_non_null(tp_report_finding(r, TP_CLIENT_CERT_REJECTED,
					  "alert bad_certificate"));
	tp_pair_analyse(p, r, &no_cfg);
	f = find(r, TP_CLIENT_CERT_REJECTED);
	assert_non_null(f);
	assert_string_equal(f->summary, "the server refused our "
			    "certificate: " REASON);
	assert_string_equal(f->detail, "the paired tlsprobe server says: "
			    REASON);
	tls = stage(r, "tls");
	assert_int_equal(tls->status, TP_STAGE_FAIL);
	assert_true(tls->ms == 3.0);
	assert_string_equal(tls->detail, "the server refused our "
			    "certificate: " REASON);
	assert_string_equal(stage(r, "sideband")->detail, "tlsprobe server "
			    "node-b: it saw our handshake");
	assert_true(r->peer.has_account);
	assert_string_equal(r->peer.reason, REASON);
	/* no PEER_ID_MISMATCH among the codes: none added */
	assert_null(find(r, TP_PEER_ID_MISMATCH));
	assert_int_equal(r->n_findings, 1);
	tp_report_free(r);
	free(p);
}

static void test_pair_analyse_peer_id_mismatch(void **state)
{
	static const struct {
		const char *name;
		bool rejected;     /* CLIENT_CERT_REJECTED in the report */
		bool listed;       /* PEER_ID_MISMATCH in the account */
	} cases[] = {
		{"listed, alone", false, true},
		{"listed, certificate rejected", true, true},
		{"not listed", true, false},
	};
	static const char *const with[] = {"CLIENT_CERT_REJECTED",
					   "PEER_ID_MISMATCH"};
	static const char *const without[] = {"CLIENT_CERT_REJECTED"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tp_pair *p = pair_blank();
		struct tp_report *r = report_with_leaf(NULL);
		const struct tp_finding *f;

		print_message("# %s\n", cases[i].name);
		if (cases[i].listed)
			account_of(p, with, 2);
		else
			account_of(p, without, 1);
		if (cases[i].rejected)
			assert_non_null(tp_report_finding(
				r, TP_CLIENT_CERT_REJECTED, "rejected"));
		tp_pair_analyse(p, r, &no_cfg);
		f = find(r, TP_PEER_ID_MISMATCH);
		if (!cases[i].listed) {
			assert_null(f);
			assert_string_not_equal(
				find(r, TP_CLIENT_CERT_REJECTED)->fix,
				"issue this node's certificate with CN "
				"equal to its unique ID (tlsprobe id), or "
				"give the server the right --expect-id");
		} else {
			assert_non_null(f);
			assert_string_equal(f->summary, "the server expects "
					    "another unique ID in our "
					    "certificate's CN");
			assert_string_equal(f->detail, "the paired tlsprobe "
					    "server says: " REASON);
			assert_int_equal(f->side, TP_SIDE_CLIENT);
		}
		if (cases[i].rejected && cases[i].listed)
			assert_string_equal(
				find(r, TP_CLIENT_CERT_REJECTED)->fix,
				"issue this node's certificate with CN "
				"equal to its unique ID (tlsprobe id), or "
				"give the server the right --expect-id");
		tp_report_free(r);
		free(p);
	}
}

/* ---- whose account, and which findings it touches ---- */

/* The findings the account can touch, each with detail "d", on the
 * server's side. */
static const enum tp_code touched[] = {
	TP_CLIENT_CERT_REQUIRED, TP_RESET_DURING_HANDSHAKE,
	TP_HANDSHAKE_TIMEOUT, TP_PEER_CLOSED, TP_ALERT_RECEIVED,
};

#define SAYS "d; the paired tlsprobe server says: "

static void test_pair_analyse_account_families(void **state)
{
	static const struct {
		const char *name;
		bool paired, inside, inside_account, claimed, side_account;
		const char *peer_reason;   /* r->peer.reason, NULL: none */
		/* per code of touched[]: its detail and side after */
		const char *detail[5];
		enum tp_side side[5];
	} cases[] = {
		{"paired: the reason on each finding it explains", true,
		 false, false, true, true, "side words",
		 {SAYS "side words", SAYS "side words", "d",
		  SAYS "side words", SAYS "side words"},
		 {TP_SIDE_SERVER, TP_SIDE_SERVER, TP_SIDE_SERVER,
		  TP_SIDE_SERVER, TP_SIDE_SERVER}},
		{"paired: the account inside TLS beats the side channel's",
		 true, true, true, true, true, "inside words",
		 {SAYS "inside words", SAYS "inside words", "d",
		  SAYS "inside words", SAYS "inside words"},
		 {TP_SIDE_SERVER, TP_SIDE_SERVER, TP_SIDE_SERVER,
		  TP_SIDE_SERVER, TP_SIDE_SERVER}},
		{"paired, claimed, no account: cut on the path", true, false,
		 false, true, false, NULL,
		 {"d", "d; the paired tlsprobe server saw no handshake with "
		  "our ClientHello, so it was not the server",
		  "d; the paired tlsprobe server saw no handshake with our "
		  "ClientHello, so it was not the server",
		  "d; the paired tlsprobe server saw no handshake with our "
		  "ClientHello, so it was not the server", "d"},
		 {TP_SIDE_SERVER, TP_SIDE_PATH, TP_SIDE_PATH, TP_SIDE_PATH,
		  TP_SIDE_SERVER}},
		{"inside only, claimed, no account: nothing touched", false,
		 true, false, true, false, NULL,
		 {"d", "d", "d", "d", "d"},
		 {TP_SIDE_SERVER, TP_SIDE_SERVER, TP_SIDE_SERVER,
		  TP_SIDE_SERVER, TP_SIDE_SERVER}},
		{"inside only, with an account", false, true, true, false,
		 false, "inside words",
		 {SAYS "inside words", SAYS "inside words", "d",
		  SAYS "inside words", SAYS "inside words"},
		 {TP_SIDE_SERVER, TP_SIDE_SERVER, TP_SIDE_SERVER,
		  TP_SIDE_SERVER, TP_SIDE_SERVER}},
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tp_pair *p = pair_blank();
		struct tp_report *r = report_with_leaf(NULL);
		const struct tp_finding *g;

		print_message("# %s\n", cases[i].name);
		p->state = cases[i].paired ? TP_PAIR_PAIRED : TP_PAIR_SILENT;
		snprintf(p->welcome.unique_id, 64, "node-b");
		p->asked = p->claimed = cases[i].claimed;
		p->have_account = cases[i].side_account;
		snprintf(p->account.reason, sizeof(p->account.reason),
			 "side words");
		p->have_inside = cases[i].inside;
		snprintf(p->inside.unique_id, 64, "node-b");
		our_random_hex(p, p->inside.client_random);
		p->inside.has_account = cases[i].inside_account;
		snprintf(p->inside.account.reason,
			 sizeof(p->inside.account.reason), "inside words");
		for (k = 0; k < sizeof(touched) / sizeof(touched[0]); k++) {
			struct tp_finding *f =
				tp_report_finding(r, touched[k], "f");

			assert_non_null(f);
			f->side = TP_SIDE_SERVER;
			tp_finding_detail(f, "d");
		}
		tp_pair_analyse(p, r, &no_cfg);
		assert_int_equal(r->n_findings,
				 sizeof(touched) / sizeof(touched[0]));
		for (k = 0; k < sizeof(touched) / sizeof(touched[0]); k++) {
			g = find(r, touched[k]);
			assert_non_null(g);
			if (strcmp(g->detail, cases[i].detail[k]) != 0)
				fail_msg("%s: %s: '%s', wanted '%s'",
					 cases[i].name,
					 tp_code_info(touched[k])->name,
					 g->detail, cases[i].detail[k]);
			assert_int_equal(g->side, cases[i].side[k]);
		}
		assert_true(r->has_peer_report);
		if (cases[i].peer_reason == NULL)
			assert_null(r->peer.reason);
		else
			assert_string_equal(r->peer.reason,
					    cases[i].peer_reason);
		tp_report_free(r);
		free(p);
	}
}

/* ---- nobody answered ---- */

static void test_pair_analyse_no_far_side(void **state)
{
	static const struct {
		const char *name;
		enum tp_pair_state state;
		bool forced;
		const char *why;
		const char *detail;
	} cases[] = {
		{"not marked, not forced", TP_PAIR_UNTRIED, false, "",
		 "no tlsprobe server answered (no mark answered in the "
		 "ServerHello; --paired asks all the same): the far side's "
		 "view is missing"},
		{"forced, never tried", TP_PAIR_UNTRIED, true, "",
		 "no tlsprobe server answered (not tried): the far side's "
		 "view is missing"},
		{"a reset", TP_PAIR_SILENT, true,
		 "the side-channel hello met a reset",
		 "no tlsprobe server answered (the side-channel hello met a "
		 "reset): the far side's view is missing"},
		{"something else", TP_PAIR_OTHER, false,
		 "malformed side-channel answer: x",
		 "no tlsprobe server answered (malformed side-channel "
		 "answer: x): the far side's view is missing"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tp_pair *p = pair_blank();
		struct tp_report *r = report_with_leaf(LEAF_A);
		const struct tp_stage *st;

		print_message("# %s\n", cases[i].name);
		p->state = cases[i].state;
		p->forced = cases[i].forced;
		snprintf(p->why, sizeof(p->why), "%s", cases[i].why);
		/* a welcome left from nowhere must not be read */
		snprintf(p->welcome.seen_from, 64, "203.0.113.1:1");
		snprintf(p->local, 64, "192.168.1.1:1");
		tp_pair_analyse(p, r, &no_cfg);
		st = stage(r, "sideband");
		assert_non_null(st);
		assert_int_equal(st->status, TP_STAGE_SKIPPED);
		assert_true(st->ms == PAIR_MS);
		assert_string_equal(st->detail, cases[i].detail);
		assert_false(r->has_peer_report);
		assert_int_equal(r->n_findings, 0);
		tp_report_free(r);
		free(p);
	}
}

/* ---- hostile words from the far side ---- */

static bool has_esc(const char *s)
{
	return s != NULL && strchr(s, '\x1b') != NULL;
}

static void test_pair_analyse_sanitises_hostile_words(void **state)
{
	static const char *const codes[] = {"PEER_ID_MISMATCH"};
	struct tp_pair *p = pair_blank();
	struct tp_report *r = report_with_leaf(NULL);
	struct tp_cert_info *c;
	size_t i;

	(void)state;
	account_of(p, codes, 1);
	snprintf(p->account.reason, sizeof(p->account.reason),
		 "\x1b[2Jwiped\x1b]0;title\x07");
	snprintf(p->welcome.unique_id, 64, "\x1b[31mnode-b");
	snprintf(p->welcome.seen_from, 64, "\x1b[1A10.0.0.1:5");
	snprintf(p->welcome.server_local, 64, "10.0.0.2:\x1b[K443");
	snprintf(p->welcome.chain_sha256[0], 65, "\x1b[0maaaa");
	p->welcome.n_chain = 1;
	snprintf(p->local, 64, "192.168.1.10:40000");
	snprintf(p->dialled, 64, "192.168.1.20:443");
	c = tp_report_add_cert(r);
	assert_non_null(c);
	/* as a certificate's subject enters a report: sanitised once */
	c->subject = tp_report_strdup("CN=\x1b[31mevil");
	c->issuer = tp_report_strdup("CN=CA");
	snprintf(c->sha256, sizeof(c->sha256), LEAF_B);
	assert_non_null(tp_report_finding(r, TP_CLIENT_CERT_REJECTED,
					  "rejected"));
	tp_pair_analyse(p, r, &no_cfg);

	assert_non_null(find(r, TP_NAT_SOURCE));
	assert_non_null(find(r, TP_NAT_DESTINATION));
	assert_non_null(find(r, TP_TLS_INTERCEPTED));
	assert_non_null(find(r, TP_PEER_ID_MISMATCH));
	for (i = 0; i < r->n_findings; i++) {
		const struct tp_finding *f = &r->findings[i];

		if (has_esc(f->summary) || has_esc(f->detail) ||
		    has_esc(f->fix))
			fail_msg("%s carries a raw ESC: %s | %s",
				 tp_code_info(f->code)->name, f->summary,
				 f->detail);
	}
	for (i = 0; i < r->n_stages; i++)
		if (has_esc(r->stages[i].detail))
			fail_msg("stage %s carries a raw ESC: %s",
				 r->stages[i].name, r->stages[i].detail);
	assert_false(has_esc(r->peer.unique_id));
	assert_false(has_esc(r->peer.seen_from));
	assert_false(has_esc(r->peer.reason));
	/* the words are there, escaped once */
	assert_has_words(find(r, TP_NAT_SOURCE)->summary,
			 "the server saw us come from \\x1b[1A10.0.0.1:5");
	assert_has_words(find(r, TP_CLIENT_CERT_REJECTED)->summary,
			 "the server refused our certificate: "
			 "\\x1b[2Jwiped\\x1b]0;title\\x07");
	assert_string_equal(find(r, TP_TLS_INTERCEPTED)->summary,
			    "the certificate received (CN=\\x1b[31mevil, "
			    "issued by CN=CA) is not the one the tlsprobe "
			    "server sent");
	assert_has_words(stage(r, "sideband")->detail,
			 "tlsprobe server \\x1b[31mnode-b");
	tp_report_free(r);
	free(p);
}

/* ---- tp_pair_wants_claim and tp_pair_try_blind ---- */

static void test_pair_wants_claim(void **state)
{
	static const struct {
		bool claimed, have_inside, inside_account, marked;
		enum tp_pair_state state;
		bool wants;
	} cases[] = {
		{false, false, false, false, TP_PAIR_PAIRED, true},
		{false, false, false, true, TP_PAIR_SILENT, true},
		{false, false, false, true, TP_PAIR_UNTRIED, true},
		{false, false, false, false, TP_PAIR_SILENT, false},
		{false, false, false, false, TP_PAIR_OTHER, false},
		{false, false, false, false, TP_PAIR_UNTRIED, false},
		{true, false, false, true, TP_PAIR_PAIRED, false},
		{false, true, true, true, TP_PAIR_PAIRED, false},
		{false, true, false, true, TP_PAIR_PAIRED, true},
		{false, true, false, false, TP_PAIR_SILENT, false},
		/* an account flag without a reply is no account */
		{false, false, true, false, TP_PAIR_PAIRED, true},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tp_pair *p = pair_blank();

		p->claimed = cases[i].claimed;
		p->have_inside = cases[i].have_inside;
		p->inside.has_account = cases[i].inside_account;
		p->marked = cases[i].marked;
		p->state = cases[i].state;
		if (tp_pair_wants_claim(p) != cases[i].wants)
			fail_msg("row %zu: wants_claim %d", i,
				 !cases[i].wants);
		free(p);
	}
}

static void test_pair_try_blind(void **state)
{
	static const struct {
		bool forced;
		enum tp_pair_state state;
		bool blind;
	} cases[] = {
		{true, TP_PAIR_PAIRED, true},
		{true, TP_PAIR_SILENT, true},
		{true, TP_PAIR_OTHER, false},
		{true, TP_PAIR_UNTRIED, false},
		{false, TP_PAIR_PAIRED, false},
		{false, TP_PAIR_SILENT, false},
		{false, TP_PAIR_OTHER, false},
		{false, TP_PAIR_UNTRIED, false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tp_pair *p = pair_blank();

		p->forced = cases[i].forced;
		p->state = cases[i].state;
		if (tp_pair_try_blind(p) != cases[i].blind)
			fail_msg("row %zu: try_blind %d", i, !cases[i].blind);
		free(p);
	}
}

/* ---- tp_pair_nat_seen: the server's side ---- */

struct nat_seen_case {
	const char *name;
	const char *client_local, *seen_from;
	const char *client_dialled, *server_local;
	const char *source;       /* NAT_SOURCE's summary, NULL: none */
	const char *source_why;
	const char *destination;  /* NAT_DESTINATION's, NULL: none */
	const char *destination_why;
};

static const struct nat_seen_case nat_seen_cases[] = {
	{"as seen", "10.0.0.1:4000", "10.0.0.1:4000", "10.0.0.2:443",
	 "10.0.0.2:443", NULL, NULL, NULL, NULL},
	{"source NAT", "10.0.0.1:4000", "198.51.100.7:4000", "10.0.0.2:443",
	 "10.0.0.2:443",
	 "the client is 10.0.0.1:4000 (private (RFC 1918)), its connection "
	 "came from 198.51.100.7:4000 (documentation (RFC 5737))",
	 "a source NAT is on the path; the client's tlsprobe gave its "
	 "socket's own address on the side channel, this server saw the "
	 "connection come from 198.51.100.7:4000", NULL, NULL},
	{"source port only", "10.0.0.1:4000", "10.0.0.1:5000",
	 "10.0.0.2:443", "10.0.0.2:443",
	 "the client is 10.0.0.1:4000 (private (RFC 1918)), its connection "
	 "came from 10.0.0.1:5000 (private (RFC 1918))",
	 "only the port was translated", NULL, NULL},
	{"destination NAT", "10.0.0.1:4000", "10.0.0.1:4000",
	 "203.0.113.9:443", "[fd00::9]:443", NULL, NULL,
	 "the client dialled 203.0.113.9:443 (documentation (RFC 5737)), "
	 "this server listens on [fd00::9]:443 (unique local (ULA))",
	 "a destination NAT or port forward is on the path; the client's "
	 "tlsprobe gave the address it dialled on the side channel"},
	{"port forward", "10.0.0.1:4000", "10.0.0.1:4000", "10.0.0.2:443",
	 "10.0.0.2:8443", NULL, NULL,
	 "the client dialled 10.0.0.2:443 (private (RFC 1918)), this server "
	 "listens on 10.0.0.2:8443 (private (RFC 1918))",
	 "a port forward changes the port"},
	{"both", "[::1]:4000", "[2001:db8::1]:4000", "[::1]:443",
	 "[::1]:8443",
	 "the client is [::1]:4000 (loopback), its connection came from "
	 "[2001:db8::1]:4000 (documentation (RFC 3849))",
	 "a source NAT is on the path",
	 "the client dialled [::1]:443 (loopback), this server listens on "
	 "[::1]:8443 (loopback)", "a port forward changes the port"},
	/* words that are not host:port say nothing */
	{"no port", "10.0.0.1", "10.0.0.9:4000", "", "10.0.0.2:443", NULL,
	 NULL, NULL, NULL},
};

static void test_pair_nat_seen(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(nat_seen_cases) / sizeof(nat_seen_cases[0]);
	     i++) {
		const struct nat_seen_case *c = &nat_seen_cases[i];
		struct tp_report *r = tp_report_new("server");
		const struct tp_finding *f;

		print_message("# %s\n", c->name);
		assert_non_null(r);
		tp_pair_nat_seen(r, c->client_local, c->seen_from,
				 c->client_dialled, c->server_local);
		assert_int_equal(r->n_findings, (c->source != NULL) +
				 (c->destination != NULL));
		f = find(r, TP_NAT_SOURCE);
		if (c->source == NULL) {
			assert_null(f);
		} else {
			assert_non_null(f);
			assert_string_equal(f->summary, c->source);
			assert_has_words(f->detail, c->source_why);
		}
		f = find(r, TP_NAT_DESTINATION);
		if (c->destination == NULL) {
			assert_null(f);
		} else {
			assert_non_null(f);
			assert_string_equal(f->summary, c->destination);
			assert_has_words(f->detail, c->destination_why);
		}
		tp_report_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair_analyse_compares),
		cmocka_unit_test(test_pair_analyse_ca_mismatch),
		cmocka_unit_test(test_pair_analyse_claim_without_account),
		cmocka_unit_test(test_pair_analyse_cert_rejected_reason),
		cmocka_unit_test(test_pair_analyse_peer_id_mismatch),
		cmocka_unit_test(test_pair_analyse_account_families),
		cmocka_unit_test(test_pair_analyse_no_far_side),
		cmocka_unit_test(test_pair_analyse_sanitises_hostile_words),
		cmocka_unit_test(test_pair_wants_claim),
		cmocka_unit_test(test_pair_try_blind),
		cmocka_unit_test(test_pair_nat_seen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
