/* Targets: HOST[:PORT] / [V6]:PORT parsing and address classes. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

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

static int parse_port(const char *spec, const char *s, unsigned *port,
		      struct tp_error *err)
{
	char label[300];

	snprintf(label, sizeof(label), "'%s'", spec);
	return tp_addr_parse_port(label, s, 1, port, err);
}

int tp_addr_parse(const char *spec, unsigned default_port, char **host,
		  unsigned *port, struct tp_error *err)
{
	const char *colon, *close;
	size_t hlen;

	*host = NULL;
	*port = default_port;
	if (spec == NULL || spec[0] == '\0') {
		tp_error_set(err, TP_ERR_USAGE, "empty target: expected "
			     "HOST[:PORT] or [IPv6]:PORT");
		return -1;
	}
	if (spec[0] == '[') {
		close = strchr(spec, ']');
		if (close == NULL || close == spec + 1) {
			tp_error_set(err, TP_ERR_USAGE, "'%s': unbalanced or "
				     "empty brackets (write [::1]:4433)", spec);
			return -1;
		}
		if (close[1] == ':') {
			if (parse_port(spec, close + 2, port, err) < 0)
				return -1;
		} else if (close[1] != '\0') {
			tp_error_set(err, TP_ERR_USAGE, "'%s': unexpected text "
				     "after ']'", spec);
			return -1;
		}
		hlen = (size_t)(close - spec - 1);
		*host = strndup(spec + 1, hlen);
	} else {
		colon = strrchr(spec, ':');
		if (colon != NULL && strchr(spec, ':') != colon) {
			/* several colons: a bare IPv6 literal, no port */
			if (!tp_addr_is_literal(spec)) {
				tp_error_set(err, TP_ERR_USAGE, "'%s': several "
					     "colons but not an IPv6 address "
					     "(write [::1]:4433)", spec);
				return -1;
			}
			*host = strdup(spec);
		} else if (colon != NULL) {
			if (colon == spec) {
				tp_error_set(err, TP_ERR_USAGE, "'%s': no host "
					     "before the port", spec);
				return -1;
			}
			if (parse_port(spec, colon + 1, port, err) < 0)
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

bool tp_addr_is_literal(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	       inet_pton(AF_INET6, host, buf) == 1;
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
