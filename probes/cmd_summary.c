/* tlsprobe summary: the summary of the JSON Lines of --targets runs. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "summary.h"

#define USAGE "usage: tlsprobe summary [--json] [--html FILE] [--days N] " \
	"[--baseline OLD.jsonl] [--now TIME] [--no-color] [FILE…|-]"

static const struct option longopts[] = {
	{"json", no_argument, NULL, OPT_JSON},
	{"html", required_argument, NULL, OPT_HTML},
	{"days", required_argument, NULL, OPT_DAYS},
	{"baseline", required_argument, NULL, OPT_BASELINE},
	{"now", required_argument, NULL, OPT_NOW},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static const char usage_text[] =
	USAGE "\n\n"
	"Reads the JSON Lines of any number of client or ciphers runs with\n"
	"--targets (files, or - for stdin; stdin when none is named) and\n"
	"summarises them: verdicts, grades, finding codes and the targets\n"
	"that have them, certificates that expire soon, are shared or have\n"
	"weak keys, and the routing map of every name (ADDRESSES_DIFFER when\n"
	"its addresses reach different certificates, servers or\n"
	"configurations).\n\n"
	"  --json              print the summary as one JSON document\n"
	"  --html FILE         also write it as one self-contained HTML page\n"
	"  --days N            list certificates expiring within N days (30)\n"
	"  --baseline OLD      say what changed since the run(s) in OLD\n"
	"  --now TIME          the time expiry is measured from\n"
	"                      (YYYY-MM-DDTHH:MM:SSZ or epoch), for tests\n"
	"  --no-color          plain text (also NO_COLOR=1)\n\n"
	"Exit status: 0 every record passed, 1 a record with an error\n"
	"finding, an error record or a malformed line, 2 bad usage or a file\n"
	"that cannot be read, 3 could not run.\n";

struct summary_args {
	struct cli_common common;
	const char *html;
	const char *baseline;
	unsigned long days;
	time_t now;
};

static int apply_summary(int opt, const char *arg, void *ctx)
{
	struct summary_args *a = ctx;

	switch (opt) {
	case OPT_JSON: a->common.json = true; return 0;
	case OPT_NO_COLOR: a->common.no_color = true; return 0;
	case OPT_HTML: a->html = arg; return 0;
	case OPT_BASELINE: a->baseline = arg; return 0;
	case OPT_NOW: return cli_parse_now("summary", arg, &a->now);
	case OPT_DAYS:
		return cli_parse_number("summary", "--days", arg, 0, 36500,
					&a->days);
	default: return -1;
	}
}

/* Opens every input first: a missing one is a usage error before any
 * work. in[i] is NULL for stdin. */
static int open_inputs(char **names, int n, FILE **in)
{
	int i, stdin_seen = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "-") == 0) {
			if (stdin_seen++)
				return cli_fail("summary", 2, "- (stdin) is named "
						"twice");
			in[i] = stdin;
			continue;
		}
		in[i] = fopen(names[i], "r");
		if (in[i] == NULL)
			return cli_fail("summary", 2, "%s: %s", names[i],
					strerror(errno));
	}
	return 0;
}

/* Reads one input into s and closes it; 2 or 3 with one line on error. */
static int read_input(struct tp_summary *s, FILE *f, const char *name)
{
	struct tp_error err = {0};
	int rc = tp_summary_read(s, f, name, &err);

	if (f != stdin)
		fclose(f);
	return rc < 0 ? cli_error("summary", &err) : 0;
}

/* The malformed lines on stderr, one each, the first few then a count. */
static void say_malformed(const struct tp_summary *s)
{
	size_t i, kept = tp_summary_malformed_kept(s);
	unsigned long n = tp_summary_malformed_count(s);

	/* already sanitised by the library: printed as they are */
	for (i = 0; i < kept; i++)
		fprintf(stderr, "tlsprobe summary: %s\n", tp_summary_malformed(s, i));
	if (n > kept)
		fprintf(stderr, "tlsprobe summary: and %lu more malformed "
			"lines\n", n - kept);
}

/* mkstemp makes the file 0600; the page gets the mode a plain file
 * would (0666 less the umask). */
static bool page_mode(const char *tmp)
{
	mode_t mask = umask(0);

	umask(mask);
	return chmod(tmp, 0666 & ~mask) == 0;
}

/* Writes the page to a temporary file beside path, then renames it: a
 * reader never sees half a page. */
static int write_html(struct tp_summary *s, const char *path)
{
	char *tmp = NULL;
	FILE *f;
	int fd, ok;

	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0)
		return cli_fail("summary", 3, "out of memory");
	fd = mkstemp(tmp);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		int e = errno;

		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return cli_fail("summary", 2, "--html %s: %s", path, strerror(e));
	}
	tp_summary_html(s, f);
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && !ferror(f);
	ok = fclose(f) == 0 && ok;
	if (ok && page_mode(tmp) && rename(tmp, path) == 0) {
		free(tmp);
		return 0;
	}
	unlink(tmp);
	free(tmp);
	return cli_fail("summary", 3, "--html %s: cannot write: %s", path,
			strerror(errno));
}

/* Malformed lines on stderr, the page, then stdout; the exit code. */
static int emit(struct tp_summary *s, const struct summary_args *a)
{
	const json_t *doc = tp_summary_doc(s);
	int rc;

	if (doc == NULL || cli_out_of_memory())
		return cli_fail("summary", 3, "out of memory");
	say_malformed(s);
	if (a->html != NULL) {
		rc = write_html(s, a->html);
		if (rc != 0)
			return rc;
	}
	if (a->common.json) {
		/* written as it is rendered: the summary of many endpoints
		 * is as big as their records, and is not held twice. A
		 * failure half-way ends with 3, whatever was written. */
		if (json_dumpf(doc, stdout, JSON_INDENT(2)) < 0 ||
		    cli_out_of_memory())
			return cli_fail("summary", 3, "out of memory");
		putchar('\n');
	} else {
		tp_summary_text(s, stdout, cli_use_color(&a->common));
	}
	if (fflush(stdout) != 0)
		return cli_fail("summary", 3, "cannot write: %s", strerror(errno));
	return tp_summary_exit_status(s);
}

int cmd_summary(int argc, char **argv)
{
	struct summary_args a = {.days = TP_SUMMARY_DEFAULT_DAYS};
	struct tp_summary *s = NULL, *old = NULL;
	static char *dash[] = {"-"};
	char **names;
	FILE **in = NULL, *base = NULL;
	int rc, n, i;

	a.now = time(NULL);
	rc = cli_options("summary", argc, argv, ":", longopts, usage_text,
			 apply_summary, &a);
	if (rc >= 0)
		return rc;
	n = argc - optind;
	names = n > 0 ? argv + optind : dash;
	n = n > 0 ? n : 1;
	in = calloc((size_t)n, sizeof(*in));
	if (in == NULL)
		return cli_fail("summary", 3, "out of memory");
	rc = open_inputs(names, n, in);
	if (rc == 0 && a.baseline != NULL &&
	    (base = fopen(a.baseline, "r")) == NULL)
		rc = cli_fail("summary", 2, "--baseline %s: %s", a.baseline,
			      strerror(errno));
	if (rc == 0 && ((s = tp_summary_new(a.now, (unsigned)a.days)) == NULL ||
			(base && (old = tp_summary_new(a.now, (unsigned)a.days)) == NULL)))
		rc = cli_fail("summary", 3, "out of memory");
	if (rc == 0 && base != NULL) {
		rc = read_input(old, base, a.baseline);
		base = NULL;
		if (rc == 0)
			say_malformed(old);
		tp_summary_set_baseline(s, old);
		old = NULL;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0)
			rc = read_input(s, in[i], names[i]);
		else if (in[i] != NULL && in[i] != stdin)
			fclose(in[i]);
	}
	free(in);
	if (base != NULL)
		fclose(base);
	if (rc == 0)
		rc = emit(s, &a);
	tp_summary_free(old);
	tp_summary_free(s);
	return rc;
}
