/* A server's connection as one line of a monitor: who, the verdict, and
 * the session or why there is none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsprobe.h"

/* An IPv6 address is bracketed, so that its port cannot be read as one
 * more group of it. */
static char *peer_of(const struct tp_report *r)
{
	const char *host = r->target.host;
	char *out = NULL;
	int n;

	if (host != NULL && strchr(host, ':') != NULL)
		n = asprintf(&out, "[%s]:%u", host, r->target.port);
	else
		n = asprintf(&out, "%s:%u", host ? host : "?", r->target.port);
	return n < 0 ? NULL : out;
}

int tp_report_to_conn_line(const struct tp_report *r,
			   struct tp_conn_line *line)
{
	const struct tp_stage *tls = tp_report_find_stage(r, "tls");
	const char *why = tls != NULL ? tls->detail : NULL;

	memset(line, 0, sizeof(*line));
	line->verdict = tp_report_verdict(r);
	line->peer = peer_of(r);
	if (r->session.present) {
		if (asprintf(&line->outcome, "%s %s",
			     r->session.version ? r->session.version : "?",
			     r->session.cipher ? r->session.cipher : "?") < 0)
			line->outcome = NULL;
	} else if (why != NULL) {
		line->outcome = strdup(why);
	}
	if (line->peer == NULL ||
	    (line->outcome == NULL && (r->session.present || why != NULL))) {
		tp_conn_line_clear(line);
		return -1;
	}
	return 0;
}

void tp_conn_line_clear(struct tp_conn_line *line)
{
	if (line == NULL)
		return;
	free(line->peer);
	free(line->outcome);
	memset(line, 0, sizeof(*line));
}
