/*
 * Proxy URLs, the environment and no_proxy as curl reads them, and the
 * tunnel's requests and answers over a socket pair: what is sent, how
 * each answer is classed, and that nothing after an answer is taken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "proxy.h"

static void test_proxy_parse_forms(void **state)
{
	static const struct {
		const char *url;
		enum tp_proxy_kind kind;
		const char *host, *user, *pass;
		unsigned port;
		const char *shown;
	} cases[] = {
		{"proxy.test", TP_PROXY_HTTP, "proxy.test", "", "", 1080,
		 "http://proxy.test:1080"},
		{"http://proxy.test:3128/", TP_PROXY_HTTP, "proxy.test", "", "",
		 3128, "http://proxy.test:3128"},
		{"HTTP://u:p%40ss@proxy.test:8080", TP_PROXY_HTTP, "proxy.test",
		 "u", "p@ss", 8080, "http://proxy.test:8080"},
		{"socks5h://[::1]:9050", TP_PROXY_SOCKS5H, "::1", "", "", 9050,
		 "socks5h://[::1]:9050"},
		{"socks4a://me@127.0.0.1", TP_PROXY_SOCKS4A, "127.0.0.1", "me",
		 "", 1080, "socks4a://127.0.0.1:1080"},
		{"socks5://a:b:c@h", TP_PROXY_SOCKS5, "h", "a", "b:c", 1080,
		 "socks5://h:1080"},
		{"socks4://h:1", TP_PROXY_SOCKS4, "h", "", "", 1,
		 "socks4://h:1"},
	};
	struct tp_proxy p;
	struct tp_error err = {0};
	char shown[320];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(tp_proxy_parse(cases[i].url, &p, &err), 0);
		assert_int_equal(p.kind, cases[i].kind);
		assert_string_equal(p.host, cases[i].host);
		assert_string_equal(p.user, cases[i].user);
		assert_string_equal(p.pass, cases[i].pass);
		assert_int_equal(p.port, cases[i].port);
		tp_proxy_url(&p, shown, sizeof(shown));
		assert_string_equal(shown, cases[i].shown);
	}
}

static void test_proxy_parse_bad(void **state)
{
	static const char *const bad[] = {
		"ftp://h", "https://h", "http://", "http://h:0", "http://h:x",
		"http://h:65536", "http://[::1", "http://h/path",
		"http://u:%zz@h", "http://h h", "http://u:%00@h",
	};
	struct tp_proxy p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tp_error err = {0};

		assert_int_equal(tp_proxy_parse(bad[i], &p, &err), -1);
		assert_int_equal(err.kind, TP_ERR_USAGE);
		assert_string_equal(err.option, "proxy");
	}
}

/* An error about a URL with credentials shows no password. */
static void test_proxy_parse_hides_password(void **state)
{
	struct tp_proxy p;
	struct tp_error err = {0};

	(void)state;
	assert_int_equal(tp_proxy_parse("gopher://user:hunter2@h", &p, &err),
			 -1);
	assert_null(strstr(err.message, "hunter2"));
	assert_null(strstr(err.raw, "hunter2"));
	assert_non_null(strstr(err.message, "***@h"));
}

static void test_proxy_bypass_rules(void **state)
{
	static const struct {
		const char *list, *host;
		bool bypass;
	} cases[] = {
		{"*", "anything.test", true},
		{"example.test", "example.test", true},
		{"example.test", "www.example.test", true},
		{"example.test", "notexample.test", false},
		{".example.test", "example.test", true},
		{"EXAMPLE.test", "www.Example.TEST", true},
		{"a.test, example.test", "x.example.test", true},
		{"a.test b.test", "b.test", true},
		{"127.0.0.1", "127.0.0.1", true},
		{"127.0.0.1", "127.0.0.2", false},
		{"10.0.0.0/8,127.0.0.0/8", "127.1.2.3", true},
		{"192.168.0.0/16", "192.169.0.1", false},
		{"::1", "::1", true},
		{"fd00::/8", "fd12::5", true},
		{"fd00::/8", "fe80::1", false},
		{"127.0.0.1", "localhost", false},
		{"", "example.test", false},
		{NULL, "example.test", false},
		{"*.example.test", "www.example.test", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(tp_proxy_bypass(cases[i].list, cases[i].host),
				 cases[i].bypass);
}

static void test_proxy_env_order(void **state)
{
	struct tp_proxy p;
	struct tp_error err = {0};

	(void)state;
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	assert_int_equal(tp_proxy_from_env(&p, &err), 0);
	setenv("ALL_PROXY", "socks5://all.test", 1);
	assert_int_equal(tp_proxy_from_env(&p, &err), 1);
	assert_string_equal(p.host, "all.test");
	setenv("HTTPS_PROXY", "http://upper.test:3128", 1);
	assert_int_equal(tp_proxy_from_env(&p, &err), 1);
	assert_string_equal(p.host, "upper.test");
	setenv("https_proxy", "http://lower.test:3128", 1);
	assert_int_equal(tp_proxy_from_env(&p, &err), 1);
	assert_string_equal(p.host, "lower.test");
	setenv("https_proxy", "bogus://x", 1);
	assert_int_equal(tp_proxy_from_env(&p, &err), -1);
	assert_non_null(strstr(err.message, "https_proxy"));
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
}

/* ---- the tunnel over a socket pair ---- */

/* Runs tp_proxy_open on one end with answer already written on the
 * other; what the proxy received goes into sent. */
static int open_with(const struct tp_proxy *p, const char *host,
		     const void *answer, size_t n, struct tp_proxy_result *res,
		     char *sent, size_t sent_size, int *peer)
{
	int sv[2];
	ssize_t k;
	int rc;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], answer, n), (ssize_t)n);
	rc = tp_proxy_open(sv[0], p, host, NULL, 443, tp_now_ms() + 500, NULL,
			   res);
	k = recv(sv[1], sent, sent_size - 1, MSG_DONTWAIT);
	sent[k > 0 ? k : 0] = '\0';
	*peer = sv[1];
	close(sv[0]);
	return rc;
}

static void test_proxy_connect_answers(void **state)
{
	static const struct {
		const char *answer;
		enum tp_proxy_status status;
		const char *why;
	} cases[] = {
		{"HTTP/1.1 200 Connection established\r\n\r\n",
		 TP_PROXYRES_OK, ""},
		{"HTTP/1.1 407 Proxy Authentication Required\r\n"
		 "Proxy-Authenticate: Basic realm=\"x\"\r\n"
		 "proxy-authenticate: Negotiate\r\n\r\n",
		 TP_PROXYRES_AUTH, "offers Basic, Negotiate"},
		{"HTTP/1.1 403 Forbidden\r\n\r\n", TP_PROXYRES_FORBIDDEN, ""},
		{"HTTP/1.1 502 Bad Gateway\r\n\r\n", TP_PROXYRES_UNREACHABLE,
		 "could not connect"},
		{"HTTP/1.1 504 Gateway Timeout\r\n\r\n",
		 TP_PROXYRES_UNREACHABLE, "timed out"},
		{"HTTP/1.1 405 Method Not Allowed\r\n\r\n",
		 TP_PROXYRES_BAD_ANSWER, "HTTP 405"},
		{"SSH-2.0-OpenSSH_9.2\r\n", TP_PROXYRES_BAD_ANSWER,
		 "SSH server banner"},
		{"\x15\x03\x03\x00\x02\x02\x32", TP_PROXYRES_BAD_ANSWER,
		 "TLS record"},
		{"", TP_PROXYRES_CLOSED, ""},
	};
	struct tp_proxy p;
	struct tp_proxy_result res;
	struct tp_error err = {0};
	char sent[1024];
	size_t i;
	int peer;

	(void)state;
	assert_int_equal(tp_proxy_parse("http://user:pa:ss@proxy.test", &p,
					&err), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int sv[2];

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		assert_int_equal(write(sv[1], cases[i].answer,
				       strlen(cases[i].answer)),
				 (ssize_t)strlen(cases[i].answer));
		if (cases[i].answer[0] == '\0')
			shutdown(sv[1], SHUT_WR);
		tp_proxy_open(sv[0], &p, "server.test", NULL, 443,
			      tp_now_ms() + 500, NULL, &res);
		assert_int_equal(res.status, cases[i].status);
		assert_non_null(strstr(res.why, cases[i].why));
		assert_int_equal(recv(sv[1], sent, sizeof(sent) - 1,
				      MSG_DONTWAIT) > 0, 1);
		close(sv[0]);
		close(sv[1]);
	}
	/* the request: the target, Host, and the credentials in base64
	 * (user:pa:ss), which no result holds */
	open_with(&p, "server.test", "HTTP/1.0 200 OK\r\n\r\n", 19, &res, sent,
		  sizeof(sent), &peer);
	close(peer);
	assert_non_null(strstr(sent, "CONNECT server.test:443 HTTP/1.1\r\n"
			       "Host: server.test:443\r\n"));
	assert_non_null(strstr(sent, "Proxy-Authorization: Basic "
			       "dXNlcjpwYTpzcw==\r\n"));
	assert_null(strstr(res.answer, "pa:ss"));
}

/* What the server sends right after the proxy's answer stays unread. */
static void test_proxy_keeps_bytes_after_answer(void **state)
{
	static const char answer[] = "HTTP/1.1 200 OK\r\nVia: x\r\n\r\n\x16\x03";
	static const unsigned char socks[] = {5, 0, 5, 0, 0, 1, 1, 2, 3, 4, 1,
					      187, 0x16, 0x03};
	struct tp_proxy p;
	struct tp_proxy_result res;
	struct tp_error err = {0};
	char sent[1024];
	unsigned char rest[8];
	int peer, fds[2];

	(void)state;
	assert_int_equal(tp_proxy_parse("http://h", &p, &err), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	assert_int_equal(write(fds[1], answer, sizeof(answer) - 1),
			 (ssize_t)sizeof(answer) - 1);
	assert_int_equal(tp_proxy_open(fds[0], &p, "t", NULL, 443,
				       tp_now_ms() + 500, NULL, &res), 0);
	assert_int_equal(recv(fds[0], rest, sizeof(rest), MSG_DONTWAIT), 2);
	assert_int_equal(rest[0], 0x16);
	close(fds[0]);
	close(fds[1]);

	assert_int_equal(tp_proxy_parse("socks5h://h", &p, &err), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	assert_int_equal(write(fds[1], socks, sizeof(socks)),
			 (ssize_t)sizeof(socks));
	assert_int_equal(tp_proxy_open(fds[0], &p, "t", NULL, 443,
				       tp_now_ms() + 500, NULL, &res), 0);
	assert_int_equal(recv(fds[0], rest, sizeof(rest), MSG_DONTWAIT), 2);
	assert_int_equal(rest[0], 0x16);
	/* the request: no authentication offered, then ATYP 3 "t" :443 */
	assert_int_equal(recv(fds[1], sent, sizeof(sent), MSG_DONTWAIT),
			 3 + 6 + 2);
	assert_memory_equal(sent, "\x05\x01\x00\x05\x01\x00\x03\x01t\x01\xbb",
			    11);
	close(fds[0]);
	close(fds[1]);
	(void)peer;
}

static void test_proxy_socks_replies(void **state)
{
	static const struct {
		unsigned char rep;
		enum tp_proxy_status status;
		const char *why;
	} cases[] = {
		{1, TP_PROXYRES_UNREACHABLE, "general SOCKS server failure"},
		{2, TP_PROXYRES_FORBIDDEN, "connection not allowed by ruleset"},
		{3, TP_PROXYRES_UNREACHABLE, "network unreachable"},
		{4, TP_PROXYRES_UNREACHABLE, "host unreachable"},
		{5, TP_PROXYRES_UNREACHABLE, "connection refused"},
		{6, TP_PROXYRES_UNREACHABLE, "TTL expired"},
		{7, TP_PROXYRES_BAD_ANSWER, "command not supported"},
		{8, TP_PROXYRES_UNREACHABLE, "address type not supported"},
	};
	struct tp_proxy p;
	struct tp_proxy_result res;
	struct tp_error err = {0};
	char sent[64];
	size_t i;
	int peer;

	(void)state;
	assert_int_equal(tp_proxy_parse("socks5h://h", &p, &err), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char a[] = {5, 0, 5, cases[i].rep, 0, 1, 0, 0, 0, 0,
				     0, 0};

		assert_int_equal(open_with(&p, "t", a, sizeof(a), &res, sent,
					   sizeof(sent), &peer), -1);
		close(peer);
		assert_int_equal(res.status, cases[i].status);
		assert_string_equal(res.why, cases[i].why);
	}
	/* no acceptable method; a refused password (RFC 1929) */
	assert_int_equal(open_with(&p, "t", "\x05\xff", 2, &res, sent,
				   sizeof(sent), &peer), -1);
	close(peer);
	assert_int_equal(res.status, TP_PROXYRES_AUTH);
	assert_int_equal(tp_proxy_parse("socks5h://u:secret@h", &p, &err), 0);
	assert_int_equal(open_with(&p, "t", "\x05\x02\x01\x01", 4, &res, sent,
				   sizeof(sent), &peer), -1);
	close(peer);
	assert_int_equal(res.status, TP_PROXYRES_AUTH);
	assert_null(strstr(res.why, "secret"));
	/* SOCKS4a: 91 is a refusal */
	assert_int_equal(tp_proxy_parse("socks4a://h", &p, &err), 0);
	assert_int_equal(open_with(&p, "t", "\x00\x5b\0\0\0\0\0\0", 8, &res,
				   sent, sizeof(sent), &peer), -1);
	close(peer);
	assert_int_equal(res.status, TP_PROXYRES_FORBIDDEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proxy_parse_forms),
		cmocka_unit_test(test_proxy_parse_bad),
		cmocka_unit_test(test_proxy_parse_hides_password),
		cmocka_unit_test(test_proxy_bypass_rules),
		cmocka_unit_test(test_proxy_env_order),
		cmocka_unit_test(test_proxy_connect_answers),
		cmocka_unit_test(test_proxy_keeps_bytes_after_answer),
		cmocka_unit_test(test_proxy_socks_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
