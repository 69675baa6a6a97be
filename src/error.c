/*
 * The error object: the first failure wins, later vaguer ones are
 * dropped; the options a message names are put in the front end's words.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsprobe.h"

/* Longest key between braces; longer braces are text, not a key. */
#define KEY_MAX 31

static tp_error_namer namer;

void tp_error_set_namer(tp_error_namer n)
{
	namer = n;
}

void tp_error_name(const char *key, char *out, size_t size)
{
	if (size == 0)
		return;
	out[0] = '\0';
	if (namer != NULL)
		namer(key, out, size);
	if (out[0] == '\0')
		snprintf(out, size, "%s", key);
}

void tp_error_blame(struct tp_error *err, const char *key)
{
	if (err != NULL && err->kind != TP_ERR_NONE && err->option[0] == '\0')
		snprintf(err->option, sizeof(err->option), "%s", key);
}

/* The length of the key fmt opens with ("{cert}" → 4; "{}" → 0), or -1
 * when fmt does not open a key. */
static int key_at(const char *fmt)
{
	int n = 0;

	if (fmt[0] != '{')
		return -1;
	while ((fmt[1 + n] >= 'a' && fmt[1 + n] <= 'z') ||
	       (fmt[1 + n] >= '0' && fmt[1 + n] <= '9') ||
	       (n > 0 && fmt[1 + n] == '-'))
		if (++n > KEY_MAX)
			return -1;
	return fmt[1 + n] == '}' ? n : -1;
}

/*
 * fmt with every key in the namer's words, '%' in them doubled so that
 * they stay text; the first key goes to option. NULL when memory ran out.
 */
static char *expand(const char *fmt, const char *given, char *option,
		    size_t osize)
{
	size_t size = strlen(fmt) + 1, used = 0;
	char *out = malloc(size), *grown;
	const char *p;

	if (out == NULL)
		return NULL;
	for (p = fmt; *p != '\0';) {
		char key[KEY_MAX + 1], words[64];
		const char *w;
		int n = key_at(p);

		if (n < 0 || (n == 0 && given == NULL)) {
			out[used++] = *p++;
			continue;
		}
		if (n == 0)
			snprintf(key, sizeof(key), "%s", given);
		else
			snprintf(key, sizeof(key), "%.*s", n, p + 1);
		if (option[0] == '\0')
			snprintf(option, osize, "%s", key);
		tp_error_name(key, words, sizeof(words));
		p += n + 2;
		/* at most twice the words, for the doubled '%' */
		grown = realloc(out, size + 2 * strlen(words));
		if (grown == NULL) {
			free(out);
			return NULL;
		}
		out = grown;
		size += 2 * strlen(words);
		for (w = words; *w != '\0'; w++) {
			if (*w == '%')
				out[used++] = '%';
			out[used++] = *w;
		}
	}
	out[used] = '\0';
	return out;
}

static void set(struct tp_error *err, enum tp_error_kind kind,
		const char *key, const char *where, const char *fmt,
		va_list ap)
{
	int saved = errno, n = -1;
	char *raw = NULL, *words;

	if (err == NULL || err->kind != TP_ERR_NONE)
		return;
	err->kind = kind;
	err->where = where;
	err->option[0] = '\0';
	if (err->sys_errno == 0)
		err->sys_errno = saved;
	words = expand(fmt, key, err->option, sizeof(err->option));
	if (words != NULL) {
		/* the format is the caller's, checked by the compiler as
		 * tp_error_set_at's; expand added only text to it */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		n = vasprintf(&raw, words, ap);
#pragma GCC diagnostic pop
		free(words);
	}
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
		/* no memory to format: what was wrong, without its details */
		snprintf(err->message, sizeof(err->message), "%s", fmt);
		snprintf(err->raw, sizeof(err->raw), "%s", fmt);
	}
	free(raw);
	errno = saved;
}

void tp_error_set_at(struct tp_error *err, enum tp_error_kind kind,
		     const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set(err, kind, NULL, where, fmt, ap);
	va_end(ap);
}

void tp_error_set_key_at(struct tp_error *err, enum tp_error_kind kind,
			 const char *key, const char *where, const char *fmt,
			 ...)
{
	va_list ap;

	va_start(ap, fmt);
	set(err, kind, key, where, fmt, ap);
	va_end(ap);
}

void tp_error_clear(struct tp_error *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}
