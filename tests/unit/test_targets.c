/*
 * The targets reader of many-target runs: every line form, bad lines,
 * address blocks, nmap's -oG and -oX output, the ports filter, and
 * shards that are disjoint and complete. Files are read from memory
 * (fmemopen) or from tests/data; nothing is contacted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"
#include "targets.h"

#define MAX_RECORDS 64

/* One record as a line of text: "LINE HOST PORT [sni=…] [starttls=…]
 * [name=…]", or "LINE !REASON" for a bad line. */
static void render(int rc, const struct tp_targets_entry *e,
		   const struct tp_error *err, char *buf, size_t size)
{
	int n;

	if (rc == TP_TARGETS_BAD) {
		snprintf(buf, size, "%lu !%s", e->line, err->message);
		return;
	}
	n = snprintf(buf, size, "%lu %s %u", e->line, e->host, e->port);
	if (e->sni[0] != '\0')
		n += snprintf(buf + n, size - (size_t)n, " sni=%s", e->sni);
	if (e->starttls != TP_STARTTLS_NONE)
		n += snprintf(buf + n, size - (size_t)n, " starttls=%s",
			      tp_starttls_name(e->starttls));
	if (e->name[0] != '\0')
		snprintf(buf + n, size - (size_t)n, " name=%s", e->name);
}

/* Every record of text (size bytes; 0: up to its NUL) as rendered. */
static size_t read_all(const char *text, size_t size,
		       const struct tp_targets_opts *opts,
		       char out[][600], size_t max, struct tp_targets_entry *last)
{
	struct tp_targets_entry e;
	struct tp_error err = {0};
	struct tp_targets *t;
	FILE *f;
	size_t n = 0;
	int rc;

	f = fmemopen((void *)text, size != 0 ? size : strlen(text), "r");
	assert_non_null(f);
	t = tp_targets_open_stream(f, "test", opts, &err);
	if (t == NULL)
		fail_msg("open: %s", err.message);
	while ((rc = tp_targets_next(t, &e, &err)) != TP_TARGETS_END) {
		assert_true(rc == TP_TARGETS_TARGET || rc == TP_TARGETS_BAD);
		assert_true(n < max);
		render(rc, &e, &err, out[n++], sizeof(out[0]));
		if (last != NULL)
			*last = e;
	}
	tp_targets_close(t);
	fclose(f);
	return n;
}

struct read_case {
	const char *name;
	const char *text;
	size_t size;                 /* 0: strlen */
	struct tp_targets_opts opts;
	/* the records in order; "N !words" matches a bad line whose reason
	 * contains words; NULL ends */
	const char *want[12];
};

static const struct read_case read_cases[] = {
	{"forms", "example.test\nexample.test:8443\n127.0.0.1\n"
	 "127.0.0.1:1\n[::1]:4433\n::1\n2001:db8::1\n", 0, {0},
	 {"1 example.test 443", "2 example.test 8443", "3 127.0.0.1 443",
	  "4 127.0.0.1 1", "5 ::1 4433", "6 ::1 443", "7 2001:db8::1 443"}},
	{"idn to A-label", "bücher.example:443\n", 0, {0},
	 {"1 xn--bcher-kva.example 443"}},
	{"words", "node1 sni=other.test\nnode2:25 starttls=smtp\n"
	 "mail.test starttls=imap sni=mx.test\n", 0, {0},
	 {"1 node1 443 sni=other.test", "2 node2 25 starttls=smtp",
	  "3 mail.test 143 sni=mx.test starttls=imap"}},
	{"default port from options", "a.test\nb.test:9\nc.test starttls=pop3\n",
	 0, {.starttls = TP_STARTTLS_SMTP},
	 {"1 a.test 25 starttls=smtp", "2 b.test 9 starttls=smtp",
	  "3 c.test 110 starttls=pop3"}},
	{"given default port", "a.test\n", 0, {.default_port = 8443},
	 {"1 a.test 8443"}},
	{"comments and blanks", "# list\n\n   \n\t\na.test # the first\n"
	 "b.test:444#tight\n  # indented\n", 0, {0},
	 {"5 a.test 443", "6 b.test 444"}},
	{"CRLF and BOM", "\xef\xbb\xbf" "a.test\r\nb.test:8443\r\n\r\n", 0,
	 {0}, {"1 a.test 443", "2 b.test 8443"}},
	{"no final newline", "a.test\nb.test", 0, {0},
	 {"1 a.test 443", "2 b.test 443"}},
	{"bad port", "a.test:0\na.test:65536\na.test:x\ngood.test\n", 0, {0},
	 {"1 !port '0'", "2 !port '65536'", "3 !port 'x'", "4 good.test 443"}},
	{"bad host", "bad_name!\n[nohost]:4\nexample..test\n", 0, {0},
	 {"1 !not allowed", "2 !brackets", "3 !empty"}},
	{"unknown word", "a.test foo=bar\na.test sni=b.test sni=c.test\n", 0,
	 {0}, {"1 !unknown word 'foo=bar'", "2 !unexpected word"}},
	{"bad starttls", "a.test starttls=gopher\n", 0, {0},
	 {"1 !starttls=gopher: unknown protocol"}},
	{"sni an address", "a.test sni=192.0.2.1\n", 0, {0},
	 {"1 !an address"}},
	{"control characters", "a.test\x01\nb\x7f.test\nc.test\n", 0, {0},
	 {"1 !control character 0x01 at byte 7",
	  "2 !control character 0x7f at byte 2", "3 c.test 443"}},
	{"NUL byte", "a.t\0est\nb.test\n", 14, {0},
	 {"1 !NUL byte at byte 4", "2 b.test 443"}},
	{"block /30", "198.51.100.5/30:8443 sni=s.test\n", 0, {0},
	 {"1 198.51.100.4 8443 sni=s.test", "1 198.51.100.5 8443 sni=s.test",
	  "1 198.51.100.6 8443 sni=s.test", "1 198.51.100.7 8443 sni=s.test"}},
	{"block /31 /32", "192.0.2.1/31\n192.0.2.9/32\n", 0, {0},
	 {"1 192.0.2.0 443", "1 192.0.2.1 443", "2 192.0.2.9 443"}},
	{"block IPv6", "2001:db8::ff/126:8443\n[2001:db8::1/127]:9\n"
	 "2001:db8::1/128\n", 0, {0},
	 {"1 2001:db8::fc 8443", "1 2001:db8::fd 8443", "1 2001:db8::fe 8443",
	  "1 2001:db8::ff 8443", "2 2001:db8:: 9", "2 2001:db8::1 9",
	  "3 2001:db8::1 443"}},
	{"bad blocks", "192.0.2.0/33\nname.test/24\n192.0.2.0/\n"
	 "192.0.2.0/24:0\n2001:db8::/129\n", 0, {0},
	 {"1 !prefix length '33'", "2 !not an IPv4 or IPv6 address",
	  "3 !prefix length ''", "4 !port '0'", "5 !prefix length '129'"}},
	{"blocks too large", "10.0.0.0/15\n10.0.0.0/0\n::/0\n2001:db8::/64\n"
	 "2001:db8::/111\n", 0, {0},
	 {"1 !2^17 addresses, more than the 65536",
	  "2 !/0 is every address", "3 !/0 is every address",
	  "4 !2^64 addresses, more than any run", "5 !2^17 addresses"}},
	{"greppable", "# Nmap 7.94 scan initiated as: nmap -oG - x\n"
	 "Host: 127.0.0.1 (localhost)\tStatus: Up\n"
	 "Host: 127.0.0.1 (localhost)\tPorts: 443/open/tcp//https///, "
	 "80/closed/tcp//http///, 8443/open/tcp//https-alt///, "
	 "53/open/udp//domain///\tIgnored State: closed (997)\n"
	 "Host: ::1 ()\tPorts: 4433/open/tcp//////\n"
	 "# Nmap done at …\n", 0, {0},
	 {"3 127.0.0.1 443 name=localhost", "3 127.0.0.1 8443 name=localhost",
	  "4 ::1 4433"}},
	{"greppable, bad lines", "Host: 192.0.2.1 ()\tPorts: 443/open/tcp///, "
	 "99999/open/tcp///, 444/open/tcp//x//v, 2 (y)/\nHost: nothere ()\tPorts: "
	 "1/open/tcp///\nnot nmap\n", 0, {0},
	 {"1 !port '99999'", "1 192.0.2.1 443", "1 192.0.2.1 444",
	  "2 !not an IPv4 or IPv6", "3 !not a line of nmap's greppable"}},
	{"greppable, ports filter", "Host: 192.0.2.1 ()\tPorts: "
	 "443/open/tcp///, 8443/open/tcp///, 9005/open/tcp///, "
	 "9011/open/tcp///\n", 0, {.ports = "443,9000-9010"},
	 {"1 192.0.2.1 443", "1 192.0.2.1 9005"}},
	{"a list line is not nmap", "Host: 192.0.2.1 ()\n", 0, {0}, {NULL}},
};

static void test_targets_read_table(void **state)
{
	char got[MAX_RECORDS][600];
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]); i++) {
		const struct read_case *c = &read_cases[i];

		n = read_all(c->text, c->size, &c->opts, got, MAX_RECORDS, NULL);
		for (j = 0; j < n || (j < 12 && c->want[j] != NULL); j++) {
			const char *w = j < 12 ? c->want[j] : NULL;
			const char *bang = w != NULL ? strchr(w, '!') : NULL;
			bool ok;

			if (w == NULL || j >= n)
				ok = false;
			else if (bang != NULL)
				ok = strncmp(got[j], w, (size_t)(bang - w + 1)) == 0 &&
				     strstr(got[j], bang + 1) != NULL;
			else
				ok = strcmp(got[j], w) == 0;
			if (!ok)
				fail_msg("%s: record %zu is '%s', expected '%s'",
					 c->name, j + 1, j < n ? got[j] : "(none)",
					 w != NULL ? w : "(none)");
		}
	}
}

/* A list line that starts with "Host: " is no target: nmap is seen at
 * the first line only. (The table's last case reads it as a list.) */
static void test_targets_format_detected(void **state)
{
	static const struct {
		const char *text;
		enum tp_targets_format format;
	} cases[] = {
		{"a.test\n", TP_TARGETS_LIST},
		{"\n\n# Nmap 7.94 scan initiated Mon Dec  7 as: nmap -oG - x\n",
		 TP_TARGETS_NMAP_GREP},
		{"# Nmap targets\n", TP_TARGETS_LIST},
		{"Host: 1.2.3.4 ()\tStatus: Up\n", TP_TARGETS_NMAP_GREP},
		{"\xef\xbb\xbf  \n<?xml version=\"1.0\"?>", TP_TARGETS_NMAP_XML},
		{"# my list\nHost: x\n", TP_TARGETS_LIST},
	};
	struct tp_targets_entry e;
	struct tp_error err = {0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fmemopen((void *)cases[i].text,
				   strlen(cases[i].text), "r");
		struct tp_targets *t = tp_targets_open_stream(f, "t", NULL,
							      &err);

		assert_non_null(t);
		while (tp_targets_next(t, &e, &err) != TP_TARGETS_END)
			;
		if (tp_targets_format(t) != cases[i].format)
			fail_msg("case %zu: format %d", i,
				 (int)tp_targets_format(t));
		tp_targets_close(t);
		fclose(f);
	}
	/* the record of line 2 of the last case: a bad target */
	{
		char got[4][600];

		assert_int_equal(read_all("# my list\nHost: x\n", 0, NULL, got,
					  4, NULL), 1);
		assert_non_null(strstr(got[0], "2 !"));
	}
}

static const char xml_sample[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<!DOCTYPE nmaprun>\n"
	"<nmaprun scanner=\"nmap\" args=\"nmap -oX - 127.0.0.1\">\n"
	"<!-- a comment with <host> inside -->\n"
	"<host starttime=\"1\"><status state=\"up\"/>\n"
	"<address addr=\"127.0.0.1\" addrtype=\"ipv4\"/>\n"
	"<address addr=\"00:11:22:33:44:55\" addrtype=\"mac\"/>\n"
	"<hostnames><hostname name=\"localhost\" type=\"user\"/>"
	"<hostname name=\"other\" type=\"PTR\"/></hostnames>\n"
	"<ports><extraports state=\"closed\" count=\"997\"/>\n"
	"<port protocol=\"tcp\" portid=\"443\"><state state=\"open\" "
	"reason=\"syn-ack\"/><service name=\"https\"/></port>\n"
	"<port protocol=\"tcp\" portid=\"80\"><state state=\"closed\"/></port>\n"
	"<port protocol=\"udp\" portid=\"53\"><state state=\"open\"/></port>\n"
	"<port protocol='tcp' portid='8443'><state state='open'/></port>\n"
	"</ports></host>\n"
	"<host><address addr=\"::1\" addrtype=\"ipv6\"/><ports>"
	"<port protocol=\"tcp\" portid=\"4433\"><state state=\"open\"/>"
	"</port></ports></host>\n"
	"<host><status state=\"down\"/><address addr=\"192.0.2.9\" "
	"addrtype=\"ipv4\"/></host>\n"
	"<host><ports><port protocol=\"tcp\" portid=\"22\"><state "
	"state=\"open\"/></port></ports></host>\n"
	"<host><address addr=\"192.0.2.7\" addrtype=\"ipv4\"/><ports>"
	"<port protocol=\"tcp\" portid=\"99999\"><state state=\"open\"/>"
	"</port><port protocol=\"tcp\" portid=\"25\"><state state=\"open\"/>"
	"</port></ports></host>\n"
	"<runstats><finished time=\"2\"/></runstats></nmaprun>\n";

static void test_targets_nmap_xml(void **state)
{
	static const char *const want[] = {
		"5 127.0.0.1 443 name=localhost",
		"5 127.0.0.1 8443 name=localhost",
		"15 ::1 4433",
		"17 !open ports but no IPv4 or IPv6",
		"18 !portid is not a port",
		"18 192.0.2.7 25",
	};
	char got[MAX_RECORDS][600];
	struct tp_targets_entry last;
	size_t i, n;

	(void)state;
	n = read_all(xml_sample, 0, NULL, got, MAX_RECORDS, &last);
	for (i = 0; i < n || i < sizeof(want) / sizeof(want[0]); i++) {
		const char *bang = i < 6 ? strchr(want[i], '!') : NULL;

		if (i >= n || i >= 6 ||
		    (bang == NULL ? strcmp(got[i], want[i]) != 0
		     : strncmp(got[i], want[i], (size_t)(bang - want[i] + 1))
		       != 0 || strstr(got[i], bang + 1) == NULL))
			fail_msg("record %zu is '%s', expected '%s'", i + 1,
				 i < n ? got[i] : "(none)",
				 i < 6 ? want[i] : "(none)");
	}
	assert_true(last.has_address);
	assert_int_equal(tp_addr_port(&last.address), 25);
	assert_string_equal(last.text, "<host> 192.0.2.7");
}

static void test_targets_nmap_xml_filter_and_cut(void **state)
{
	struct tp_targets_opts opts = {.ports = "8443"};
	char got[MAX_RECORDS][600];
	size_t n;

	(void)state;
	n = read_all(xml_sample, 0, &opts, got, MAX_RECORDS, NULL);
	/* the host without an address has no port the filter keeps */
	assert_int_equal(n, 2);
	assert_string_equal(got[0], "5 127.0.0.1 8443 name=localhost");
	assert_non_null(strstr(got[1], "18 !"));
	/* a file cut inside a <host> gives what it had */
	n = read_all("<nmaprun><host><address addr=\"192.0.2.1\" "
		     "addrtype=\"ipv4\"/><port protocol=\"tcp\" portid=\"7\">"
		     "<state state=\"open\"", 0, NULL, got, MAX_RECORDS, NULL);
	assert_int_equal(n, 1);
	assert_string_equal(got[0], "1 192.0.2.1 7");
}

static void test_targets_nmap_xml_file(void **state)
{
	const char *top = getenv("TLSPROBE_TOP");
	char path[4096];
	struct tp_targets_entry e;
	struct tp_error err = {0};
	struct tp_targets *t;
	int rc, good = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/data/nmap-sample.xml",
		 top != NULL ? top : ".");
	t = tp_targets_open(path, NULL, &err);
	if (t == NULL)
		fail_msg("%s", err.message);
	assert_int_equal(tp_targets_format(t), TP_TARGETS_NMAP_XML);
	while ((rc = tp_targets_next(t, &e, &err)) != TP_TARGETS_END)
		if (rc == TP_TARGETS_TARGET)
			good++;
	assert_int_equal(good, 3);
	tp_targets_close(t);
}

static void test_targets_long_lines(void **state)
{
	size_t size = 3 * TP_TARGETS_LINE_MAX + 64, n, i;
	char *text = malloc(size), (*got)[600] = malloc(4 * 600);

	(void)state;
	assert_non_null(text);
	assert_non_null(got);
	/* line 1: exactly the limit of a's (a bad name, not too long);
	 * line 2: one byte over; line 3: a good target after them */
	memset(text, 'a', TP_TARGETS_LINE_MAX);
	text[TP_TARGETS_LINE_MAX] = '\n';
	i = TP_TARGETS_LINE_MAX + 1;
	memset(text + i, 'b', TP_TARGETS_LINE_MAX + 1);
	i += TP_TARGETS_LINE_MAX + 1;
	memcpy(text + i, "\r\nc.test\n", 10);
	n = read_all(text, i + 9, NULL, got, 4, NULL);
	assert_int_equal(n, 3);
	assert_null(strstr(got[0], "longer than"));
	assert_non_null(strstr(got[1], "2 !line longer than 4096 bytes"));
	assert_string_equal(got[2], "3 c.test 443");
	free(text);
	free(got);
}

/* What a record shows of the line is sanitised and cut. */
static void test_targets_text_sanitised(void **state)
{
	static const char text[] = "bad\x1b[31m.test # \xe2\x80\xae\n";
	struct tp_targets_entry e;
	struct tp_error err = {0};
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct tp_targets *t = tp_targets_open_stream(f, "t", NULL, &err);

	(void)state;
	assert_int_equal(tp_targets_next(t, &e, &err), TP_TARGETS_BAD);
	assert_null(strchr(e.text, 0x1b));
	assert_non_null(strstr(e.text, "\\x1b"));
	assert_non_null(strstr(e.text, "\\u202e"));
	assert_null(strchr(err.message, 0x1b));
	assert_int_equal(e.host[0], '\0');
	assert_int_equal(tp_targets_next(t, &e, &err), TP_TARGETS_END);
	tp_targets_close(t);
	fclose(f);
}

static void test_targets_open_errors(void **state)
{
	struct tp_targets_opts opts = {0};
	struct tp_error err = {0};
	static const char *const bad_ports[] = {
		"0", "65536", "9010-9000", "443,,8443", "x", "1-", ",",
	};
	size_t i;

	(void)state;
	assert_null(tp_targets_open("/nonexistent/targets.txt", NULL, &err));
	assert_int_equal(err.kind, TP_ERR_USAGE);
	assert_non_null(strstr(err.message, "/nonexistent/targets.txt"));
	for (i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
		tp_error_clear(&err);
		opts.ports = bad_ports[i];
		if (tp_targets_open("-", &opts, &err) != NULL)
			fail_msg("ports '%s' taken", bad_ports[i]);
		assert_int_equal(err.kind, TP_ERR_USAGE);
	}
	tp_targets_close(NULL);
}

static void test_targets_allow_large(void **state)
{
	static const char text[] = "10.0.0.0/15\n";
	struct tp_targets_opts opts = {.allow_large = true};
	struct tp_targets_entry e;
	struct tp_error err = {0};
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct tp_targets *t = tp_targets_open_stream(f, "t", &opts, &err);
	unsigned long n = 0;

	(void)state;
	while (tp_targets_next(t, &e, &err) == TP_TARGETS_TARGET)
		n++;
	assert_int_equal(n, 131072);
	assert_string_equal(e.host, "10.1.255.255");
	tp_targets_close(t);
	fclose(f);
}

static void test_targets_shard_parse(void **state)
{
	static const char *const bad[] = {
		"0/1", "2/1", "1/0", "", "1", "/", "1/", "/2", "a/b", "+1/2",
		"1/2/3", " 1/2", "1/1000001", "99999999/99999999",
	};
	struct tp_error err = {0};
	unsigned k, n;
	size_t i;

	(void)state;
	assert_int_equal(tp_targets_shard_parse("1/1", &k, &n, &err), 0);
	assert_true(k == 1 && n == 1);
	assert_int_equal(tp_targets_shard_parse("7/7", &k, &n, &err), 0);
	assert_int_equal(tp_targets_shard_parse("3/1000000", &k, &n, &err),
			 0);
	assert_true(k == 3 && n == 1000000);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tp_error_clear(&err);
		if (tp_targets_shard_parse(bad[i], &k, &n, &err) == 0)
			fail_msg("shard '%s' taken", bad[i]);
		assert_int_equal(err.kind, TP_ERR_USAGE);
	}
	assert_int_equal(tp_targets_shard_parse(NULL, &k, &n, &err), -1);
}

/* 10,000 generated targets (names, addresses, ports, SNI, STARTTLS and
 * bad lines): for N = 1, 2, 7 each lands in exactly one shard. */
static void test_targets_shards_disjoint_complete(void **state)
{
	static const unsigned ns[] = {1, 2, 7};
	struct tp_targets_entry e;
	unsigned in[8], i, k, j, count;

	(void)state;
	for (j = 0; j < 3; j++) {
		memset(in, 0, sizeof(in));
		for (i = 0; i < 10000; i++) {
			memset(&e, 0, sizeof(e));
			e.line = i + 1;
			if (i % 5 == 0)
				snprintf(e.host, sizeof(e.host), "10.%u.%u.%u",
					 i >> 16, (i >> 8) & 255, i & 255);
			else if (i % 5 == 1)
				snprintf(e.host, sizeof(e.host), "2001:db8::%x",
					 i);
			else if (i % 5 != 4)
				snprintf(e.host, sizeof(e.host),
					 "host%u.example.test", i);
			e.port = 443 + i % 3;
			if (i % 7 == 0)
				snprintf(e.sni, sizeof(e.sni), "s%u.test", i);
			if (i % 11 == 0)
				e.starttls = TP_STARTTLS_SMTP;
			count = 0;
			for (k = 1; k <= ns[j]; k++)
				if (tp_targets_in_shard(&e, k, ns[j])) {
					count++;
					in[k]++;
				}
			if (count != 1)
				fail_msg("target %u in %u shards of %u", i,
					 count, ns[j]);
		}
		/* and the hash spreads them: no shard under half its share */
		for (k = 1; k <= ns[j]; k++)
			assert_true(in[k] > 10000 / ns[j] / 2);
	}
	assert_false(tp_targets_in_shard(&e, 0, 7));
	assert_false(tp_targets_in_shard(&e, 8, 7));
}

/* The hash is of the normalised target, fixed for every machine. */
static void test_targets_hash_stable(void **state)
{
	struct tp_targets_entry a = {0}, b = {0};

	(void)state;
	snprintf(a.host, sizeof(a.host), "Example.Test.");
	snprintf(b.host, sizeof(b.host), "example.test");
	a.port = b.port = 443;
	assert_true(tp_targets_hash(&a) == tp_targets_hash(&b));
	/* FNV-1a 64 of "example.test:443" (Python, once): a change of
	 * the hash would move every target to another shard */
	assert_true(tp_targets_hash(&b) == 0x62d4b4e37c4abf32ull);
	b.starttls = TP_STARTTLS_SMTP;
	assert_true(tp_targets_hash(&a) != tp_targets_hash(&b));
	b.starttls = TP_STARTTLS_NONE;
	snprintf(b.sni, sizeof(b.sni), "x.test");
	assert_true(tp_targets_hash(&a) != tp_targets_hash(&b));
	a.host[0] = '\0';
	a.line = 7;
	b.host[0] = '\0';
	b.line = 7;
	b.sni[0] = '\0';
	assert_true(tp_targets_hash(&a) == tp_targets_hash(&b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets_read_table),
		cmocka_unit_test(test_targets_format_detected),
		cmocka_unit_test(test_targets_nmap_xml),
		cmocka_unit_test(test_targets_nmap_xml_filter_and_cut),
		cmocka_unit_test(test_targets_nmap_xml_file),
		cmocka_unit_test(test_targets_long_lines),
		cmocka_unit_test(test_targets_text_sanitised),
		cmocka_unit_test(test_targets_open_errors),
		cmocka_unit_test(test_targets_allow_large),
		cmocka_unit_test(test_targets_shard_parse),
		cmocka_unit_test(test_targets_shards_disjoint_complete),
		cmocka_unit_test(test_targets_hash_stable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
