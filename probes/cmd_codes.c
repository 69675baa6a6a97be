/* tlsprobe codes: the catalogue of finding codes, from the one table. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const struct option longopts[] = {
	{"json", no_argument, NULL, OPT_JSON},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static const char usage_text[] =
	"usage: tlsprobe codes [--json]\n"
	"Lists every finding code with its default severity, side, stage, meaning and fix.\n";

/* The one option: --json. */
static int apply_json(int opt, const char *arg, void *ctx)
{
	(void)arg;
	if (opt != OPT_JSON)
		return -1;
	*(bool *)ctx = true;
	return 0;
}

int cmd_codes(int argc, char **argv)
{
	bool json = false;
	json_t *a;
	char *out;
	int rc, i;

	rc = cli_options("codes", argc, argv, "", longopts, usage_text,
			 apply_json, &json);
	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_fail("codes", 2, "unexpected argument '%s'",
				argv[optind]);
	if (!json) {
		for (i = 0; i < TP_CODE_COUNT; i++) {
			const struct tp_code_info *k = tp_code_info(i);

			printf("%-26s %-7s %-6s %s\n", k->name,
			       tp_severity_name(k->severity),
			       tp_side_name(k->side), k->when);
		}
		return 0;
	}
	a = json_array();
	for (i = 0; i < TP_CODE_COUNT; i++) {
		const struct tp_code_info *k = tp_code_info(i);

		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
			"code", k->name, "severity", tp_severity_name(k->severity),
			"side", tp_side_name(k->side), "stage", k->stage,
			"when", k->when, "fix", k->fix));
	}
	out = json_dumps(a, JSON_INDENT(2));
	json_decref(a);
	if (out == NULL)
		return cli_fail("codes", 3, "out of memory");
	puts(out);
	free(out);
	return 0;
}
