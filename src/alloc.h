/*
 * Allocation failures, counted for the whole process.
 *
 * Every allocation tlsprobe's own code makes goes through a counting
 * wrapper (the link maps malloc, calloc, realloc, reallocarray, strdup,
 * strndup, asprintf, vasprintf and open_memstream onto __wrap_* here;
 * see the Makefile), and so does every allocation jansson makes. The call sites still check for NULL so that
 * nothing is dereferenced, and many go on with less (a field left out, a
 * handshake not followed); a report built that way would look complete
 * while it is not. A main therefore asks tp_alloc_failures() before it
 * renders, and ends with exit 3 instead when any allocation failed.
 */
#ifndef TP_ALLOC_H
#define TP_ALLOC_H

/* How many allocations have failed in this process so far. */
unsigned long tp_alloc_failures(void);

/* Counts one more: a library (GnuTLS, libpcap) said it ran out of
 * memory where our code goes on without what it asked for. */
void tp_alloc_note(void);

#endif
