/* Addresses: parsing, formatting, classes. Internal to libtlsprobe. */
#ifndef TP_ADDR_H
#define TP_ADDR_H

#include <stdio.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "tlsprobe.h"

/* Parses a port of min..65535 (digits only); a usage error starting with
 * label ("'host:99999'", "--listen ':x'") otherwise. */
int tp_addr_parse_port(const char *label, const char *s, unsigned min,
		       unsigned *port, struct tp_error *err);

/* True when host is an IPv4 or IPv6 literal, an IPv6 one perhaps with a
 * zone ("fe80::1%eth0"): then no SNI is sent. */
bool tp_addr_is_literal(const char *host);
/* "loopback", "private (RFC 1918)", "shared (CGNAT, RFC 6598)",
 * "link-local", "unique local (ULA)", "documentation (RFC 5737)", "public" */
const char *tp_addr_class(const struct sockaddr *sa);
/* "1.2.3.4:443" or "[::1]:443" */
void tp_addr_format(const struct sockaddr *sa, char *buf, size_t size);
/* "1.2.3.4" or "::1" */
void tp_addr_format_host(const struct sockaddr *sa, char *buf, size_t size);

#endif
