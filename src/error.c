/* The error object: the first failure wins, later vaguer ones are dropped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsprobe.h"

void tp_error_set_at(struct tp_error *err, enum tp_error_kind kind,
		     const char *where, const char *fmt, ...)
{
	va_list ap;
	int saved = errno, n;
	char *raw = NULL;

	if (err == NULL || err->kind != TP_ERR_NONE)
		return;
	err->kind = kind;
	err->where = where;
	if (err->sys_errno == 0)
		err->sys_errno = saved;
	va_start(ap, fmt);
	n = vasprintf(&raw, fmt, ap);
	va_end(ap);
	/*
	 * Messages name files and hosts as given and quote what a peer or
	 * a file said: sanitised here, once, so that every screen that
	 * shows an error (stderr, the TUI, a report) can trust it. Cut at
	 * a whole character or escape.
	 */
	if (n >= 0) {
		tp_sanitize_into(err->message, sizeof(err->message), raw,
				 (size_t)n);
		n = (int)tp_utf8_prefix(raw, sizeof(err->raw) - 1);
		memcpy(err->raw, raw, (size_t)n);
		err->raw[n] = '\0';
	} else {
		snprintf(err->message, sizeof(err->message), "%s", fmt);
		snprintf(err->raw, sizeof(err->raw), "%s", fmt);
	}
	free(raw);
	errno = saved;
}

void tp_error_clear(struct tp_error *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}
