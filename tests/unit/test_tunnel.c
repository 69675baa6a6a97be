/*
 * Unit tests of tunnel.c, through the prelude reader that hands it a
 * connection: each exchange, client's bytes then the proxy's, must end
 * as it says (TLS after both, refused, not ours) with the kind and the
 * target the client named, and a refusal must not depend on where the
 * bytes were cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "prelude.h"
#include "tunnel.h"

struct exchange {
	const char *name;
	const uint8_t *client;
	size_t client_len;
	const uint8_t *server;
	size_t server_len;
	enum tp_prelude_step client_end, server_end;
	enum tp_tunnel_kind kind;
	const char *target;
};

#define BYTES(s) (const uint8_t *)(s), sizeof(s) - 1

static const struct exchange exchanges[] = {
	{"connect", BYTES("CONNECT example.test:443 HTTP/1.1\r\nHost: "
			  "example.test:443\r\nProxy-Authorization: Basic "
			  "dXNlcjpwYXNz\r\n\r\n"),
	 BYTES("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"),
	 TP_PRELUDE_TLS, TP_PRELUDE_TLS, TP_TUNNEL_CONNECT,
	 "example.test:443"},
	{"connect-407", BYTES("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n"),
	 BYTES("HTTP/1.1 407 Proxy Authentication Required\r\n"),
	 TP_PRELUDE_TLS, TP_PRELUDE_REFUSED, TP_TUNNEL_CONNECT, "[::1]:8443"},
	{"connect-other-method", BYTES("COPY x:1 HTTP/1.1\r\n\r\n"),
	 BYTES(""), TP_PRELUDE_NOT_OURS, TP_PRELUDE_MORE, TP_TUNNEL_CONNECT,
	 ""},
	{"connect-binary", BYTES("CONNECT \x01\x02"), BYTES(""),
	 TP_PRELUDE_NOT_OURS, TP_PRELUDE_MORE, TP_TUNNEL_CONNECT, ""},
	{"connect-not-http", BYTES("CONNECT x:1 SMTP\r\n\r\n"), BYTES(""),
	 TP_PRELUDE_NOT_OURS, TP_PRELUDE_MORE, TP_TUNNEL_CONNECT, "x:1"},
	{"socks4", BYTES("\x04\x01\x01\xbb\xc0\x00\x02\x01userid\x00"),
	 BYTES("\x00\x5a\x00\x00\x00\x00\x00\x00"), TP_PRELUDE_TLS,
	 TP_PRELUDE_TLS, TP_TUNNEL_SOCKS4, "192.0.2.1:443"},
	{"socks4a", BYTES("\x04\x01\x01\xbb\x00\x00\x00\x07\x00h.test\x00"),
	 BYTES("\x00\x5b\x00\x00\x00\x00\x00\x00"), TP_PRELUDE_TLS,
	 TP_PRELUDE_REFUSED, TP_TUNNEL_SOCKS4A, "h.test:443"},
	{"socks4-bind", BYTES("\x04\x02\x01\xbb\xc0\x00\x02\x01\x00"),
	 BYTES(""), TP_PRELUDE_NOT_OURS, TP_PRELUDE_MORE, TP_TUNNEL_SOCKS4,
	 ""},
	{"socks5", BYTES("\x05\x01\x00\x05\x01\x00\x01\xc0\x00\x02\x01\x01"
			 "\xbb"),
	 BYTES("\x05\x00\x05\x00\x00\x01\x7f\x00\x00\x01\x10\x00"),
	 TP_PRELUDE_TLS, TP_PRELUDE_TLS, TP_TUNNEL_SOCKS5, "192.0.2.1:443"},
	{"socks5-userpass", BYTES("\x05\x01\x02\x01\x04user\x04pass\x05\x01"
				  "\x00\x03\x06h.test\x01\xbb"),
	 BYTES("\x05\x02\x01\x00\x05\x00\x00\x03\x01h\x00\x01"),
	 TP_PRELUDE_TLS, TP_PRELUDE_TLS, TP_TUNNEL_SOCKS5, "h.test:443"},
	{"socks5-bad-password", BYTES("\x05\x01\x02\x01\x01u\x01p"),
	 BYTES("\x05\x02\x01\x01"), TP_PRELUDE_MORE, TP_PRELUDE_REFUSED,
	 TP_TUNNEL_SOCKS5, ""},
	{"socks5-refused", BYTES("\x05\x01\x00\x05\x01\x00\x04"
				 "\x20\x01\x0d\xb8\x00\x00\x00\x00"
				 "\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01"),
	 BYTES("\x05\x00\x05\x05"), TP_PRELUDE_TLS, TP_PRELUDE_REFUSED,
	 TP_TUNNEL_SOCKS5, "[2001:db8::1]:1"},
	{"socks5-gssapi", BYTES("\x05\x01\x01"), BYTES("\x05\x01"),
	 TP_PRELUDE_MORE, TP_PRELUDE_NOT_OURS, TP_TUNNEL_SOCKS5, ""},
};

/* Feeds the client's bytes in chunks of cut, then the proxy's. */
static void run(const struct exchange *x, size_t cut)
{
	struct tp_prelude *pre = tp_prelude_new(true, x->client[0]);
	const struct tp_tunnel *t;
	enum tp_prelude_step step = TP_PRELUDE_MORE;
	size_t off, n;

	assert_non_null(pre);
	t = tp_prelude_tunnel(pre);
	assert_non_null(t);
	for (off = 0; off < x->client_len && step == TP_PRELUDE_MORE;
	     off += n) {
		n = x->client_len - off < cut ? x->client_len - off : cut;
		tp_prelude_read(pre, true, x->client + off, n, &step);
	}
	assert_int_equal(step, x->client_end);
	if (step != TP_PRELUDE_NOT_OURS) {
		step = TP_PRELUDE_MORE;
		for (off = 0; off < x->server_len && step == TP_PRELUDE_MORE;
		     off += n) {
			n = x->server_len - off < cut ? x->server_len - off
						      : cut;
			tp_prelude_read(pre, false, x->server + off, n, &step);
		}
		assert_int_equal(step, x->server_end);
	}
	assert_int_equal(tp_tunnel_kind(t), x->kind);
	assert_string_equal(t->target, x->target);
	tp_prelude_free(pre);
}

static void test_tunnel_exchanges(void **state)
{
	size_t i, cut;

	(void)state;
	for (i = 0; i < sizeof(exchanges) / sizeof(exchanges[0]); i++) {
		print_message("%s\n", exchanges[i].name);
		for (cut = 1; cut <= 64; cut *= 4)
			run(&exchanges[i], cut);
	}
}

/* The proxy's answer before the client's request is none. */
static void test_tunnel_answer_first(void **state)
{
	struct tp_prelude *pre = tp_prelude_new(true, 'C');
	enum tp_prelude_step step;

	(void)state;
	tp_prelude_read(pre, false, BYTES("HTTP/1.1 200 OK\r\n\r\n"), &step);
	assert_int_equal(step, TP_PRELUDE_NOT_OURS);
	tp_prelude_free(pre);
}

/* Headers are read up to the prelude's bound, never kept. */
static void test_tunnel_endless_headers(void **state)
{
	static const uint8_t line[] = "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
	struct tp_prelude *pre = tp_prelude_new(true, 'C');
	enum tp_prelude_step step = TP_PRELUDE_MORE;
	size_t fed = 0;

	(void)state;
	tp_prelude_read(pre, true, BYTES("CONNECT a:1 HTTP/1.1\r\n"), &step);
	while (step == TP_PRELUDE_MORE && fed <= 2 * TP_PRELUDE_MAX) {
		tp_prelude_read(pre, true, line, sizeof(line) - 1, &step);
		fed += sizeof(line) - 1;
	}
	assert_int_equal(step, TP_PRELUDE_NOT_OURS);
	assert_true(fed <= TP_PRELUDE_MAX + sizeof(line));
	tp_prelude_free(pre);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tunnel_exchanges),
		cmocka_unit_test(test_tunnel_answer_first),
		cmocka_unit_test(test_tunnel_endless_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
