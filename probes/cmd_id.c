/* tlsprobe id: prints this node's unique ID. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const struct option longopts[] = {
	{"json", no_argument, NULL, OPT_JSON},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static const char usage_text[] =
	"usage: tlsprobe id [--json]\n"
	"Prints this node's unique ID (the machine id, 32 lower-case hex digits).\n";

/* The one option: --json. */
static int apply_json(int opt, const char *arg, void *ctx)
{
	(void)arg;
	if (opt != OPT_JSON)
		return -1;
	*(bool *)ctx = true;
	return 0;
}

int cmd_id(int argc, char **argv)
{
	struct tp_error err = {0};
	struct tp_report *r;
	bool json = false;
	int rc;

	rc = cli_options("id", argc, argv, "", longopts, usage_text,
			 apply_json, &json);
	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_fail("id", 2, "unexpected argument '%s'",
				argv[optind]);
	r = tp_report_new("id");
	if (r == NULL)
		return cli_fail("id", 3, "out of memory");
	if (tp_id_run(r, &err) < 0) {
		tp_report_free(r);
		return cli_error("id", &err);
	}
	if (json) {
		struct cli_common common = {.json = true};

		rc = cli_emit(r, &common);
	} else {
		/* the bare ID, so that scripts can use $(tlsprobe id) */
		rc = printf("%s\n", r->unique_id) < 0 ? 3 : 0;
	}
	tp_report_free(r);
	return rc;
}
