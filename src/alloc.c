/* Allocation failures, counted for the whole process (alloc.h). */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

/* The link (-Wl,--wrap=NAME) sends our calls of NAME here, and the
 * original to __real_NAME. */
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__real_reallocarray(void *p, size_t n, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **out, const char *fmt, va_list ap);
FILE *__real_open_memstream(char **out, size_t *size);
void *__wrap_malloc(size_t size);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
int __wrap_asprintf(char **out, const char *fmt, ...);
FILE *__wrap_open_memstream(char **out, size_t *size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void *__wrap_reallocarray(void *p, size_t n, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static unsigned long failures;

unsigned long tp_alloc_failures(void)
{
	return __atomic_load_n(&failures, __ATOMIC_RELAXED);
}

void tp_alloc_note(void)
{
	__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
}

/* Notes a NULL from an allocation that asked for something. */
static void *noted(void *p, int asked)
{
	if (p == NULL && asked)
		tp_alloc_note();
	return p;
}

void *__wrap_malloc(size_t size)
{
	return noted(__real_malloc(size), size != 0);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return noted(__real_calloc(n, size), n != 0 && size != 0);
}

void *__wrap_realloc(void *p, size_t size)
{
	return noted(__real_realloc(p, size), size != 0);
}

void *__wrap_reallocarray(void *p, size_t n, size_t size)
{
	return noted(__real_reallocarray(p, n, size), n != 0 && size != 0);
}

char *__wrap_strdup(const char *s)
{
	return noted(__real_strdup(s), 1);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return noted(__real_strndup(s, n), 1);
}

/* asprintf and open_memstream allocate inside libc, out of the link's
 * reach: their failures are counted here. */
int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
	int n = __real_vasprintf(out, fmt, ap);

	if (n < 0)
		tp_alloc_note();
	return n;
}

int __wrap_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = __wrap_vasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

FILE *__wrap_open_memstream(char **out, size_t *size)
{
	return noted(__real_open_memstream(out, size), 1);
}

/* jansson allocates on its own: a NULL there becomes a member silently
 * left out of a report. Its blocks are plain malloc blocks, so free()
 * stays free(). */
__attribute__((constructor)) static void alloc_count_jansson(void)
{
	json_set_alloc_funcs(__wrap_malloc, free);
}
