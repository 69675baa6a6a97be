/*
 * Proxy tunnels read off the wire, byte by byte: HTTP CONNECT (RFC 9110
 * section 9.3.6), SOCKS4 and its 4a extension, SOCKS5 (RFC 1928) with
 * the username/password sub-negotiation (RFC 1929). Each direction is a
 * small machine over its messages' fields; fields of variable length
 * are counted down, so no message is held.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "tunnel.h"

enum step {
	/* the client */
	C_METHOD,      /* "CONNECT " */
	C_TARGET,      /* the request-target, up to a space */
	C_VERSION,     /* the rest of the request line */
	C_HEADERS,     /* header lines, up to an empty one */
	C4_HEAD,       /* SOCKS4: VN, CD, DSTPORT, DSTIP */
	C4_USER,       /* the userid, up to a NUL */
	C4_HOST,       /* 4a: the host name, up to a NUL */
	C5_VER, C5_NMETHODS,
	C5_METHODS,
	C5_NEXT,       /* the first byte of a message: 1 the RFC 1929
			* sub-negotiation, 5 the request */
	C5_ULEN, C5_UNAME, C5_PLEN, C5_PASSWD,
	C5_CMD, C5_RSV, C5_ATYP, C5_ALEN, C5_ADDR, C5_PORT,
	/* the proxy */
	S_STATUS,      /* HTTP: the status line */
	S_HEADERS,
	S4_REPLY,      /* SOCKS4: its 8 bytes */
	S5_VER, S5_METHOD,
	S5_AUTH_VER, S5_AUTH_STATUS,
	S5_REPLY_VER, S5_REP, S5_RSV, S5_ATYP, S5_ALEN, S5_BOUND,
};

static const char connect_method[] = "CONNECT ";

/* RFC 1928 section 3: the methods followed here */
#define SOCKS5_NO_AUTH 0x00
#define SOCKS5_USERPASS 0x02
#define SOCKS5_NO_METHOD 0xff
/* the longest host name any of these protocols carries */
#define HOST_MAX 255

bool tp_tunnel_start(struct tp_tunnel *t, uint8_t b)
{
	memset(t, 0, sizeof(*t));
	t->side[1].step = S_STATUS;
	switch (b) {
	case 'C':
		t->kind = TP_TUNNEL_CONNECT;
		t->side[0].step = C_METHOD;
		return true;
	case 0x04:
		t->kind = TP_TUNNEL_SOCKS4;
		t->side[0].step = C4_HEAD;
		t->side[1].step = S4_REPLY;
		return true;
	case 0x05:
		t->kind = TP_TUNNEL_SOCKS5;
		t->side[0].step = C5_VER;
		t->side[1].step = S5_VER;
		return true;
	default:
		return false;
	}
}

enum tp_tunnel_kind tp_tunnel_kind(const struct tp_tunnel *t)
{
	return (enum tp_tunnel_kind)t->kind;
}

const char *tp_tunnel_name(enum tp_tunnel_kind kind)
{
	switch (kind) {
	case TP_TUNNEL_CONNECT:
		return "connect";
	case TP_TUNNEL_SOCKS4:
		return "socks4";
	case TP_TUNNEL_SOCKS4A:
		return "socks4a";
	case TP_TUNNEL_SOCKS5:
		return "socks5";
	default:
		return "";
	}
}

/* The client's whole request was read: its tunnelled bytes come next. */
static enum tp_prelude_step ask(struct tp_tunnel *t)
{
	t->asked = true;
	return TP_PRELUDE_TLS;
}

/* A byte of a name the client sends (CONNECT's target, SOCKS4a's and
 * SOCKS5's host): kept as sent, bounded. */
static bool target_byte(struct tp_tunnel *t, uint8_t b)
{
	if (t->target_len >= HOST_MAX + 7)
		return false;
	t->target[t->target_len++] = (char)b;
	return true;
}

/* ":port" after the host, or the address then ":port" (SOCKS). */
static void target_finish(struct tp_tunnel *t, int family)
{
	char host[INET6_ADDRSTRLEN];
	size_t used = t->target_len;

	if (family != 0 && inet_ntop(family, t->addr, host, sizeof(host)))
		used = (size_t)snprintf(t->target, sizeof(t->target),
					family == AF_INET6 ? "[%s]" : "%s",
					host);
	snprintf(t->target + used, sizeof(t->target) - used, ":%u",
		 (unsigned)t->port);
	t->target_len = (uint16_t)strlen(t->target);
}

/* ---- HTTP CONNECT ---- */

/* A byte of a header or status line, which may hold no control
 * character but tab (RFC 9110 section 5.5); 1 at its LF, with *empty
 * when nothing but a CR came before; -1 for a byte no line holds. */
static int line_byte(struct tp_tunnel_side *s, uint8_t b, bool *empty)
{
	if (s->pos == 0)
		memset(s->line, 0, sizeof(s->line));  /* a new line */
	if (b == '\n') {
		*empty = s->pos == 0 || (s->pos == 1 && s->line[0] == '\r');
		s->pos = 0;
		return 1;
	}
	if ((b < 0x20 && b != '\t' && b != '\r') || b == 0x7f)
		return -1;
	if (s->pos < sizeof(s->line))
		s->line[s->pos] = b;
	if (s->pos < UINT16_MAX)
		s->pos++;
	return 0;
}

static enum tp_prelude_step http_client(struct tp_tunnel *t,
					struct tp_tunnel_side *s, uint8_t b)
{
	bool empty;
	int end;

	switch (s->step) {
	case C_METHOD:
		/* methods are case-sensitive (RFC 9110 section 9.1) */
		if (b != (uint8_t)connect_method[s->pos])
			return TP_PRELUDE_NOT_OURS;
		if (++s->pos == sizeof(connect_method) - 1) {
			s->step = C_TARGET;
			s->pos = 0;
		}
		return TP_PRELUDE_MORE;
	case C_TARGET:
		/* authority-form, "host:port" (section 7.1) */
		if (b == ' ' && t->target_len > 0) {
			s->step = C_VERSION;
			return TP_PRELUDE_MORE;
		}
		if (b <= 0x20 || b >= 0x7f || !target_byte(t, b))
			return TP_PRELUDE_NOT_OURS;
		return TP_PRELUDE_MORE;
	case C_VERSION:
		end = line_byte(s, b, &empty);
		if (end < 0)
			return TP_PRELUDE_NOT_OURS;
		if (end == 0)
			return TP_PRELUDE_MORE;
		/* (line_byte kept its start; pos is 0 again) */
		if (memcmp(s->line, "HTTP/", 5) != 0)
			return TP_PRELUDE_NOT_OURS;
		s->step = C_HEADERS;
		return TP_PRELUDE_MORE;
	default:
		/* the headers, Proxy-Authorization among them: passed over */
		end = line_byte(s, b, &empty);
		if (end < 0)
			return TP_PRELUDE_NOT_OURS;
		return end > 0 && empty ? ask(t) : TP_PRELUDE_MORE;
	}
}

/* "HTTP/1.1 200 Connection established": the status code's first
 * digit, or 0 when the line is none. */
static int status_class(const uint8_t *line)
{
	if (memcmp(line, "HTTP/", 5) != 0 || line[6] != '.' ||
	    line[8] != ' ' || line[9] < '1' || line[9] > '5' ||
	    line[10] < '0' || line[10] > '9' || line[11] < '0' ||
	    line[11] > '9')
		return 0;
	return line[9] - '0';
}

/* The proxy's answer: 2xx opens the tunnel once its headers end, and
 * any content it claims is none (RFC 9110 section 9.3.6); a 1xx is an
 * interim answer, another follows; anything else refuses. */
static enum tp_prelude_step http_server(struct tp_tunnel_side *s, uint8_t b)
{
	bool empty;
	int end = line_byte(s, b, &empty), cls;

	if (end < 0)
		return TP_PRELUDE_NOT_OURS;
	if (end == 0)
		return TP_PRELUDE_MORE;
	if (s->step == S_HEADERS) {
		if (!empty)
			return TP_PRELUDE_MORE;
		if (s->left == 2)
			return TP_PRELUDE_TLS;
		s->step = S_STATUS;  /* after a 1xx */
		return TP_PRELUDE_MORE;
	}
	cls = status_class(s->line);
	if (cls == 0)
		return TP_PRELUDE_NOT_OURS;
	if (cls != 1 && cls != 2)
		return TP_PRELUDE_REFUSED;
	s->left = (uint16_t)cls;  /* the class of the answer under way */
	s->step = S_HEADERS;
	return TP_PRELUDE_MORE;
}

/* ---- SOCKS4 and 4a ---- */

/* VN 4, CD 1 (CONNECT), DSTPORT, DSTIP, USERID NUL; with DSTIP
 * 0.0.0.x, x not 0, a host name and NUL follow (SOCKS4a). */
static enum tp_prelude_step socks4_client(struct tp_tunnel *t,
					  struct tp_tunnel_side *s, uint8_t b)
{
	switch (s->step) {
	case C4_HEAD:
		if (s->pos == 0 && b != 0x04)
			return TP_PRELUDE_NOT_OURS;
		if (s->pos == 1 && b != 0x01)
			return TP_PRELUDE_NOT_OURS;  /* BIND: no tunnel */
		if (s->pos == 2 || s->pos == 3)
			t->port = (uint16_t)(t->port << 8 | b);
		if (s->pos >= 4)
			t->addr[s->pos - 4] = b;
		if (++s->pos == 8)
			s->step = C4_USER;
		return TP_PRELUDE_MORE;
	case C4_USER:
		if (b != 0)
			return TP_PRELUDE_MORE;  /* never kept */
		if (t->addr[0] == 0 && t->addr[1] == 0 && t->addr[2] == 0 &&
		    t->addr[3] != 0) {
			t->kind = TP_TUNNEL_SOCKS4A;
			s->step = C4_HOST;
			return TP_PRELUDE_MORE;
		}
		target_finish(t, AF_INET);
		return ask(t);
	default:
		if (b != 0)
			return target_byte(t, b) && t->target_len <= HOST_MAX
			       ? TP_PRELUDE_MORE : TP_PRELUDE_NOT_OURS;
		if (t->target_len == 0)
			return TP_PRELUDE_NOT_OURS;
		target_finish(t, 0);
		return ask(t);
	}
}

/* VN 0, CD 90 granted (91 to 93 refused), DSTPORT, DSTIP. */
static enum tp_prelude_step socks4_server(struct tp_tunnel_side *s,
					  uint8_t b)
{
	if (s->pos == 0 && b != 0)
		return TP_PRELUDE_NOT_OURS;
	if (s->pos == 1 && b != 90)
		return b >= 91 && b <= 93 ? TP_PRELUDE_REFUSED
					  : TP_PRELUDE_NOT_OURS;
	return ++s->pos == 8 ? TP_PRELUDE_TLS : TP_PRELUDE_MORE;
}

/* ---- SOCKS5 ---- */

/* The address that ATYP b announces: its length, 0 for a name (a
 * length byte comes first), -1 for no type of RFC 1928 section 4. */
static int atyp_len(uint8_t b)
{
	return b == 0x01 ? 4 : b == 0x04 ? 16 : b == 0x03 ? 0 : -1;
}

/* A field of s->left bytes passed over, then step next. */
static enum tp_prelude_step skip(struct tp_tunnel_side *s, uint8_t len,
				 uint8_t next)
{
	s->left = len;
	s->step = len > 0 ? s->step + 1 : next;
	return TP_PRELUDE_MORE;
}

/* The request's address, port and their end. */
static enum tp_prelude_step socks5_address(struct tp_tunnel *t,
					   struct tp_tunnel_side *s, uint8_t b)
{
	int len;

	switch (s->step) {
	case C5_ATYP:
		len = atyp_len(b);
		if (len < 0)
			return TP_PRELUDE_NOT_OURS;
		t->atyp = b;
		s->left = (uint16_t)len;
		s->pos = 0;
		s->step = len > 0 ? C5_ADDR : C5_ALEN;
		return TP_PRELUDE_MORE;
	case C5_ALEN:
		if (b == 0)
			return TP_PRELUDE_NOT_OURS;
		s->left = b;
		s->step = C5_ADDR;
		return TP_PRELUDE_MORE;
	case C5_ADDR:
		if (t->atyp == 0x03)
			target_byte(t, b);  /* at most 255 */
		else
			t->addr[s->pos++] = b;
		if (--s->left == 0) {
			s->step = C5_PORT;
			s->pos = 0;
		}
		return TP_PRELUDE_MORE;
	default:
		t->port = (uint16_t)(t->port << 8 | b);
		if (++s->pos < 2)
			return TP_PRELUDE_MORE;
		target_finish(t, t->atyp == 0x01 ? AF_INET
				 : t->atyp == 0x04 ? AF_INET6 : 0);
		return ask(t);
	}
}

/* The greeting (VER 5, NMETHODS, METHODS), an RFC 1929 username and
 * password if the proxy chose that (never kept), then the request: VER
 * 5, CMD 1 (CONNECT), RSV, ATYP, DST.ADDR, DST.PORT. */
static enum tp_prelude_step socks5_client(struct tp_tunnel *t,
					  struct tp_tunnel_side *s, uint8_t b)
{
	switch (s->step) {
	case C5_VER:
		s->step = C5_NMETHODS;
		return b == 0x05 ? TP_PRELUDE_MORE : TP_PRELUDE_NOT_OURS;
	case C5_NMETHODS:
		if (b == 0)
			return TP_PRELUDE_NOT_OURS;
		return skip(s, b, C5_NEXT);
	case C5_METHODS:
	case C5_UNAME:
	case C5_PASSWD:
		if (--s->left == 0)
			s->step = s->step == C5_UNAME ? C5_PLEN : C5_NEXT;
		return TP_PRELUDE_MORE;
	case C5_NEXT:
		/* told by the version byte, not by the proxy's choice: the
		 * two directions are read each in its own order */
		if (b == 0x01)
			s->step = C5_ULEN;
		else if (b == 0x05)
			s->step = C5_CMD;
		else
			return TP_PRELUDE_NOT_OURS;
		return TP_PRELUDE_MORE;
	case C5_ULEN:
		return b == 0 ? TP_PRELUDE_NOT_OURS : skip(s, b, C5_PLEN);
	case C5_PLEN:
		return skip(s, b, C5_NEXT);
	case C5_CMD:
		if (b != 0x01)
			return TP_PRELUDE_NOT_OURS;  /* BIND, UDP ASSOCIATE */
		s->step = C5_RSV;
		return TP_PRELUDE_MORE;
	case C5_RSV:
		s->step = C5_ATYP;
		return TP_PRELUDE_MORE;
	default:
		return socks5_address(t, s, b);
	}
}

/* The method choice (VER 5, METHOD), the sub-negotiation's status (VER
 * 1, STATUS 0 success), then the reply: VER 5, REP (0 succeeded), RSV,
 * ATYP, BND.ADDR, BND.PORT. */
static enum tp_prelude_step socks5_server(struct tp_tunnel *t,
					  struct tp_tunnel_side *s, uint8_t b)
{
	int len;

	switch (s->step) {
	case S5_VER:
		s->step = S5_METHOD;
		return b == 0x05 ? TP_PRELUDE_MORE : TP_PRELUDE_NOT_OURS;
	case S5_METHOD:
		if (b == SOCKS5_NO_METHOD)
			return TP_PRELUDE_REFUSED;
		/* GSSAPI and the rest wrap what follows: not followed */
		if (b != SOCKS5_NO_AUTH && b != SOCKS5_USERPASS)
			return TP_PRELUDE_NOT_OURS;
		s->step = b == SOCKS5_USERPASS ? S5_AUTH_VER : S5_REPLY_VER;
		return TP_PRELUDE_MORE;
	case S5_AUTH_VER:
		s->step = S5_AUTH_STATUS;
		return b == 0x01 ? TP_PRELUDE_MORE : TP_PRELUDE_NOT_OURS;
	case S5_AUTH_STATUS:
		s->step = S5_REPLY_VER;
		return b == 0 ? TP_PRELUDE_MORE : TP_PRELUDE_REFUSED;
	case S5_REPLY_VER:
		/* a reply to a request not read is none */
		s->step = S5_REP;
		return b == 0x05 && t->asked ? TP_PRELUDE_MORE
					     : TP_PRELUDE_NOT_OURS;
	case S5_REP:
		s->step = S5_RSV;
		return b == 0 ? TP_PRELUDE_MORE : b <= 0x08 ? TP_PRELUDE_REFUSED
							   : TP_PRELUDE_NOT_OURS;
	case S5_RSV:
		s->step = S5_ATYP;
		return TP_PRELUDE_MORE;
	case S5_ATYP:
		len = atyp_len(b);
		if (len < 0)
			return TP_PRELUDE_NOT_OURS;
		s->left = (uint16_t)(len + 2);  /* and BND.PORT */
		s->step = len > 0 ? S5_BOUND : S5_ALEN;
		return TP_PRELUDE_MORE;
	case S5_ALEN:
		s->left = (uint16_t)(b + 2);
		s->step = S5_BOUND;
		return TP_PRELUDE_MORE;
	default:
		return --s->left == 0 ? TP_PRELUDE_TLS : TP_PRELUDE_MORE;
	}
}

enum tp_prelude_step tp_tunnel_byte(struct tp_tunnel *t, bool from_client,
				    uint8_t b)
{
	struct tp_tunnel_side *s = &t->side[from_client ? 0 : 1];

	/* the proxy answers a request; before it, nothing of it is ours */
	if (!from_client && t->kind != TP_TUNNEL_SOCKS5 && !t->asked)
		return TP_PRELUDE_NOT_OURS;
	switch (t->kind) {
	case TP_TUNNEL_CONNECT:
		return from_client ? http_client(t, s, b) : http_server(s, b);
	case TP_TUNNEL_SOCKS4:
	case TP_TUNNEL_SOCKS4A:
		return from_client ? socks4_client(t, s, b)
				   : socks4_server(s, b);
	default:
		return from_client ? socks5_client(t, s, b)
				   : socks5_server(t, s, b);
	}
}
