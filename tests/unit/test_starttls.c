/*
 * Unit tests of starttls.c: the protocol names, and each prelude run
 * against a scripted peer on a socket pair (a TCP pair where a reset is
 * needed). The peer writes its replies in pieces cut at odd places, and
 * puts the first bytes of "TLS" in the same write as its go-ahead: the
 * prelude must leave them unread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
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

#include "starttls.h"
#include "tlsprobe.h"

/* ---- names and ports ---- */

static const struct {
	const char *name;
	enum tp_starttls proto;
	unsigned port;
} names[] = {
	{"smtp", TP_STARTTLS_SMTP, 25},
	{"imap", TP_STARTTLS_IMAP, 143},
	{"pop3", TP_STARTTLS_POP3, 110},
	{"ftp", TP_STARTTLS_FTP, 21},
	{"xmpp", TP_STARTTLS_XMPP, 5222},
	{"postgres", TP_STARTTLS_POSTGRES, 5432},
	{"ldap", TP_STARTTLS_LDAP, 389},
};

static void test_starttls_names(void **state)
{
	enum tp_starttls p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		p = TP_STARTTLS_NONE;
		assert_int_equal(tp_starttls_parse(names[i].name, &p), 0);
		assert_int_equal(p, names[i].proto);
		assert_string_equal(tp_starttls_name(p), names[i].name);
		assert_int_equal(tp_starttls_default_port(p), names[i].port);
	}
}

static void test_starttls_parse_refuses(void **state)
{
	static const char *const bad[] = {"", "SMTP", "smtps", "none",
					  "gopher", "imap ", "postgresql"};
	enum tp_starttls p = TP_STARTTLS_SMTP;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tp_starttls_parse(bad[i], &p) != -1)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(tp_starttls_parse(NULL, &p), -1);
	assert_int_equal(p, TP_STARTTLS_SMTP); /* untouched */
	assert_int_equal(tp_starttls_default_port((enum tp_starttls)99), 0);
}

/* ---- the scripted peer ---- */

enum act {
	SEND,    /* write the bytes (one write), then pause a moment */
	EXPECT,  /* read exactly these bytes from the client */
	HOLD,    /* say nothing until the client leaves */
	HANGUP,  /* close our end (FIN) */
	RESET,   /* close our end with a reset (TCP pair only) */
};

struct action {
	enum act act;
	const char *bytes;
	size_t len;
};

#define S(lit) {SEND, lit, sizeof(lit) - 1}
#define E(lit) {EXPECT, lit, sizeof(lit) - 1}
#define END_SCRIPT {HANGUP, NULL, 0}

/* The first bytes of a ClientHello's answer that follow a go-ahead. */
#define TLS_BYTES "\x16\x03\x03\x00\x7a"

struct peer {
	int fd;
	const struct action *script;
	char error[256];
	pthread_t thread;
};

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	const struct action *a;
	char buf[512];
	size_t got;
	ssize_t n;

	for (a = p->script; p->fd >= 0; a++) {
		switch (a->act) {
		case SEND:
			if (write(p->fd, a->bytes, a->len) != (ssize_t)a->len) {
				snprintf(p->error, sizeof(p->error), "write: %s",
					 strerror(errno));
				return NULL;
			}
			usleep(3000);
			break;
		case EXPECT:
			for (got = 0; got < a->len; got += (size_t)n) {
				struct pollfd pfd = {.fd = p->fd,
						     .events = POLLIN};

				if (poll(&pfd, 1, 3000) != 1 ||
				    (n = read(p->fd, buf + got,
					      a->len - got)) <= 0) {
					snprintf(p->error, sizeof(p->error),
						 "no '%.*s' from the client",
						 (int)a->len, a->bytes);
					return NULL;
				}
			}
			if (memcmp(buf, a->bytes, a->len) != 0) {
				snprintf(p->error, sizeof(p->error), "client "
					 "sent '%.*s', expected '%.*s'",
					 (int)a->len, buf, (int)a->len,
					 a->bytes);
				return NULL;
			}
			break;
		case HOLD:
			while (read(p->fd, buf, sizeof(buf)) > 0)
				;
			break;
		case RESET:
			setsockopt(p->fd, SOL_SOCKET, SO_LINGER,
				   &(struct linger){1, 0},
				   sizeof(struct linger));
			/* fall through */
		case HANGUP:
			close(p->fd);
			p->fd = -1;
			break;
		}
	}
	return NULL;
}

/* A connected TCP pair on loopback, for a real reset. */
static void tcp_pair(int fds[2])
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(l >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fds[0], (struct sockaddr *)&sa, len), 0);
	fds[1] = accept(l, NULL, NULL);
	assert_true(fds[1] >= 0);
	close(l);
}

struct prelude_case {
	const char *name;
	enum tp_starttls proto;
	const struct action *script;
	enum tp_starttls_status status;
	const char *step;      /* the step it ended at */
	const char *reply;     /* a part of the reply kept, or NULL */
	const char *describe;  /* a part of the description, or NULL */
	bool tls_follows;      /* TLS_BYTES must still be there to read */
	bool nonblocking;      /* the client's socket is O_NONBLOCK */
	bool tcp;              /* a TCP pair instead of a socket pair */
	double timeout_ms;     /* 0: 3000 */
};

static void run_case(const struct prelude_case *c)
{
	struct tp_starttls_result res;
	struct peer peer = {.script = c->script};
	char line[512], after[sizeof(TLS_BYTES)];
	int fds[2], rc;
	size_t got = 0;
	ssize_t n;

	if (c->tcp)
		tcp_pair(fds);
	else
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	if (c->nonblocking)
		fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	peer.fd = fds[1];
	assert_int_equal(pthread_create(&peer.thread, NULL, peer_main, &peer),
			 0);
	rc = tp_starttls_run(fds[0], c->proto, "xmpp.test",
			     tp_now_ms() + (c->timeout_ms > 0 ? c->timeout_ms
							      : 3000), NULL, &res);
	tp_starttls_describe(&res, c->proto, line, sizeof(line));
	if (c->tls_follows) {
		while (got < sizeof(TLS_BYTES) - 1) {
			struct pollfd pfd = {.fd = fds[0], .events = POLLIN};

			if (poll(&pfd, 1, 2000) != 1)
				break;
			n = read(fds[0], after + got,
				 sizeof(TLS_BYTES) - 1 - got);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
	}
	close(fds[0]);
	pthread_join(peer.thread, NULL);
	if (peer.fd >= 0)
		close(peer.fd);

	if (peer.error[0] != '\0')
		fail_msg("%s: peer: %s (client: %s)", c->name, peer.error,
			 line);
	if (res.status != c->status)
		fail_msg("%s: status %d, expected %d: %s", c->name, res.status,
			 c->status, line);
	assert_int_equal(rc, c->status == TP_STARTTLS_OK ? 0 : -1);
	if (strcmp(res.step, c->step) != 0)
		fail_msg("%s: step '%s', expected '%s'", c->name, res.step,
			 c->step);
	if (c->reply != NULL && strstr(res.reply, c->reply) == NULL)
		fail_msg("%s: reply '%s' lacks '%s'", c->name, res.reply,
			 c->reply);
	if (c->describe != NULL && strstr(line, c->describe) == NULL)
		fail_msg("%s: description '%s' lacks '%s'", c->name, line,
			 c->describe);
	if (strchr(line, '\033') != NULL || strchr(line, '\r') != NULL ||
	    strchr(line, '\n') != NULL)
		fail_msg("%s: description not one clean line: %s", c->name,
			 line);
	if (c->tls_follows &&
	    (got != sizeof(TLS_BYTES) - 1 ||
	     memcmp(after, TLS_BYTES, sizeof(TLS_BYTES) - 1) != 0))
		fail_msg("%s: the bytes after the go-ahead were read (%zu of "
			 "%zu left)", c->name, got, sizeof(TLS_BYTES) - 1);
}

/* ---- the scripts ---- */

static const struct action smtp_ok[] = {
	S("22"), S("0 mx.test ESMTP\r"), S("\n"),
	E("EHLO tlsprobe.invalid\r\n"),
	S("250-mx.test\r\n250-PIPELI"), S("NING\r"),
	S("\n250-STARTTLS\r\n250-SIZE 100"), S("\r\n250 8BITMIME\r\n"),
	E("STARTTLS\r\n"),
	S("220 2.0.0 go ahead\r\n" TLS_BYTES),
	END_SCRIPT,
};

static const struct action smtp_multiline_greeting[] = {
	S("220-mx.test ESMTP\r\n220-no UCE\r\n220 ready\r\n"),
	E("EHLO tlsprobe.invalid\r\n"),
	S("250-mx.test\r\n250 starttls\r\n"),
	E("STARTTLS\r\n"),
	S("220 go ahead\n" TLS_BYTES),
	END_SCRIPT,
};

static const struct action smtp_nocap[] = {
	S("220 mx.test ESMTP\r\n"),
	E("EHLO tlsprobe.invalid\r\n"),
	S("250-mx.test hello\r\n250-STARTTLSX\r\n250 SIZE\r\n"),
	END_SCRIPT,
};

static const struct action smtp_busy[] = {
	S("421 4.3.2 too busy\r\n"),
	END_SCRIPT,
};

static const struct action smtp_refused[] = {
	S("220 mx.test ESMTP\r\n"),
	E("EHLO tlsprobe.invalid\r\n"),
	S("250-mx.test\r\n250 STARTTLS\r\n"),
	E("STARTTLS\r\n"),
	S("454 4.7.0 TLS not available\r\n"),
	END_SCRIPT,
};

static const struct action smtp_escape[] = {
	S("220 mx.test ESMTP\r\n"),
	E("EHLO tlsprobe.invalid\r\n"),
	S("250-mx.test\r\n250 STARTTLS\r\n"),
	E("STARTTLS\r\n"),
	S("454 4.7.0 \033[31mTLS not available\r\n"),
	END_SCRIPT,
};

static const struct action smtp_tls_record[] = {
	S("\x16\x03\x01\x00\x05hello\n"),
	END_SCRIPT,
};

static const struct action smtp_closed[] = {
	S("220 mx.test ESMTP\r\n"),
	E("EHLO tlsprobe.invalid\r\n"),
	S("250-mx.te"),
	END_SCRIPT,
};

static const struct action smtp_reset[] = {
	S("220 mx.test ESMTP\r\n"),
	E("EHLO tlsprobe.invalid\r\n"),
	{RESET, NULL, 0},
};

static const struct action smtp_silent[] = {
	S("220 mx.test ESMTP\r\n"),
	E("EHLO tlsprobe.invalid\r\n"),
	{HOLD, NULL, 0},
	END_SCRIPT,
};

static char long_line[5000];
static const struct action smtp_long_line[] = {
	{SEND, long_line, sizeof(long_line)},
	END_SCRIPT,
};

static const struct action imap_ok[] = {
	S("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"),
	E("a1 STARTTLS\r\n"),
	S("* CAPABILITY IMAP4rev1 STARTTLS\r\n"),
	S("a1 OK Begin TLS\r\n" TLS_BYTES),
	END_SCRIPT,
};

static const struct action imap_no[] = {
	S("* OK ready\r\n"),
	E("a1 STARTTLS\r\n"),
	S("a1 NO not now\r\n"),
	END_SCRIPT,
};

static const struct action imap_preauth[] = {
	S("* PREAUTH logged in already\r\n"),
	END_SCRIPT,
};

static const struct action pop3_ok[] = {
	S("+OK pop.test"), S(" ready\r\n"),
	E("STLS\r\n"),
	S("+OK Begin TLS\r\n" TLS_BYTES),
	END_SCRIPT,
};

static const struct action pop3_err[] = {
	S("+OK pop.test ready\r\n"),
	E("STLS\r\n"),
	S("-ERR command not understood\r\n"),
	END_SCRIPT,
};

static const struct action ftp_ok[] = {
	S("220-welcome\r\n"), S("some text, not a reply line\r\n220"),
	S(" ready\r\n"),
	E("AUTH TLS\r\n"),
	S("234 AUTH TLS ok\r\n" TLS_BYTES),
	END_SCRIPT,
};

static const struct action ftp_502[] = {
	S("220 ready\r\n"),
	E("AUTH TLS\r\n"),
	S("502 Command not implemented\r\n"),
	END_SCRIPT,
};

#define XMPP_OPEN                                                         \
	"<?xml version='1.0'?><stream:stream to='xmpp.test' "                \
	"xmlns='jabber:client' "                                             \
	"xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
#define XMPP_HEADER                                                       \
	"<?xml version='1.0'?><stream:stream from='xmpp.test' id='x' "       \
	"version='1.0' xmlns='jabber:client' "                               \
	"xmlns:stream='http://etherx.jabber.org/streams'>"

static const struct action xmpp_ok[] = {
	E(XMPP_OPEN),
	S(XMPP_HEADER "<stream:feat"),
	S("ures><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
	  "<mechanism>PLAIN</mechanism></mechanisms>"
	  "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"),
	S("<required/></starttls></stream:features>"),
	E("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
	S("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" TLS_BYTES),
	END_SCRIPT,
};

static const struct action xmpp_failure[] = {
	E(XMPP_OPEN),
	S(XMPP_HEADER "<stream:features><starttls "
	  "xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>"),
	E("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
	S("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
	  "</stream:stream>"),
	END_SCRIPT,
};

static const struct action xmpp_no_feature[] = {
	E(XMPP_OPEN),
	S(XMPP_HEADER "<stream:features><bind "
	  "xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"),
	END_SCRIPT,
};

#define SSL_REQUEST "\x00\x00\x00\x08\x04\xd2\x16\x2f"

static const struct action postgres_ok[] = {
	{EXPECT, SSL_REQUEST, 8},
	S("S" TLS_BYTES),
	END_SCRIPT,
};

static const struct action postgres_n[] = {
	{EXPECT, SSL_REQUEST, 8},
	S("N"),
	END_SCRIPT,
};

static const struct action postgres_e[] = {
	{EXPECT, SSL_REQUEST, 8},
	S("E\x00\x00\x00\x30SFATAL\0Munsupported frontend protocol\0\0"),
	END_SCRIPT,
};

#define LDAP_REQUEST                                                      \
	"\x30\x1d\x02\x01\x01\x77\x18\x80\x16" "1.3.6.1.4.1.1466.20037"

static const struct action ldap_ok[] = {
	{EXPECT, LDAP_REQUEST, 31},
	/* LDAPMessage { 1, extendedResp { success, "", "",
	 * responseName } }, the length in long form */
	S("\x30\x81\x24\x02\x01\x01\x78\x1f"),
	S("\x0a\x01\x00\x04\x00\x04\x00\x8a\x16" "1.3.6.1.4.1.1466.20037"
	  TLS_BYTES),
	END_SCRIPT,
};

static const struct action ldap_protocol_error[] = {
	{EXPECT, LDAP_REQUEST, 31},
	/* resultCode 2, diagnosticMessage "no TLS here" */
	S("\x30\x17\x02\x01\x01\x78\x12\x0a\x01\x02\x04\x00\x04\x0b"
	  "no TLS here"),
	END_SCRIPT,
};

static const struct action ldap_not_ber[] = {
	{EXPECT, LDAP_REQUEST, 31},
	S("HTTP/1.1 400 Bad Request\r\n\r\n"),
	END_SCRIPT,
};

static const struct prelude_case cases[] = {
	{"smtp, EHLO reply split at odd places", TP_STARTTLS_SMTP, smtp_ok,
	 TP_STARTTLS_OK, "STARTTLS", "220 2.0.0 go ahead", "agreed", true,
	 false, false, 0},
	{"smtp, multi-line greeting, lower-case keyword",
	 TP_STARTTLS_SMTP, smtp_multiline_greeting, TP_STARTTLS_OK,
	 "STARTTLS", "220 go ahead", NULL, true, true, false, 0},
	{"smtp, no STARTTLS in the EHLO reply", TP_STARTTLS_SMTP,
	 smtp_nocap, TP_STARTTLS_REFUSED, "EHLO", "250-mx.test",
	 "does not offer STARTTLS", false, false, false, 0},
	{"smtp, 421 greeting", TP_STARTTLS_SMTP, smtp_busy,
	 TP_STARTTLS_BUSY, "greeting", "421 4.3.2", "busy", false, false,
	 false, 0},
	{"smtp, an escape sequence in a reply: not text, and defused",
	 TP_STARTTLS_SMTP, smtp_escape, TP_STARTTLS_PROTOCOL, "STARTTLS",
	 "454",
	 "\\x1b[31mTLS not available", false, false, false, 0},
	{"smtp, 454 to STARTTLS", TP_STARTTLS_SMTP, smtp_refused,
	 TP_STARTTLS_REFUSED, "STARTTLS", "454 4.7.0 TLS not available",
	 "refused STARTTLS at STARTTLS", false, false, false, 0},
	{"smtp, a TLS record as the greeting", TP_STARTTLS_SMTP,
	 smtp_tls_record, TP_STARTTLS_PROTOCOL, "greeting", NULL,
	 "drop --starttls", false, false, false, 0},
	{"smtp, closed in the middle of a reply", TP_STARTTLS_SMTP,
	 smtp_closed, TP_STARTTLS_CLOSED, "EHLO", "250-mx.te", "closed",
	 false, false, false, 0},
	{"smtp, reset after EHLO", TP_STARTTLS_SMTP, smtp_reset,
	 TP_STARTTLS_RESET, "EHLO", NULL, "reset", false, false, true, 0},
	{"smtp, silence after EHLO", TP_STARTTLS_SMTP, smtp_silent,
	 TP_STARTTLS_TIMEOUT, "EHLO", NULL, "timed out", false, true, false,
	 150},
	{"smtp, a line over 4 KiB", TP_STARTTLS_SMTP, smtp_long_line,
	 TP_STARTTLS_PROTOCOL, "greeting", "220 xxxx", "not SMTP", false,
	 false, false, 0},
	{"imap, untagged CAPABILITY, then OK", TP_STARTTLS_IMAP, imap_ok,
	 TP_STARTTLS_OK, "STARTTLS", "a1 OK", NULL, true, false, false, 0},
	{"imap, NO", TP_STARTTLS_IMAP, imap_no, TP_STARTTLS_REFUSED,
	 "STARTTLS", "a1 NO not now", "refused STARTTLS", false, false,
	 false, 0},
	{"imap, PREAUTH greeting", TP_STARTTLS_IMAP, imap_preauth,
	 TP_STARTTLS_REFUSED, "greeting", "* PREAUTH", NULL, false, false,
	 false, 0},
	{"pop3, STLS", TP_STARTTLS_POP3, pop3_ok, TP_STARTTLS_OK, "STLS",
	 "+OK Begin TLS", NULL, true, true, false, 0},
	{"pop3, -ERR", TP_STARTTLS_POP3, pop3_err, TP_STARTTLS_REFUSED,
	 "STLS", "-ERR command not understood", "POP3 server refused",
	 false, false, false, 0},
	{"ftp, multi-line greeting, AUTH TLS", TP_STARTTLS_FTP, ftp_ok,
	 TP_STARTTLS_OK, "AUTH TLS", "234", NULL, true, false, false, 0},
	{"ftp, 502", TP_STARTTLS_FTP, ftp_502, TP_STARTTLS_REFUSED,
	 "AUTH TLS", "502", NULL, false, false, false, 0},
	{"xmpp, features in pieces, proceed", TP_STARTTLS_XMPP, xmpp_ok,
	 TP_STARTTLS_OK, "starttls", "<proceed", NULL, true, false, false,
	 0},
	{"xmpp, failure", TP_STARTTLS_XMPP, xmpp_failure,
	 TP_STARTTLS_REFUSED, "starttls", "<failure", NULL, false, false,
	 false, 0},
	{"xmpp, no starttls feature", TP_STARTTLS_XMPP, xmpp_no_feature,
	 TP_STARTTLS_REFUSED, "features", NULL, "does not offer STARTTLS",
	 false, false, false, 0},
	{"postgres, S", TP_STARTTLS_POSTGRES, postgres_ok, TP_STARTTLS_OK,
	 "SSLRequest", "S", NULL, true, true, false, 0},
	{"postgres, N", TP_STARTTLS_POSTGRES, postgres_n,
	 TP_STARTTLS_REFUSED, "SSLRequest", "N", "refused", false, false,
	 false, 0},
	{"postgres, E", TP_STARTTLS_POSTGRES, postgres_e,
	 TP_STARTTLS_PROTOCOL, "SSLRequest", "E", "not PostgreSQL", false,
	 false, false, 0},
	{"ldap, success in long-form BER", TP_STARTTLS_LDAP, ldap_ok,
	 TP_STARTTLS_OK, "StartTLS request", "resultCode 0", NULL, true,
	 false, false, 0},
	{"ldap, protocolError", TP_STARTTLS_LDAP, ldap_protocol_error,
	 TP_STARTTLS_REFUSED, "StartTLS request",
	 "resultCode 2 (protocolError): no TLS here", NULL, false, false,
	 false, 0},
	{"ldap, not BER", TP_STARTTLS_LDAP, ldap_not_ber,
	 TP_STARTTLS_PROTOCOL, "StartTLS request", "HTTP/1.1 400", NULL,
	 false, false, false, 0},
};

/* One test per case, named after it. */
static void test_starttls_prelude(void **state)
{
	run_case(*state);
}

static void test_starttls_none_is_ready(void **state)
{
	struct tp_starttls_result res;

	(void)state;
	assert_int_equal(tp_starttls_run(-1, TP_STARTTLS_NONE, NULL,
					 tp_now_ms() + 1000, NULL, &res), 0);
	assert_int_equal(res.status, TP_STARTTLS_OK);
}

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

int main(void)
{
	struct CMUnitTest tests[3 + N_CASES] = {
		cmocka_unit_test(test_starttls_names),
		cmocka_unit_test(test_starttls_parse_refuses),
		cmocka_unit_test(test_starttls_none_is_ready),
	};
	size_t i;

	memset(long_line, 'x', sizeof(long_line));
	memcpy(long_line, "220 ", 4);
	for (i = 0; i < N_CASES; i++) {
		struct CMUnitTest t = cmocka_unit_test_prestate(
			test_starttls_prelude, (void *)&cases[i]);

		t.name = cases[i].name;
		tests[3 + i] = t;
	}
	return _cmocka_run_group_tests("starttls", tests, 3 + N_CASES, NULL,
				       NULL);
}
