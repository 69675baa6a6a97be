/*
 * Replays a fuzz corpus without libFuzzer: `fuzz_X DIR...` feeds every
 * file of each DIR (or each file named) to LLVMFuzzerTestOneInput, in
 * name order, and prints one TAP line per input. A crash or a sanitizer
 * report ends the program, which the test runner counts as a failure.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Larger inputs are not what a corpus is for; they are refused. */
#define INPUT_MAX (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned n_tests;
static unsigned n_failed;

/* Reads the whole file into an exact-size buffer, so that a read one
 * byte past the input is a sanitizer error and not a silent one. */
static int run_file(const char *path, const char *name)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t size;
	FILE *f;

	n_tests++;
	f = fopen(path, "rb");
	if (f == NULL || fstat(fileno(f), &st) < 0 || st.st_size < 0 ||
	    (uintmax_t)st.st_size > INPUT_MAX) {
		printf("not ok %u - %s: %s\n", n_tests, name,
		       f == NULL ? strerror(errno) : "unreadable or too large");
		if (f != NULL)
			fclose(f);
		n_failed++;
		return -1;
	}
	size = (size_t)st.st_size;
	buf = malloc(size > 0 ? size : 1);
	if (buf == NULL || fread(buf, 1, size, f) != size) {
		printf("not ok %u - %s: cannot read\n", n_tests, name);
		free(buf);
		fclose(f);
		n_failed++;
		return -1;
	}
	fclose(f);
	fflush(stdout);
	LLVMFuzzerTestOneInput(buf, size);
	free(buf);
	printf("ok %u - %s\n", n_tests, name);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir)
{
	struct dirent *e;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	DIR *d = opendir(dir);

	if (d == NULL) {
		printf("not ok %u - corpus %s: %s\n", ++n_tests, dir,
		       strerror(errno));
		n_failed++;
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **grown;

			cap = cap ? cap * 2 : 64;
			grown = realloc(names, cap * sizeof(*names));
			if (grown == NULL)
				break;
			names = grown;
		}
		names[n] = strdup(e->d_name);
		if (names[n] != NULL)
			n++;
	}
	closedir(d);
	if (n == 0) {
		printf("not ok %u - corpus %s is empty\n", ++n_tests, dir);
		n_failed++;
	}
	qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		run_file(path, names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	struct stat st;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			run_dir(argv[i]);
		else
			run_file(argv[i], argv[i]);
	}
	printf("1..%u\n", n_tests);
	return n_failed > 0 ? 1 : 0;
}
