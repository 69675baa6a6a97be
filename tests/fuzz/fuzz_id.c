/*
 * Fuzz target of the machine-id file this node's unique ID is read from
 * (id.c): any contents give 32 lower-case hex digits or a one-line usage
 * error naming the file, with what it holds sanitised.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tlsprobe.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], id[TP_ID_LEN + 1];
	const char *paths[2] = {path, NULL};
	struct tp_error err = {0};
	int fd;

	fd = fuzz_memfile("machine-id", data, size, path, sizeof(path));
	if (fd < 0)
		abort();
	memset(id, 'x', sizeof(id));
	if (tp_id_read_from(paths, id, &err) == 0) {
		if (strlen(id) != TP_ID_LEN ||
		    strspn(id, "0123456789abcdef") != TP_ID_LEN)
			abort();
	} else if (err.kind != TP_ERR_USAGE || strstr(err.message, path) ==
		   NULL || strchr(err.message, '\n') != NULL) {
		abort();
	} else {
		fuzz_check_text(err.message);
	}
	close(fd);
	return 0;
}
