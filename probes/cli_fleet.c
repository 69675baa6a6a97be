/* --targets FILE in the mains: the options, the records written as they
 * come (JSON Lines, or one text line each), the progress line on a
 * terminal, the exit status over the run. The runner is src/fleet.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fleet.h"
#include "starttls.h"
#include "targets.h"

int cli_fleet_option(const char *sub, int opt, const char *arg,
		     struct cli_fleet *fl)
{
	unsigned long n;
	int rc = 0;

	switch (opt) {
	case OPT_TARGETS: fl->targets = arg; return 0;
	case OPT_ADDRESSES:
		if (strcmp(arg, "all") == 0)
			fl->first_address = false;
		else if (strcmp(arg, "first") == 0)
			fl->first_address = true;
		else
			return cli_fail(sub, 2, "--addresses '%s': expected "
					"all or first", arg);
		if (fl->given == NULL)
			fl->given = "--addresses";
		return 0;
	case OPT_CONCURRENCY:
		rc = cli_parse_number(sub, "--concurrency", arg, 1,
				      TP_FLEET_MAX_CONCURRENCY, &n);
		fl->concurrency = (unsigned)n;
		break;
	case OPT_RATE:
		rc = cli_parse_number(sub, "--rate", arg, 1, 1000000, &n);
		fl->rate = (double)n;
		break;
	case OPT_PER_HOST:
		rc = cli_parse_number(sub, "--per-host", arg, 1, 1024, &n);
		fl->per_host = (unsigned)n;
		break;
	case OPT_SHARD: fl->shard = arg; break;
	case OPT_OUT: fl->out = arg; break;
	case OPT_RESUME: fl->resume = true; break;
	default: return -1;
	}
	if (rc == 0 && fl->given == NULL)
		fl->given = opt == OPT_CONCURRENCY ? "--concurrency"
			    : opt == OPT_RATE ? "--rate"
			    : opt == OPT_PER_HOST ? "--per-host"
			    : opt == OPT_SHARD ? "--shard"
			    : opt == OPT_OUT ? "--out" : "--resume";
	return rc;
}

/* What the records' callback keeps between calls. */
struct fleet_out {
	const char *sub;
	const char *list;        /* the targets file, for messages */
	FILE *json;              /* JSON Lines: --out FILE, or stdout with
				  * --json; NULL neither */
	const char *json_name;
	bool text;               /* one text line a record on stdout */
	bool progress;           /* stderr is a terminal */
	double last_drawn;       /* the progress line's last time */
	unsigned long long verdicts[3];
};

/* The progress line, at most ten times a second: records done of the
 * lines read so far, the rate, the errors. */
static void draw_progress(struct fleet_out *fo,
			  const struct tp_fleet_stats *stats, bool force)
{
	double now = tp_now_ms(), secs = (now - stats->t_start) / 1000;

	if (!fo->progress || (!force && now - fo->last_drawn < 100))
		return;
	fo->last_drawn = now;
	fprintf(stderr,
		"\r\033[K%llu done (%llu skipped) of %llu read, "
		"%.1f/s, %llu with errors",
		stats->records, stats->skipped, stats->lines,
		secs > 0 ? stats->records / secs : 0.0, stats->failed);
}

static void clear_progress(struct fleet_out *fo)
{
	if (fo->progress)
		fputs("\r\033[K", stderr);
}

/* "host:port" or "[v6]:port" */
static void target_words(const struct tp_targets_entry *e, char *out,
			 size_t size)
{
	snprintf(out, size, strchr(e->host, ':') != NULL ? "[%s]:%u"
		 : "%s:%u", e->host, e->port);
}

/* One record as a line of text: line, target, address, verdict, the
 * session (client) or the grade (ciphers), the first error (else
 * warning) code. */
static void text_line(const struct tp_fleet_record *rec)
{
	const struct tp_report *r = rec->report;
	const char *code = "-";
	char target[TP_ADDR_NAME_SIZE + 16], session[160] = "-";
	size_t i;

	if (r == NULL) {
		printf("%-5lu %s: bad line: %s\n", rec->entry->line,
		       rec->entry->text, rec->error->message);
		return;
	}
	target_words(rec->entry, target, sizeof(target));
	if (r->scan != NULL)
		snprintf(session, sizeof(session), "grade %c",
			 r->scan->grade != '\0' ? r->scan->grade : '-');
	else if (r->session.present && r->session.version != NULL)
		snprintf(session, sizeof(session), "%s/%s", r->session.version,
			 r->session.cipher ? r->session.cipher : "?");
	for (i = 0; i < r->n_findings; i++)
		if (r->findings[i].severity == TP_SEV_ERROR) {
			code = tp_code_info(r->findings[i].code)->name;
			break;
		}
	for (i = 0; code[0] == '-' && i < r->n_findings; i++)
		if (r->findings[i].severity == TP_SEV_WARNING)
			code = tp_code_info(r->findings[i].code)->name;
	printf("%-5lu %-28s %-15s %-4s %-36s %s\n", rec->entry->line, target,
	       rec->address[0] ? rec->address : "-",
	       tp_verdict_name(tp_report_verdict(r)), session, code);
}

static int on_record(void *arg, const struct tp_fleet_record *rec,
		     const struct tp_fleet_stats *stats, struct tp_error *err)
{
	struct fleet_out *fo = arg;
	char *line;

	clear_progress(fo);
	if (rec->report == NULL)
		fprintf(stderr, "tlsprobe %s: %s line %lu: %s\n", fo->sub,
			fo->list, rec->entry->line, rec->error->message);
	else
		fo->verdicts[tp_report_verdict(rec->report)]++;
	if (fo->json != NULL) {
		line = tp_fleet_record_json(rec);
		if (line == NULL) {
			tp_error_set(err, TP_ERR_RUNTIME, "out of memory "
				     "rendering a record");
			return -1;
		}
		/* one write and a flush a record: a run killed at any
		 * moment leaves whole lines, and at most the last torn */
		fputs(line, fo->json);
		fputc('\n', fo->json);
		free(line);
		if (fflush(fo->json) != 0 || ferror(fo->json)) {
			tp_error_set(err, TP_ERR_RUNTIME, "cannot write to "
				     "%s: %s", fo->json_name, strerror(errno));
			return -1;
		}
	}
	if (fo->text) {
		text_line(rec);
		fflush(stdout);
	}
	draw_progress(fo, stats, false);
	return 0;
}

/*
 * --resume: the keys FILE holds. A torn last line (the run before was
 * killed while writing it) is cut away, so that its target is probed
 * and written again whole; a missing FILE is an empty one.
 */
static int read_resume(const char *sub, const char *path,
		       struct tp_fleet_seen *seen)
{
	struct tp_fleet_resume res;
	struct tp_error err = {0};
	FILE *f = fopen(path, "r");
	int rc;

	if (f == NULL)
		return errno == ENOENT ? 0 : cli_fail(sub, 2, "--out %s: %s",
						      path, strerror(errno));
	rc = tp_fleet_resume_read(f, path, seen, &res, &err);
	fclose(f);
	if (rc < 0)
		return cli_error(sub, &err);
	if (res.torn) {
		if (truncate(path, res.whole) != 0)
			return cli_fail(sub, 3, "--out %s: cannot cut its torn "
					"last line: %s", path, strerror(errno));
		fprintf(stderr, "tlsprobe %s: %s: its last line was torn and "
			"is cut away (at byte %lld); that target is probed "
			"again\n", sub, path, (long long)res.whole);
	}
	if (res.bad_json > 0 || res.foreign > 0)
		fprintf(stderr, "tlsprobe %s: %s: %lu line%s not JSON and %lu "
			"not a record passed over\n", sub, path, res.bad_json,
			res.bad_json == 1 ? "" : "s", res.foreign);
	return 0;
}

/* The run's last lines: a short total in text; the exit status. */
static int finish(const char *sub, struct fleet_out *fo,
		  const struct tp_fleet_stats *stats, bool stopped)
{
	double secs = (tp_now_ms() - stats->t_start) / 1000;

	draw_progress(fo, stats, true);
	if (fo->progress)
		fputc('\n', stderr);
	if (fo->text) {
		printf("%llu record%s in %.1f s: %llu pass, %llu warn, %llu "
		       "fail, %llu bad line%s", stats->records,
		       stats->records == 1 ? "" : "s", secs,
		       fo->verdicts[TP_VERDICT_PASS],
		       fo->verdicts[TP_VERDICT_WARN],
		       fo->verdicts[TP_VERDICT_FAIL], stats->bad,
		       stats->bad == 1 ? "" : "s");
		if (stats->skipped > 0)
			printf(", %llu skipped (in --out already)",
			       stats->skipped);
		putchar('\n');
		if (fflush(stdout) != 0)
			return cli_fail(sub, 3, "cannot write: %s",
					strerror(errno));
	}
	if (cli_out_of_memory())
		return cli_fail(sub, 3, "out of memory");
	if (stopped) {
		fprintf(stderr, "tlsprobe %s: stopped: the targets not "
			"probed yet have no record (--resume goes on)\n", sub);
		return 1;
	}
	return stats->failed > 0 ? 1 : 0;
}

/* What the front end reads of either probe's base options. */
struct fleet_base {
	int starttls;
	bool capture;
	const char *pcap_out;
};

/* Everything a run needs before its first probe; the exit code of a
 * failure, else -1. */
static int prepare(const char *sub, const struct cli_fleet *fl,
		   const struct fleet_base *b, struct tp_fleet_opts *fo,
		   struct tp_fleet_seen **seen, FILE **out)
{
	struct tp_targets_opts topts = {
		.default_port = b->starttls
				? tp_starttls_default_port(b->starttls) : 443,
		.starttls = (enum tp_starttls)b->starttls,
	};
	struct tp_error err = {0};
	int rc;

	/* a capture drops root for the whole process once it is open, and
	 * --pcap-out is one file: they are one probe's, not a pool's */
	if (b->capture || b->pcap_out != NULL)
		return cli_fail(sub, 2, "%s takes the packets of one probe: "
				"not with --targets", b->pcap_out != NULL
				? "--pcap-out" : "--capture");
	if (fl->resume && fl->out == NULL)
		return cli_fail(sub, 2, "--resume needs --out FILE: the "
				"records to carry on from");
	if (fl->shard != NULL &&
	    tp_targets_shard_parse(fl->shard, &fo->shard_k, &fo->shard_n,
				   &err) < 0)
		return cli_error(sub, &err);
	if (fl->resume) {
		*seen = tp_fleet_seen_new();
		if (*seen == NULL)
			return cli_fail(sub, 3, "out of memory");
		rc = read_resume(sub, fl->out, *seen);
		if (rc != 0)
			return rc;
		fo->seen = *seen;
	}
	if (fl->out != NULL) {
		*out = fopen(fl->out, "a");
		if (*out == NULL)
			return cli_fail(sub, 2, "--out %s: %s", fl->out,
					strerror(errno));
	}
	fo->targets = tp_targets_open(fl->targets, &topts, &err);
	if (fo->targets == NULL)
		return cli_error(sub, &err);
	return -1;
}

/* The run of either probe: fo holds the probe and its base options, b
 * what the front end checks of them. */
static int run(const char *sub, const struct cli_fleet *fl,
	       struct tp_fleet_opts *fo_in, const struct fleet_base *b,
	       const struct cli_common *c)
{
	static volatile sig_atomic_t stop;
	struct tp_fleet_opts fo = *fo_in;
	struct fleet_out out = {
		.sub = sub, .list = strcmp(fl->targets, "-") == 0 ? "stdin"
				    : fl->targets,
		.text = !c->json,
		.progress = isatty(STDERR_FILENO) == 1,
	};
	struct tp_fleet_seen *seen = NULL;
	struct tp_fleet_stats stats = {0};
	struct tp_error err = {0};
	FILE *file = NULL;
	int rc;

	fo.first_address = fl->first_address;
	fo.concurrency = fl->concurrency;
	fo.rate = fl->rate;
	fo.per_host = fl->per_host;
	fo.on_record = on_record;
	fo.stop = &stop;
	rc = prepare(sub, fl, b, &fo, &seen, &file);
	if (rc >= 0)
		goto done;
	out.json = file != NULL ? file : c->json ? stdout : NULL;
	out.json_name = file != NULL ? fl->out : "stdout";
	fo.arg = &out;
	cli_on_stop(&stop, true);
	if (tp_fleet_run(&fo, &stats, &err) < 0) {
		clear_progress(&out);
		rc = cli_error(sub, &err);
		goto done;
	}
	rc = finish(sub, &out, &stats, stop != 0);
done:
	tp_targets_close(fo.targets);
	if (file != NULL && fclose(file) != 0 && rc != 3)
		rc = cli_fail(sub, 3, "cannot write to %s: %s", fl->out,
			      strerror(errno));
	tp_fleet_seen_free(seen);
	return rc;
}

int cli_fleet_client(const char *sub, const struct cli_fleet *fl,
		     const struct tp_client_opts *o,
		     const struct cli_common *c)
{
	struct tp_fleet_opts fo = {.probe = TP_FLEET_CLIENT, .base = o};
	struct fleet_base b = {
		.starttls = o->starttls, .capture = o->capture,
		.pcap_out = o->pcap_out,
	};

	return run(sub, fl, &fo, &b, c);
}

int cli_fleet_ciphers(const char *sub, const struct cli_fleet *fl,
		      const struct tp_ciphers_opts *o,
		      const struct cli_common *c)
{
	struct tp_fleet_opts fo = {.probe = TP_FLEET_CIPHERS,
				   .ciphers_base = o};
	struct fleet_base b = {
		.starttls = o->starttls, .capture = o->capture,
		.pcap_out = o->pcap_out,
	};

	return run(sub, fl, &fo, &b, c);
}

int cli_fleet_audit(const char *sub, const struct cli_fleet *fl,
		    const struct tp_audit_opts *o, const struct cli_common *c)
{
	struct tp_fleet_opts fo = {.probe = TP_FLEET_AUDIT,
				   .ciphers_base = &o->ciphers,
				   .audit_base = o};
	struct fleet_base b = {
		.starttls = o->ciphers.starttls, .capture = o->ciphers.capture,
		.pcap_out = o->ciphers.pcap_out,
	};

	return run(sub, fl, &fo, &b, c);
}
