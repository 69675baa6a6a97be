/*
 * The plaintext preludes that come before TLS on a STARTTLS port. Each
 * reads no further than the server's "go ahead": the bytes after it are
 * the TLS stream, so lines are taken with MSG_PEEK up to their end and
 * binary messages byte-exact.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "net.h"
#include "starttls.h"

/* One reply line, one XMPP tag, one LDAP message. */
#define MAX_UNIT 4096
/* Everything one prelude may read: a server that talks on and on is not
 * heading for TLS. */
#define MAX_TOTAL 65536

/* RFC 4511 section 4.14.1: the StartTLS extended operation's OID. */
#define LDAP_STARTTLS_OID "1.3.6.1.4.1.1466.20037"

static const struct {
	const char *name;
	const char *display;
	unsigned port;
} protocols[] = {
	[TP_STARTTLS_NONE] = {"none", "plain", 0},
	[TP_STARTTLS_SMTP] = {"smtp", "SMTP", 25},
	[TP_STARTTLS_IMAP] = {"imap", "IMAP", 143},
	[TP_STARTTLS_POP3] = {"pop3", "POP3", 110},
	[TP_STARTTLS_FTP] = {"ftp", "FTP", 21},
	[TP_STARTTLS_XMPP] = {"xmpp", "XMPP", 5222},
	[TP_STARTTLS_POSTGRES] = {"postgres", "PostgreSQL", 5432},
	[TP_STARTTLS_LDAP] = {"ldap", "LDAP", 389},
};

#define N_PROTOCOLS (sizeof(protocols) / sizeof(protocols[0]))

int tp_starttls_parse(const char *name, enum tp_starttls *out)
{
	size_t i;

	for (i = TP_STARTTLS_SMTP; name != NULL && i < N_PROTOCOLS; i++)
		if (strcmp(protocols[i].name, name) == 0) {
			*out = (enum tp_starttls)i;
			return 0;
		}
	return -1;
}

const char *tp_starttls_name(enum tp_starttls proto)
{
	if ((unsigned)proto >= N_PROTOCOLS)
		return "?";
	return protocols[proto].name;
}

unsigned tp_starttls_default_port(enum tp_starttls proto)
{
	if ((unsigned)proto >= N_PROTOCOLS)
		return 0;
	return protocols[proto].port;
}

static const char *display(enum tp_starttls proto)
{
	if ((unsigned)proto >= N_PROTOCOLS)
		return "?";
	return protocols[proto].display;
}

/* One prelude in progress. */
struct conv {
	int fd;
	double deadline;
	volatile sig_atomic_t *stop;
	struct tp_starttls_result *res;
	size_t total;                /* bytes read so far */
	unsigned char unit[MAX_UNIT + 1]; /* the last line, tag or message */
	size_t len;
};

static void step(struct conv *c, const char *name)
{
	snprintf(c->res->step, sizeof(c->res->step), "%s", name);
}

/* Keeps the raw bytes of a reply up to its first line end. */
static void keep_reply(struct conv *c, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < sizeof(c->res->reply); i++) {
		if (p[i] == '\r' || p[i] == '\n' || p[i] == '\0')
			break;
		c->res->reply[i] = (char)p[i];
	}
	c->res->reply[i] = '\0';
}

static int fail(struct conv *c, enum tp_starttls_status status)
{
	c->res->status = status;
	return -1;
}

static int fail_errno(struct conv *c, int e)
{
	/* anything but a reset (EPIPE: a reset seen on send) ends the
	 * connection just as well; the server is gone either way */
	return fail(c, e == ECONNRESET || e == EPIPE ? TP_STARTTLS_RESET
						     : TP_STARTTLS_CLOSED);
}

/* Waits until the socket is ready for events (POLLIN, POLLOUT), within
 * the conversation's deadline; a stop or the deadline is the failure. */
static int wait_for(struct conv *c, short events)
{
	int w = tp_net_wait_stop(c->fd, events, c->deadline, c->stop);

	if (w == TP_NET_STOPPED)
		return fail(c, TP_STARTTLS_CANCELLED);
	if (w == 0)
		return fail(c, TP_STARTTLS_TIMEOUT);
	if (w < 0)
		return fail_errno(c, errno);
	return 0;
}

static int send_all(struct conv *c, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t k;

	while (n > 0) {
		k = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_for(c, POLLOUT) < 0)
				return -1;
			continue;
		}
		if (k < 0)
			return fail_errno(c, errno);
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int send_text(struct conv *c, const char *text)
{
	return send_all(c, text, strlen(text));
}

/* Waits until something (or the end) can be read. */
static int wait_readable(struct conv *c)
{
	return wait_for(c, POLLIN);
}

/* A control character other than tab, CR, LF: not a text protocol (this
 * also catches a TLS record, 0x16 0x03, where a greeting should be). */
static bool binary(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\r' &&
		     p[i] != '\n') || p[i] == 0x7f)
			return true;
	return false;
}

/*
 * Reads up to and including the next byte end (a line end, or '>' for
 * XMPP) into c->unit, never past it: the buffered bytes are peeked
 * first and only those up to the end are taken. Text only.
 */
static int read_until(struct conv *c, char end)
{
	unsigned char *at;
	const unsigned char *stop;
	size_t room, take;
	ssize_t n;

	c->len = 0;
	for (;;) {
		if (wait_readable(c) < 0)
			goto out;
		room = MAX_UNIT - c->len;
		if (room == 0) {
			keep_reply(c, c->unit, c->len);
			return fail(c, TP_STARTTLS_PROTOCOL);
		}
		at = c->unit + c->len;
		n = recv(c->fd, at, room, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN ||
			      errno == EWOULDBLOCK))
			continue;
		if (n < 0) {
			fail_errno(c, errno);
			goto out;
		}
		if (n == 0) {
			fail(c, TP_STARTTLS_CLOSED);
			goto out;
		}
		stop = memchr(at, end, (size_t)n);
		take = stop != NULL ? (size_t)(stop - at) + 1 : (size_t)n;
		n = recv(c->fd, at, take, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN ||
			      errno == EWOULDBLOCK))
			continue;
		if (n <= 0) {
			fail_errno(c, n < 0 ? errno : 0);
			goto out;
		}
		c->len += (size_t)n;
		c->total += (size_t)n;
		if (binary(at, (size_t)n) || c->total > MAX_TOTAL) {
			keep_reply(c, c->unit, c->len);
			return fail(c, TP_STARTTLS_PROTOCOL);
		}
		if (stop != NULL && (size_t)n == take)
			break;
	}
	c->unit[c->len] = '\0';
	return 0;
out:
	/* what arrived before the end, time-out or reset */
	keep_reply(c, c->unit, c->len);
	return -1;
}

/* One line without its CR LF into c->unit. */
static int read_line(struct conv *c)
{
	if (read_until(c, '\n') < 0)
		return -1;
	while (c->len > 0 && (c->unit[c->len - 1] == '\n' ||
			      c->unit[c->len - 1] == '\r'))
		c->unit[--c->len] = '\0';
	return 0;
}

/* Exactly n bytes into buf. */
static int read_exact(struct conv *c, unsigned char *buf, size_t n)
{
	size_t got = 0;
	ssize_t k;

	while (got < n) {
		if (wait_readable(c) < 0)
			return -1;
		k = recv(c->fd, buf + got, n - got, MSG_DONTWAIT);
		if (k < 0 && (errno == EINTR || errno == EAGAIN ||
			      errno == EWOULDBLOCK))
			continue;
		if (k < 0)
			return fail_errno(c, errno);
		if (k == 0)
			return fail(c, TP_STARTTLS_CLOSED);
		got += (size_t)k;
		c->total += (size_t)k;
	}
	return 0;
}

/* After a binary answer that is not the expected one: keep what else is
 * already there for the report (nothing of TLS follows a refusal). */
static void keep_answer(struct conv *c, const unsigned char *first, size_t n)
{
	unsigned char buf[sizeof(c->res->reply)];
	ssize_t k;

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, first, n);
	k = recv(c->fd, buf + n, sizeof(buf) - 1 - n, MSG_PEEK | MSG_DONTWAIT);
	if (k > 0)
		n += (size_t)k;
	keep_reply(c, buf, n);
	/* keep_reply stops at the first NUL: a binary answer is shown
	 * with its first byte at least */
	if (c->res->reply[0] == '\0' && n > 0)
		snprintf(c->res->reply, sizeof(c->res->reply), "\\x%02x",
			 buf[0]);
}

/* ---- SMTP (RFC 5321, RFC 3207) and FTP (RFC 959, RFC 4217) ---- */

static bool is_code(const unsigned char *p, size_t n)
{
	return n >= 3 && p[0] >= '1' && p[0] <= '5' && p[1] >= '0' &&
	       p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
	       (n == 3 || p[3] == ' ' || p[3] == '-');
}

/* An SMTP extension keyword in a 250 line ("250-STARTTLS"). */
static bool offers_starttls(const unsigned char *line, size_t n)
{
	return n >= 12 && strncasecmp((const char *)line + 4, "STARTTLS",
				      8) == 0 &&
	       (n == 12 || line[12] == ' ');
}

/*
 * Reads one reply, multi-line or not: "ddd-" lines go on until a line
 * that starts "ddd " (RFC 5321 section 4.2.1, RFC 959 section 4.2).
 * *code is its code; the first line is kept as the reply. starttls,
 * when not NULL, says whether a line names the STARTTLS extension.
 */
static int read_coded(struct conv *c, int *code, bool *starttls)
{
	char first[4];
	bool more;

	if (starttls != NULL)
		*starttls = false;
	if (read_line(c) < 0)
		return -1;
	keep_reply(c, c->unit, c->len);
	if (!is_code(c->unit, c->len))
		return fail(c, TP_STARTTLS_PROTOCOL);
	*code = (c->unit[0] - '0') * 100 + (c->unit[1] - '0') * 10 +
		(c->unit[2] - '0');
	memcpy(first, c->unit, 3);
	first[3] = '\0';
	more = c->len > 3 && c->unit[3] == '-';
	while (more) {
		if (starttls != NULL && offers_starttls(c->unit, c->len))
			*starttls = true;
		if (read_line(c) < 0)
			return -1;
		/* FTP allows any text between the first and the last line */
		more = !(c->len >= 3 && memcmp(c->unit, first, 3) == 0 &&
			 (c->len == 3 || c->unit[3] == ' '));
	}
	if (starttls != NULL && offers_starttls(c->unit, c->len))
		*starttls = true;
	return 0;
}

/* The end of a reply that is not the one wanted: 421 is "try later". */
static int refused(struct conv *c, int code)
{
	return fail(c, code == 421 ? TP_STARTTLS_BUSY : TP_STARTTLS_REFUSED);
}

/* The command that asks an SMTP or FTP server for TLS: sent, and its
 * reply's code must be the one wanted. */
static int command(struct conv *c, const char *name, const char *line,
		   int want)
{
	int code;

	step(c, name);
	if (send_text(c, line) < 0 || read_coded(c, &code, NULL) < 0)
		return -1;
	if (code != want)
		return refused(c, code);
	return 0;
}

static int smtp(struct conv *c)
{
	int code;
	bool cap;

	step(c, "greeting");
	if (read_coded(c, &code, NULL) < 0)
		return -1;
	if (code != 220)
		return refused(c, code);
	step(c, "EHLO");
	if (send_text(c, "EHLO tlsprobe.invalid\r\n") < 0 ||
	    read_coded(c, &code, &cap) < 0)
		return -1;
	if (code != 250 || !cap)
		return refused(c, code);
	return command(c, "STARTTLS", "STARTTLS\r\n", 220);
}

static int ftp(struct conv *c)
{
	int code;

	step(c, "greeting");
	if (read_coded(c, &code, NULL) < 0)
		return -1;
	/* 120: "ready in nnn minutes" */
	if (code == 120)
		return fail(c, TP_STARTTLS_BUSY);
	if (code != 220)
		return refused(c, code);
	return command(c, "AUTH TLS", "AUTH TLS\r\n", 234);
}

/* ---- IMAP (RFC 3501 section 6.2.1) and POP3 (RFC 2595 section 4) ---- */

static bool starts_word(const unsigned char *p, size_t n, const char *word)
{
	size_t k = strlen(word);

	return n >= k && strncasecmp((const char *)p, word, k) == 0 &&
	       (n == k || p[k] == ' ');
}

static int imap(struct conv *c)
{
	step(c, "greeting");
	if (read_line(c) < 0)
		return -1;
	keep_reply(c, c->unit, c->len);
	if (starts_word(c->unit, c->len, "* OK"))
		; /* not authenticated: STARTTLS is allowed */
	else if (starts_word(c->unit, c->len, "* PREAUTH") ||
		 starts_word(c->unit, c->len, "* BYE"))
		return fail(c, TP_STARTTLS_REFUSED);
	else
		return fail(c, TP_STARTTLS_PROTOCOL);
	step(c, "STARTTLS");
	if (send_text(c, "a1 STARTTLS\r\n") < 0)
		return -1;
	for (;;) {
		if (read_line(c) < 0)
			return -1;
		keep_reply(c, c->unit, c->len);
		if (starts_word(c->unit, c->len, "* BYE"))
			return fail(c, TP_STARTTLS_REFUSED);
		if (c->len >= 2 && c->unit[0] == '*' && c->unit[1] == ' ')
			continue; /* untagged data, CAPABILITY for one */
		if (starts_word(c->unit, c->len, "a1 OK"))
			return 0;
		if (starts_word(c->unit, c->len, "a1 NO") ||
		    starts_word(c->unit, c->len, "a1 BAD"))
			return fail(c, TP_STARTTLS_REFUSED);
		return fail(c, TP_STARTTLS_PROTOCOL);
	}
}

static int pop3(struct conv *c)
{
	step(c, "greeting");
	if (read_line(c) < 0)
		return -1;
	keep_reply(c, c->unit, c->len);
	if (starts_word(c->unit, c->len, "-ERR"))
		return fail(c, TP_STARTTLS_REFUSED);
	if (!starts_word(c->unit, c->len, "+OK"))
		return fail(c, TP_STARTTLS_PROTOCOL);
	step(c, "STLS");
	if (send_text(c, "STLS\r\n") < 0 || read_line(c) < 0)
		return -1;
	keep_reply(c, c->unit, c->len);
	if (starts_word(c->unit, c->len, "+OK"))
		return 0;
	if (starts_word(c->unit, c->len, "-ERR"))
		return fail(c, TP_STARTTLS_REFUSED);
	return fail(c, TP_STARTTLS_PROTOCOL);
}

/* ---- XMPP (RFC 6120 sections 4 and 5) ---- */

struct tag {
	char local[32];  /* the name without its prefix: "features" */
	bool closing;    /* </name> */
	bool empty;      /* <name/> */
	bool tls_ns;     /* carries the xmpp-tls namespace */
};

/*
 * Reads the next tag, with the text before it (element content, or
 * white-space keep-alives); a declaration or comment is skipped.
 */
static int read_tag(struct conv *c, struct tag *t)
{
	const unsigned char *lt, *name;
	size_t i, k;

	for (;;) {
		if (read_until(c, '>') < 0)
			return -1;
		keep_reply(c, c->unit, c->len);
		lt = memchr(c->unit, '<', c->len);
		if (lt == NULL)
			return fail(c, TP_STARTTLS_PROTOCOL);
		/* text is the content of an element, never what the stream
		 * starts with: the first thing read must be markup */
		for (i = 0; c->total == c->len && c->unit + i < lt; i++)
			if (c->unit[i] != ' ' && c->unit[i] != '\t' &&
			    c->unit[i] != '\r' && c->unit[i] != '\n')
				return fail(c, TP_STARTTLS_PROTOCOL);
		keep_reply(c, lt, c->len - (size_t)(lt - c->unit));
		if (lt[1] == '?' || lt[1] == '!')
			continue;
		memset(t, 0, sizeof(*t));
		name = lt + 1;
		if (*name == '/') {
			t->closing = true;
			name++;
		}
		k = strcspn((const char *)name, " \t\r\n/>");
		/* the local name: a prefix ("stream:") is not part of it */
		for (i = k; i > 0 && name[i - 1] != ':'; i--)
			;
		name += i;
		k -= i;
		if (k == 0 || k >= sizeof(t->local))
			return fail(c, TP_STARTTLS_PROTOCOL);
		memcpy(t->local, name, k);
		t->local[k] = '\0';
		t->empty = c->len >= 2 && c->unit[c->len - 2] == '/';
		t->tls_ns = strstr((const char *)lt,
				   "urn:ietf:params:xml:ns:xmpp-tls") != NULL;
		return 0;
	}
}

/* Writes s into out with XML's five special characters escaped. */
static void xml_escape(const char *s, char *out, size_t size)
{
	size_t used = 0;
	int n;

	out[0] = '\0';
	for (; *s != '\0' && used + 7 < size; s++) {
		switch (*s) {
		case '&': n = snprintf(out + used, size - used, "&amp;"); break;
		case '<': n = snprintf(out + used, size - used, "&lt;"); break;
		case '>': n = snprintf(out + used, size - used, "&gt;"); break;
		case '\'': n = snprintf(out + used, size - used, "&apos;"); break;
		case '"': n = snprintf(out + used, size - used, "&quot;"); break;
		default: n = snprintf(out + used, size - used, "%c", *s); break;
		}
		used += (size_t)n;
	}
}

static int xmpp(struct conv *c, const char *host)
{
	char open[600], to[300];
	struct tag t;
	bool offered = false;

	step(c, "stream");
	xml_escape(host != NULL ? host : "", to, sizeof(to));
	snprintf(open, sizeof(open), "<?xml version='1.0'?><stream:stream "
		 "to='%s' xmlns='jabber:client' "
		 "xmlns:stream='http://etherx.jabber.org/streams' "
		 "version='1.0'>", to);
	if (send_text(c, open) < 0)
		return -1;
	/* the server's stream header, then its features */
	if (read_tag(c, &t) < 0)
		return -1;
	if (strcmp(t.local, "stream") != 0 || t.closing)
		return fail(c, TP_STARTTLS_PROTOCOL);
	step(c, "features");
	for (;;) {
		if (read_tag(c, &t) < 0)
			return -1;
		if (strcmp(t.local, "error") == 0 ||
		    strcmp(t.local, "stream") == 0)
			return fail(c, TP_STARTTLS_REFUSED);
		if (strcmp(t.local, "starttls") == 0 && t.tls_ns && !t.closing)
			offered = true;
		if (strcmp(t.local, "features") == 0 && (t.closing || t.empty))
			break;
	}
	if (!offered)
		return fail(c, TP_STARTTLS_REFUSED);
	step(c, "starttls");
	if (send_text(c, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
	    < 0 || read_tag(c, &t) < 0)
		return -1;
	if (strcmp(t.local, "proceed") == 0 && t.tls_ns)
		return 0;
	if (strcmp(t.local, "failure") == 0 || strcmp(t.local, "error") == 0 ||
	    strcmp(t.local, "stream") == 0)
		return fail(c, TP_STARTTLS_REFUSED);
	return fail(c, TP_STARTTLS_PROTOCOL);
}

/* ---- PostgreSQL (protocol section 53.2.10, SSLRequest) ---- */

static int postgres(struct conv *c)
{
	/* length 8, then the code 1234 5679 */
	static const unsigned char request[8] = {0, 0, 0, 8,
						 0x04, 0xd2, 0x16, 0x2f};
	unsigned char answer;

	step(c, "SSLRequest");
	if (send_all(c, request, sizeof(request)) < 0 ||
	    read_exact(c, &answer, 1) < 0)
		return -1;
	if (answer == 'S') {
		keep_reply(c, &answer, 1);
		return 0;
	}
	keep_answer(c, &answer, 1);
	/* 'E': a server too old for SSLRequest answered with an error */
	return fail(c, answer == 'N' ? TP_STARTTLS_REFUSED
				     : TP_STARTTLS_PROTOCOL);
}

/* ---- LDAP (RFC 4511 sections 4.12, 4.14; BER as in X.690) ---- */

/* Reads one BER element header and value from *p..end. */
static int ber_next(const unsigned char **p, const unsigned char *end,
		    unsigned *tag, const unsigned char **value, size_t *len)
{
	const unsigned char *q = *p;
	size_t n, k;

	if (end - q < 2)
		return -1;
	*tag = *q++;
	n = *q++;
	if (n & 0x80) {
		k = n & 0x7f;
		if (k == 0 || k > 4 || (size_t)(end - q) < k)
			return -1;
		for (n = 0; k > 0; k--)
			n = (n << 8) | *q++;
	}
	if ((size_t)(end - q) < n)
		return -1;
	*value = q;
	*len = n;
	*p = q + n;
	return 0;
}

static const char *ldap_result_name(unsigned code)
{
	switch (code) {
	case 0: return "success";
	case 1: return "operationsError";
	case 2: return "protocolError";
	case 7: return "authMethodNotSupported";
	case 8: return "strongerAuthRequired";
	case 12: return "unavailableCriticalExtension";
	case 13: return "confidentialityRequired";
	case 51: return "busy";
	case 52: return "unavailable";
	case 53: return "unwillingToPerform";
	case 80: return "other";
	default: return "?";
	}
}

static int ldap(struct conv *c)
{
	static const unsigned char request[] = {
		0x30, 0x1d,                   /* LDAPMessage */
		0x02, 0x01, 0x01,             /* messageID 1 */
		0x77, 0x18,                   /* [APPLICATION 23] ExtendedRequest */
		0x80, 0x16,                   /* [0] requestName */
		'1', '.', '3', '.', '6', '.', '1', '.', '4', '.', '1', '.',
		'1', '4', '6', '6', '.', '2', '0', '0', '3', '7',
	};
	unsigned char head[6];
	const unsigned char *p, *end, *v, *op, *op_end;
	size_t len, n, k, diag_len = 0;
	unsigned tag, id = 0, result = 0;
	const unsigned char *diag = NULL;

	_Static_assert(sizeof(request) == 2 + 0x1d, "StartTLS request size");
	_Static_assert(sizeof(LDAP_STARTTLS_OID) - 1 == 0x16, "OID size");
	step(c, "StartTLS request");
	if (send_all(c, request, sizeof(request)) < 0 ||
	    read_exact(c, head, 2) < 0)
		return -1;
	if (head[0] != 0x30) {
		keep_answer(c, head, 2);
		return fail(c, TP_STARTTLS_PROTOCOL);
	}
	n = head[1];
	if (n & 0x80) {
		k = n & 0x7f;
		if (k == 0 || k > 4) {
			keep_answer(c, head, 2);
			return fail(c, TP_STARTTLS_PROTOCOL);
		}
		if (read_exact(c, head + 2, k) < 0)
			return -1;
		for (n = 0; k > 0; k--)
			n = (n << 8) | head[2 + (head[1] & 0x7f) - k];
	}
	if (n > MAX_UNIT) {
		snprintf(c->res->reply, sizeof(c->res->reply), "an LDAP "
			 "message of %zu bytes", n);
		return fail(c, TP_STARTTLS_PROTOCOL);
	}
	if (read_exact(c, c->unit, n) < 0)
		return -1;
	p = c->unit;
	end = c->unit + n;
	/* messageID, then the protocolOp */
	if (ber_next(&p, end, &tag, &v, &len) < 0 || tag != 0x02 ||
	    len == 0 || len > 4)
		goto bad;
	for (k = 0; k < len; k++)
		id = (id << 8) | v[k];
	if (ber_next(&p, end, &tag, &op, &len) < 0 || tag != 0x78)
		goto bad;
	op_end = op + len;
	/* ExtendedResponse: resultCode, matchedDN, diagnosticMessage */
	if (ber_next(&op, op_end, &tag, &v, &len) < 0 || tag != 0x0a ||
	    len == 0 || len > 4)
		goto bad;
	for (k = 0; k < len; k++)
		result = (result << 8) | v[k];
	if (ber_next(&op, op_end, &tag, &v, &len) == 0 && tag == 0x04 &&
	    ber_next(&op, op_end, &tag, &v, &len) == 0 && tag == 0x04) {
		diag = v;
		diag_len = len;
	}
	/* messageID 0 is an unsolicited notification (a Notice of
	 * Disconnection, section 4.4.1): a refusal too */
	if (id != 1 && id != 0)
		goto bad;
	snprintf(c->res->reply, sizeof(c->res->reply), "resultCode %u (%s)%s"
		 "%.*s", result, ldap_result_name(result),
		 diag_len > 0 ? ": " : "",
		 (int)(diag_len <= 160 ? diag_len
					: tp_utf8_prefix((const char *)diag, 160)),
		 diag != NULL ? (const char *)diag : "");
	/* the diagnostic message is the server's text: one line of it */
	keep_reply(c, (const unsigned char *)c->res->reply,
		   strlen(c->res->reply));
	if (id == 1 && result == 0)
		return 0;
	return fail(c, TP_STARTTLS_REFUSED);
bad:
	keep_answer(c, c->unit, n);
	return fail(c, TP_STARTTLS_PROTOCOL);
}

int tp_starttls_run(int fd, enum tp_starttls proto, const char *host,
		    double deadline_ms, volatile sig_atomic_t *stop,
		    struct tp_starttls_result *res)
{
	struct conv *c;
	double t0 = tp_now_ms();
	int rc;

	memset(res, 0, sizeof(*res));
	res->status = TP_STARTTLS_OK;
	if (proto == TP_STARTTLS_NONE)
		return 0;
	/* the unit buffer is too large for a thread's stack */
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(res->step, sizeof(res->step), "start");
		snprintf(res->reply, sizeof(res->reply), "out of memory");
		res->status = TP_STARTTLS_CLOSED;
		return -1;
	}
	c->fd = fd;
	c->deadline = deadline_ms;
	c->stop = stop;
	c->res = res;
	switch (proto) {
	case TP_STARTTLS_SMTP: rc = smtp(c); break;
	case TP_STARTTLS_IMAP: rc = imap(c); break;
	case TP_STARTTLS_POP3: rc = pop3(c); break;
	case TP_STARTTLS_FTP: rc = ftp(c); break;
	case TP_STARTTLS_XMPP: rc = xmpp(c, host); break;
	case TP_STARTTLS_POSTGRES: rc = postgres(c); break;
	case TP_STARTTLS_LDAP: rc = ldap(c); break;
	default: rc = fail(c, TP_STARTTLS_PROTOCOL); break;
	}
	free(c);
	if (rc == 0)
		res->status = TP_STARTTLS_OK;
	res->ms = tp_now_ms() - t0;
	return rc == 0 ? 0 : -1;
}

/* A TLS record header where plaintext was expected: the port speaks
 * TLS from the first byte. */
static bool tls_record(const char *reply)
{
	const unsigned char *p = (const unsigned char *)reply;

	return (p[0] == 0x15 || p[0] == 0x16) && p[1] == 0x03;
}

/* The line of tp_starttls_describe, with the reply sanitised or, for
 * a caller whose report setter sanitises, raw. */
static const char *describe(const struct tp_starttls_result *res,
			    enum tp_starttls proto, bool sanitise, char *buf,
			    unsigned size)
{
	const char *name = display(proto), *step = res->step[0] ? res->step
								  : "start";
	char *reply = sanitise ? tp_sanitize(res->reply, strlen(res->reply))
		      : NULL;
	const char *r = !sanitise ? res->reply : reply != NULL ? reply : "";
	char *line = NULL;
	int n = -1;

	if (size == 0)
		return buf;
	switch (res->status) {
	case TP_STARTTLS_OK:
		n = asprintf(&line, "%s server agreed to start TLS%s%s%s", name,
			     r[0] ? " (" : "", r, r[0] ? ")" : "");
		break;
	case TP_STARTTLS_REFUSED:
		if (proto == TP_STARTTLS_SMTP && strcmp(step, "EHLO") == 0 &&
		    strncmp(r, "250", 3) == 0)
			n = asprintf(&line, "SMTP server does not offer "
				     "STARTTLS: its EHLO reply does not list "
				     "it (%s)", r);
		else if (proto == TP_STARTTLS_XMPP &&
			 strcmp(step, "features") == 0)
			n = asprintf(&line, "XMPP server does not offer "
				     "STARTTLS: no <starttls xmlns='urn:ietf:"
				     "params:xml:ns:xmpp-tls'/> among its "
				     "stream features (last: %s)", r);
		else
			n = asprintf(&line, "%s server refused STARTTLS at %s:"
				     " %s", name, step, r[0] ? r : "(no text)");
		break;
	case TP_STARTTLS_BUSY:
		n = asprintf(&line, "%s server is busy, it refused us for now "
			     "at %s: %s", name, step, r);
		break;
	case TP_STARTTLS_TIMEOUT:
		n = asprintf(&line, "%s server did not answer at %s: timed out "
			     "after %.1f s%s%s", name, step, res->ms / 1000,
			     r[0] ? ", having sent: " : "", r);
		break;
	case TP_STARTTLS_CLOSED:
		n = asprintf(&line, "%s server closed the connection at %s%s%s",
			     name, step, r[0] ? ", having sent: " : "", r);
		break;
	case TP_STARTTLS_RESET:
		n = asprintf(&line, "%s server reset the connection at %s",
			     name, step);
		break;
	case TP_STARTTLS_CANCELLED:
		n = asprintf(&line, "%s prelude cancelled at %s", name, step);
		break;
	case TP_STARTTLS_PROTOCOL:
		if (tls_record(res->reply))
			n = asprintf(&line, "%s server answered at %s with a "
				     "TLS record: this port speaks TLS from "
				     "the first byte (drop --starttls)", name,
				     step);
		else
			n = asprintf(&line, "%s server answered at %s with "
				     "something that is not %s: %s", name,
				     step, name, r[0] ? r : "(binary data)");
		break;
	}
	if (n < 0 || line == NULL)
		snprintf(buf, size, "%s prelude failed at %s", name, step);
	else
		snprintf(buf, size, "%s", line);
	free(line);
	free(reply);
	return buf;
}

const char *tp_starttls_describe(const struct tp_starttls_result *res,
				 enum tp_starttls proto, char *buf,
				 unsigned size)
{
	return describe(res, proto, true, buf, size);
}

const char *tp_starttls_describe_raw(const struct tp_starttls_result *res,
				     enum tp_starttls proto, char *buf,
				     unsigned size)
{
	return describe(res, proto, false, buf, size);
}
