/*
 * Helpers shared by the fuzz targets: a file for parsers that take a
 * path (an anonymous memory file: nothing touches the disk), and the
 * checks that what reaches a terminal or JSON is sanitised.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The bytes as a file named by path (/proc/self/fd/N); the descriptor,
 * or -1. Close it when done. */
static inline int fuzz_memfile(const char *name, const uint8_t *data,
			       size_t size, char *path, size_t path_size)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	size_t off = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (off < size) {
		n = write(fd, data + off, size - off);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	snprintf(path, path_size, "/proc/self/fd/%d", fd);
	return fd;
}

/* A byte a terminal could take as a control: C0 but tab and line feed,
 * DEL, and the C1 controls as UTF-8 (U+0080..U+009F). */
static inline void fuzz_check_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL)
		return;
	for (; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			abort();
}

/* The same inside JSON text: no escaped control character either. */
static inline void fuzz_check_json(const char *s)
{
	const char *p;
	unsigned long cp;
	char hex[5];

	if (s == NULL)
		return;
	fuzz_check_text(s);
	for (p = s; *p != '\0'; p++) {
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			memcpy(hex, p + 1, 4);
			hex[4] = '\0';
			cp = strtoul(hex, NULL, 16);
			if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
				abort();
			p += 4;
		} else if (*p == 'b' || *p == 'f' || *p == 'r' || *p == 'n' ||
			   *p == 't') {
			/* \n inside a string value is a control too */
			abort();
		} else if (*p == '\0') {
			abort();
		}
	}
}

#endif
