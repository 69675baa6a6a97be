/*
 * Proxies: proxy URLs and the environment as curl reads them, the
 * tunnel through an HTTP CONNECT (RFC 9110 section 9.3.6), SOCKS4/4a or
 * SOCKS5 (RFC 1928, RFC 1929) proxy, and the findings of a tunnel that
 * failed (PROXY_*, but PROXY_TUNNEL_CLOSED: diag.c).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "diag.h"
#include "proxy.h"

/* An HTTP answer's head is read whole or not at all: no proxy sends
 * more than this before the blank line. */
#define MAX_HEAD 8192

static const struct {
	const char *scheme;
	enum tp_proxy_kind kind;
} schemes[] = {
	{"http", TP_PROXY_HTTP},       {"socks4", TP_PROXY_SOCKS4},
	{"socks4a", TP_PROXY_SOCKS4A}, {"socks5", TP_PROXY_SOCKS5},
	{"socks5h", TP_PROXY_SOCKS5H},
};

const char *tp_proxy_kind_name(enum tp_proxy_kind kind)
{
	switch (kind) {
	case TP_PROXY_HTTP: return "connect";
	case TP_PROXY_SOCKS4: return "socks4";
	case TP_PROXY_SOCKS4A: return "socks4a";
	case TP_PROXY_SOCKS5: return "socks5";
	case TP_PROXY_SOCKS5H: return "socks5h";
	case TP_PROXY_NONE: break;
	}
	return "none";
}

static const char *scheme_of(enum tp_proxy_kind kind)
{
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (schemes[i].kind == kind)
			return schemes[i].scheme;
	return "?";
}

void tp_proxy_url(const struct tp_proxy *p, char *buf, size_t size)
{
	bool v6 = strchr(p->host, ':') != NULL;

	snprintf(buf, size, "%s://%s%s%s:%u", scheme_of(p->kind),
		 v6 ? "[" : "", p->host, v6 ? "]" : "", p->port);
}

void tp_proxy_name(const struct tp_proxy *p, char *buf, size_t size)
{
	bool v6 = strchr(p->host, ':') != NULL;

	snprintf(buf, size, "the %s proxy %s%s%s:%u",
		 p->kind == TP_PROXY_HTTP ? "HTTP" : scheme_of(p->kind),
		 v6 ? "[" : "", p->host, v6 ? "]" : "", p->port);
}

bool tp_proxy_resolves(const struct tp_proxy *p)
{
	return p->kind == TP_PROXY_HTTP || p->kind == TP_PROXY_SOCKS4A ||
	       p->kind == TP_PROXY_SOCKS5H;
}

/* ---- the URL ---- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The n bytes at s percent-decoded into out (size bytes); -1 when they
 * do not fit or hold a bad escape or a NUL. */
static int decode(const char *s, size_t n, char *out, size_t size)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi = i + 2 < n ? hex_digit(s[i + 1]) : -1;
			int lo = i + 2 < n ? hex_digit(s[i + 2]) : -1;

			c = hi * 16 + lo;
			if (hi < 0 || lo < 0 || c == 0)
				return -1;
			i += 2;
		}
		if (k + 1 >= size)
			return -1;
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return 0;
}

/* Usage error for url; the credentials never enter it. */
static int bad_url(struct tp_error *err, const char *shown, const char *why)
{
	tp_error_set_for(err, TP_ERR_USAGE, "proxy", "{} '%s': %s", shown,
			 why);
	return -1;
}

/* HOST[:PORT] or [V6][:PORT] of n bytes at s into p. */
static int parse_hostport(const char *s, size_t n, struct tp_proxy *p,
			  const char *shown, struct tp_error *err)
{
	const char *host = s, *port = NULL, *end = s + n, *colon;
	size_t hlen;
	char digits[8];
	struct tp_error perr = {0};

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL)
			return bad_url(err, shown, "an IPv6 address needs "
				       "its closing ']'");
		host = s + 1;
		hlen = (size_t)(close - host);
		if (close + 1 < end) {
			if (close[1] != ':')
				return bad_url(err, shown, "expected ':PORT' "
					       "after ']'");
			port = close + 2;
		}
	} else {
		colon = memchr(s, ':', n);
		hlen = colon != NULL ? (size_t)(colon - s) : n;
		if (colon != NULL)
			port = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(p->host))
		return bad_url(err, shown, hlen == 0 ? "no proxy host"
			       : "the host name is too long");
	memcpy(p->host, host, hlen);
	p->host[hlen] = '\0';
	p->port = TP_PROXY_PORT;
	if (port == NULL)
		return 0;
	if ((size_t)(end - port) >= sizeof(digits) || end == port)
		return bad_url(err, shown, "expected a port of 1-65535 "
			       "after ':'");
	memcpy(digits, port, (size_t)(end - port));
	digits[end - port] = '\0';
	if (tp_addr_parse_port("port", digits, 1, &p->port, &perr) < 0)
		return bad_url(err, shown, "expected a port of 1-65535 "
			       "after ':'");
	return 0;
}

/* USER[:PASS] of n bytes at s into p. */
static int parse_userinfo(const char *s, size_t n, struct tp_proxy *p,
			  const char *shown, struct tp_error *err)
{
	const char *colon = memchr(s, ':', n);
	size_t ulen = colon != NULL ? (size_t)(colon - s) : n;

	if (decode(s, ulen, p->user, sizeof(p->user)) < 0 ||
	    (colon != NULL && decode(colon + 1, n - ulen - 1, p->pass,
				     sizeof(p->pass)) < 0))
		return bad_url(err, shown, "the user name or password is "
			       "too long or holds a bad %-escape");
	p->has_auth = true;
	return 0;
}

int tp_proxy_parse(const char *url, struct tp_proxy *p, struct tp_error *err)
{
	const char *rest = url, *sep, *at, *slash;
	char shown[320];
	size_t i;

	memset(p, 0, sizeof(*p));
	p->kind = TP_PROXY_HTTP;
	sep = strstr(url, "://");
	if (sep != NULL) {
		p->kind = TP_PROXY_NONE;
		for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
			if (strlen(schemes[i].scheme) == (size_t)(sep - url) &&
			    strncasecmp(url, schemes[i].scheme,
					(size_t)(sep - url)) == 0)
				p->kind = schemes[i].kind;
		rest = sep + 3;
	}
	/* what an error may show: the URL up to its host, the userinfo
	 * replaced (it holds the password) */
	at = strrchr(rest, '@');
	snprintf(shown, sizeof(shown), "%.*s%s%.200s",
		 (int)(rest - url > 16 ? 16 : rest - url), url,
		 at != NULL ? "***@" : "", at != NULL ? at + 1 : rest);
	if (p->kind == TP_PROXY_NONE)
		return bad_url(err, shown, "unknown scheme (known: http://, "
			       "socks4://, socks4a://, socks5://, "
			       "socks5h://)");
	slash = strchr(at != NULL ? at : rest, '/');
	if (slash != NULL && slash[1] != '\0')
		return bad_url(err, shown, "a proxy URL has no path");
	if (at != NULL &&
	    parse_userinfo(rest, (size_t)(at - rest), p, shown, err) < 0)
		return -1;
	rest = at != NULL ? at + 1 : rest;
	for (i = 0; rest[i] != '\0' && rest[i] != '/'; i++)
		if ((unsigned char)rest[i] <= 0x20 ||
		    (unsigned char)rest[i] >= 0x7f || rest[i] == '@')
			return bad_url(err, shown, "the host holds a blank, "
				       "a character outside printable ASCII "
				       "or an '@'");
	if (parse_hostport(rest, i, p, shown, err) < 0)
		return -1;
	return 0;
}

int tp_proxy_from_env(struct tp_proxy *p, struct tp_error *err)
{
	static const char *const names[] = {
		"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
	};
	struct tp_error perr = {0};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = getenv(names[i]);

		if (v == NULL || v[0] == '\0')
			continue;
		if (tp_proxy_parse(v, p, &perr) == 0)
			return 1;
		tp_error_set_for(err, TP_ERR_USAGE, "proxy", "%s: %s (or "
				 "{} URL, or --no-proxy)", names[i],
				 perr.message);
		return -1;
	}
	return 0;
}

const char *tp_proxy_env_no_proxy(void)
{
	const char *v = getenv("no_proxy");

	return v != NULL ? v : getenv("NO_PROXY");
}

/* ---- no_proxy ---- */

/* Whether the literal host lies in the block entry (an address, or an
 * address with /LEN). */
static bool in_block(const char *entry, const char *host)
{
	unsigned char a[16], b[16];
	char addr[64];
	const char *slash = strchr(entry, '/');
	size_t alen = slash != NULL ? (size_t)(slash - entry) : strlen(entry);
	int family = strchr(host, ':') != NULL ? AF_INET6 : AF_INET;
	unsigned bits = family == AF_INET6 ? 128 : 32, len = bits, i;

	if (alen >= sizeof(addr))
		return false;
	memcpy(addr, entry, alen);
	addr[alen] = '\0';
	if (inet_pton(family, addr, a) != 1 || inet_pton(family, host, b) != 1)
		return false;
	if (slash != NULL) {
		char *end;
		unsigned long l = strtoul(slash + 1, &end, 10);

		if (*end != '\0' || end == slash + 1 || l > bits)
			return false;
		len = (unsigned)l;
	}
	for (i = 0; i < len; i++)
		if (((a[i / 8] ^ b[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

/* Whether host is entry, or a name under it. */
static bool name_matches(const char *entry, size_t n, const char *host)
{
	size_t hl = strlen(host);

	while (n > 0 && entry[0] == '.') {
		entry++;
		n--;
	}
	while (n > 0 && entry[n - 1] == '.')
		n--;
	while (hl > 0 && host[hl - 1] == '.')
		hl--;
	if (n == 0 || hl < n || strncasecmp(host + hl - n, entry, n) != 0)
		return false;
	return hl == n || host[hl - n - 1] == '.';
}

bool tp_proxy_bypass(const char *no_proxy, const char *host)
{
	const char *s = no_proxy;
	char entry[256];
	bool literal = host != NULL && tp_addr_is_literal(host);

	if (s == NULL || host == NULL)
		return false;
	while (*s != '\0') {
		size_t n = strcspn(s, ", \t");

		if (n > 0 && n < sizeof(entry)) {
			memcpy(entry, s, n);
			entry[n] = '\0';
			if (strcmp(entry, "*") == 0)
				return true;
			/* an IPv6 entry is written without brackets */
			if (literal ? in_block(entry, host)
				    : name_matches(entry, n, host))
				return true;
		}
		s += n;
		s += strspn(s, ", \t");
	}
	return false;
}

/* ---- the conversation ---- */

struct talk {
	int fd;
	double deadline;
	volatile sig_atomic_t *stop;
	struct tp_proxy_result *res;
};

static int fail(struct talk *t, enum tp_proxy_status status)
{
	t->res->status = status;
	return -1;
}

/* Waits for events within the deadline; a stop, the deadline or an
 * error is the failure. */
static int wait_for(struct talk *t, short events)
{
	int w = tp_net_wait_stop(t->fd, events, t->deadline, t->stop);

	if (w == TP_NET_STOPPED)
		return fail(t, TP_PROXYRES_CANCELLED);
	if (w == 0)
		return fail(t, TP_PROXYRES_TIMEOUT);
	return w < 0 ? fail(t, TP_PROXYRES_CLOSED) : 0;
}

static int send_all(struct talk *t, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	ssize_t k;

	while (n > 0) {
		k = send(t->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && (errno == EINTR || errno == EAGAIN ||
			      errno == EWOULDBLOCK)) {
			if (wait_for(t, POLLOUT) < 0)
				return -1;
			continue;
		}
		if (k < 0)
			return fail(t, TP_PROXYRES_CLOSED);
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Peeks at what has come, at most size bytes, waiting for more than
 * have bytes. 0 (and *n) or -1. */
static int peek_more(struct talk *t, unsigned char *buf, size_t size,
		     size_t have, size_t *n)
{
	ssize_t k;

	for (;;) {
		if (wait_for(t, POLLIN) < 0)
			return -1;
		k = recv(t->fd, buf, size, MSG_PEEK | MSG_DONTWAIT);
		if (k < 0 && (errno == EINTR || errno == EAGAIN ||
			      errno == EWOULDBLOCK))
			continue;
		if (k <= 0)
			return fail(t, TP_PROXYRES_CLOSED);
		if ((size_t)k > have || (size_t)k == size) {
			*n = (size_t)k;
			return 0;
		}
		/* nothing new yet: the peeked bytes stay readable, so
		 * poll would return at once; wait a little */
		poll(NULL, 0, 5);
	}
}

/* Takes n bytes that peek_more saw off the socket. */
static int take(struct talk *t, size_t n)
{
	unsigned char sink[512];

	while (n > 0) {
		ssize_t k = recv(t->fd, sink, n < sizeof(sink) ? n
				 : sizeof(sink), MSG_DONTWAIT);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return fail(t, TP_PROXYRES_CLOSED);
		n -= (size_t)k;
	}
	return 0;
}

/* Exactly n bytes into buf (a SOCKS reply: its length is known, so
 * nothing after it is read). */
static int read_exact(struct talk *t, unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k;

		if (wait_for(t, POLLIN) < 0)
			return -1;
		k = recv(t->fd, buf + got, n - got, MSG_DONTWAIT);
		if (k < 0 && (errno == EINTR || errno == EAGAIN ||
			      errno == EWOULDBLOCK))
			continue;
		if (k <= 0)
			return fail(t, TP_PROXYRES_CLOSED);
		got += (size_t)k;
	}
	return 0;
}

/* What n bytes that are not the answer we wait for look like, into
 * why: TLS, an SSH banner, HTTP without a status line, … */
static void looks_like(struct talk *t, const unsigned char *b, size_t n)
{
	const char *other;
	const char *what = tp_diag_guess_protocol(b, n, &other);
	char hex[128];

	tp_diag_hexdump(b, n, hex, sizeof(hex));
	if (n >= 2 && (b[0] == 0x15 || b[0] == 0x16) && b[1] == 0x03)
		what = "a TLS record (a TLS server, not a proxy)";
	else if (n >= 2 && b[0] == 5 && t->res->answer[0] == 'H')
		what = "a SOCKS5 answer (a SOCKS proxy, not an HTTP one)";
	else if (n >= 2 && b[0] == 'H' && b[1] == 'T')
		what = "HTTP (an HTTP proxy or server, not a SOCKS proxy)";
	snprintf(t->res->why, sizeof(t->res->why), "looks like %s; first "
		 "bytes: %s", what != NULL ? what : "nothing we know", hex);
	t->res->status = TP_PROXYRES_BAD_ANSWER;
}

/* RFC 4648 base64 of n bytes into out (4 * ceil(n / 3) + 1 bytes). */
static void base64(const unsigned char *in, size_t n, char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
				  "opqrstuvwxyz0123456789+/";
	size_t i, k = 0;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[k++] = abc[(v >> 18) & 63];
		out[k++] = abc[(v >> 12) & 63];
		out[k++] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
		out[k++] = i + 2 < n ? abc[v & 63] : '=';
	}
	out[k] = '\0';
}

/* The target as CONNECT and SOCKS name it: host, else the address. */
static void target_host(const char *host, const struct sockaddr *target,
			char *buf, size_t size)
{
	if (host != NULL)
		snprintf(buf, size, "%s", host);
	else if (target != NULL)
		tp_addr_format_host(target, buf, size);
	else
		buf[0] = '\0';
}

/* ---- HTTP CONNECT ---- */

/* The schemes that the Proxy-Authenticate fields of head offer, into
 * why: "offers Basic, Digest". */
static void auth_schemes(const char *head, struct tp_proxy_result *res)
{
	static const char field[] = "\nproxy-authenticate:";
	const char *p = head;
	size_t used = 0;

	used = (size_t)snprintf(res->why, sizeof(res->why), "offers ");
	while ((p = strchr(p, '\n')) != NULL) {
		size_t n;

		if (strncasecmp(p, field, sizeof(field) - 1) != 0) {
			p++;
			continue;
		}
		p += sizeof(field) - 1;
		p += strspn(p, " \t");
		n = strcspn(p, " \t\r\n,");
		if (n > 0 && used < sizeof(res->why))
			used += (size_t)snprintf(res->why + used,
				sizeof(res->why) - used, "%s%.*s",
				used > 7 ? ", " : "", (int)(n > 32 ? 32 : n),
				p);
	}
	if (used <= 7)
		snprintf(res->why, sizeof(res->why), "no Proxy-Authenticate "
			 "field names a scheme");
}

/* Classifies the status line of a whole head. */
static int http_status(struct talk *t, const char *head)
{
	struct tp_proxy_result *res = t->res;
	size_t n = strcspn(head, "\r\n");
	int code = -1;

	snprintf(res->answer, sizeof(res->answer), "%.*s",
		 (int)(n < 200 ? n : 200), head);
	if (sscanf(head, "HTTP/%*1d.%*1d %3d", &code) != 1 || code < 100) {
		looks_like(t, (const unsigned char *)head, strlen(head));
		return -1;
	}
	if (code >= 200 && code < 300)
		return 0;
	/* tinyproxy answers wrong credentials with 401, not 407 */
	if (code == 407 || code == 401) {
		auth_schemes(head, res);
		if (code == 401)
			snprintf(res->why, sizeof(res->why), "it answered 401: "
				 "the credentials sent were refused");
		return fail(t, TP_PROXYRES_AUTH);
	}
	if (code == 403)
		return fail(t, TP_PROXYRES_FORBIDDEN);
	if (code == 502 || code == 503 || code == 504) {
		snprintf(res->why, sizeof(res->why), "%s",
			 code == 504 ? "the proxy timed out reaching the target"
			 : code == 502 ? "the proxy could not connect to (or "
			 "resolve) the target" : "the proxy says the target "
			 "is unavailable");
		return fail(t, TP_PROXYRES_UNREACHABLE);
	}
	snprintf(res->why, sizeof(res->why), "HTTP %d is no answer to "
		 "CONNECT that opens or refuses a tunnel", code);
	return fail(t, TP_PROXYRES_BAD_ANSWER);
}

static int http_connect(struct talk *t, const struct tp_proxy *p,
			const char *host, unsigned port)
{
	unsigned char head[MAX_HEAD + 1];
	/* fits by construction: a host of at most 255 bytes twice, and
	 * 511 bytes of credentials as 684 of base64 */
	char req[1600], cred[520], b64[700];
	bool v6 = strchr(host, ':') != NULL;
	size_t n = 0, end;
	int len, sent;

	len = snprintf(req, sizeof(req), "CONNECT %s%s%s:%u HTTP/1.1\r\n"
		       "Host: %s%s%s:%u\r\nUser-Agent: tlsprobe\r\n",
		       v6 ? "[" : "", host, v6 ? "]" : "", port,
		       v6 ? "[" : "", host, v6 ? "]" : "", port);
	if (p->has_auth) {
		int c = snprintf(cred, sizeof(cred), "%s:%s", p->user,
				 p->pass);

		base64((const unsigned char *)cred, (size_t)c, b64);
		len += snprintf(req + len, sizeof(req) - (size_t)len,
				"Proxy-Authorization: Basic %s\r\n", b64);
		explicit_bzero(cred, sizeof(cred));
		explicit_bzero(b64, sizeof(b64));
	}
	len += snprintf(req + len, sizeof(req) - (size_t)len, "\r\n");
	sent = send_all(t, req, (size_t)len);
	/* the credentials do not outlive the request */
	explicit_bzero(req, sizeof(req));
	if (sent < 0)
		return -1;
	for (;;) {
		const unsigned char *blank;

		if (peek_more(t, head, MAX_HEAD, n, &n) < 0) {
			if (n > 0 && t->res->status != TP_PROXYRES_CANCELLED) {
				head[n] = '\0';
				if (memcmp(head, "HTTP/", n < 5 ? n : 5) != 0)
					looks_like(t, head, n);
				else
					snprintf(t->res->answer,
						 sizeof(t->res->answer),
						 "%.*s", (int)strcspn(
						 (char *)head, "\r\n"),
						 (char *)head);
			}
			return -1;
		}
		/* not HTTP from the first bytes on: no need to wait */
		if (memcmp(head, "HTTP/", n < 5 ? n : 5) != 0) {
			looks_like(t, head, n);
			return -1;
		}
		head[n] = '\0';
		blank = (const unsigned char *)strstr((char *)head,
						      "\r\n\r\n");
		if (blank != NULL) {
			end = (size_t)(blank - head) + 4;
			break;
		}
		if (n == MAX_HEAD) {
			snprintf(t->res->why, sizeof(t->res->why), "the "
				 "answer's head goes on past %d bytes",
				 MAX_HEAD);
			return fail(t, TP_PROXYRES_BAD_ANSWER);
		}
	}
	head[end] = '\0';
	if (http_status(t, (const char *)head) < 0)
		return -1;
	/* the head only: what follows is the target's */
	return take(t, end);
}

/* ---- SOCKS ---- */

static const char *socks5_rep(unsigned rep, enum tp_proxy_status *status)
{
	static const char *const words[] = {
		"succeeded", "general SOCKS server failure",
		"connection not allowed by ruleset", "network unreachable",
		"host unreachable", "connection refused", "TTL expired",
		"command not supported", "address type not supported",
	};

	*status = rep == 2 ? TP_PROXYRES_FORBIDDEN
		  : rep == 7 || rep > 8 ? TP_PROXYRES_BAD_ANSWER
		  : TP_PROXYRES_UNREACHABLE;
	return rep < 9 ? words[rep] : "unassigned";
}

/* RFC 1928 section 3 and RFC 1929: the method, and the user name and
 * password when the proxy picks them. */
static int socks5_auth(struct talk *t, const struct tp_proxy *p)
{
	unsigned char hello[4] = {5, 1, 0, 2}, ans[2], req[515];
	size_t ul = strlen(p->user), pl = strlen(p->pass);
	int rc;

	if (p->has_auth)
		hello[1] = 2;
	if (send_all(t, hello, p->has_auth ? 4 : 3) < 0)
		return -1;
	if (peek_more(t, ans, 2, 0, &(size_t){0}) < 0)
		return -1;
	if (ans[0] != 5) {
		unsigned char b[64];
		size_t n = 0;
		ssize_t k = recv(t->fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);

		n = k > 0 ? (size_t)k : 0;
		looks_like(t, b, n);
		return -1;
	}
	if (read_exact(t, ans, 2) < 0)
		return -1;
	snprintf(t->res->answer, sizeof(t->res->answer), "SOCKS5 method "
		 "0x%02x", ans[1]);
	if (ans[1] == 0xff) {
		snprintf(t->res->why, sizeof(t->res->why), "no acceptable "
			 "method among those we offered (%s)", p->has_auth
			 ? "none, user name/password" : "none: no "
			 "credentials given");
		return fail(t, TP_PROXYRES_AUTH);
	}
	if (ans[1] == 0)
		return 0;
	if (ans[1] != 2 || !p->has_auth) {
		snprintf(t->res->why, sizeof(t->res->why), "it chose method "
			 "0x%02x, which we did not offer", ans[1]);
		return fail(t, TP_PROXYRES_BAD_ANSWER);
	}
	/* RFC 1929: each at most 255 bytes, as struct tp_proxy holds them */
	req[0] = 1;
	req[1] = (unsigned char)ul;
	memcpy(req + 2, p->user, ul);
	req[2 + ul] = (unsigned char)pl;
	memcpy(req + 3 + ul, p->pass, pl);
	rc = send_all(t, req, 3 + ul + pl);
	explicit_bzero(req, sizeof(req));
	if (rc < 0 || read_exact(t, ans, 2) < 0)
		return -1;
	if (ans[1] != 0) {
		snprintf(t->res->answer, sizeof(t->res->answer), "SOCKS5 "
			 "user name/password status 0x%02x", ans[1]);
		snprintf(t->res->why, sizeof(t->res->why), "it refused the "
			 "user name and password (RFC 1929)");
		return fail(t, TP_PROXYRES_AUTH);
	}
	return 0;
}

static int socks5_connect(struct talk *t, const struct tp_proxy *p,
			  const char *host, const struct sockaddr *target,
			  unsigned port)
{
	unsigned char req[262], ans[262];
	enum tp_proxy_status status;
	size_t n = 4, hl = host != NULL ? strlen(host) : 0, more;
	const char *words;

	if (socks5_auth(t, p) < 0)
		return -1;
	req[0] = 5; req[1] = 1; req[2] = 0;
	if (p->kind == TP_PROXY_SOCKS5H && host != NULL && hl <= 255) {
		req[3] = 3;
		req[n++] = (unsigned char)hl;
		memcpy(req + n, host, hl);
		n += hl;
	} else if (target != NULL && target->sa_family == AF_INET6) {
		req[3] = 4;
		memcpy(req + n, &((const struct sockaddr_in6 *)target)
		       ->sin6_addr, 16);
		n += 16;
	} else if (target != NULL) {
		req[3] = 1;
		memcpy(req + n, &((const struct sockaddr_in *)target)
		       ->sin_addr, 4);
		n += 4;
	} else {
		snprintf(t->res->why, sizeof(t->res->why), "no address to "
			 "ask for");
		return fail(t, TP_PROXYRES_UNREACHABLE);
	}
	req[n++] = (unsigned char)(port >> 8);
	req[n++] = (unsigned char)port;
	if (send_all(t, req, n) < 0 || read_exact(t, ans, 4) < 0)
		return -1;
	if (ans[0] != 5) {
		looks_like(t, ans, 4);
		return -1;
	}
	words = socks5_rep(ans[1], &status);
	snprintf(t->res->answer, sizeof(t->res->answer), "SOCKS5 reply %u "
		 "(%s)", ans[1], words);
	if (ans[1] != 0) {
		snprintf(t->res->why, sizeof(t->res->why), "%s", words);
		return fail(t, status);
	}
	/* BND.ADDR and BND.PORT: their length by the address type */
	more = ans[3] == 1 ? 4 + 2 : ans[3] == 4 ? 16 + 2 : 0;
	if (ans[3] == 3) {
		if (read_exact(t, ans, 1) < 0)
			return -1;
		more = (size_t)ans[0] + 2;
	}
	if (more == 0) {
		snprintf(t->res->why, sizeof(t->res->why), "address type %u "
			 "in its reply", ans[3]);
		return fail(t, TP_PROXYRES_BAD_ANSWER);
	}
	return read_exact(t, ans, more);
}

/* SOCKS4 (an IPv4 address) and SOCKS4a (0.0.0.1 and the name). */
static int socks4_connect(struct talk *t, const struct tp_proxy *p,
			  const char *host, const struct sockaddr *target,
			  unsigned port)
{
	unsigned char req[9 + 256 + 256], ans[8];
	size_t n = 8, ul = strlen(p->user), hl = host ? strlen(host) : 0;

	req[0] = 4; req[1] = 1;
	req[2] = (unsigned char)(port >> 8);
	req[3] = (unsigned char)port;
	if (p->kind == TP_PROXY_SOCKS4A && host != NULL && hl < 256) {
		memcpy(req + 4, "\0\0\0\1", 4);
	} else if (target != NULL && target->sa_family == AF_INET) {
		memcpy(req + 4, &((const struct sockaddr_in *)target)
		       ->sin_addr, 4);
		hl = 0;
	} else {
		snprintf(t->res->why, sizeof(t->res->why), "SOCKS4 takes "
			 "IPv4 addresses only (socks4a:// or socks5:// "
			 "for others)");
		return fail(t, TP_PROXYRES_UNREACHABLE);
	}
	memcpy(req + n, p->user, ul);
	n += ul;
	req[n++] = 0;
	if (hl > 0) {
		memcpy(req + n, host, hl);
		n += hl;
		req[n++] = 0;
	}
	if (send_all(t, req, n) < 0 || read_exact(t, ans, 8) < 0)
		return -1;
	if (ans[0] != 0 && ans[0] != 4) {
		looks_like(t, ans, 8);
		return -1;
	}
	snprintf(t->res->answer, sizeof(t->res->answer), "SOCKS4 reply %u",
		 ans[1]);
	if (ans[1] == 90)
		return 0;
	if (ans[1] == 92 || ans[1] == 93) {
		snprintf(t->res->why, sizeof(t->res->why), "it could not "
			 "confirm our user id with identd (reply %u)", ans[1]);
		return fail(t, TP_PROXYRES_AUTH);
	}
	snprintf(t->res->why, sizeof(t->res->why), "request rejected or "
		 "failed (reply %u)", ans[1]);
	return fail(t, ans[1] == 91 ? TP_PROXYRES_FORBIDDEN : TP_PROXYRES_BAD_ANSWER);
}

int tp_proxy_open(int fd, const struct tp_proxy *p, const char *host,
		  const struct sockaddr *target, unsigned port,
		  double deadline, volatile sig_atomic_t *stop,
		  struct tp_proxy_result *res)
{
	struct talk t = {.fd = fd, .deadline = deadline, .stop = stop,
			 .res = res};
	char name[TP_ADDR_NAME_SIZE + 64];
	double t0 = tp_now_ms();
	int rc;

	memset(res, 0, sizeof(*res));
	target_host(host, target, name, sizeof(name));
	if (p->kind == TP_PROXY_HTTP)
		rc = http_connect(&t, p, name, port);
	else if (p->kind == TP_PROXY_SOCKS5 || p->kind == TP_PROXY_SOCKS5H)
		rc = socks5_connect(&t, p, host, target, port);
	else
		rc = socks4_connect(&t, p, host, target, port);
	res->ms = tp_now_ms() - t0;
	if (rc == 0)
		res->status = TP_PROXYRES_OK;
	return rc;
}

int tp_proxy_dial(const struct tp_proxy *p, const struct sockaddr *pa,
		  socklen_t pl, const char *host,
		  const struct sockaddr *target, unsigned port,
		  double deadline, volatile sig_atomic_t *stop, int *fd,
		  struct tp_net_result *nr, struct tp_proxy_result *res)
{
	memset(res, 0, sizeof(*res));
	tp_net_connect_by(pa, pl, deadline, 0, stop, fd, nr);
	if (nr->status != TP_NETRES_OK) {
		*fd = -1;
		return -1;
	}
	if (tp_proxy_open(*fd, p, host, target, port, deadline, stop,
			  res) == 0)
		return 0;
	close(*fd);
	*fd = -1;
	return -1;
}

int tp_proxy_route_init(struct tp_proxy_route *rt, const struct tp_proxy *p,
			const char *no_proxy, const char *host, int family,
			double timeout_ms, volatile sig_atomic_t *stop,
			struct tp_net_result *nr)
{
	struct tp_resolved res;

	memset(rt, 0, sizeof(*rt));
	memset(nr, 0, sizeof(*nr));
	if (p == NULL || p->kind == TP_PROXY_NONE ||
	    tp_proxy_bypass(no_proxy, host))
		return 0;
	rt->proxy = p;
	tp_proxy_name(p, rt->name, sizeof(rt->name));
	tp_net_resolve(p->host, p->port, family, timeout_ms, stop, &res, nr);
	if (nr->status != TP_NETRES_OK)
		return -1;
	rt->addr = res.addr[0];
	rt->len = res.len[0];
	return 0;
}

int tp_proxy_route_connect(const struct tp_proxy_route *rt, const char *host,
			   const struct sockaddr *target, socklen_t tlen,
			   unsigned port, double deadline,
			   volatile sig_atomic_t *stop, int *fd,
			   struct tp_net_result *nr,
			   struct tp_proxy_result *pres)
{
	struct tp_proxy_result own;
	struct tp_proxy_result *res = pres != NULL ? pres : &own;

	memset(res, 0, sizeof(*res));
	if (rt->proxy == NULL) {
		tp_net_connect_by(target, tlen, deadline, 0, stop, fd, nr);
		return nr->status == TP_NETRES_OK ? 0 : -1;
	}
	if (tp_proxy_dial(rt->proxy, (const struct sockaddr *)&rt->addr,
			  rt->len, tp_proxy_resolves(rt->proxy) ||
			  target == NULL ? host : NULL, target, port,
			  deadline, stop, fd, nr, res) == 0)
		return 0;
	if (nr->status != TP_NETRES_OK)
		return -1;
	nr->status = res->status == TP_PROXYRES_CANCELLED
		     ? TP_NETRES_CANCELLED : TP_NETRES_ERROR;
	snprintf(nr->message, sizeof(nr->message), "%.90s: the tunnel did "
		 "not open: %.60s%s%.70s", rt->name, res->answer[0]
		 ? res->answer : "no proxy answer", res->why[0] ? "; " : "",
		 res->why);
	return -2;
}

/* ---- findings ---- */

struct tp_finding *tp_proxy_refused(struct tp_report *r,
				    const struct tp_proxy *p,
				    const struct tp_net_result *nr,
				    const char *attempts)
{
	char name[320];
	struct tp_finding *f;

	tp_proxy_name(p, name, sizeof(name));
	f = tp_report_finding(r, TP_PROXY_REFUSED, "%s %s", name,
			      nr->status == TP_NETRES_REFUSED
			      ? "refused the TCP connection (reset)"
			      : nr->status == TP_NETRES_TIMEOUT
			      ? "did not answer the TCP connection (time-out)"
			      : "cannot be reached");
	tp_finding_detail(f, "%s", attempts != NULL && attempts[0]
			  ? attempts : nr->message);
	return f;
}

struct tp_finding *tp_proxy_diagnose(struct tp_report *r,
				     const struct tp_proxy *p,
				     const char *target,
				     const struct tp_proxy_result *res)
{
	char name[320], auth[64] = "";
	struct tp_finding *f;
	const char *answer = res->answer[0] ? res->answer
			     : "nothing that such a proxy sends";

	tp_proxy_name(p, name, sizeof(name));
	switch (res->status) {
	case TP_PROXYRES_AUTH:
		f = tp_report_finding(r, TP_PROXY_AUTH_REQUIRED, "%s wants "
				      "authentication for %s: %s", name, target,
				      res->why);
		if (p->has_auth) {
			snprintf(auth, sizeof(auth), "credentials were sent");
			tp_finding_fix(f, "the proxy refused the user name "
				       "and password in the URL: check them "
				       "(percent-encode special characters)");
		} else {
			char url[320];

			tp_proxy_url(p, url, sizeof(url));
			tp_finding_fix(f, "give the proxy's user name and "
				       "password in the URL: --proxy "
				       "%s://USER:PASS@%s (percent-encode "
				       "special characters)",
				       scheme_of(p->kind),
				       strstr(url, "://") + 3);
		}
		break;
	case TP_PROXYRES_FORBIDDEN:
		f = tp_report_finding(r, TP_PROXY_FORBIDDEN, "%s refuses the "
				      "tunnel to %s%s%s", name, target,
				      res->why[0] ? ": " : "", res->why);
		break;
	case TP_PROXYRES_UNREACHABLE:
		f = tp_report_finding(r, TP_PROXY_TARGET_UNREACHABLE, "%s "
				      "could not reach %s: %s", name, target,
				      res->why);
		break;
	case TP_PROXYRES_CLOSED:
		f = tp_report_finding(r, TP_PROXY_BAD_ANSWER, "%s closed the "
				      "connection without answering the "
				      "request for %s", name, target);
		break;
	case TP_PROXYRES_TIMEOUT:
		f = tp_report_finding(r, TP_PROXY_BAD_ANSWER, "%s sent no "
				      "whole answer to the request for %s "
				      "within --timeout", name, target);
		tp_finding_fix(f, "check that the URL's scheme names the "
			       "proxy's kind; a proxy that is still trying "
			       "to reach the target needs a longer "
			       "--timeout");
		break;
	default:
		f = tp_report_finding(r, TP_PROXY_BAD_ANSWER, "%s did not "
				      "answer as %s proxy: %s", name,
				      p->kind == TP_PROXY_HTTP ? "an HTTP"
				      : "a SOCKS", res->why);
		break;
	}
	tp_finding_detail(f, "%s answered: %s%s%s (after %.1f ms)",
			  tp_proxy_kind_name(p->kind), answer,
			  auth[0] ? "; " : "", auth, res->ms);
	return f;
}
