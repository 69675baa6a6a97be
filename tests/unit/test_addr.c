/*
 * Targets: HOST[:PORT] parsing, and the address classes that NAT
 * diagnosis relies on. Addresses are only classified, never contacted.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"

#define DEFAULT_PORT 443

/* ---- tp_addr_parse: accepted specs ---- */

struct parse_ok {
	const char *spec;
	const char *host;
	unsigned port;
};

static const struct parse_ok parse_ok_cases[] = {
	{"example.test", "example.test", DEFAULT_PORT},
	{"example.test:8443", "example.test", 8443},
	{"127.0.0.1:1", "127.0.0.1", 1},
	{"node1:65535", "node1", 65535},
	{"[::1]:4433", "::1", 4433},
	{"::1", "::1", DEFAULT_PORT},
	{"[::1]", "::1", DEFAULT_PORT},
	{"2001:db8::1", "2001:db8::1", DEFAULT_PORT},
	{"[2001:db8::1]:443", "2001:db8::1", 443},
};

static void test_addr_parse_accepts(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(parse_ok_cases) / sizeof(parse_ok_cases[0]);
	     i++) {
		const struct parse_ok *c = &parse_ok_cases[i];
		struct tp_error err = {0};
		char *host = NULL;
		unsigned port = 0;

		if (tp_addr_parse(c->spec, DEFAULT_PORT, &host, &port, &err) != 0)
			fail_msg("'%s' refused: %s", c->spec, err.message);
		assert_int_equal(err.kind, TP_ERR_NONE);
		assert_non_null(host);
		if (strcmp(host, c->host) != 0 || port != c->port) {
			print_error("'%s' gave host '%s' port %u, expected "
				    "'%s' port %u\n", c->spec, host, port,
				    c->host, c->port);
			free(host);
			fail();
		}
		free(host);
	}
}

/* The default port is the caller's, not a constant of the parser. */
static void test_addr_parse_default_port(void **state)
{
	struct tp_error err = {0};
	char *host = NULL;
	unsigned port = 0;

	(void)state;
	assert_int_equal(tp_addr_parse("[::1]", 4433, &host, &port, &err), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 4433);
	free(host);
}

/* ---- tp_addr_parse: refused specs ---- */

static void parse_refuses(const char *spec)
{
	struct tp_error err = {0};
	char *host = (char *)"unset";
	unsigned port = 0;
	char quoted[128];

	if (tp_addr_parse(spec, DEFAULT_PORT, &host, &port, &err) != -1) {
		print_error("'%s' accepted as host '%s' port %u\n", spec,
			    host ? host : "(null)", port);
		free(host);
		fail();
	}
	assert_int_equal(err.kind, TP_ERR_USAGE);
	assert_null(host);
	/* the message names the input as the user wrote it */
	if (spec[0] == '\0') {
		if (strstr(err.message, "empty") == NULL)
			fail_msg("'' gave '%s', which does not say it is empty",
				 err.message);
	} else {
		snprintf(quoted, sizeof(quoted), "'%s'", spec);
		if (strstr(err.message, quoted) == NULL)
			fail_msg("'%s' gave '%s', which does not name it", spec,
				 err.message);
	}
}

#define PARSE_REFUSES(name, spec)                                           \
	static void test_addr_parse_refuses_##name(void **state)           \
	{                                                                  \
		(void)state;                                               \
		parse_refuses(spec);                                       \
	}

PARSE_REFUSES(empty, "")
PARSE_REFUSES(port_without_host, ":443")
PARSE_REFUSES(empty_port, "host:")
PARSE_REFUSES(port_zero, "host:0")
PARSE_REFUSES(port_65536, "host:65536")
PARSE_REFUSES(port_negative, "host:-1")
PARSE_REFUSES(port_plus, "host:+443")
PARSE_REFUSES(port_not_decimal, "host:12ab")
PARSE_REFUSES(port_hex, "host:0x1bb")
PARSE_REFUSES(port_huge, "host:99999999999999999999999")
PARSE_REFUSES(port_trailing_space, "host:443 ")
/*
 * strtoul skips leading white space: "host: 443" (and "host:\t443") is a
 * malformed spec, a usage error, not port 443.
 */
PARSE_REFUSES(port_leading_space, "host: 443")
PARSE_REFUSES(unclosed_bracket, "[::1")
PARSE_REFUSES(empty_brackets, "[]:1")
PARSE_REFUSES(text_after_bracket, "[::1]x")
PARSE_REFUSES(bracket_empty_port, "[::1]:")
PARSE_REFUSES(bracket_port_zero, "[::1]:0")

/* ---- tp_addr_class ---- */

struct class_case {
	const char *address;
	const char *class;
};

static const struct class_case class_cases[] = {
	{"127.0.0.1", "loopback"},
	{"127.255.255.254", "loopback"},
	{"10.1.2.3", "private (RFC 1918)"},
	{"172.16.0.1", "private (RFC 1918)"},
	{"172.31.255.254", "private (RFC 1918)"},
	{"172.32.0.1", "public"},
	{"192.168.1.1", "private (RFC 1918)"},
	{"100.64.0.1", "shared (CGNAT, RFC 6598)"},
	{"100.127.255.254", "shared (CGNAT, RFC 6598)"},
	{"100.63.255.255", "public"},
	{"100.128.0.1", "public"},
	{"169.254.1.1", "link-local"},
	{"192.0.2.1", "documentation (RFC 5737)"},
	{"198.51.100.7", "documentation (RFC 5737)"},
	{"203.0.113.9", "documentation (RFC 5737)"},
	{"8.8.8.8", "public"},
	{"::1", "loopback"},
	{"fe80::1", "link-local"},
	{"fd00::1", "unique local (ULA)"},
	{"fc00::1", "unique local (ULA)"},
	{"2001:db8::1", "documentation (RFC 3849)"},
	{"2001:db9::1", "public"},
	/*
	 * a v4-mapped address takes its IPv4 part's class, at -O2 too
	 * (re-entering through a struct sockaddr_in cast to struct
	 * sockaddr, GCC 12's strict aliasing once dropped the store of
	 * sin_family and made it "unknown")
	 */
	{"::ffff:10.0.0.1", "private (RFC 1918)"},
	{"::ffff:100.64.0.2", "shared (CGNAT, RFC 6598)"},
	{"::ffff:203.0.113.2", "documentation (RFC 5737)"},
};

/* Fills ss from an address literal, as getaddrinfo or accept would. */
static void make_sockaddr(const char *address, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, address, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(443);
		return;
	}
	if (inet_pton(AF_INET6, address, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(443);
		return;
	}
	fail_msg("'%s' is not an address literal", address);
}

static void test_addr_class_table(void **state)
{
	struct sockaddr_storage ss;
	size_t i, wrong = 0;

	(void)state;
	/* every row is checked, so one run lists every wrong class */
	for (i = 0; i < sizeof(class_cases) / sizeof(class_cases[0]); i++) {
		const struct class_case *c = &class_cases[i];
		const char *got;

		make_sockaddr(c->address, &ss);
		got = tp_addr_class((struct sockaddr *)&ss);
		if (got == NULL || strcmp(got, c->class) != 0) {
			print_error("%s classed '%s', expected '%s'\n",
				    c->address, got ? got : "(null)", c->class);
			wrong++;
		}
	}
	if (wrong > 0)
		fail_msg("%zu of %zu addresses classed wrongly", wrong, i);
}

/* ---- literals and formatting ---- */

static void test_addr_is_literal(void **state)
{
	(void)state;
	assert_true(tp_addr_is_literal("127.0.0.1"));
	assert_true(tp_addr_is_literal("::1"));
	assert_true(tp_addr_is_literal("2001:db8::1"));
	assert_false(tp_addr_is_literal("example.test"));
	assert_false(tp_addr_is_literal("[::1]"));
	assert_false(tp_addr_is_literal("1.2.3"));
}

static void test_addr_format(void **state)
{
	struct sockaddr_storage ss;
	char buf[64];

	(void)state;
	make_sockaddr("203.0.113.9", &ss);
	tp_addr_format((struct sockaddr *)&ss, buf, sizeof(buf));
	assert_string_equal(buf, "203.0.113.9:443");
	tp_addr_format_host((struct sockaddr *)&ss, buf, sizeof(buf));
	assert_string_equal(buf, "203.0.113.9");
	make_sockaddr("2001:db8::1", &ss);
	tp_addr_format((struct sockaddr *)&ss, buf, sizeof(buf));
	assert_string_equal(buf, "[2001:db8::1]:443");
	tp_addr_format_host((struct sockaddr *)&ss, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1");
}

/* ---- tp_addr_check_name: names that can be names ---- */

struct name_ok {
	const char *name;
	const char *ascii;   /* what is resolved and sent */
};

static const struct name_ok name_ok_cases[] = {
	{"example.test", "example.test"},
	{"EXAMPLE.test", "EXAMPLE.test"},
	{"example.test.", "example.test."},
	{"node1", "node1"},
	/* real names carry underscores (RFC 8552) */
	{"_dmarc.example.test", "_dmarc.example.test"},
	{"_443._tcp.example.test", "_443._tcp.example.test"},
	{"a-b.example", "a-b.example"},
	{"127.0.0.1", "127.0.0.1"},
	{"::1", "::1"},
	{"fe80::1%lo", "fe80::1%lo"},
	/* IDNA2008, non-transitional: sharp s stays itself (UTS #46) */
	{"b\xc3\xbc" "cher.example", "xn--bcher-kva.example"},
	{"fa\xc3\x9f.de", "xn--fa-hia.de"},
	{"xn--bcher-kva.example", "xn--bcher-kva.example"},
	/* 63-byte labels, 253 bytes in all: the limits themselves */
	{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x",
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x"},
};

static void test_addr_check_name_accepts(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(name_ok_cases) / sizeof(name_ok_cases[0]);
	     i++) {
		struct tp_error err = {0};
		char ascii[TP_ADDR_NAME_SIZE];

		if (tp_addr_check_name("sni", name_ok_cases[i].name, ascii,
				       &err) != 0)
			fail_msg("'%s' refused: %s", name_ok_cases[i].name,
				 err.message);
		assert_string_equal(ascii, name_ok_cases[i].ascii);
	}
}

/* 253 bytes is a name; 254 (without a final dot) is not. */
static void test_addr_check_name_length_limit(void **state)
{
	char name[300], ascii[TP_ADDR_NAME_SIZE];
	struct tp_error err = {0};
	size_t i;

	(void)state;
	/* labels of 63 bytes and dots: 4 * 64 - 1 = 255, cut to 253 */
	for (i = 0; i < 255; i++)
		name[i] = (i % 64 == 63) ? '.' : 'a';
	name[253] = '\0';
	assert_int_equal(tp_addr_check_name("target", name, ascii, &err), 0);
	assert_string_equal(ascii, name);
	strcat(name, ".");
	assert_int_equal(tp_addr_check_name("target", name, ascii, &err), 0);
	name[253] = 'a';
	name[254] = '\0';
	assert_int_equal(tp_addr_check_name("target", name, ascii, &err), -1);
	assert_int_equal(err.kind, TP_ERR_USAGE);
	assert_non_null(strstr(err.message, "254 bytes long"));
}

/* ---- tp_addr_check_name: names that cannot be names ---- */

struct name_bad {
	const char *label;
	const char *name;
	const char *why;     /* a part of the message */
};

static const struct name_bad name_bad_cases[] = {
	{"empty", "", "empty"},
	{"empty label", "a..b", "label 2 is empty"},
	{"leading dot", ".a", "label 1 is empty"},
	{"only a dot", ".", "label 1 is empty"},
	{"label of 64", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 ".x", "label 1 is 64 bytes long"},
	{"space", "a b.example", "a space at byte 2"},
	{"tab", "a\tb", "control character 0x09 at byte 2"},
	{"escape", "a\033[2Jb", "control character 0x1b at byte 2"},
	{"DEL", "a\177", "control character 0x7f at byte 2"},
	{"latin-1 byte", "b\xfc" "cher.example", "byte 2 (0xfc) is not UTF-8"},
	{"overlong slash", "a\xc0\xaf" "b", "byte 2 (0xc0) is not UTF-8"},
	{"surrogate", "a\xed\xa0\x80", "byte 2 (0xed) is not UTF-8"},
	{"cut character", "a\xc3", "byte 2 (0xc3) is not UTF-8"},
	{"slash", "a/b", "'/' is not allowed"},
	{"at sign", "user@host", "'@' is not allowed"},
	{"star", "*.example", "'*' is not allowed"},
	{"leading hyphen", "-a.example", "label 1 begins or ends with a hyphen"},
	{"trailing hyphen", "a.b-", "label 2 begins or ends with a hyphen"},
	{"bad punycode", "xn--zz.example", "IDNA2008"},
	{"symbol", "\xe2\x98\x83.example", "IDNA2008"},
	{"bracketed zone junk", "fe80::1%", "not allowed"},
};

static void test_addr_check_name_refuses(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(name_bad_cases) / sizeof(name_bad_cases[0]);
	     i++) {
		const struct name_bad *c = &name_bad_cases[i];
		struct tp_error err = {0};
		char ascii[TP_ADDR_NAME_SIZE] = "unset";

		if (tp_addr_check_name("sni", c->name, ascii, &err) != -1)
			fail_msg("%s: accepted as '%s'", c->label, ascii);
		assert_int_equal(err.kind, TP_ERR_USAGE);
		assert_string_equal(ascii, "");
		assert_string_equal(err.option, "sni");
		if (strncmp(err.message, "--sni", 5) != 0 ||
		    strstr(err.message, c->why) == NULL)
			fail_msg("%s: '%s' does not name --sni and say '%s'",
				 c->label, err.message, c->why);
		/* one line, whatever the name held */
		assert_null(strchr(err.message, '\n'));
		assert_null(strchr(err.message, '\033'));
	}
}

/* A 10,000-byte name is quoted cut, with its length: one short line. */
static void test_addr_check_name_quotes_a_cut(void **state)
{
	struct tp_error err = {0};
	char ascii[TP_ADDR_NAME_SIZE];
	char *name = malloc(10001);

	(void)state;
	assert_non_null(name);
	memset(name, 'a', 10000);
	name[10000] = '\0';
	assert_int_equal(tp_addr_check_name("target", name, ascii, &err), -1);
	assert_non_null(strstr(err.message, "(10000 bytes)"));
	assert_non_null(strstr(err.message, "10000 bytes long, more than the "
			       "253"));
	assert_true(strlen(err.message) < 160);
	/* an escape in the cut is shown escaped, never sent on */
	memset(name, 0x1b, 10);
	assert_int_equal(tp_addr_check_name("target", name, ascii, &err), -1);
	free(name);
}

/* The target's host comes back in A-labels; brackets hold addresses. */
static void test_addr_parse_names(void **state)
{
	struct tp_error err = {0};
	char *host = NULL;
	unsigned port = 0;

	(void)state;
	assert_int_equal(tp_addr_parse("b\xc3\xbc" "cher.example:8443", 443,
				       &host, &port, &err), 0);
	assert_string_equal(host, "xn--bcher-kva.example");
	assert_int_equal(port, 8443);
	free(host);
	host = NULL;
	assert_int_equal(tp_addr_parse("[fe80::1%lo]:1", 443, &host, &port,
				       &err), 0);
	assert_string_equal(host, "fe80::1%lo");
	free(host);
	host = NULL;
	assert_int_equal(tp_addr_parse_option("connect", "[node1]:1", 443,
					      &host, &port, &err), -1);
	assert_null(host);
	assert_non_null(strstr(err.message, "--connect '[node1]:1'"));
	tp_error_clear(&err);
	assert_int_equal(tp_addr_parse_option("connect", "a..b:1", 443,
					      &host, &port, &err), -1);
	assert_null(host);
	assert_string_equal(err.message, "--connect 'a..b': label 2 is empty");
	assert_string_equal(err.option, "connect");
	tp_error_clear(&err);
	assert_int_equal(tp_addr_parse_option("connect", "a:0", 443, &host,
					      &port, &err), -1);
	assert_string_equal(err.option, "connect");
}

/* The U-label form of an A-label name, and none for a plain name. */
static void test_addr_unicode(void **state)
{
	char *u;

	(void)state;
	u = tp_addr_unicode("xn--bcher-kva.example");
	assert_non_null(u);
	assert_string_equal(u, "b\xc3\xbc" "cher.example");
	free(u);
	u = tp_addr_unicode("www.xn--bcher-kva.example");
	assert_non_null(u);
	assert_string_equal(u, "www.b\xc3\xbc" "cher.example");
	free(u);
	assert_null(tp_addr_unicode("example.test"));
	assert_null(tp_addr_unicode("127.0.0.1"));
	assert_null(tp_addr_unicode(NULL));
}

/* ---- tp_addr_parse_listen: --listen specs ---- */

#define LISTEN_DEFAULT 4433

struct listen_case {
	const char *spec;
	const char *host;           /* NULL: refused */
	unsigned port;
	const char *message;        /* the exact error when refused */
};

/* A refused port: the spec, then the port as the message quotes it. */
#define BAD_LISTEN_PORT(spec, port) \
	{spec, NULL, 0, "--listen '" spec "': port '" port "' is not a " \
	 "number from 0 to 65535"}

static const struct listen_case listen_cases[] = {
	{NULL, "", LISTEN_DEFAULT, NULL},
	{":4433", "", 4433, NULL},
	{"8443", "", 8443, NULL},
	{"0", "", 0, NULL},
	{"[::1]:4433", "::1", 4433, NULL},
	{"[::1]", "::1", LISTEN_DEFAULT, NULL},
	{"::1", "::1", LISTEN_DEFAULT, NULL},
	{"127.0.0.1:0", "127.0.0.1", 0, NULL},
	{"127.0.0.1", "127.0.0.1", LISTEN_DEFAULT, NULL},
	{"localhost:65535", "localhost", 65535, NULL},
	{"node1.example:1", "node1.example", 1, NULL},
	{"", NULL, 0, "--listen '': expected [ADDR]:PORT, :PORT or PORT"},
	{"[::1", NULL, 0, "--listen '[::1': expected [IPv6]:PORT"},
	{"[]:4433", NULL, 0, "--listen '[]:4433': expected [IPv6]:PORT"},
	{"[::1]4433", NULL, 0, "--listen '[::1]4433': expected [IPv6]:PORT"},
	BAD_LISTEN_PORT("[::1]:", ""),
	BAD_LISTEN_PORT("[::1]:65536", "65536"),
	BAD_LISTEN_PORT(":65536", "65536"),
	BAD_LISTEN_PORT("99999", "99999"),
	BAD_LISTEN_PORT("host:", ""),
	BAD_LISTEN_PORT("host:x", "x"),
	BAD_LISTEN_PORT("host:-1", "-1"),
	BAD_LISTEN_PORT("host:+80", "+80"),
};

static void test_addr_parse_listen_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(listen_cases) / sizeof(listen_cases[0]); i++) {
		const struct listen_case *c = &listen_cases[i];
		struct tp_error err = {0};
		char host[256] = "unset";
		unsigned port = 12345;
		int rc;

		rc = tp_addr_parse_listen(c->spec, LISTEN_DEFAULT, host,
					  sizeof(host), &port, &err);
		if (c->host == NULL) {
			if (rc != -1 || err.kind != TP_ERR_USAGE ||
			    strcmp(err.message, c->message) != 0)
				fail_msg("'%s': rc %d, error '%s'; expected "
					 "'%s'", c->spec, rc, err.message,
					 c->message);
			continue;
		}
		if (rc != 0 || err.kind != TP_ERR_NONE)
			fail_msg("'%s' refused: %s",
				 c->spec ? c->spec : "(null)", err.message);
		if (strcmp(host, c->host) != 0 || port != c->port)
			fail_msg("'%s' gave host '%s' port %u, expected '%s' "
				 "port %u", c->spec ? c->spec : "(null)", host,
				 port, c->host, c->port);
	}
}

/* An address longer than the caller's buffer is refused, quoted cut at
 * 80 bytes or less, at a whole character; one that fits is taken. */
static char long_ascii[151];        /* 150 'a' */
static char long_utf8[102];         /* 79 'a', a 2-byte 'ü' at 79, 'b's */

static const struct listen_long_case {
	const char *spec;
	const char *host;           /* NULL: refused */
	int quoted;                 /* bytes of spec the message quotes */
} listen_long_cases[] = {
	{long_ascii, NULL, 80},
	{long_utf8, NULL, 79},
	{"[2001:db8::1:2:3:4]:1", NULL, 21},
	{"abcdefghijklmnop:1", NULL, 18},
	{"abcdefghijklmno:1", "abcdefghijklmno", 0},
};

/* ---- address blocks (ADDR/LEN[:PORT]) ---- */

struct block_case {
	const char *spec;
	const char *first;     /* NULL: refused, reason holds words */
	const char *last;
	unsigned bits, port;
	const char *reason;
};

static const struct block_case block_cases[] = {
	{"198.51.100.5/28", "198.51.100.0", "198.51.100.15", 4, 443, NULL},
	{"198.51.100.0/28:8443", "198.51.100.0", "198.51.100.15", 4, 8443,
	 NULL},
	{"192.0.2.9/32", "192.0.2.9", "192.0.2.9", 0, 443, NULL},
	{"192.0.2.9/31", "192.0.2.8", "192.0.2.9", 1, 443, NULL},
	{"10.1.2.3/0", "0.0.0.0", NULL, 32, 443, NULL},
	{"2001:db8::ff/120:9", "2001:db8::", "2001:db8::ff", 8, 9, NULL},
	{"[2001:db8::1/127]:9", "2001:db8::", "2001:db8::1", 1, 9, NULL},
	{"2001:db8::1/128", "2001:db8::1", "2001:db8::1", 0, 443, NULL},
	{"198.51.100.0/33", NULL, NULL, 0, 0, "prefix length '33'"},
	{"198.51.100.0/", NULL, NULL, 0, 0, "prefix length ''"},
	{"198.51.100.0/+4", NULL, NULL, 0, 0, "prefix length '+4'"},
	{"name.test/24", NULL, NULL, 0, 0, "not an IPv4 or IPv6"},
	{"/24", NULL, NULL, 0, 0, "expected ADDRESS/LENGTH"},
	{"198.51.100.0/24:0", NULL, NULL, 0, 0, "port '0'"},
	{"[2001:db8::/64", NULL, NULL, 0, 0, "unbalanced"},
	{"2001:db8::/129", NULL, NULL, 0, 0, "prefix length '129'"},
};

static void test_addr_parse_block_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(block_cases) / sizeof(block_cases[0]); i++) {
		const struct block_case *c = &block_cases[i];
		struct tp_addr_block b;
		struct tp_error err = {0};
		struct sockaddr_storage ss;
		char host[INET6_ADDRSTRLEN];
		unsigned port = 0;
		int rc = tp_addr_parse_block("block", c->spec, 443, &b, &port,
					     &err);

		if (c->first == NULL) {
			if (rc == 0 || err.kind != TP_ERR_USAGE ||
			    strstr(err.message, c->reason) == NULL)
				fail_msg("'%s': rc %d, '%s'", c->spec, rc,
					 err.message);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' refused: %s", c->spec, err.message);
		assert_int_equal(tp_addr_block_bits(&b), c->bits);
		assert_int_equal(port, c->port);
		tp_addr_block_nth(&b, 0, port, &ss);
		tp_addr_format_host((struct sockaddr *)&ss, host, sizeof(host));
		assert_string_equal(host, c->first);
		assert_int_equal(tp_addr_port(&ss), c->port);
		if (c->last == NULL)
			continue;
		tp_addr_block_nth(&b, (uint32_t)((1ull << c->bits) - 1), port,
				  &ss);
		tp_addr_format_host((struct sockaddr *)&ss, host, sizeof(host));
		assert_string_equal(host, c->last);
	}
}

static void test_addr_parse_listen_too_long(void **state)
{
	char host[16], expected[160];
	unsigned port;
	size_t i;

	(void)state;
	memset(long_ascii, 'a', sizeof(long_ascii) - 1);
	memset(long_utf8, 'a', 79);
	memcpy(long_utf8 + 79, "\xc3\xbc", 2);
	memset(long_utf8 + 81, 'b', sizeof(long_utf8) - 82);
	for (i = 0; i < sizeof(listen_long_cases) /
		    sizeof(listen_long_cases[0]); i++) {
		const struct listen_long_case *c = &listen_long_cases[i];
		struct tp_error err = {0};
		int rc;

		rc = tp_addr_parse_listen(c->spec, LISTEN_DEFAULT, host,
					  sizeof(host), &port, &err);
		if (c->host != NULL) {
			if (rc != 0 || strcmp(host, c->host) != 0)
				fail_msg("'%s': rc %d host '%s', expected "
					 "'%s'", c->spec, rc, host, c->host);
			continue;
		}
		snprintf(expected, sizeof(expected), "--listen '%.*s…': "
			 "address too long", c->quoted, c->spec);
		if (rc != -1 || strcmp(err.message, expected) != 0)
			fail_msg("'%s': rc %d, error '%s'; expected '%s'",
				 c->spec, rc, err.message, expected);
	}
}

/* The command line's words, as the front end names options. */
static void flag_words(const char *key, char *out, size_t size)
{
	snprintf(out, size, "--%s", key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse_accepts),
		cmocka_unit_test(test_addr_parse_default_port),
		cmocka_unit_test(test_addr_parse_refuses_empty),
		cmocka_unit_test(test_addr_parse_refuses_port_without_host),
		cmocka_unit_test(test_addr_parse_refuses_empty_port),
		cmocka_unit_test(test_addr_parse_refuses_port_zero),
		cmocka_unit_test(test_addr_parse_refuses_port_65536),
		cmocka_unit_test(test_addr_parse_refuses_port_negative),
		cmocka_unit_test(test_addr_parse_refuses_port_plus),
		cmocka_unit_test(test_addr_parse_refuses_port_not_decimal),
		cmocka_unit_test(test_addr_parse_refuses_port_hex),
		cmocka_unit_test(test_addr_parse_refuses_port_huge),
		cmocka_unit_test(test_addr_parse_refuses_port_trailing_space),
		cmocka_unit_test(test_addr_parse_refuses_port_leading_space),
		cmocka_unit_test(test_addr_parse_refuses_unclosed_bracket),
		cmocka_unit_test(test_addr_parse_refuses_empty_brackets),
		cmocka_unit_test(test_addr_parse_refuses_text_after_bracket),
		cmocka_unit_test(test_addr_parse_refuses_bracket_empty_port),
		cmocka_unit_test(test_addr_parse_refuses_bracket_port_zero),
		cmocka_unit_test(test_addr_check_name_accepts),
		cmocka_unit_test(test_addr_check_name_length_limit),
		cmocka_unit_test(test_addr_check_name_refuses),
		cmocka_unit_test(test_addr_check_name_quotes_a_cut),
		cmocka_unit_test(test_addr_parse_names),
		cmocka_unit_test(test_addr_unicode),
		cmocka_unit_test(test_addr_class_table),
		cmocka_unit_test(test_addr_is_literal),
		cmocka_unit_test(test_addr_format),
		cmocka_unit_test(test_addr_parse_listen_table),
		cmocka_unit_test(test_addr_parse_listen_too_long),
		cmocka_unit_test(test_addr_parse_block_table),
	};

	tp_error_set_namer(flag_words);
	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
