/*
 * tlsprobe pcap over capture files written here, frame by frame: the
 * NSS key log reader (what counts, what is refused, and where), the
 * filters, the start order, the findings for resets and a truncated
 * file, and TLS after a STARTTLS prelude in the report and its views.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>

#include "tlsprobe.h"
#include "wire.h"

/* ---- writing a capture ---- */

struct dump {
	FILE *f;
	char path[64];
};

static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);  /* pcap files are in the writer's byte order */
}

static void dump_open(struct dump *d)
{
	int fd;

	snprintf(d->path, sizeof(d->path), "/tmp/test_pcap.XXXXXX");
	fd = mkstemp(d->path);
	assert_true(fd >= 0);
	d->f = fdopen(fd, "wb");
	assert_non_null(d->f);
	put32(d->f, 0xa1b2c3d4);
	put32(d->f, 2 | 4u << 16);   /* version 2.4 */
	put32(d->f, 0);
	put32(d->f, 0);
	put32(d->f, 65535);
	put32(d->f, 1);              /* LINKTYPE_ETHERNET */
}

/* One TCP segment between 10.0.0.<a>:<ap> and 10.0.0.<b>:<bp>. */
static void segment(struct dump *d, double t, int a, uint16_t ap, int b,
		    uint16_t bp, uint32_t seq, uint32_t ack, uint8_t flags,
		    const uint8_t *data, size_t len)
{
	uint8_t f[14 + 20 + 20 + 2048] = {0};
	size_t ip_len = 20 + 20 + len;

	assert_true(len <= 2048);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	f[20] = 0x40;
	f[22] = 64;
	f[23] = 6;
	f[26] = 10, f[29] = (uint8_t)a;
	f[30] = 10, f[33] = (uint8_t)b;
	f[34] = (uint8_t)(ap >> 8), f[35] = (uint8_t)ap;
	f[36] = (uint8_t)(bp >> 8), f[37] = (uint8_t)bp;
	f[38] = (uint8_t)(seq >> 24), f[39] = (uint8_t)(seq >> 16);
	f[40] = (uint8_t)(seq >> 8), f[41] = (uint8_t)seq;
	f[42] = (uint8_t)(ack >> 24), f[43] = (uint8_t)(ack >> 16);
	f[44] = (uint8_t)(ack >> 8), f[45] = (uint8_t)ack;
	f[46] = 5 << 4;
	f[47] = flags;
	f[48] = 0xff, f[49] = 0xff;
	if (len > 0)
		memcpy(f + 54, data, len);
	put32(d->f, (uint32_t)t);
	put32(d->f, (uint32_t)((t - (uint32_t)t) * 1e6));
	put32(d->f, (uint32_t)(14 + ip_len));
	put32(d->f, (uint32_t)(14 + ip_len));
	fwrite(f, 1, 14 + ip_len, d->f);
}

#define SYN 0x02
#define ACK 0x10
#define PSH 0x08
#define RST 0x04

/* A client at 10.0.0.<c>:<cp> sends a ClientHello (random filled with
 * random_byte, server name sni) to 10.0.0.2:443; the server resets at
 * t_end. */
static void reset_conn(struct dump *d, double t, double t_end, int c,
		       uint16_t cp, uint8_t random_byte, const char *sni)
{
	static const uint16_t suites[] = {0x1301, 0xc02f};
	static const uint16_t groups[] = {0x001d};
	static const uint16_t versions[] = {0x0304, 0x0303};
	uint8_t random[32], hello[1024];
	struct tp_wire_hello_opts o = {
		.version = 0x0304, .versions = versions, .n_versions = 2,
		.suites = suites, .n_suites = 2, .groups = groups,
		.n_groups = 1, .sni = sni, .random = random,
	};
	size_t n;

	memset(random, random_byte, sizeof(random));
	n = tp_wire_build_client_hello(&o, hello, sizeof(hello));
	assert_true(n > 0);
	segment(d, t, c, cp, 2, 443, 1000, 0, SYN, NULL, 0);
	segment(d, t + 0.001, 2, 443, c, cp, 5000, 1001, SYN | ACK, NULL, 0);
	segment(d, t + 0.002, c, cp, 2, 443, 1001, 5001, ACK, NULL, 0);
	segment(d, t + 0.003, c, cp, 2, 443, 1001, 5001, PSH | ACK, hello, n);
	segment(d, t_end, 2, 443, c, cp, 5001, 0, RST, NULL, 0);
}

static void dump_close(struct dump *d)
{
	assert_int_equal(fclose(d->f), 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Runs tlsprobe pcap over path; the report, or NULL with err set. */
static struct tp_report *run(const struct tp_pcap_opts *base,
			     const char *path, struct tp_error *err)
{
	struct tp_pcap_opts o = *base;
	struct tp_report *r = tp_report_new("pcap");

	assert_non_null(r);
	o.file = path;
	memset(err, 0, sizeof(*err));
	if (tp_pcap_run(&o, r, err) < 0) {
		tp_report_free(r);
		return NULL;
	}
	return r;
}

static const struct tp_finding *finding(const struct tp_report *r,
					enum tp_code code)
{
	size_t i;

	for (i = 0; i < r->n_findings; i++)
		if (r->findings[i].code == code)
			return &r->findings[i];
	return NULL;
}

/* Two connections: 10.0.0.1 (one.test), then 10.0.0.3 (Two.Test). */
static void two_conns(struct dump *d)
{
	dump_open(d);
	reset_conn(d, 100.0, 100.004, 1, 40001, 0xaa, "one.test");
	reset_conn(d, 100.010, 100.014, 3, 40003, 0xbb, "Two.Test");
	dump_close(d);
}

static const char R_AA[] =
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char R_BB[] =
	"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

/* ---- tests ---- */

static void test_pcap_fields_order_and_reset(void **state)
{
	struct tp_pcap_opts o = {0};
	const struct tp_finding *f;
	struct tp_error err;
	struct tp_report *r;
	struct dump d;

	(void)state;
	dump_open(&d);
	/* written out of start order: the later connection first */
	reset_conn(&d, 200.010, 200.014, 3, 40003, 0xbb, "two.test");
	reset_conn(&d, 200.000, 200.020, 1, 40001, 0xaa, "one.test");
	dump_close(&d);
	r = run(&o, d.path, &err);
	assert_non_null(r);
	assert_int_equal(r->n_handshakes, 2);
	assert_string_equal(r->handshakes[0].client, "10.0.0.1:40001");
	assert_string_equal(r->handshakes[0].server, "10.0.0.2:443");
	assert_string_equal(r->handshakes[0].sni, "one.test");
	assert_string_equal(r->handshakes[1].sni, "two.test");
	assert_null(r->handshakes[0].version);
	assert_null(r->handshakes[0].cipher);
	assert_string_equal(r->handshakes[0].outcome, "reset");
	assert_int_equal(r->handshakes[0].keylog_secrets, -1);
	assert_true(r->handshakes[0].t_start == 200.0);
	assert_true(r->handshakes[0].duration_ms > 19.9 &&
		    r->handshakes[0].duration_ms < 20.1);
	assert_non_null(r->pcap);
	assert_int_equal(r->pcap->frames, 10);
	assert_int_equal(r->pcap->tls_flows, 2);
	assert_false(r->pcap->truncated);
	assert_int_equal(r->pcap->n_by_outcome, 1);
	assert_string_equal(r->pcap->by_outcome[0].name, "reset");
	assert_int_equal(r->pcap->by_outcome[0].n, 2);
	assert_string_equal(r->pcap->by_version[0].name, "none");
	/* one finding for both, naming them */
	f = finding(r, TP_RESET_DURING_HANDSHAKE);
	assert_non_null(f);
	assert_non_null(strstr(f->summary, "2 TLS connections"));
	assert_non_null(strstr(f->detail, "10.0.0.1:40001 -> 10.0.0.2:443"));
	assert_non_null(strstr(f->detail, "10.0.0.3:40003 -> 10.0.0.2:443"));
	assert_int_equal(tp_report_exit_status(r), 1);
	tp_report_free(r);
	unlink(d.path);
}

static void test_pcap_reset_finding_caps_its_list(void **state)
{
	struct tp_pcap_opts o = {0};
	const struct tp_finding *f;
	struct tp_error err;
	struct tp_report *r;
	struct dump d;
	int i;

	(void)state;
	dump_open(&d);
	for (i = 0; i < 40; i++)
		reset_conn(&d, 300.0 + i * 0.01, 300.005 + i * 0.01, 1,
			   (uint16_t)(41000 + i), (uint8_t)i, "many.test");
	dump_close(&d);
	r = run(&o, d.path, &err);
	assert_non_null(r);
	assert_int_equal(r->n_handshakes, 40);
	assert_int_equal(r->n_findings, 1);
	f = finding(r, TP_RESET_DURING_HANDSHAKE);
	assert_non_null(f);
	assert_non_null(strstr(f->summary, "40 TLS connections"));
	assert_non_null(strstr(f->detail, "and 35 more"));
	tp_report_free(r);
	unlink(d.path);
}

static void test_pcap_filters(void **state)
{
	static const struct {
		const char *host;
		unsigned port;
		const char *sni;
		size_t n;
	} cases[] = {
		{NULL, 0, NULL, 2},
		{"10.0.0.1", 0, NULL, 1},
		{"10.0.0.2", 0, NULL, 2},
		{"10.0.0.9", 0, NULL, 0},
		{"::1", 0, NULL, 0},
		{NULL, 443, NULL, 2},
		{NULL, 40003, NULL, 1},
		{NULL, 444, NULL, 0},
		{"10.0.0.1", 40003, NULL, 0},
		{"10.0.0.3", 40003, NULL, 1},
		{NULL, 0, "two.test", 1},
		{NULL, 0, "ONE.TEST", 1},
		{NULL, 0, "one.tes", 0},
		{NULL, 0, "one.test.", 0},
	};
	struct tp_error err;
	struct tp_report *r;
	struct dump d;
	size_t i;

	(void)state;
	two_conns(&d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tp_pcap_opts o = {.host = cases[i].host,
					 .port = cases[i].port,
					 .sni = cases[i].sni};

		r = run(&o, d.path, &err);
		assert_non_null(r);
		if (r->n_handshakes != cases[i].n)
			fail_msg("case %zu: %zu handshakes, wanted %zu", i,
				 r->n_handshakes, cases[i].n);
		/* findings follow the filters */
		assert_int_equal(finding(r, TP_RESET_DURING_HANDSHAKE) != NULL,
				 cases[i].n > 0);
		tp_report_free(r);
	}
	unlink(d.path);
}

static void test_pcap_bad_host_is_usage(void **state)
{
	struct tp_pcap_opts o = {.host = "example.test"};
	struct tp_error err;

	(void)state;
	assert_null(run(&o, "/nonexistent.pcap", &err));
	assert_int_equal(err.kind, TP_ERR_USAGE);
	assert_non_null(strstr(err.message, "example.test"));
}

static void test_pcap_keylog_counts(void **state)
{
	char keys[] = "/tmp/test_pcap_keys.XXXXXX", text[2048];
	struct tp_pcap_opts o = {.keylog_file = keys};
	struct tp_error err;
	struct tp_report *r;
	struct dump d;
	int fd;

	(void)state;
	two_conns(&d);
	fd = mkstemp(keys);
	assert_true(fd >= 0);
	close(fd);
	/* three distinct labels for 0xaa…, one repeated; upper-case hex
	 * and CRLF for 0xbb…; a comment, a blank line, an RSA line */
	snprintf(text, sizeof(text),
		 "# SSL/TLS secrets log file, generated by NSS\n"
		 "\n"
		 "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s 0102\n"
		 "SERVER_HANDSHAKE_TRAFFIC_SECRET %s 0304\n"
		 "CLIENT_TRAFFIC_SECRET_0 %s 0506\n"
		 "CLIENT_TRAFFIC_SECRET_0 %s 0506\n"
		 "RSA 0011223344556677 0a0b0c\n"
		 "CLIENT_RANDOM %s 0A0B\r\n",
		 R_AA, R_AA, R_AA, R_AA, R_BB);
	write_file(keys, text);
	r = run(&o, d.path, &err);
	assert_non_null(r);
	assert_int_equal(r->n_handshakes, 2);
	assert_int_equal(r->handshakes[0].keylog_secrets, 3);
	assert_int_equal(r->handshakes[1].keylog_secrets, 1);
	tp_report_free(r);

	/* a key log of other connections: 0, not -1 */
	write_file(keys, "CLIENT_RANDOM "
		   "0000000000000000000000000000000000000000000000000000000000000000"
		   " 00\n");
	r = run(&o, d.path, &err);
	assert_non_null(r);
	assert_int_equal(r->handshakes[0].keylog_secrets, 0);
	assert_int_equal(r->handshakes[1].keylog_secrets, 0);
	tp_report_free(r);
	unlink(keys);
	unlink(d.path);
}

/* Copies a key log line with each '@' written as a client random. */
static void expand(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in != '\0' && n + 65 < size; in++) {
		if (*in == '@') {
			memcpy(out + n, R_AA, 64);
			n += 64;
		} else {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
}

static void test_pcap_keylog_refused(void **state)
{
	static const struct {
		const char *line;
		const char *why;  /* part of the message */
	} cases[] = {
		{"CLIENT_RANDOM 00\n", "three fields"},
		{"CLIENT_RANDOM\n", "three fields"},
		{"CLIENT_RANDOM @ 0a0b extra\n", "three fields"},
		{"client_random @ 0a0b\n", "label"},
		{"CLIENT-RANDOM @ 0a0b\n", "label"},
		{"CLIENT_RANDOM 00112233 0a0b\n", "64 hex"},
		{"CLIENT_RANDOM @0 0a0b\n", "64 hex"},
		{"CLIENT_RANDOM @ 0a0\n", "secret"},
		{"CLIENT_RANDOM @ 0x0b\n", "secret"},
		{"RSA 0011 0a0b\n", "RSA"},
	};
	char keys[] = "/tmp/test_pcap_keys.XXXXXX", line[256], text[600];
	struct tp_pcap_opts o = {.keylog_file = keys};
	struct tp_error err;
	size_t i;
	int fd;

	(void)state;
	fd = mkstemp(keys);
	assert_true(fd >= 0);
	close(fd);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char where[80];

		/* the bad line is the third: line numbers count comments */
		expand(cases[i].line, line, sizeof(line));
		snprintf(text, sizeof(text), "# comment\nCLIENT_RANDOM %s 00\n%s",
			 R_BB, line);
		write_file(keys, text);
		/* the key log is read before the capture is opened */
		assert_null(run(&o, "/nonexistent.pcap", &err));
		assert_int_equal(err.kind, TP_ERR_USAGE);
		snprintf(where, sizeof(where), "%s:3:", keys);
		if (strstr(err.message, where) == NULL ||
		    strstr(err.message, cases[i].why) == NULL)
			fail_msg("case %zu: '%s'", i, err.message);
	}
	/* a line longer than the bound */
	{
		char *big = malloc(3000);

		assert_non_null(big);
		memset(big, 'A', 2999);
		big[2999] = '\0';
		write_file(keys, big);
		free(big);
		assert_null(run(&o, "/nonexistent.pcap", &err));
		assert_int_equal(err.kind, TP_ERR_USAGE);
		assert_non_null(strstr(err.message, ":1: line longer"));
	}
	unlink(keys);
	o.keylog_file = "/nonexistent/keys.log";
	assert_null(run(&o, "/nonexistent.pcap", &err));
	assert_int_equal(err.kind, TP_ERR_USAGE);
	assert_non_null(strstr(err.message, "/nonexistent/keys.log"));
}

static void test_pcap_truncated(void **state)
{
	const struct tp_finding *f;
	struct tp_pcap_opts o = {0};
	struct tp_error err;
	struct tp_report *r;
	struct dump d;
	long size;

	(void)state;
	two_conns(&d);
	{
		FILE *fp = fopen(d.path, "rb");

		assert_non_null(fp);
		fseek(fp, 0, SEEK_END);
		size = ftell(fp);
		fclose(fp);
	}
	/* cut inside the last frame (the second connection's reset) */
	assert_int_equal(truncate(d.path, size - 10), 0);
	r = run(&o, d.path, &err);
	assert_non_null(r);
	assert_true(r->pcap->truncated);
	assert_int_equal(r->pcap->frames, 9);
	assert_int_equal(r->n_handshakes, 2);
	f = finding(r, TP_CAPTURE_TRUNCATED);
	assert_non_null(f);
	assert_int_equal(f->severity, TP_SEV_WARNING);
	assert_int_equal(f->side, TP_SIDE_LOCAL);
	assert_non_null(strstr(f->summary, d.path));
	tp_report_free(r);
	unlink(d.path);
}

static void test_pcap_not_a_capture(void **state)
{
	char path[] = "/tmp/test_pcap_bad.XXXXXX";
	struct tp_pcap_opts o = {0};
	struct tp_error err;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello, world\n", 13), 13);
	close(fd);
	assert_null(run(&o, path, &err));
	assert_int_equal(err.kind, TP_ERR_USAGE);
	assert_non_null(strstr(err.message, path));
	unlink(path);
}

/* ---- certificates: more than the description cache holds ---- */

#define N_CERTS 40   /* distinct certificates, above the cache's 32 */

/* A self-signed certificate for CN=node-<k>, DER, into der. */
static size_t make_cert(gnutls_x509_privkey_t key, unsigned k, uint8_t *der,
			size_t size)
{
	gnutls_x509_crt_t crt;
	char cn[32];
	unsigned char serial = (unsigned char)(k + 1);
	size_t len = size;

	snprintf(cn, sizeof(cn), "node-%u", k);
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_set_version(crt, 3), 0);
	assert_int_equal(gnutls_x509_crt_set_serial(crt, &serial, 1), 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(crt, 1700000000),
			 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(crt, 2000000000),
			 0);
	assert_int_equal(gnutls_x509_crt_set_dn_by_oid(crt,
		GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned)strlen(cn)), 0);
	assert_int_equal(gnutls_x509_crt_set_key(crt, key), 0);
	assert_int_equal(gnutls_x509_crt_sign2(crt, crt, key,
					       GNUTLS_DIG_SHA256, 0), 0);
	assert_int_equal(gnutls_x509_crt_export(crt, GNUTLS_X509_FMT_DER, der,
						&len), 0);
	gnutls_x509_crt_deinit(crt);
	return len;
}

static void put24(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 16), p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)v;
}

/* A TLS 1.2 connection from 10.0.0.1:<cp>: ClientHello, then one
 * record with a ServerHello and a Certificate holding der. */
static void cert_conn(struct dump *d, double t, uint16_t cp,
		      const uint8_t *der, size_t der_len)
{
	static const uint16_t suites[] = {0xc02f};
	uint8_t hello[512], rec[1536], *p;
	struct tp_wire_hello_opts o = {
		.version = 0x0303, .suites = suites, .n_suites = 1,
		.sni = "cache.test",
	};
	size_t n, body;

	n = tp_wire_build_client_hello(&o, hello, sizeof(hello));
	assert_true(n > 0);
	assert_true(der_len + 64 < sizeof(rec));
	p = rec + 5;
	/* ServerHello: version, random, no session id, suite, null
	 * compression, no extensions */
	*p++ = 2;
	put24(p, 38), p += 3;
	*p++ = 3, *p++ = 3;
	memset(p, 0x5a, 32), p += 32;
	*p++ = 0;
	*p++ = 0xc0, *p++ = 0x2f;
	*p++ = 0;
	/* Certificate: one entry */
	*p++ = 11;
	put24(p, der_len + 6), p += 3;
	put24(p, der_len + 3), p += 3;
	put24(p, der_len), p += 3;
	memcpy(p, der, der_len), p += der_len;
	body = (size_t)(p - rec - 5);
	rec[0] = 0x16, rec[1] = 3, rec[2] = 3;
	rec[3] = (uint8_t)(body >> 8), rec[4] = (uint8_t)body;
	segment(d, t, 1, cp, 2, 443, 1000, 0, SYN, NULL, 0);
	segment(d, t + 0.001, 2, 443, 1, cp, 5000, 1001, SYN | ACK, NULL, 0);
	segment(d, t + 0.002, 1, cp, 2, 443, 1001, 5001, ACK, NULL, 0);
	segment(d, t + 0.003, 1, cp, 2, 443, 1001, 5001, PSH | ACK, hello, n);
	segment(d, t + 0.004, 2, 443, 1, cp, 5001, (uint32_t)(1001 + n),
		PSH | ACK, rec, body + 5);
	segment(d, t + 0.005, 1, cp, 2, 443, (uint32_t)(1001 + n), 0, RST,
		NULL, 0);
}

/* Each handshake names its own certificate, also when the cache of
 * descriptions has evicted and reused entries: every certificate twice,
 * the second round in another order. */
static void test_pcap_certificates_past_the_cache(void **state)
{
	static uint8_t der[N_CERTS][1024];
	size_t len[N_CERTS], i;
	gnutls_x509_privkey_t key;
	struct tp_pcap_opts o = {0};
	struct tp_error err;
	struct tp_report *r;
	struct dump d;
	char want[32];
	unsigned k;

	(void)state;
	assert_int_equal(gnutls_x509_privkey_init(&key), 0);
	assert_int_equal(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	for (k = 0; k < N_CERTS; k++)
		len[k] = make_cert(key, k, der[k], sizeof(der[k]));
	gnutls_x509_privkey_deinit(key);
	dump_open(&d);
	for (i = 0; i < 2 * N_CERTS; i++) {
		k = i < N_CERTS ? (unsigned)i : (unsigned)(i * 7 % N_CERTS);
		cert_conn(&d, 300.0 + 0.01 * (double)i,
			  (uint16_t)(41000 + i), der[k], len[k]);
	}
	dump_close(&d);
	r = run(&o, d.path, &err);
	assert_non_null(r);
	assert_int_equal(r->n_handshakes, 2 * N_CERTS);
	for (i = 0; i < 2 * N_CERTS; i++) {
		const struct tp_handshake *h = &r->handshakes[i];

		k = i < N_CERTS ? (unsigned)i : (unsigned)(i * 7 % N_CERTS);
		snprintf(want, sizeof(want), "CN=node-%u", k);
		assert_string_equal(h->version, "TLS1.2");
		assert_int_equal(h->n_certs, 1);
		if (strcmp(h->certs[0].subject, want) != 0)
			fail_msg("handshake %zu: certificate %s, expected %s",
				 i, h->certs[0].subject, want);
		assert_int_equal(h->certs[0].position, 0);
		assert_true(h->certs[0].self_signed);
	}
	/* the same certificate, the same fingerprint, both rounds */
	assert_string_equal(r->handshakes[N_CERTS + 1].certs[0].sha256,
			    r->handshakes[7].certs[0].sha256);
	assert_string_not_equal(r->handshakes[0].certs[0].sha256,
				r->handshakes[1].certs[0].sha256);
	tp_report_free(r);
	unlink(d.path);
}

/* ---- STARTTLS ---- */

/* One TCP connection written segment by segment: 10.0.0.<c>:<cp> to
 * 10.0.0.2:<sp>; each side's next sequence number. */
struct conv {
	struct dump *d;
	double t;
	int c;
	uint16_t cp, sp;
	uint32_t next[2];
};

static void conv_send(struct conv *v, int side, const void *data, size_t len)
{
	v->t += 0.001;
	if (side == 0)
		segment(v->d, v->t, v->c, v->cp, 2, v->sp, v->next[0],
			v->next[1], PSH | ACK, data, len);
	else
		segment(v->d, v->t, 2, v->sp, v->c, v->cp, v->next[1],
			v->next[0], PSH | ACK, data, len);
	v->next[side] += (uint32_t)len;
}

static void conv_text(struct conv *v, int side, const char *text)
{
	conv_send(v, side, text, strlen(text));
}

static void conv_open(struct conv *v, struct dump *d, double t, int c,
		      uint16_t cp, uint16_t sp)
{
	memset(v, 0, sizeof(*v));
	v->d = d;
	v->t = t;
	v->c = c;
	v->cp = cp;
	v->sp = sp;
	segment(d, t, c, cp, 2, sp, 1000, 0, SYN, NULL, 0);
	segment(d, t, 2, sp, c, cp, 5000, 1001, SYN | ACK, NULL, 0);
	segment(d, t, c, cp, 2, sp, 1001, 5001, ACK, NULL, 0);
	v->next[0] = 1001;
	v->next[1] = 5001;
}

static void conv_close(struct conv *v)
{
	v->t += 0.001;
	segment(v->d, v->t, v->c, v->cp, 2, v->sp, v->next[0], v->next[1],
		0x01 | ACK, NULL, 0);
	segment(v->d, v->t, 2, v->sp, v->c, v->cp, v->next[1], v->next[0] + 1,
		0x01 | ACK, NULL, 0);
}

/* A TLS 1.2 ClientHello (SNI sni) and the ServerHello of
 * TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, then both change_cipher_spec:
 * established. */
static void conv_tls12(struct conv *v, const char *sni)
{
	static const uint16_t suites[] = {0xc02f, 0xc030};
	static const uint16_t groups[] = {0x001d};
	struct tp_wire_hello_opts o = {
		.version = 0x0303, .suites = suites, .n_suites = 2,
		.groups = groups, .n_groups = 1, .sni = sni,
	};
	uint8_t b[1024], sh[128] = {22, 3, 3, 0, 0, 2, 0, 0, 0, 3, 3};
	size_t n = tp_wire_build_client_hello(&o, b, sizeof(b)), k;

	assert_true(n > 0);
	conv_send(v, 0, b, n);
	/* RFC 5246 section 7.4.1.3: version, random, empty session id,
	 * the suite, no compression, no extensions */
	k = 11;
	memset(sh + k, 0x5a, 32);
	k += 32;
	sh[k++] = 0;
	sh[k++] = 0xc0;
	sh[k++] = 0x2f;
	sh[k++] = 0;
	sh[8] = (uint8_t)(k - 9);
	sh[4] = (uint8_t)(k - 5);
	memcpy(sh + k, "\x14\x03\x03\x00\x01\x01", 6);
	conv_send(v, 1, sh, k + 6);
	conv_send(v, 0, "\x14\x03\x03\x00\x01\x01", 6);
}

/* An SMTP connection upgraded on port 2525, an IMAP one refused, and a
 * TLS connection that started at once: the first and the last are
 * listed, each saying how its TLS started; the summary counts the
 * upgrade and the refusal; the text and JSON views, whole and streamed,
 * say the same. */
static void write_starttls(struct dump *d)
{
	struct conv v;

	dump_open(d);
	conv_open(&v, d, 400.0, 1, 40001, 2525);
	conv_text(&v, 1, "220 mail.test ESMTP\r\n");
	conv_text(&v, 0, "EHLO client.test\r\n");
	conv_text(&v, 1, "250-mail.test\r\n250 STARTTLS\r\n");
	conv_text(&v, 0, "STARTTLS\r\n");
	conv_text(&v, 1, "220 2.0.0 Ready to start TLS\r\n");
	conv_tls12(&v, "mail.test");
	conv_close(&v);
	conv_open(&v, d, 400.1, 3, 40003, 143);
	conv_text(&v, 1, "* OK imap.test ready\r\n");
	conv_text(&v, 0, "x STARTTLS\r\n");
	conv_text(&v, 1, "x NO not today\r\n");
	conv_close(&v);
	conv_open(&v, d, 400.2, 4, 40004, 443);
	conv_tls12(&v, "direct.test");
	conv_close(&v);
	dump_close(d);
}

struct streamed {
	char *json[4];
	char *text[4];
	size_t n;
};

static void on_streamed(void *arg, const struct tp_handshake *h)
{
	struct streamed *s = arg;

	assert_true(s->n < 4);
	s->json[s->n] = tp_handshake_to_json(h, NULL);
	s->text[s->n++] = tp_handshake_to_text(h, 0);
}

static void test_pcap_starttls(void **state)
{
	struct tp_pcap_opts o = {0};
	struct streamed st = {{NULL}, {NULL}, 0};
	struct tp_error err;
	struct tp_report *r;
	json_t *doc, *hs, *sum;
	json_error_t jerr;
	char *json, *text;
	struct dump d;
	size_t i;

	(void)state;
	write_starttls(&d);
	r = run(&o, d.path, &err);
	assert_non_null(r);
	assert_int_equal(r->n_handshakes, 2);
	assert_string_equal(r->handshakes[0].server, "10.0.0.2:2525");
	assert_string_equal(r->handshakes[0].starttls, "smtp");
	assert_string_equal(r->handshakes[0].sni, "mail.test");
	assert_string_equal(r->handshakes[0].version, "TLS1.2");
	assert_string_equal(r->handshakes[0].cipher,
			    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	assert_string_equal(r->handshakes[0].outcome, "established");
	assert_string_equal(r->handshakes[0].history, "ShAdDFf");
	assert_string_equal(r->handshakes[1].starttls, "");
	assert_string_equal(r->handshakes[1].sni, "direct.test");
	/* the same hello, the same fingerprints however TLS started */
	assert_string_equal(r->handshakes[0].ja3s, r->handshakes[1].ja3s);
	assert_int_equal(r->pcap->flows, 3);
	assert_int_equal(r->pcap->tls_flows, 2);
	assert_int_equal(r->pcap->n_by_starttls, 1);
	assert_string_equal(r->pcap->by_starttls[0].name, "smtp");
	assert_int_equal(r->pcap->by_starttls[0].n, 1);
	assert_int_equal(r->pcap->starttls_refused, 1);

	json = tp_report_to_json(r, 0);
	assert_non_null(json);
	doc = json_loads(json, 0, &jerr);
	assert_non_null(doc);
	hs = json_object_get(doc, "handshakes");
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(hs, 0), "starttls")), "smtp");
	assert_true(json_is_null(json_object_get(json_array_get(hs, 1),
						 "starttls")));
	sum = json_object_get(doc, "summary");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		sum, "starttls"), "smtp")), 1);
	assert_int_equal(json_object_size(json_object_get(sum, "starttls")),
			 1);
	assert_int_equal(json_integer_value(json_object_get(sum,
		"starttls_refused")), 1);
	json_decref(doc);
	free(json);
	text = tp_report_to_text(r, 0);
	assert_non_null(text);
	assert_non_null(strstr(text, "10.0.0.1:40001 -> 10.0.0.2:2525  "
				     "mail.test  TLS1.2  "
				     "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256  "
				     "established  starttls smtp\n"));
	assert_non_null(strstr(text, "10.0.0.4:40004 -> 10.0.0.2:443  "
				     "direct.test  TLS1.2  "
				     "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256  "
				     "established\n"));
	assert_non_null(strstr(text, "\nstarttls  smtp 1; 1 refused, not "
				     "listed\n"));
	free(text);
	tp_report_free(r);

	/* streamed, one handshake at a time */
	o.on_handshake = on_streamed;
	o.handshake_arg = &st;
	r = run(&o, d.path, &err);
	assert_non_null(r);
	assert_int_equal(st.n, 2);
	assert_non_null(strstr(st.json[0], "\"history\":\"ShAdDFf\","
				 "\"starttls\":\"smtp\","));
	assert_non_null(strstr(st.json[1], "\"starttls\":null"));
	assert_non_null(strstr(st.text[0], "  starttls smtp\n"));
	assert_null(strstr(st.text[1], "starttls"));
	for (i = 0; i < st.n; i++) {
		free(st.json[i]);
		free(st.text[i]);
	}
	tp_report_free(r);
	unlink(d.path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_fields_order_and_reset),
		cmocka_unit_test(test_pcap_reset_finding_caps_its_list),
		cmocka_unit_test(test_pcap_filters),
		cmocka_unit_test(test_pcap_bad_host_is_usage),
		cmocka_unit_test(test_pcap_keylog_counts),
		cmocka_unit_test(test_pcap_keylog_refused),
		cmocka_unit_test(test_pcap_truncated),
		cmocka_unit_test(test_pcap_not_a_capture),
		cmocka_unit_test(test_pcap_certificates_past_the_cache),
		cmocka_unit_test(test_pcap_starttls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
