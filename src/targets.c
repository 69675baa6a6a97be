/* The targets reader of many-target runs: lines of targets, address
 * blocks and nmap's -oG/-oX output, streamed; shards by stable hash.
 * Host and port syntax is addr.c's: this file only finds the pieces. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "targets.h"

/* A bitmap of every port: 65536 bits. */
#define PORT_BYTES 8192
/* A tag name we look at is short; its attributes are bounded too. */
#define TAG_NAME_MAX 32
#define TAG_ATTRS_MAX TP_TARGETS_LINE_MAX
/* With allow_large a block may hold up to 2^32 addresses: more than any
 * run finishes; beyond that the line is a mistake (an IPv6 /64). */
#define BLOCK_BITS_LARGE 32

enum pending {
	PEND_NONE,
	PEND_BLOCK, /* addresses of tmpl's block still to give */
	PEND_PORTS, /* open ports of tmpl's address still to give */
};

/* The state of the <host> element being read (nmap XML). */
struct xml_host {
	bool inside;
	unsigned long line;
	bool has_address;
	struct sockaddr_storage address;
	char name[TP_ADDR_NAME_SIZE];
	unsigned port;            /* the <port> being read, 0 none */
	char fault[160];          /* the first thing wrong in it */
};

/* A start or end tag of nmap XML, as much of it as is kept. */
struct xml_tag {
	char name[TAG_NAME_MAX];  /* "host", "/host", "port" … */
	char attrs[TAG_ATTRS_MAX + 1];
	bool too_long;            /* attributes were cut */
};

struct tp_targets {
	FILE *f;
	bool own;                 /* fclose at the end */
	bool done;                /* end of file, or reading failed */
	enum tp_targets_format format;
	bool format_known;        /* list or -oG: decided at the first line */
	unsigned default_port;
	enum tp_starttls starttls;
	bool allow_large;
	unsigned long line;       /* lines read so far */
	int pushed[4];            /* bytes read ahead, last first */
	unsigned npushed;
	char buf[TP_TARGETS_LINE_MAX + 2];
	unsigned char *filter;    /* ports to keep (nmap), NULL: all */
	unsigned char *open;      /* the record's open ports */
	unsigned open_lo, open_hi;
	enum pending pending;
	struct tp_targets_entry tmpl;
	struct tp_addr_block block;
	uint64_t next_index, count;
	unsigned next_port;
	struct xml_host xh;
	struct xml_tag tag;
	char name[64];            /* the file, for messages */
};

static bool bit_get(const unsigned char *map, unsigned i)
{
	return (map[i >> 3] >> (i & 7)) & 1;
}

static void bit_set(unsigned char *map, unsigned i)
{
	map[i >> 3] |= (unsigned char)(1u << (i & 7));
}

/* ---- bytes ---- */

static int rd(struct tp_targets *t)
{
	if (t->npushed > 0)
		return t->pushed[--t->npushed];
	return getc_unlocked(t->f);
}

static void unrd(struct tp_targets *t, int c)
{
	if (c != EOF && t->npushed < 4)
		t->pushed[t->npushed++] = c;
}

/*
 * Skips a UTF-8 BOM and the blank space before the first content, then
 * looks at its first byte: '<' is nmap's XML. Whether a text file is a
 * list or nmap's greppable output is seen at its first line.
 */
static void detect(struct tp_targets *t)
{
	int c = rd(t), c2, c3;

	if (c == 0xef) {
		c2 = rd(t);
		c3 = c2 == 0xbb ? rd(t) : EOF;
		if (c2 != 0xbb || c3 != 0xbf) {
			unrd(t, c3);
			unrd(t, c2);
			unrd(t, c);
			return;
		}
		c = rd(t);
	}
	while (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
		if (c == '\n')
			t->line++;
		c = rd(t);
	}
	unrd(t, c);
	if (c == '<') {
		t->format = TP_TARGETS_NMAP_XML;
		t->format_known = true;
	}
}

/* ---- opening ---- */

/* "443,8443,9000-9010" into a bitmap. */
static int parse_ports(const char *spec, unsigned char *map,
		       struct tp_error *err)
{
	char label[96], item[16];
	const char *p = spec, *comma, *dash;
	unsigned lo, hi, i;
	size_t n;

	snprintf(label, sizeof(label), "ports filter '%.*s%s'",
		 (int)tp_utf8_prefix(spec, 48), spec,
		 strlen(spec) > 48 ? "…" : "");
	for (;;) {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (n == 0 || n >= sizeof(item)) {
			tp_error_set(err, TP_ERR_USAGE, "%s: expected ports "
				     "and ranges such as 443,8443,9000-9010",
				     label);
			return -1;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		dash = strchr(item, '-');
		if (dash != NULL) {
			item[dash - item] = '\0';
			if (tp_addr_parse_port(label, item, 1, &lo, err) < 0 ||
			    tp_addr_parse_port(label, dash + 1, 1, &hi,
					       err) < 0)
				return -1;
			if (lo > hi) {
				tp_error_set(err, TP_ERR_USAGE, "%s: range "
					     "%u-%u runs backwards", label, lo,
					     hi);
				return -1;
			}
		} else if (tp_addr_parse_port(label, item, 1, &lo, err) < 0) {
			return -1;
		} else {
			hi = lo;
		}
		for (i = lo; i <= hi; i++)
			bit_set(map, i);
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

struct tp_targets *tp_targets_open_stream(FILE *f, const char *name,
					  const struct tp_targets_opts *opts,
					  struct tp_error *err)
{
	struct tp_targets *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->open = calloc(1, PORT_BYTES)) == NULL)
		goto oom;
	t->f = f;
	snprintf(t->name, sizeof(t->name), "%.*s%s",
		 (int)tp_utf8_prefix(name, 48), name,
		 strlen(name) > 48 ? "…" : "");
	t->format = TP_TARGETS_LIST;
	t->starttls = opts != NULL ? opts->starttls : TP_STARTTLS_NONE;
	t->default_port = opts != NULL ? opts->default_port : 0;
	if (t->default_port == 0)
		t->default_port = t->starttls != TP_STARTTLS_NONE
				  ? tp_starttls_default_port(t->starttls) : 443;
	t->allow_large = opts != NULL && opts->allow_large;
	t->open_lo = 65536;
	if (opts != NULL && opts->ports != NULL && opts->ports[0] != '\0') {
		t->filter = calloc(1, PORT_BYTES);
		if (t->filter == NULL)
			goto oom;
		if (parse_ports(opts->ports, t->filter, err) < 0) {
			tp_targets_close(t);
			return NULL;
		}
	}
	detect(t);
	return t;
oom:
	tp_targets_close(t);
	tp_error_set(err, TP_ERR_RUNTIME, "out of memory opening the "
		     "targets");
	return NULL;
}

struct tp_targets *tp_targets_open(const char *path,
				   const struct tp_targets_opts *opts,
				   struct tp_error *err)
{
	struct tp_targets *t;
	FILE *f;

	if (strcmp(path, "-") == 0)
		return tp_targets_open_stream(stdin, "stdin", opts, err);
	f = fopen(path, "r");
	if (f == NULL) {
		/* a file that cannot be read is the user's to fix; memory
		 * that runs out is not */
		tp_error_set(err, errno == ENOMEM ? TP_ERR_RUNTIME
			     : TP_ERR_USAGE, "targets file '%.*s': %s",
			     (int)tp_utf8_prefix(path, 200), path,
			     strerror(errno));
		return NULL;
	}
	t = tp_targets_open_stream(f, path, opts, err);
	if (t == NULL) {
		fclose(f);
		return NULL;
	}
	t->own = true;
	return t;
}

void tp_targets_close(struct tp_targets *t)
{
	if (t == NULL)
		return;
	if (t->own && t->f != NULL)
		fclose(t->f);
	free(t->filter);
	free(t->open);
	free(t);
}

enum tp_targets_format tp_targets_format(const struct tp_targets *t)
{
	return t->format;
}

/* ---- expansions: a block's addresses, a host's open ports ---- */

static void address_literal(struct tp_targets_entry *out)
{
	tp_addr_format_host((const struct sockaddr *)&out->address, out->host,
			    sizeof(out->host));
}

/* The next of a pending expansion into out; false when it is over. */
static bool next_pending(struct tp_targets *t, struct tp_targets_entry *out)
{
	unsigned p;

	if (t->pending == PEND_BLOCK) {
		if (t->next_index >= t->count) {
			t->pending = PEND_NONE;
			return false;
		}
		*out = t->tmpl;
		tp_addr_block_nth(&t->block, (uint32_t)t->next_index++,
				  t->tmpl.port, &out->address);
		out->has_address = true;
		address_literal(out);
		return true;
	}
	if (t->pending == PEND_PORTS) {
		for (p = t->next_port; p <= t->open_hi; p++)
			if (bit_get(t->open, p))
				break;
		if (p > t->open_hi) {
			/* clear only what was set: a host costs its ports */
			if (t->open_lo <= t->open_hi)
				memset(t->open + (t->open_lo >> 3), 0,
				       (t->open_hi >> 3) -
				       (t->open_lo >> 3) + 1);
			t->open_lo = 65536;
			t->open_hi = 0;
			t->pending = PEND_NONE;
			return false;
		}
		t->next_port = p + 1;
		*out = t->tmpl;
		out->port = p;
		tp_addr_set_port(&out->address, p);
		return true;
	}
	return false;
}

/* An open TCP port of an nmap record, if the filter keeps it. */
static void port_open(struct tp_targets *t, unsigned port)
{
	if (port == 0 || port > 65535 ||
	    (t->filter != NULL && !bit_get(t->filter, port)))
		return;
	bit_set(t->open, port);
	if (port < t->open_lo)
		t->open_lo = port;
	if (port > t->open_hi)
		t->open_hi = port;
}

static bool ports_pending(struct tp_targets *t)
{
	if (t->open_lo > t->open_hi)
		return false;
	t->pending = PEND_PORTS;
	t->next_port = t->open_lo;
	return true;
}

/* ---- lines ---- */

/*
 * Reads one line into buf (without its LF or CRLF). 1 with *len, 0 at
 * the end, -1 on a read error. A line over TP_TARGETS_LINE_MAX bytes
 * is read to its end but not kept: *too_long.
 */
static int read_line(struct tp_targets *t, size_t *len, bool *too_long)
{
	size_t n = 0;
	int c;

	*too_long = false;
	while ((c = rd(t)) != EOF && c != '\n') {
		if (n < TP_TARGETS_LINE_MAX + 1)
			t->buf[n++] = (char)c;
		else
			*too_long = true;
	}
	if (c == EOF) {
		if (ferror(t->f))
			return -1;
		if (n == 0 && !*too_long)
			return 0;
	}
	t->line++;
	if (!*too_long && n > 0 && t->buf[n - 1] == '\r')
		n--;
	if (n > TP_TARGETS_LINE_MAX)
		*too_long = true;
	t->buf[n] = '\0';
	*len = n;
	return 1;
}

/* Why the bytes of a line cannot be a target's, or NULL: a NUL or
 * another control byte (a tab separates words). */
static bool line_controls(const char *line, size_t len, struct tp_error *err)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)line[i];
		if (c == 0) {
			tp_error_set(err, TP_ERR_USAGE, "a NUL byte at byte "
				     "%zu", i + 1);
			return true;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			tp_error_set(err, TP_ERR_USAGE, "control character "
				     "0x%02x at byte %zu", c, i + 1);
			return true;
		}
	}
	return false;
}

/* The words after a target: sni=NAME, starttls=PROTO. */
static int line_words(char *save, struct tp_targets_entry *out, bool *has_proto,
		      struct tp_error *err)
{
	char *word;
	bool has_sni = false;

	*has_proto = false;
	while ((word = strtok_r(NULL, " \t", &save)) != NULL) {
		if (strncmp(word, "sni=", 4) == 0 && !has_sni) {
			if (tp_addr_check_name("sni=", word + 4, out->sni,
					       err) < 0)
				return -1;
			/* RFC 6066 section 3: no literal addresses in SNI */
			if (tp_addr_is_literal(out->sni)) {
				tp_error_set(err, TP_ERR_USAGE, "sni=%s: an "
					     "address, not a host name",
					     out->sni);
				return -1;
			}
			has_sni = true;
		} else if (strncmp(word, "starttls=", 9) == 0 && !*has_proto) {
			if (tp_starttls_parse(word + 9, &out->starttls) < 0) {
				tp_error_set(err, TP_ERR_USAGE, "starttls=%.*s: "
					     "unknown protocol (smtp, imap, "
					     "pop3, ftp, xmpp, postgres, ldap)",
					     (int)tp_utf8_prefix(word + 9, 32),
					     word + 9);
				return -1;
			}
			*has_proto = true;
		} else {
			tp_error_set(err, TP_ERR_USAGE, "%s word '%.*s' "
				     "(expected sni=NAME or starttls=PROTO, "
				     "each once)",
				     has_sni || *has_proto ? "unexpected"
				     : "unknown", (int)tp_utf8_prefix(word, 48),
				     word);
			return -1;
		}
	}
	return 0;
}

/* A block's addresses as pending, if the block is not too large. */
static int block_pending(struct tp_targets *t, const char *spec,
			 unsigned port_default, struct tp_error *err)
{
	int cut = (int)tp_utf8_prefix(spec, 48);
	unsigned bits;

	if (tp_addr_parse_block("block", spec, port_default, &t->block,
				&t->tmpl.port, err) < 0)
		return -1;
	bits = tp_addr_block_bits(&t->block);
	if (t->block.prefix == 0) {
		tp_error_set(err, TP_ERR_USAGE, "block '%.*s': /0 is every "
			     "address there is", cut, spec);
		return -1;
	}
	if (bits > BLOCK_BITS_LARGE) {
		tp_error_set(err, TP_ERR_USAGE, "block '%.*s': 2^%u addresses, "
			     "more than any run can probe (at most 2^%d)", cut,
			     spec, bits, BLOCK_BITS_LARGE);
		return -1;
	}
	if (bits > 16 && !t->allow_large) {
		tp_error_set(err, TP_ERR_USAGE, "block '%.*s': 2^%u addresses, "
			     "more than the %u one line may expand to unless "
			     "large blocks are allowed", cut, spec, bits,
			     TP_TARGETS_BLOCK_MAX);
		return -1;
	}
	t->count = (uint64_t)1 << bits;
	t->next_index = 0;
	t->pending = PEND_BLOCK;
	return 1;
}

/* A line of a target list: 1 with out (or an expansion pending), 0 for
 * nothing (blank, comment), -1 bad. line is changed. */
static int list_line(struct tp_targets *t, char *line,
		     struct tp_targets_entry *out, struct tp_error *err)
{
	char *save = NULL, *spec, *host = NULL, *hash;
	unsigned port_default;
	bool has_proto;
	size_t n;

	hash = strchr(line, '#');
	if (hash != NULL)
		*hash = '\0';
	spec = strtok_r(line, " \t", &save);
	if (spec == NULL)
		return 0;
	out->starttls = t->starttls;
	if (line_words(save, out, &has_proto, err) < 0)
		return -1;
	port_default = has_proto && out->starttls != t->starttls
		       ? tp_starttls_default_port(out->starttls)
		       : t->default_port;
	if (strchr(spec, '/') != NULL) {
		t->tmpl = *out;
		return block_pending(t, spec, port_default, err);
	}
	if (tp_addr_parse_option("target", spec, port_default, &host,
				 &out->port, err) < 0)
		return -1;
	n = strlen(host);
	if (n >= sizeof(out->host)) {
		tp_error_set(err, TP_ERR_USAGE, "target: host too long");
		free(host);
		return -1;
	}
	memcpy(out->host, host, n + 1);
	free(host);
	return 1;
}

/* ---- nmap -oG ---- */

/* An address as nmap wrote it into out's address and host. */
static bool nmap_address(const char *s, unsigned port,
			 struct tp_targets_entry *out)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&out->address;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->address;

	memset(&out->address, 0, sizeof(out->address));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1)
		s6->sin6_family = AF_INET6;
	else
		return false;
	tp_addr_set_port(&out->address, port);
	out->has_address = true;
	address_literal(out);
	return true;
}

/* nmap's name for a host, kept only when it is a usable name. */
static void nmap_name(const char *name, size_t len, char *out)
{
	struct tp_error ignored = {0};
	char copy[TP_ADDR_NAME_SIZE];

	out[0] = '\0';
	if (len == 0 || len >= sizeof(copy))
		return;
	memcpy(copy, name, len);
	copy[len] = '\0';
	if (tp_addr_check_name("name", copy, out, &ignored) < 0 ||
	    tp_addr_is_literal(out))
		out[0] = '\0';
}

/* One "PORT/STATE/PROTO/OWNER/SERVICE/RPC/VERSION/" entry. */
static int grep_port(struct tp_targets *t, const char *entry, size_t len,
		     struct tp_error *err)
{
	char port[8];
	const char *slash = memchr(entry, '/', len);
	size_t n = slash != NULL ? (size_t)(slash - entry) : len;
	unsigned v;

	/* nmap's version field may hold ", ": what follows one is no
	 * entry of its own */
	if (entry[0] < '0' || entry[0] > '9')
		return 0;
	if (slash == NULL || n >= sizeof(port)) {
		tp_error_set(err, TP_ERR_USAGE, "Ports: entry '%.*s' is not "
			     "PORT/STATE/PROTOCOL/…",
			     (int)tp_utf8_prefix(entry, len < 48 ? len : 48),
			     entry);
		return -1;
	}
	memcpy(port, entry, n);
	port[n] = '\0';
	if (tp_addr_parse_port("Ports:", port, 1, &v, err) < 0)
		return -1;
	len -= n + 1;
	if (len >= 9 && memcmp(slash + 1, "open/tcp/", 9) == 0)
		port_open(t, v);
	return 0;
}

/* A line of nmap -oG: "Host: ADDR (NAME)<TAB>Ports: 443/open/tcp//https///,
 * …". Lines without Ports (Status) and comments give nothing. */
static int grep_line(struct tp_targets *t, char *line,
		     struct tp_targets_entry *out, struct tp_error *err)
{
	char *addr, *end, *ports, *entry, *next;
	char *open_paren, *close_paren;

	if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
		return 0;
	if (strncmp(line, "Host: ", 6) != 0) {
		tp_error_set(err, TP_ERR_USAGE, "not a line of nmap's "
			     "greppable output (expected 'Host: ')");
		return -1;
	}
	ports = strstr(line, "\tPorts: ");
	if (ports == NULL)
		return 0;
	*ports = '\0';
	ports += 8;
	addr = line + 6;
	end = addr + strcspn(addr, " \t");
	open_paren = strchr(end, '(');
	close_paren = open_paren != NULL ? strchr(open_paren, ')') : NULL;
	if (close_paren != NULL)
		nmap_name(open_paren + 1,
			  (size_t)(close_paren - open_paren - 1), out->name);
	*end = '\0';
	out->starttls = t->starttls;
	if (!nmap_address(addr, 0, out)) {
		tp_error_set(err, TP_ERR_USAGE, "Host: '%.*s' is not an IPv4 "
			     "or IPv6 address", (int)tp_utf8_prefix(addr, 48),
			     addr);
		return -1;
	}
	ports[strcspn(ports, "\t")] = '\0';
	for (entry = ports; *entry != '\0'; entry = next) {
		entry += strspn(entry, " ");
		next = strchr(entry, ',');
		if (next == NULL)
			next = entry + strlen(entry);
		/* a bad entry is reported; the next ones are still read */
		if (next > entry)
			grep_port(t, entry, (size_t)(next - entry), err);
		if (*next == ',')
			next++;
	}
	t->tmpl = *out;
	/* a bad entry spoils only itself: the others follow its record */
	if (err->kind != TP_ERR_NONE) {
		ports_pending(t);
		return -1;
	}
	return ports_pending(t) ? 1 : 0;
}

/* ---- the text formats ---- */

/* The next line's record: 1 target or expansion, -1 bad, 0 at the end,
 * -2 reading failed. */
static int text_next(struct tp_targets *t, struct tp_targets_entry *out,
		     struct tp_error *err)
{
	size_t len, skip;
	bool too_long;
	int rc;

	for (;;) {
		rc = read_line(t, &len, &too_long);
		if (rc <= 0)
			return rc < 0 ? -2 : 0;
		memset(out, 0, sizeof(*out));
		out->line = t->line;
		tp_sanitize_into(out->text, sizeof(out->text), t->buf,
				 too_long ? TP_TARGETS_LINE_MAX : len);
		if (too_long) {
			tp_error_set(err, TP_ERR_USAGE, "line longer than %d "
				     "bytes", TP_TARGETS_LINE_MAX);
			return -1;
		}
		if (line_controls(t->buf, len, err))
			return -1;
		skip = strspn(t->buf, " \t");
		if (!t->format_known && t->buf[skip] != '\0') {
			t->format_known = true;
			/* "# Nmap 7.94 scan initiated …", not any comment
			 * that names nmap */
			if ((strncmp(t->buf, "# Nmap ", 7) == 0 &&
			     t->buf[7] >= '0' && t->buf[7] <= '9' &&
			     strstr(t->buf, " scan initiated ") != NULL) ||
			    strncmp(t->buf, "Host: ", 6) == 0)
				t->format = TP_TARGETS_NMAP_GREP;
		}
		rc = t->format == TP_TARGETS_NMAP_GREP
		     ? grep_line(t, t->buf, out, err)
		     : list_line(t, t->buf, out, err);
		if (rc != 0)
			return rc;
	}
}

/* ---- nmap -oX: a bounded scanner of the few elements it needs ---- */

static int xml_rd(struct tp_targets *t)
{
	int c = rd(t);

	if (c == '\n')
		t->line++;
	return c;
}

/* Skips to the end of a comment ("-->") or of a declaration. */
static int xml_skip(struct tp_targets *t, bool comment)
{
	int c, dashes = 0;

	while ((c = xml_rd(t)) != EOF) {
		if (c == '>' && (!comment || dashes >= 2))
			return 0;
		dashes = c == '-' ? dashes + 1 : 0;
	}
	return -1;
}

/* The next start or end tag: 1, or 0 at the end of the file. Text,
 * comments, declarations and processing instructions are skipped; a
 * tag's attributes are kept up to TAG_ATTRS_MAX bytes. */
static int xml_tag(struct tp_targets *t, struct xml_tag *tag)
{
	size_t n;
	int c, quote;

	for (;;) {
		while ((c = xml_rd(t)) != EOF && c != '<')
			;
		if (c == EOF)
			return 0;
		c = xml_rd(t);
		if (c == '!' || c == '?') {
			int c2 = c == '!' ? xml_rd(t) : EOF;
			int c3 = c2 == '-' ? xml_rd(t) : EOF;

			if (xml_skip(t, c2 == '-' && c3 == '-') < 0)
				return 0;
			continue;
		}
		n = 0;
		while (c != EOF && c != '>' && c != ' ' && c != '\t' &&
		       c != '\r' && c != '\n' && !(c == '/' && n > 0)) {
			if (n < sizeof(tag->name) - 1)
				tag->name[n++] = (char)c;
			c = xml_rd(t);
		}
		tag->name[n] = '\0';
		n = 0;
		tag->too_long = false;
		quote = 0;
		while (c != EOF && (c != '>' || quote != 0)) {
			if (quote == 0 && (c == '"' || c == '\''))
				quote = c;
			else if (c == quote)
				quote = 0;
			if (n < TAG_ATTRS_MAX)
				tag->attrs[n++] = (char)c;
			else
				tag->too_long = true;
			c = xml_rd(t);
		}
		tag->attrs[n] = '\0';
		return c == EOF && tag->name[0] == '\0' ? 0 : 1;
	}
}

/* An attribute's value (without entities decoded: nmap writes none in
 * the values read here), or false. */
static bool xml_attr(const char *attrs, const char *name, char *value,
		     size_t size)
{
	size_t len = strlen(name), n;
	const char *p = attrs, *end;
	int quote;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == attrs || p[-1] == ' ' || p[-1] == '\t' ||
		     p[-1] == '\n' || p[-1] == '\r') && p[len] == '=' &&
		    (p[len + 1] == '"' || p[len + 1] == '\'')) {
			quote = p[len + 1];
			end = strchr(p + len + 2, quote);
			if (end == NULL)
				return false;
			n = (size_t)(end - (p + len + 2));
			if (n >= size)
				return false;
			memcpy(value, p + len + 2, n);
			value[n] = '\0';
			return true;
		}
		p += len;
	}
	return false;
}

static void xml_fault(struct xml_host *xh, const char *what)
{
	if (xh->fault[0] == '\0')
		snprintf(xh->fault, sizeof(xh->fault), "%s", what);
}

/* A tag inside <host>: its address, name, ports and their states. */
static void xml_host_tag(struct tp_targets *t, const struct xml_tag *tag)
{
	struct xml_host *xh = &t->xh;
	char v[TP_ADDR_NAME_SIZE], type[16];
	struct tp_targets_entry probe;
	struct tp_error ignored = {0};
	unsigned port;

	if (tag->too_long) {
		xml_fault(xh, "a tag longer than 4096 bytes");
		return;
	}
	if (strcmp(tag->name, "address") == 0 && !xh->has_address &&
	    xml_attr(tag->attrs, "addrtype", type, sizeof(type)) &&
	    (strcmp(type, "ipv4") == 0 || strcmp(type, "ipv6") == 0)) {
		memset(&probe, 0, sizeof(probe));
		if (xml_attr(tag->attrs, "addr", v, sizeof(v)) &&
		    nmap_address(v, 0, &probe)) {
			xh->address = probe.address;
			xh->has_address = true;
		} else {
			xml_fault(xh, "an <address> that is not an IPv4 or "
				  "IPv6 address");
		}
	} else if (strcmp(tag->name, "hostname") == 0 && xh->name[0] == '\0' &&
		   xml_attr(tag->attrs, "name", v, sizeof(v))) {
		nmap_name(v, strlen(v), xh->name);
	} else if (strcmp(tag->name, "port") == 0) {
		xh->port = 0;
		if (!xml_attr(tag->attrs, "protocol", type, sizeof(type)) ||
		    strcmp(type, "tcp") != 0)
			return;
		if (!xml_attr(tag->attrs, "portid", v, sizeof(v)) ||
		    tp_addr_parse_port("portid", v, 1, &port, &ignored) < 0)
			xml_fault(xh, "a <port> whose portid is not a port");
		else if (tag->attrs[0] == '\0' ||
			 tag->attrs[strlen(tag->attrs) - 1] != '/')
			xh->port = port;
	} else if (strcmp(tag->name, "/port") == 0) {
		xh->port = 0;
	} else if (strcmp(tag->name, "state") == 0 && xh->port != 0 &&
		   xml_attr(tag->attrs, "state", type, sizeof(type)) &&
		   strcmp(type, "open") == 0) {
		port_open(t, xh->port);
	}
}

/* The end of a <host>: its open ports as pending, or why it is bad. */
static int xml_host_end(struct tp_targets *t, struct tp_targets_entry *out,
			struct tp_error *err)
{
	struct xml_host *xh = &t->xh;

	xh->inside = false;
	memset(out, 0, sizeof(*out));
	out->line = xh->line;
	out->starttls = t->starttls;
	if (xh->has_address) {
		out->address = xh->address;
		out->has_address = true;
		address_literal(out);
	}
	snprintf(out->text, sizeof(out->text), "<host>%s%.46s",
		 out->host[0] != '\0' ? " " : "", out->host);
	memcpy(out->name, xh->name, sizeof(out->name));
	if (!xh->has_address && t->open_lo <= t->open_hi)
		xml_fault(xh, "a <host> with open ports but no IPv4 or IPv6 "
			  "<address>");
	if (xh->has_address) {
		t->tmpl = *out;
		ports_pending(t);
	} else {
		/* nowhere to send them: forget its ports */
		t->pending = PEND_PORTS;
		t->next_port = 65536;
		next_pending(t, out);
	}
	if (xh->fault[0] != '\0') {
		out->host[0] = '\0';
		out->has_address = false;
		tp_error_set(err, TP_ERR_USAGE, "%s", xh->fault);
		return -1;
	}
	return t->pending != PEND_NONE ? 1 : 0;
}

static int xml_next(struct tp_targets *t, struct tp_targets_entry *out,
		    struct tp_error *err)
{
	struct xml_tag *tag = &t->tag;
	int rc;

	for (;;) {
		if (xml_tag(t, tag) == 0) {
			/* a file cut inside a <host> gives what it had */
			if (t->xh.inside &&
			    (rc = xml_host_end(t, out, err)) != 0)
				return rc;
			return ferror(t->f) ? -2 : 0;
		}
		if (strcmp(tag->name, "host") == 0) {
			/* a <host> opened inside another: nmap writes none */
			if (t->xh.inside &&
			    (rc = xml_host_end(t, out, err)) != 0) {
				/* the new one is read on the next call */
				memset(&t->xh, 0, sizeof(t->xh));
				t->xh.inside = true;
				t->xh.line = t->line + 1;
				return rc;
			}
			memset(&t->xh, 0, sizeof(t->xh));
			t->xh.inside = tag->attrs[0] == '\0' ||
				       tag->attrs[strlen(tag->attrs) - 1] != '/';
			t->xh.line = t->line + 1;
		} else if (strcmp(tag->name, "/host") == 0 && t->xh.inside) {
			rc = xml_host_end(t, out, err);
			if (rc != 0)
				return rc;
		} else if (t->xh.inside) {
			xml_host_tag(t, tag);
		}
	}
}

/* ---- the reader ---- */

int tp_targets_next(struct tp_targets *t, struct tp_targets_entry *out,
		    struct tp_error *err)
{
	struct tp_error local;
	int rc;

	if (err == NULL)
		err = &local;
	tp_error_clear(err);
	for (;;) {
		if (next_pending(t, out))
			return TP_TARGETS_TARGET;
		if (t->done)
			return TP_TARGETS_END;
		rc = t->format == TP_TARGETS_NMAP_XML ? xml_next(t, out, err)
		     : text_next(t, out, err);
		/* memory that ran out on one line will not come back for
		 * the next: the run cannot go on */
		if (rc == -1 && err->kind == TP_ERR_RUNTIME) {
			t->done = true;
			t->pending = PEND_NONE;
			return TP_TARGETS_FAILED;
		}
		if (rc == -2) {
			t->done = true;
			t->pending = PEND_NONE;
			tp_error_set(err, TP_ERR_RUNTIME, "reading targets "
				     "'%s' after line %lu: %s", t->name,
				     t->line, strerror(errno));
			return TP_TARGETS_FAILED;
		}
		if (rc == 0) {
			t->done = true;
			continue;
		}
		if (rc < 0) {
			/* the record names the line, not a target */
			out->host[0] = '\0';
			out->port = 0;
			out->has_address = false;
			return TP_TARGETS_BAD;
		}
		/* a single target, or the first of an expansion */
		if (t->pending == PEND_NONE)
			return TP_TARGETS_TARGET;
	}
}

/* ---- shards ---- */

int tp_targets_shard_parse(const char *spec, unsigned *k, unsigned *n,
			   struct tp_error *err)
{
	const char *slash = spec != NULL ? strchr(spec, '/') : NULL;
	size_t kl, nl;
	unsigned long kv = 0, nv = 0;

	if (slash != NULL) {
		kl = (size_t)(slash - spec);
		nl = strlen(slash + 1);
		if (kl > 0 && kl <= 7 && nl > 0 && nl <= 7 &&
		    strspn(spec, "0123456789") == kl &&
		    strspn(slash + 1, "0123456789") == nl) {
			kv = strtoul(spec, NULL, 10);
			nv = strtoul(slash + 1, NULL, 10);
		}
	}
	if (kv < 1 || nv < 1 || kv > nv || nv > 1000000) {
		tp_error_set(err, TP_ERR_USAGE, "{shard} '%.*s': expected K/N "
			     "with 1 <= K <= N <= 1000000 (e.g. 2/8)",
			     spec != NULL ? (int)tp_utf8_prefix(spec, 48) : 0,
			     spec != NULL ? spec : "");
		return -1;
	}
	*k = (unsigned)kv;
	*n = (unsigned)nv;
	return 0;
}

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv(uint64_t h, const char *s, bool lower)
{
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (lower && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h ^= c;
		h *= FNV_PRIME;
	}
	return h;
}

uint64_t tp_targets_hash(const struct tp_targets_entry *target)
{
	char host[TP_ADDR_NAME_SIZE], tail[64];
	uint64_t h = FNV_OFFSET;
	size_t n;

	if (target->host[0] == '\0') {
		snprintf(tail, sizeof(tail), "line:%lu", target->line);
		return fnv(h, tail, false);
	}
	/* the name as DNS sees it: case and the root's dot do not count */
	n = strlen(target->host);
	memcpy(host, target->host, n + 1);
	if (n > 1 && host[n - 1] == '.')
		host[n - 1] = '\0';
	if (strchr(host, ':') != NULL)
		h = fnv(h, "[", false);
	h = fnv(h, host, true);
	snprintf(tail, sizeof(tail), "%s:%u", strchr(host, ':') != NULL
		 ? "]" : "", target->port);
	h = fnv(h, tail, false);
	if (target->sni[0] != '\0') {
		h = fnv(h, "\nsni=", false);
		h = fnv(h, target->sni, true);
	}
	if (target->starttls != TP_STARTTLS_NONE) {
		h = fnv(h, "\nstarttls=", false);
		h = fnv(h, tp_starttls_name(target->starttls), false);
	}
	return h;
}

bool tp_targets_in_shard(const struct tp_targets_entry *target, unsigned k,
			unsigned n)
{
	if (n == 0 || k == 0 || k > n)
		return false;
	return tp_targets_hash(target) % n + 1 == k;
}
