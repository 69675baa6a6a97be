/*
 * Fuzz target of target strings (addr.c): HOST, HOST:PORT, [V6]:PORT
 * and bare IPv6 literals are parsed into a host and a port of 1..65535,
 * the host a name in its A-label form or an address, or refused with a
 * usage error; nothing else. A bare port ("PORT" as
 * --listen takes it) goes through tp_addr_parse_port too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longer than any name DNS allows, with room for a port and brackets. */
#define SPEC_MAX 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_error err = {0};
	char *spec, *host = (char *)"unset";
	unsigned port = 7;

	if (size > SPEC_MAX)
		return 0;
	/* an exact-size string: a read past its end is a sanitizer error */
	spec = malloc(size + 1);
	if (spec == NULL)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	if (tp_addr_parse(spec, 443, &host, &port, &err) == 0) {
		char ascii[TP_ADDR_NAME_SIZE];
		size_t i;

		if (host == NULL || host[0] == '\0' || port == 0 ||
		    port > 65535 || err.kind != TP_ERR_NONE ||
		    /* an A-label form may be longer than the name as
		     * written, never longer than a name may be */
		    strlen(host) > TP_ADDR_NAME_MAX + 1 ||
		    /* the port is 443 unless the spec ends in one */
		    (port != 443 && strchr(spec, ':') == NULL))
			abort();
		/* what is resolved and sent: ASCII without controls or
		 * spaces, and checked again, the same */
		for (i = 0; host[i] != '\0'; i++)
			if ((unsigned char)host[i] <= ' ' ||
			    (unsigned char)host[i] >= 0x7f)
				abort();
		if (tp_addr_check_name("target", host, ascii, &err) != 0 ||
		    strcmp(ascii, host) != 0)
			abort();
		/* a host with a colon is an IPv6 literal (brackets gone) */
		if (strchr(host, ':') != NULL && !tp_addr_is_literal(host) &&
		    spec[0] != '[')
			abort();
		free(host);
	} else {
		if (host != NULL || err.kind == TP_ERR_NONE ||
		    err.message[0] == '\0')
			abort();
	}
	memset(&err, 0, sizeof(err));
	port = 7;
	if (tp_addr_parse_port("--listen", spec, 0, &port, &err) == 0) {
		if (port > 65535 || spec[0] < '0' || spec[0] > '9')
			abort();
	} else if (err.kind != TP_ERR_USAGE || port != 7) {
		abort();
	}
	free(spec);
	return 0;
}
