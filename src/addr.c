/* Targets (HOST[:PORT], [V6]:PORT, ADDR/LEN blocks) and --listen specs:
 * parsing; address classes, formatting and ports. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "addr.h"

/* How much of a bad value an error quotes: a 10,000-byte host must not
 * make a 30 KB message, and this much is enough to recognise it. */
#define QUOTE_MAX 48

/* A cut of value for a message ("abc…(10000 bytes)"); raw, since the
 * error setter sanitises the whole message once. */
static void quote_cut(const char *value, char *buf, size_t size)
{
	size_t len = strlen(value), n = tp_utf8_prefix(value, QUOTE_MAX);

	if (n == len)
		snprintf(buf, size, "%s", value);
	else
		snprintf(buf, size, "%.*s…(%zu bytes)", (int)n, value, len);
}

int tp_addr_parse_port(const char *label, const char *s, unsigned min,
		       unsigned *port, struct tp_error *err)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	/* strtoul() takes " 443" and "+443"; a port is digits only */
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v < min ||
	    v > 65535) {
		tp_error_set(err, TP_ERR_USAGE, "%s: port '%s' is not a number "
			     "from %u to 65535", label, s, min);
		return -1;
	}
	*port = (unsigned)v;
	return 0;
}

static int parse_port(const char *label, const char *s, unsigned *port,
		      struct tp_error *err)
{
	char cut[QUOTE_MAX + 32];

	/* the port itself is quoted by tp_addr_parse_port: cut it too */
	if (strlen(s) > QUOTE_MAX) {
		quote_cut(s, cut, sizeof(cut));
		tp_error_set(err, TP_ERR_USAGE, "%s: port '%s' is not a number "
			     "from 1 to 65535", label, cut);
		return -1;
	}
	return tp_addr_parse_port(label, s, 1, port, err);
}

/* The host part of a spec, malloc'd: [V6] unwrapped, no port. */
static int split_host(const char *label, const char *spec, char **host,
		      unsigned *port, struct tp_error *err)
{
	const char *colon, *close;

	if (spec[0] == '[') {
		close = strchr(spec, ']');
		if (close == NULL || close == spec + 1) {
			tp_error_set(err, TP_ERR_USAGE, "%s: unbalanced or "
				     "empty brackets (write [::1]:4433)",
				     label);
			return -1;
		}
		if (close[1] == ':') {
			if (parse_port(label, close + 2, port, err) < 0)
				return -1;
		} else if (close[1] != '\0') {
			tp_error_set(err, TP_ERR_USAGE, "%s: unexpected text "
				     "after ']'", label);
			return -1;
		}
		*host = strndup(spec + 1, (size_t)(close - spec - 1));
		/* brackets hold an IPv6 address, never a name */
		if (*host != NULL && !tp_addr_is_literal(*host)) {
			free(*host);
			*host = NULL;
			tp_error_set(err, TP_ERR_USAGE, "%s: brackets hold no "
				     "IPv6 address (write [::1]:4433)", label);
			return -1;
		}
	} else {
		colon = strrchr(spec, ':');
		if (colon != NULL && strchr(spec, ':') != colon) {
			/* several colons: a bare IPv6 literal, no port */
			if (!tp_addr_is_literal(spec)) {
				tp_error_set(err, TP_ERR_USAGE, "%s: several "
					     "colons but not an IPv6 address "
					     "(write [::1]:4433)", label);
				return -1;
			}
			*host = strdup(spec);
		} else if (colon != NULL) {
			if (colon == spec) {
				tp_error_set(err, TP_ERR_USAGE, "%s: no host "
					     "before the port", label);
				return -1;
			}
			if (parse_port(label, colon + 1, port, err) < 0)
				return -1;
			*host = strndup(spec, (size_t)(colon - spec));
		} else {
			*host = strdup(spec);
		}
	}
	if (*host == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
		return -1;
	}
	return 0;
}

int tp_addr_parse_option(const char *option, const char *spec,
			 unsigned default_port, char **host, unsigned *port,
			 struct tp_error *err)
{
	char cut[QUOTE_MAX + 32], label[QUOTE_MAX + 128], words[64];
	char ascii[TP_ADDR_NAME_SIZE];
	char *raw = NULL;

	*host = NULL;
	*port = default_port;
	if (spec == NULL || spec[0] == '\0') {
		tp_error_set_for(err, TP_ERR_USAGE, option, "empty {}: "
				 "expected HOST[:PORT] or [IPv6]:PORT");
		return -1;
	}
	quote_cut(spec, cut, sizeof(cut));
	tp_error_name(option, words, sizeof(words));
	snprintf(label, sizeof(label), "%s '%s'", words, cut);
	if (split_host(label, spec, &raw, port, err) < 0) {
		tp_error_blame(err, option);
		return -1;
	}
	if (tp_addr_check_name(option, raw, ascii, err) < 0) {
		free(raw);
		return -1;
	}
	if (strcmp(raw, ascii) != 0) {
		free(raw);
		raw = strdup(ascii);
		if (raw == NULL) {
			tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
			return -1;
		}
	}
	*host = raw;
	return 0;
}

int tp_addr_parse(const char *spec, unsigned default_port, char **host,
		  unsigned *port, struct tp_error *err)
{
	return tp_addr_parse_option("target", spec, default_port, host, port,
				    err);
}

/* The prefix length of a block: digits only, at most max. */
static int block_prefix(const char *label, const char *s, unsigned max,
			unsigned *prefix, struct tp_error *err)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n > 3 || s[n] != '\0' || (unsigned)atoi(s) > max) {
		tp_error_set(err, TP_ERR_USAGE, "%s: prefix length '%s' is "
			     "not a number from 0 to %u", label, s, max);
		return -1;
	}
	*prefix = (unsigned)atoi(s);
	return 0;
}

/* ADDR/LEN without a port into block; spec is changed (cut at '/'). */
static int block_address(const char *label, char *spec,
			 struct tp_addr_block *block, struct tp_error *err)
{
	char *slash = strchr(spec, '/');
	unsigned i, bits, len;

	if (slash == NULL || slash == spec) {
		tp_error_set(err, TP_ERR_USAGE, "%s: expected ADDRESS/LENGTH "
			     "(198.51.100.0/28, 2001:db8::/120)", label);
		return -1;
	}
	*slash = '\0';
	memset(block, 0, sizeof(*block));
	if (inet_pton(AF_INET, spec, block->base) == 1) {
		block->family = AF_INET;
		len = 4;
	} else if (inet_pton(AF_INET6, spec, block->base) == 1) {
		block->family = AF_INET6;
		len = 16;
	} else {
		/* a block is of addresses: a name has no prefix */
		tp_error_set(err, TP_ERR_USAGE, "%s: '%s' is not an IPv4 or "
			     "IPv6 address", label, spec);
		return -1;
	}
	if (block_prefix(label, slash + 1, len * 8, &block->prefix, err) < 0)
		return -1;
	/* clear the host bits: the block is the one the address lies in */
	for (i = 0; i < len; i++) {
		bits = block->prefix > i * 8 ? block->prefix - i * 8 : 0;
		if (bits < 8)
			block->base[i] &= (unsigned char)(0xff00u >> bits);
	}
	return 0;
}

int tp_addr_parse_block(const char *label, const char *spec,
			unsigned default_port, struct tp_addr_block *block,
			unsigned *port, struct tp_error *err)
{
	char cut[QUOTE_MAX + 32], what[QUOTE_MAX + 96];
	char *copy, *colon, *close;
	int rc = -1;

	*port = default_port;
	quote_cut(spec, cut, sizeof(cut));
	snprintf(what, sizeof(what), "%s '%s'", label, cut);
	copy = strdup(spec);
	if (copy == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
		return -1;
	}
	if (copy[0] == '[') {
		close = strchr(copy, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
			tp_error_set(err, TP_ERR_USAGE, "%s: unbalanced "
				     "brackets (write [2001:db8::/120]:443)",
				     what);
			goto out;
		}
		if (close[1] == ':' && parse_port(what, close + 2, port,
						  err) < 0)
			goto out;
		*close = '\0';
		rc = block_address(what, copy + 1, block, err);
		goto out;
	}
	/* the port follows the length: "2001:db8::/120:443" */
	colon = strchr(copy, '/');
	colon = colon != NULL ? strchr(colon, ':') : NULL;
	if (colon != NULL) {
		*colon = '\0';
		if (parse_port(what, colon + 1, port, err) < 0)
			goto out;
	}
	rc = block_address(what, copy, block, err);
out:
	free(copy);
	return rc;
}

unsigned tp_addr_block_bits(const struct tp_addr_block *block)
{
	return (block->family == AF_INET ? 32 : 128) - block->prefix;
}

void tp_addr_block_nth(const struct tp_addr_block *block, uint32_t index,
		       unsigned port, struct sockaddr_storage *ss)
{
	unsigned char a[16];
	unsigned len = block->family == AF_INET ? 4 : 16, i;

	memcpy(a, block->base, len);
	/* host bits are zero in base: the index is or'ed into the last
	 * four bytes, big-endian */
	for (i = 0; i < 4; i++)
		a[len - 1 - i] |= (unsigned char)(index >> (8 * i));
	memset(ss, 0, sizeof(*ss));
	if (block->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a, 4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a, 16);
	}
	tp_addr_set_port(ss, port);
}

/* A --listen port: 0 too, for one the kernel picks. */
static int listen_port(const char *spec, const char *s, unsigned *port,
		       struct tp_error *err)
{
	char label[300], words[64];

	tp_error_name("listen", words, sizeof(words));
	snprintf(label, sizeof(label), "%s '%s'", words, spec);
	if (tp_addr_parse_port(label, s, 0, port, err) < 0) {
		tp_error_blame(err, "listen");
		return -1;
	}
	return 0;
}

int tp_addr_parse_listen(const char *spec, unsigned default_port,
			 char *host, size_t hsize, unsigned *port,
			 struct tp_error *err)
{
	const char *colon, *close;
	size_t n;

	*port = default_port;
	host[0] = '\0';
	if (spec == NULL)
		return 0;
	if (spec[0] == '\0') {
		tp_error_set(err, TP_ERR_USAGE, "{listen} '': expected "
			     "[ADDR]:PORT, :PORT or PORT");
		return -1;
	}
	if (spec[0] == '[') {
		close = strchr(spec, ']');
		if (close == NULL || close == spec + 1 ||
		    (close[1] != '\0' && close[1] != ':')) {
			tp_error_set(err, TP_ERR_USAGE, "{listen} '%s': "
				     "expected [IPv6]:PORT", spec);
			return -1;
		}
		n = (size_t)(close - spec - 1);
		if (n >= hsize)
			goto too_long;
		memcpy(host, spec + 1, n);
		host[n] = '\0';
		return close[1] == ':'
		       ? listen_port(spec, close + 2, port, err) : 0;
	}
	if (strspn(spec, "0123456789") == strlen(spec))
		return listen_port(spec, spec, port, err);
	colon = strrchr(spec, ':');
	if (colon != NULL && strchr(spec, ':') != colon) {
		/* several colons: a bare IPv6 address, default port */
		if (strlen(spec) >= hsize)
			goto too_long;
		snprintf(host, hsize, "%s", spec);
		return 0;
	}
	if (colon == NULL) {
		if (strlen(spec) >= hsize)
			goto too_long;
		snprintf(host, hsize, "%s", spec);
		return 0;
	}
	n = (size_t)(colon - spec);
	if (n >= hsize)
		goto too_long;
	memcpy(host, spec, n);
	host[n] = '\0';
	return listen_port(spec, colon + 1, port, err);
too_long:
	/* cut at a whole character: the setter would escape half of one */
	tp_error_set(err, TP_ERR_USAGE, "{listen} '%.*s…': address too long",
		     (int)tp_utf8_prefix(spec, 80), spec);
	return -1;
}

/* An interface name after '%' in a scoped IPv6 address (RFC 4007
 * section 11): what Linux allows in a name, or an index. */
static bool zone_ok(const char *zone)
{
	size_t n = strlen(zone), i;

	if (n == 0 || n >= IF_NAMESIZE)
		return false;
	for (i = 0; i < n; i++)
		if (zone[i] == '/' || zone[i] == ':' ||
		    (unsigned char)zone[i] <= ' ' ||
		    (unsigned char)zone[i] >= 0x7f)
			return false;
	return true;
}

bool tp_addr_is_literal(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char v6[INET6_ADDRSTRLEN];
	const char *pct;

	if (inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1)
		return true;
	pct = strchr(host, '%');
	if (pct == NULL || (size_t)(pct - host) >= sizeof(v6) ||
	    !zone_ok(pct + 1))
		return false;
	memcpy(v6, host, (size_t)(pct - host));
	v6[pct - host] = '\0';
	return inet_pton(AF_INET6, v6, buf) == 1;
}

/* Length of the UTF-8 character at p (at most avail bytes), 0 when the
 * bytes there are none: overlong forms and surrogates included. */
static size_t utf8_char(const unsigned char *p, size_t avail)
{
	size_t n, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Why the bytes of a name cannot be a name, or NULL; *ascii_only says
 * whether IDNA has anything to do. */
static const char *bytes_fault(const char *name, bool *ascii_only,
			       char *why, size_t size)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t len = strlen(name), i = 0, n;

	*ascii_only = true;
	while (i < len) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			snprintf(why, size, "control character 0x%02x at byte "
				 "%zu", p[i], i + 1);
			return why;
		}
		if (p[i] == ' ') {
			snprintf(why, size, "a space at byte %zu", i + 1);
			return why;
		}
		n = utf8_char(p + i, len - i);
		if (n == 0) {
			snprintf(why, size, "byte %zu (0x%02x) is not UTF-8",
				 i + 1, p[i]);
			return why;
		}
		if (n > 1)
			*ascii_only = false;
		i += n;
	}
	return NULL;
}

/* Whether a label of name is an A-label ("xn--", RFC 5890 section
 * 2.3.2.1). */
static bool has_a_label(const char *name)
{
	return strncasecmp(name, "xn--", 4) == 0 ||
	       strcasestr(name, ".xn--") != NULL;
}

/* Why an ASCII name breaks the rules of DNS names, or NULL. */
static const char *ascii_fault(const char *name, char *why, size_t size)
{
	size_t len = strlen(name), start = 0, i, label = 1;

	/* one final dot names the root: "example.test." is absolute */
	if (len > 1 && name[len - 1] == '.')
		len--;
	if (len > TP_ADDR_NAME_MAX) {
		snprintf(why, size, "%zu bytes long, more than the %d a name "
			 "may have", len, TP_ADDR_NAME_MAX);
		return why;
	}
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '.') {
			unsigned char c = (unsigned char)name[i];

			/*
			 * Letters, digits and hyphens (RFC 1123 section
			 * 2.1), and underscores: names such as _dmarc or
			 * _443._tcp (RFC 8552) are real and a server may
			 * carry one in its certificate.
			 */
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_')
				continue;
			snprintf(why, size, "'%c' is not allowed in a host "
				 "name (label %zu)", c, label);
			return why;
		}
		if (i == start) {
			snprintf(why, size, "label %zu is empty", label);
			return why;
		}
		if (i - start > 63) {
			snprintf(why, size, "label %zu is %zu bytes long, more "
				 "than 63", label, i - start);
			return why;
		}
		if (name[start] == '-' || name[i - 1] == '-') {
			snprintf(why, size, "label %zu begins or ends with a "
				 "hyphen", label);
			return why;
		}
		start = i + 1;
		label++;
	}
	return NULL;
}

int tp_addr_check_name(const char *option, const char *name,
		       char ascii[TP_ADDR_NAME_SIZE], struct tp_error *err)
{
	char cut[QUOTE_MAX + 32], why[128];
	const char *fault;
	char *a_label = NULL;
	bool ascii_only;
	int rc;

	ascii[0] = '\0';
	quote_cut(name, cut, sizeof(cut));
	if (name[0] == '\0') {
		tp_error_set_for(err, TP_ERR_USAGE, option, "{}: the host is "
				 "empty");
		return -1;
	}
	if (strlen(name) < TP_ADDR_NAME_SIZE && tp_addr_is_literal(name)) {
		snprintf(ascii, TP_ADDR_NAME_SIZE, "%s", name);
		return 0;
	}
	fault = bytes_fault(name, &ascii_only, why, sizeof(why));
	/* an A-label given as it is must decode, as libidn2 checks */
	if (fault == NULL && (!ascii_only || has_a_label(name))) {
		/* IDNA2008 lookup (RFC 5891 section 5): what is resolved and
		 * sent as SNI is the A-label form */
		rc = idn2_to_ascii_8z(name, &a_label,
				      IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK) {
			if (rc == IDN2_MALLOC) {
				tp_error_set(err, TP_ERR_RUNTIME, "out of "
					     "memory converting a host name");
				return -1;
			}
			snprintf(why, sizeof(why), "not a valid international "
				 "name (IDNA2008: %s)", idn2_strerror(rc));
			fault = why;
		}
	}
	if (fault == NULL)
		fault = ascii_fault(a_label != NULL ? a_label : name, why,
				    sizeof(why));
	if (fault != NULL) {
		idn2_free(a_label);
		tp_error_set_for(err, TP_ERR_USAGE, option, "{} '%s': %s",
				 cut, fault);
		return -1;
	}
	snprintf(ascii, TP_ADDR_NAME_SIZE, "%s",
		 a_label != NULL ? a_label : name);
	idn2_free(a_label);
	return 0;
}

const char *tp_addr_sni_form(const char *name, char buf[TP_ADDR_NAME_SIZE])
{
	size_t n;

	if (name == NULL)
		return NULL;
	n = strlen(name);
	if (n < 2 || name[n - 1] != '.' || n > TP_ADDR_NAME_SIZE)
		return name;
	memmove(buf, name, n - 1);
	buf[n - 1] = '\0';
	return buf;
}

char *tp_addr_unicode(const char *ascii)
{
	char *u = NULL, *copy;

	if (ascii == NULL || !has_a_label(ascii))
		return NULL;
	if (idn2_to_unicode_8z8z(ascii, &u, 0) != IDN2_OK)
		return NULL;
	/* libidn2's buffer goes back to libidn2; ours to free() */
	copy = strdup(u);
	idn2_free(u);
	return copy;
}

static bool in4(uint32_t a, uint32_t net, int bits)
{
	uint32_t mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);

	return (a & mask) == (net & mask);
}

static const char *class4(uint32_t a)
{
	if (in4(a, 0x7f000000, 8))
		return "loopback";
	if (in4(a, 0x0a000000, 8) || in4(a, 0xac100000, 12) ||
	    in4(a, 0xc0a80000, 16))
		return "private (RFC 1918)";
	if (in4(a, 0x64400000, 10))
		return "shared (CGNAT, RFC 6598)";
	if (in4(a, 0xa9fe0000, 16))
		return "link-local";
	if (in4(a, 0xc0000200, 24) || in4(a, 0xc6336400, 24) ||
	    in4(a, 0xcb007100, 24))
		return "documentation (RFC 5737)";
	if (in4(a, 0, 8))
		return "unspecified";
	if (in4(a, 0xe0000000, 4))
		return "multicast";
	return "public";
}

const char *tp_addr_class(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in s4;

		memcpy(&s4, sa, sizeof(s4));
		return class4(ntohl(s4.sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 s6;
		const struct in6_addr *a = &s6.sin6_addr;
		const uint8_t *b = s6.sin6_addr.s6_addr;

		memcpy(&s6, sa, sizeof(s6));
		if (IN6_IS_ADDR_LOOPBACK(a))
			return "loopback";
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			uint32_t v4;

			memcpy(&v4, b + 12, 4);
			return class4(ntohl(v4));
		}
		if (IN6_IS_ADDR_LINKLOCAL(a))
			return "link-local";
		if ((b[0] & 0xfe) == 0xfc)
			return "unique local (ULA)";
		if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
			return "documentation (RFC 3849)";
		if (IN6_IS_ADDR_UNSPECIFIED(a))
			return "unspecified";
		if (b[0] == 0xff)
			return "multicast";
		return "public";
	}
	return "unknown";
}

void tp_addr_format(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		snprintf(buf, size, "?");
	}
}

void tp_addr_format_host(const struct sockaddr *sa, char *buf, size_t size)
{
	const void *a = sa->sa_family == AF_INET
		? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
		: (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;

	if (inet_ntop(sa->sa_family, a, buf, (socklen_t)size) == NULL)
		snprintf(buf, size, "?");
}

void tp_addr_set_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

unsigned tp_addr_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET
		     ? ((const struct sockaddr_in *)ss)->sin_port
		     : ((const struct sockaddr_in6 *)ss)->sin6_port);
}
