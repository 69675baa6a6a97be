/*
 * STARTTLS preludes read off the wire. Lines end at LF (a CR before it
 * is not part of them); XMPP is read tag by tag, LDAP message by
 * message, PostgreSQL's request and answer byte by byte. Of each unit
 * only its first UNIT_KEEP bytes are kept: enough for a reply code, an
 * IMAP tag and command, an element's name, and an LDAP message's ID,
 * operation and OID. What is data rather than commands and replies (an
 * SMTP message, a BDAT chunk, an IMAP literal) is passed over, so that a
 * line in it is never taken for one.
 */
#include <stdlib.h>
#include <string.h>

#include "prelude.h"
#include "tunnel.h"

#define UNIT_KEEP 48
/* The longest IMAP tag followed. */
#define TAG_MAX 32

/* RFC 4511 section 4.14.1: the StartTLS extended operation. */
static const char ldap_starttls_oid[] = "1.3.6.1.4.1.1466.20037";
/* PostgreSQL's SSLRequest and GSSENCRequest: length 8, then the request
 * codes 80877103 and 80877104 (protocol section 53.2.10). */
static const uint8_t pg_ssl_request[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
static const uint8_t pg_gss_request[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30};

enum kind {
	KIND_GREETING,  /* the server spoke first: its first line tells */
	KIND_CODED,     /* SMTP or FTP, replies with 3-digit codes: the
			 * client's command tells which */
	KIND_IMAP,
	KIND_POP3,
	KIND_XMPP,
	KIND_POSTGRES,
	KIND_LDAP,
	KIND_TUNNEL,    /* a proxy's: CONNECT, SOCKS (tunnel.c) */
};

/* One direction. Counts stay under TP_PRELUDE_MAX + 2: a connection
 * may hold this state a long time, so it is kept small. */
struct side {
	uint8_t unit[UNIT_KEEP]; /* the start of the line, tag or message */
	uint16_t unit_len;       /* its length so far (may pass UNIT_KEEP) */
	uint16_t seen;           /* bytes read */
	bool done;               /* its TLS started: nothing more is read */
	bool started;            /* XMPP: its first element was read */
	bool in_unit;            /* XMPP: inside a tag; LDAP: inside a
				  * message's contents */
	uint8_t quote;           /* XMPP: the quote of an open attribute
				  * value, or 0 */
	uint8_t prev;            /* XMPP: the byte before, for "/>" */
	bool open;               /* SMTP/FTP: a multi-line reply goes on;
				  * XMPP: <starttls> or <proceed> awaits
				  * its end tag */
	bool answer;             /* SMTP/FTP: the open reply began after
				  * the upgrade command */
	uint8_t code[3];         /* SMTP/FTP: the open reply's code */
	uint16_t skip;           /* bytes to pass over unread: an IMAP
				  * literal, an SMTP BDAT chunk */
	uint16_t literal;        /* IMAP: the size in a "{n}" or "{n+}"
				  * that may end the line */
	uint8_t literal_state;   /* 0 none, 1 '{', 2 digits, 3 '+', 4 '}' */
	uint8_t ber_head;        /* LDAP: header bytes read */
	uint8_t ber_len_bytes;   /* LDAP: bytes of a long-form length */
	uint32_t ber_left;       /* LDAP: the length, then the contents
				  * still to come */
};

struct tp_prelude {
	uint8_t kind;            /* enum kind */
	uint8_t proto;           /* enum tp_starttls, named by the upgrade
				  * command */
	bool asked;              /* the client sent that command */
	bool failed;             /* refused, or not a prelude */
	bool data;               /* SMTP: the client sends a message, after
				  * the server's 354, up to a line "." */
	uint8_t gss;             /* PostgreSQL: 1 a GSSENCRequest awaits its
				  * answer, 2 it was answered */
	uint32_t ldap_id;        /* LDAP: the StartTLS request's messageID */
	uint8_t tag[TAG_MAX];    /* IMAP: the STARTTLS command's tag */
	uint8_t tag_len;
	struct side side[2];     /* [0] client, [1] server */
	struct tp_tunnel *tunnel;  /* KIND_TUNNEL's reader, else NULL */
};

struct tp_prelude *tp_prelude_new(bool from_client, uint8_t b)
{
	struct tp_prelude *pre;
	struct tp_tunnel tunnel;
	enum kind kind;

	if (from_client && tp_tunnel_start(&tunnel, b))
		kind = KIND_TUNNEL;
	else if (from_client && b == 0x00)
		kind = KIND_POSTGRES;
	else if (from_client && b == 0x30)
		kind = KIND_LDAP;
	else if (from_client && b == '<')
		kind = KIND_XMPP;
	else if (!from_client && (b == '2' || b == '*' || b == '+'))
		kind = KIND_GREETING;
	else
		return NULL;  /* HTTP, SSH, a banner of another protocol */
	pre = calloc(1, sizeof(*pre));
	if (pre == NULL)
		return NULL;
	pre->kind = (uint8_t)kind;
	if (kind == KIND_TUNNEL) {
		pre->tunnel = malloc(sizeof(*pre->tunnel));
		if (pre->tunnel == NULL) {
			free(pre);
			return NULL;
		}
		*pre->tunnel = tunnel;
	}
	return pre;
}

void tp_prelude_free(struct tp_prelude *pre)
{
	if (pre == NULL)
		return;
	free(pre->tunnel);
	free(pre);
}

const struct tp_tunnel *tp_prelude_tunnel(const struct tp_prelude *pre)
{
	return pre->tunnel;
}

enum tp_starttls tp_prelude_protocol(const struct tp_prelude *pre)
{
	return pre->asked ? (enum tp_starttls)pre->proto : TP_STARTTLS_NONE;
}

static void keep(struct side *s, uint8_t b)
{
	if (s->unit_len < UNIT_KEEP)
		s->unit[s->unit_len] = b;
	s->unit_len++;  /* at most TP_PRELUDE_MAX */
}

static size_t kept(const struct side *s)
{
	return s->unit_len < UNIT_KEEP ? s->unit_len : UNIT_KEEP;
}

/* The client's upgrade command was read: its TLS starts next. */
static enum tp_prelude_step ask(struct tp_prelude *pre, enum tp_starttls proto)
{
	pre->asked = true;
	pre->proto = (uint8_t)proto;
	return TP_PRELUDE_TLS;
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

/* p[0..k) is s[0..k) without regard to case. */
static bool same_fold(const uint8_t *p, const char *s, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++)
		if (lower(p[i]) != lower((uint8_t)s[i]))
			return false;
	return true;
}

/* The whole of p[0..n) is word, without regard to case. */
static bool is_word(const uint8_t *p, size_t n, const char *word)
{
	return n == strlen(word) && same_fold(p, word, n);
}

/* p[0..n) starts with word, then a space or its end. */
static bool starts_word(const uint8_t *p, size_t n, const char *word)
{
	size_t k = strlen(word);

	return n >= k && same_fold(p, word, k) && (n == k || p[k] == ' ');
}

/* An element's local name, exactly. */
static bool is_name(const uint8_t *p, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(p, name, n) == 0;
}

/* ---- line protocols ---- */

/* RFC 5321 section 4.2, RFC 959 section 4.2: three digits, the first
 * 1 to 5, then the end, a space, or '-' for a line that is not the
 * reply's last. */
static bool is_code(const uint8_t *p, size_t n)
{
	return n >= 3 && p[0] >= '1' && p[0] <= '5' && p[1] >= '0' &&
	       p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
	       (n == 3 || p[3] == ' ' || p[3] == '-');
}

/* A size in decimal: one more than the bound at most (any more would
 * end the prelude just the same). */
static uint16_t size_digit(uint16_t v, uint8_t digit)
{
	if (v > TP_PRELUDE_MAX / 10)
		return TP_PRELUDE_MAX + 1;
	return (uint16_t)(v * 10 + (digit - '0'));
}

/* The digits at p, as a size to pass over. */
static uint16_t digits(const uint8_t *p, size_t n, size_t *used)
{
	uint16_t v = 0;
	size_t i;

	for (i = 0; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		v = size_digit(v, p[i]);
	*used = i;
	return v;
}

/* An SMTP BDAT command: its chunk is passed over. */
static enum tp_prelude_step chunk(struct side *s, const uint8_t *p, size_t n)
{
	size_t used;
	uint16_t size = digits(p, n, &used);

	if (used > 0 && (used == n || p[used] == ' '))
		s->skip = size;
	return TP_PRELUDE_MORE;
}

/* A client's line: one of the upgrade commands, alone on its line. */
static enum tp_prelude_step command(struct tp_prelude *pre, struct side *s,
				    const uint8_t *line, size_t n)
{
	const uint8_t *sp;
	size_t k;

	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (pre->data) {
		/* RFC 5321 section 4.1.1.4: the message ends at a line "." */
		if (n == 1 && line[0] == '.')
			pre->data = false;
		return TP_PRELUDE_MORE;
	}
	switch (pre->kind) {
	case KIND_CODED:
		/* RFC 3207 section 4; RFC 4217 section 6 (AUTH SSL and
		 * TLS-C are its drafts' names, still in use) */
		if (is_word(line, n, "STARTTLS"))
			return ask(pre, TP_STARTTLS_SMTP);
		if (is_word(line, n, "AUTH TLS") ||
		    is_word(line, n, "AUTH TLS-C") ||
		    is_word(line, n, "AUTH SSL"))
			return ask(pre, TP_STARTTLS_FTP);
		/* RFC 3030 section 2: "BDAT size [LAST]", then size bytes */
		if (n > 5 && same_fold(line, "BDAT ", 5))
			return chunk(s, line + 5, n - 5);
		break;
	case KIND_IMAP:
		/* RFC 3501 section 6.2.1: "tag STARTTLS" */
		sp = memchr(line, ' ', n);
		if (sp == NULL)
			break;
		k = (size_t)(sp - line);
		if (k == 0 || k > TAG_MAX || line[0] == '*' || line[0] == '+' ||
		    !is_word(sp + 1, n - k - 1, "STARTTLS"))
			break;
		memcpy(pre->tag, line, k);
		pre->tag_len = (uint8_t)k;  /* at most TAG_MAX */
		return ask(pre, TP_STARTTLS_IMAP);
	case KIND_POP3:
		/* RFC 2595 section 4 */
		if (is_word(line, n, "STLS"))
			return ask(pre, TP_STARTTLS_POP3);
		break;
	default:
		break;  /* before the greeting: not a command of ours */
	}
	return TP_PRELUDE_MORE;
}

/* The end of an SMTP or FTP reply: the go-ahead is 220 for SMTP
 * (RFC 3207 section 4), 234 for FTP (RFC 4217 section 6); any other
 * answer to the command refuses it. */
static enum tp_prelude_step coded_end(struct tp_prelude *pre, bool answer,
				      const uint8_t *line)
{
	/* RFC 5321 section 4.1.1.4: 354, the message follows */
	if (memcmp(line, "354", 3) == 0)
		pre->data = true;
	if (!answer)
		return TP_PRELUDE_MORE;
	return memcmp(line, pre->proto == TP_STARTTLS_SMTP ? "220" : "234",
		      3) == 0 ? TP_PRELUDE_TLS : TP_PRELUDE_REFUSED;
}

/* SMTP and FTP replies: a multi-line one opens with "ddd-" and ends
 * with the line "ddd " of the same code (FTP allows any text between);
 * the first that begins after the command answers it. */
static enum tp_prelude_step coded_reply(struct tp_prelude *pre,
					struct side *s, const uint8_t *line,
					size_t n)
{
	if (s->open) {
		if (is_code(line, n) && memcmp(line, s->code, 3) == 0 &&
		    (n == 3 || line[3] == ' ')) {
			s->open = false;
			return coded_end(pre, s->answer, line);
		}
		return TP_PRELUDE_MORE;
	}
	if (!is_code(line, n))
		return TP_PRELUDE_NOT_OURS;
	if (n > 3 && line[3] == '-') {
		s->open = true;
		s->answer = pre->asked;
		memcpy(s->code, line, 3);
		return TP_PRELUDE_MORE;
	}
	return coded_end(pre, pre->asked, line);
}

/* A server's line. */
static enum tp_prelude_step reply(struct tp_prelude *pre, struct side *s,
				  const uint8_t *line, size_t n)
{
	const uint8_t *rest;
	size_t k;

	if (pre->kind == KIND_GREETING) {
		/* RFC 5321 section 4.3.1 and RFC 959 section 5.4 (220),
		 * RFC 3501 section 7.1.1, RFC 1939 section 4 */
		if (is_code(line, n) && memcmp(line, "220", 3) == 0)
			pre->kind = KIND_CODED;
		else if (starts_word(line, n, "* OK"))
			pre->kind = KIND_IMAP;
		else if (starts_word(line, n, "+OK"))
			pre->kind = KIND_POP3;
		else
			return TP_PRELUDE_NOT_OURS;
	}
	switch (pre->kind) {
	case KIND_CODED:
		return coded_reply(pre, s, line, n);
	case KIND_IMAP:
		/* untagged data and other commands' results go by; the
		 * command's own tagged result answers it */
		if (!pre->asked)
			return TP_PRELUDE_MORE;
		if (starts_word(line, n, "* BYE"))
			return TP_PRELUDE_REFUSED;
		k = pre->tag_len;
		if (n <= k || memcmp(line, pre->tag, k) != 0 || line[k] != ' ')
			return TP_PRELUDE_MORE;
		rest = line + k + 1;
		if (starts_word(rest, n - k - 1, "OK"))
			return TP_PRELUDE_TLS;
		if (starts_word(rest, n - k - 1, "NO") ||
		    starts_word(rest, n - k - 1, "BAD"))
			return TP_PRELUDE_REFUSED;
		return TP_PRELUDE_MORE;
	case KIND_POP3:
		if (!pre->asked)
			return TP_PRELUDE_MORE;
		if (starts_word(line, n, "+OK"))
			return TP_PRELUDE_TLS;
		if (starts_word(line, n, "-ERR"))
			return TP_PRELUDE_REFUSED;
		return TP_PRELUDE_MORE;
	default:
		return TP_PRELUDE_NOT_OURS;
	}
}

/* RFC 3501 section 4.3: a line that ends with "{n}" (or "{n+}",
 * RFC 7888) is followed by n bytes of a literal. */
static void literal_byte(struct side *s, uint8_t b)
{
	if (b == '{') {
		s->literal = 0;
		s->literal_state = 1;
	} else if (b >= '0' && b <= '9' &&
		   (s->literal_state == 1 || s->literal_state == 2)) {
		s->literal = size_digit(s->literal, b);
		s->literal_state = 2;
	} else if (b == '+' && s->literal_state == 2) {
		s->literal_state = 3;
	} else if (b == '}' && (s->literal_state == 2 ||
				s->literal_state == 3)) {
		s->literal_state = 4;
	} else if (!(b == '\r' && s->literal_state == 4)) {
		s->literal_state = 0;
	}
}

static enum tp_prelude_step text_byte(struct tp_prelude *pre, struct side *s,
				      bool client, uint8_t b)
{
	size_t n;
	bool whole;

	if (s->skip > 0) {
		s->skip--;
		return TP_PRELUDE_MORE;
	}
	/* a control character: binary, no text protocol */
	if ((b < 0x20 && b != '\t' && b != '\r' && b != '\n') || b == 0x7f)
		return TP_PRELUDE_NOT_OURS;
	if (b != '\n') {
		keep(s, b);
		if (pre->kind == KIND_IMAP)
			literal_byte(s, b);
		return TP_PRELUDE_MORE;
	}
	if (s->literal_state == 4)
		s->skip = s->literal;
	s->literal_state = 0;
	whole = s->unit_len <= UNIT_KEEP;
	n = kept(s);
	s->unit_len = 0;
	if (whole && n > 0 && s->unit[n - 1] == '\r')
		n--;
	if (client)
		/* no upgrade command is that long */
		return whole ? command(pre, s, s->unit, n) : TP_PRELUDE_MORE;
	return reply(pre, s, s->unit, n);
}

/* ---- XMPP (RFC 6120) ---- */

/* A whole tag is in s->unit (its start): the client's <starttls/>
 * (section 5.4.2.1), the server's <proceed/> or <failure/> (sections
 * 5.4.2.2, 5.4.2.3). */
static enum tp_prelude_step xmpp_tag(struct tp_prelude *pre, struct side *s,
				     bool client, bool empty)
{
	const uint8_t *u = s->unit, *name;
	size_t n = kept(s), k, i;
	bool closing;

	/* the XML declaration; comments are not allowed (section 11.1) */
	if (n >= 2 && (u[1] == '?' || u[1] == '!'))
		return TP_PRELUDE_MORE;
	closing = n >= 2 && u[1] == '/';
	name = u + 1 + closing;
	for (k = 0; name + k < u + n; k++)
		if (name[k] == ' ' || name[k] == '\t' || name[k] == '\r' ||
		    name[k] == '\n' || name[k] == '/' || name[k] == '>')
			break;
	/* the local name: a prefix ("stream:") is not part of it */
	for (i = k; i > 0 && name[i - 1] != ':'; i--)
		;
	name += i;
	k -= i;
	if (!s->started) {
		/* section 4.2: each direction opens with its stream header */
		s->started = true;
		return !closing && is_name(name, k, "stream")
		       ? TP_PRELUDE_MORE : TP_PRELUDE_NOT_OURS;
	}
	if (client) {
		if (!is_name(name, k, "starttls") || (closing && !s->open))
			return TP_PRELUDE_MORE;
		if (!closing && !empty) {
			s->open = true;  /* <starttls …></starttls> */
			return TP_PRELUDE_MORE;
		}
		s->open = false;
		return ask(pre, TP_STARTTLS_XMPP);
	}
	if (!pre->asked)
		return TP_PRELUDE_MORE;
	if (is_name(name, k, "proceed")) {
		if (closing && !s->open)
			return TP_PRELUDE_MORE;
		if (!closing && !empty) {
			s->open = true;
			return TP_PRELUDE_MORE;
		}
		return TP_PRELUDE_TLS;
	}
	if (is_name(name, k, "failure") || is_name(name, k, "error") ||
	    (closing && is_name(name, k, "stream")))
		return TP_PRELUDE_REFUSED;
	return TP_PRELUDE_MORE;
}

static enum tp_prelude_step xmpp_byte(struct tp_prelude *pre, struct side *s,
				      bool client, uint8_t b)
{
	/* XML 1.0 section 2.2: no other control character */
	if (b < 0x20 && b != '\t' && b != '\r' && b != '\n')
		return TP_PRELUDE_NOT_OURS;
	if (!s->in_unit) {
		if (b == '<') {
			s->in_unit = true;
			s->quote = 0;
			s->unit_len = 0;
			keep(s, b);
			s->prev = b;
			return TP_PRELUDE_MORE;
		}
		/* element content; before the first element, white space
		 * only */
		if (!s->started && b != ' ' && b != '\t' && b != '\r' &&
		    b != '\n')
			return TP_PRELUDE_NOT_OURS;
		return TP_PRELUDE_MORE;
	}
	keep(s, b);
	if (s->quote != 0) {
		if (b == s->quote)
			s->quote = 0;
	} else if (b == '\'' || b == '"') {
		s->quote = b;
	} else if (b == '<') {
		return TP_PRELUDE_NOT_OURS;
	} else if (b == '>') {
		s->in_unit = false;
		return xmpp_tag(pre, s, client, s->prev == '/');
	}
	s->prev = b;
	return TP_PRELUDE_MORE;
}

/* ---- PostgreSQL ---- */

/* The client sends SSLRequest (after a GSSENCRequest the server turned
 * down, at most one); one byte answers each request: 'S' go ahead, 'N'
 * no, an ErrorResponse 'E' from a server that knows neither. */
static enum tp_prelude_step postgres_byte(struct tp_prelude *pre,
					  struct side *s, bool client,
					  uint8_t b)
{
	if (client) {
		keep(s, b);
		if (s->unit_len < sizeof(pg_ssl_request))
			return TP_PRELUDE_MORE;
		s->unit_len = 0;
		if (memcmp(s->unit, pg_ssl_request, 8) == 0)
			return ask(pre, TP_STARTTLS_POSTGRES);
		if (memcmp(s->unit, pg_gss_request, 8) == 0 && pre->gss == 0) {
			pre->gss = 1;
			return TP_PRELUDE_MORE;
		}
		return TP_PRELUDE_NOT_OURS;  /* a StartupMessage: no TLS */
	}
	if (pre->gss == 1) {
		/* 'G' starts GSSAPI encryption: no TLS */
		if (b != 'N')
			return TP_PRELUDE_NOT_OURS;
		pre->gss = 2;
		return TP_PRELUDE_MORE;
	}
	if (!pre->asked)
		return TP_PRELUDE_NOT_OURS;
	if (b == 'S')
		return TP_PRELUDE_TLS;
	return b == 'N' || b == 'E' ? TP_PRELUDE_REFUSED : TP_PRELUDE_NOT_OURS;
}

/* ---- LDAP (RFC 4511; BER as in X.690) ---- */

/* A BER tag and definite length at *off, within n bytes (the value may
 * go past them); -1 when the header does not fit. */
static int ber_head(const uint8_t *u, size_t n, size_t *off, unsigned *tag,
		    size_t *len)
{
	size_t o = *off, k, v;

	if (n < 2 || o > n - 2)
		return -1;
	*tag = u[o];
	v = u[o + 1];
	o += 2;
	if (v & 0x80) {
		k = v & 0x7f;
		if (k == 0 || k > 4 || k > n - o)
			return -1;
		for (v = 0; k > 0; k--)
			v = v << 8 | u[o++];
	}
	*off = o;
	*len = v;
	return 0;
}

/* An INTEGER or ENUMERATED (tag want) of 1 to 4 bytes, whole within n. */
static int ber_uint(const uint8_t *u, size_t n, size_t *off, unsigned want,
		    uint32_t *v)
{
	unsigned tag;
	size_t len, i;

	if (ber_head(u, n, off, &tag, &len) < 0 || tag != want || len == 0 ||
	    len > 4 || len > n - *off)
		return -1;
	for (*v = 0, i = 0; i < len; i++)
		*v = *v << 8 | u[*off + i];
	*off += len;
	return 0;
}

/* The start of a whole LDAPMessage's contents: messageID, then the
 * protocolOp (section 4.2). */
static enum tp_prelude_step ldap_message(struct tp_prelude *pre, bool client,
					 const uint8_t *u, size_t n)
{
	size_t off = 0, len;
	unsigned op, tag;
	uint32_t id, result;

	if (ber_uint(u, n, &off, 0x02, &id) < 0 ||
	    ber_head(u, n, &off, &op, &len) < 0)
		return TP_PRELUDE_NOT_OURS;
	if (client) {
		/* ExtendedRequest [APPLICATION 23], its requestName [0]
		 * first (section 4.12) */
		if (op != 0x77 || ber_head(u, n, &off, &tag, &len) < 0 ||
		    tag != 0x80 || len != sizeof(ldap_starttls_oid) - 1 ||
		    len > n - off ||
		    memcmp(u + off, ldap_starttls_oid, len) != 0)
			return TP_PRELUDE_MORE;
		pre->ldap_id = id;
		return ask(pre, TP_STARTTLS_LDAP);
	}
	/* ExtendedResponse [APPLICATION 24]: its resultCode first */
	if (op != 0x78 || !pre->asked)
		return TP_PRELUDE_MORE;
	/* messageID 0: a Notice of Disconnection (section 4.4.1) */
	if (id == 0)
		return TP_PRELUDE_REFUSED;
	if (id != pre->ldap_id)
		return TP_PRELUDE_MORE;
	if (ber_uint(u, n, &off, 0x0a, &result) < 0)
		return TP_PRELUDE_NOT_OURS;
	return result == 0 ? TP_PRELUDE_TLS : TP_PRELUDE_REFUSED;
}

static enum tp_prelude_step ldap_byte(struct tp_prelude *pre, struct side *s,
				      bool client, uint8_t b)
{
	if (!s->in_unit) {
		/* a SEQUENCE with a definite length (section 5.1) */
		s->ber_head++;
		if (s->ber_head == 1)
			return b == 0x30 ? TP_PRELUDE_MORE : TP_PRELUDE_NOT_OURS;
		if (s->ber_head == 2 && (b & 0x80) != 0) {
			if (b == 0x80 || b > 0x84)
				return TP_PRELUDE_NOT_OURS;
			s->ber_len_bytes = b & 0x7f;
			s->ber_left = 0;
			return TP_PRELUDE_MORE;
		}
		s->ber_left = s->ber_head == 2 ? b : s->ber_left << 8 | b;
		if (s->ber_head < 2 + s->ber_len_bytes)
			return TP_PRELUDE_MORE;
		/* a message longer than a prelude may be is none */
		if (s->ber_left == 0 || s->ber_left > TP_PRELUDE_MAX)
			return TP_PRELUDE_NOT_OURS;
		s->in_unit = true;
		s->ber_head = 0;
		s->ber_len_bytes = 0;
		s->unit_len = 0;
		return TP_PRELUDE_MORE;
	}
	keep(s, b);
	if (--s->ber_left > 0)
		return TP_PRELUDE_MORE;
	s->in_unit = false;
	return ldap_message(pre, client, s->unit, kept(s));
}

/* ---- reading ---- */

static enum tp_prelude_step one_byte(struct tp_prelude *pre, struct side *s,
				     bool client, uint8_t b)
{
	switch (pre->kind) {
	case KIND_XMPP:
		return xmpp_byte(pre, s, client, b);
	case KIND_POSTGRES:
		return postgres_byte(pre, s, client, b);
	case KIND_LDAP:
		return ldap_byte(pre, s, client, b);
	case KIND_TUNNEL:
		return tp_tunnel_byte(pre->tunnel, client, b);
	default:
		return text_byte(pre, s, client, b);
	}
}

size_t tp_prelude_read(struct tp_prelude *pre, bool from_client,
		       const uint8_t *p, size_t n, enum tp_prelude_step *step)
{
	struct side *s = &pre->side[from_client ? 0 : 1];
	enum tp_prelude_step next = TP_PRELUDE_MORE;
	size_t i;

	if (pre->failed || s->done) {
		*step = TP_PRELUDE_NOT_OURS;
		return n;
	}
	for (i = 0; i < n && next == TP_PRELUDE_MORE; i++) {
		if (s->seen == TP_PRELUDE_MAX) {
			next = TP_PRELUDE_NOT_OURS;
			break;
		}
		s->seen++;
		next = one_byte(pre, s, from_client, p[i]);
	}
	if (next == TP_PRELUDE_TLS)
		s->done = true;
	else if (next != TP_PRELUDE_MORE)
		pre->failed = true;
	*step = next;
	return next == TP_PRELUDE_TLS ? i : n;
}
