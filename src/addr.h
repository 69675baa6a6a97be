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

/*
 * A --listen spec: "[ADDR]:PORT", "ADDR:PORT", ":PORT", "PORT", "ADDR" or
 * a bare IPv6 literal; port 0 lets the kernel pick. host "" means every
 * address (IPv4 and IPv6); spec NULL: every address, default_port. The
 * host is not checked here: the resolver says what it makes of it.
 */
int tp_addr_parse_listen(const char *spec, unsigned default_port,
			 char *host, size_t hsize, unsigned *port,
			 struct tp_error *err);

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
/* An IPv4 or IPv6 address's port, host order. */
void tp_addr_set_port(struct sockaddr_storage *ss, unsigned port);
unsigned tp_addr_port(const struct sockaddr_storage *ss);

#endif
