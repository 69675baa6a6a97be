/* The error object: the first failure wins, later vaguer ones are dropped. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tlsprobe.h"

void tp_error_set_at(struct tp_error *err, enum tp_error_kind kind,
		     const char *where, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (err == NULL || err->kind != TP_ERR_NONE)
		return;
	err->kind = kind;
	err->where = where;
	if (err->sys_errno == 0)
		err->sys_errno = saved;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	errno = saved;
}

void tp_error_clear(struct tp_error *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}
