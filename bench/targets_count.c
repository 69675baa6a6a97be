/*
 * Reads a --targets file to its end and prints how many targets, bad
 * lines and shard-1-of-7 targets it held: the reader alone, for
 * bench/targets.sh to time and to measure its peak memory.
 */
#include <stdio.h>

#include "targets.h"

int main(int argc, char **argv)
{
	struct tp_targets_opts opts = {0};
	struct tp_targets_entry e;
	struct tp_error err = {0};
	struct tp_targets *t;
	unsigned long good = 0, bad = 0, shard = 0;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: targets_count FILE|-\n");
		return 2;
	}
	t = tp_targets_open(argv[1], &opts, &err);
	if (t == NULL) {
		fprintf(stderr, "%s\n", err.message);
		return err.kind;
	}
	while ((rc = tp_targets_next(t, &e, &err)) != TP_TARGETS_END) {
		if (rc == TP_TARGETS_FAILED) {
			fprintf(stderr, "%s\n", err.message);
			tp_targets_close(t);
			return 3;
		}
		if (rc == TP_TARGETS_BAD)
			bad++;
		else
			good++;
		shard += tp_targets_in_shard(&e, 1, 7);
	}
	tp_targets_close(t);
	printf("%lu targets, %lu bad lines, %lu in shard 1/7\n", good, bad,
	       shard);
	return 0;
}
