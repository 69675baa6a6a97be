/* tlsprobe pcap FILE | --live IFACE: the TLS handshakes of a capture. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Files larger than this get a progress line on a terminal. */
#define PROGRESS_BYTES (4 * 1024 * 1024)

static const char usage_text[] =
	"usage: tlsprobe pcap FILE [options]\n"
	"       tlsprobe pcap --live IFACE [--seconds N] [options]\n"
	"  --json               one JSON report on stdout\n"
	"  --live IFACE         capture on an interface (\"any\", \"lo\", \"eth0\")\n"
	"                       instead of reading a file; needs CAP_NET_RAW\n"
	"  --seconds N          --live: stop after N seconds (default: Ctrl-C)\n"
	"  --host ADDR          only connections with this address at either end\n"
	"  --port PORT          only connections with this port at either end\n"
	"  --sni NAME           only ClientHellos that sent this server name\n"
	"                       (exact, case-insensitive)\n"
	"  --keylog FILE        NSS key log: count the secrets it holds for\n"
	"                       each connection's client random\n"
	"  --max-flows N        TCP connections followed at once (default 32768)\n"
	"  --no-color           plain text (also NO_COLOR=1)\n";


static const struct option longopts[] = {
	CLI_PCAP_LONGOPTS,
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static volatile sig_atomic_t stop;

static void show_progress(void *arg, unsigned long long frames,
			  unsigned handshakes)
{
	(void)arg;
	fprintf(stderr, "\r\033[Kreading… %llu frames, %u handshake%s", frames,
		handshakes, handshakes == 1 ? "" : "s");
}


struct pcap_args {
	struct tp_pcap_opts *o;
	struct cli_common *common;
};

static int apply_pcap(int opt, const char *arg, void *ctx)
{
	struct pcap_args *a = ctx;

	return cli_pcap_option("pcap", opt, arg, a->o, a->common);
}

/* A progress line only where a person watches a long read. */
static bool want_progress(const struct tp_pcap_opts *o,
			  const struct cli_common *common)
{
	struct stat st;

	if (common->json || !isatty(STDERR_FILENO))
		return false;
	if (o->live != NULL)
		return true;
	return stat(o->file, &st) == 0 && st.st_size > PROGRESS_BYTES;
}

/* Streamed output: the JSON document is written piece by piece, the
 * text one line per handshake, then the summary. */
struct stream {
	const struct cli_common *common;
	const struct tp_report *r;
	bool progress;          /* a progress line is on stderr */
	bool started;           /* the JSON head is out */
	struct tp_json_cache *cache;
	unsigned long long n;
	bool lost;              /* a handshake could not be rendered */
};

static void stream_start(struct stream *s)
{
	char *head;

	if (s->started || !s->common->json)
		return;
	head = tp_report_to_json_head(s->r);
	if (head != NULL)
		fputs(head, stdout);
	else
		s->lost = true;
	free(head);
	s->started = true;
}

static void stream_handshake(void *arg, const struct tp_handshake *h)
{
	struct stream *s = arg;
	char *out;

	if (s->progress)
		fputs("\r\033[K", stderr);
	if (s->common->json) {
		stream_start(s);
		out = tp_handshake_to_json(h, s->cache);
		if (out != NULL)
			printf("%s\n    %s", s->n ? "," : "", out);
	} else {
		out = tp_handshake_to_text(h, cli_use_color(s->common)
					   ? TP_RENDER_COLOR : 0);
		if (out != NULL)
			fputs(out, stdout);
	}
	/* rendering fails only for want of memory; the document would
	 * lack a handshake: fail rather than let it pass for the whole
	 * capture */
	if (out == NULL)
		s->lost = true;
	free(out);
	s->n++;
}

static int stream_end(struct stream *s)
{
	char *out;

	if (s->common->json) {
		stream_start(s);
		out = tp_report_to_json_tail(s->r, 0);
	} else {
		out = tp_report_to_text(s->r, cli_use_color(s->common)
					? TP_RENDER_COLOR : 0);
	}
	if (out == NULL || s->lost || cli_out_of_memory()) {
		free(out);
		if (s->started)
			fputc('\n', stdout);  /* what was streamed stays readable */
		return cli_fail("pcap", 3, "out of memory");
	}
	fputs(out, stdout);
	if (s->common->json)
		fputc('\n', stdout);
	free(out);
	if (fflush(stdout) != 0)
		return cli_fail("pcap", 3, "cannot write the report: %s",
				strerror(errno));
	return tp_report_exit_status(s->r);
}

int cmd_pcap(int argc, char **argv)
{
	struct tp_pcap_opts o;
	struct stream stream = {0};
	struct cli_common common = {0};
	struct tp_error err = {0};
	struct tp_report *r;
	int rc;

	tp_pcap_opts_init(&o);
	rc = cli_options("pcap", argc, argv, ":", longopts, usage_text,
			 apply_pcap, &(struct pcap_args){&o, &common});
	if (rc >= 0)
		return rc;
	if (optind < argc)
		o.file = argv[optind];
	if (o.live != NULL && o.file != NULL)
		return cli_fail("pcap", 2, "a file or --live, not both: "
				"unexpected '%s'", o.file);
	if (o.live == NULL && o.file == NULL)
		return cli_fail("pcap", 2, "no capture: expected FILE or "
				"--live IFACE");
	if (optind + 1 < argc)
		return cli_fail("pcap", 2, "one file only: unexpected '%s'",
				argv[optind + 1]);
	if (o.live_seconds > 0 && o.live == NULL)
		return cli_fail("pcap", 2, "--seconds applies to --live only");
	o.stop = &stop;
	/* restarted as signal() had it: the handshakes are written to
	 * stdout as the capture runs, and a ^C while a write waits on a
	 * slow reader must not cut the stream short */
	cli_on_stop(&stop, true);
	if (want_progress(&o, &common))
		o.progress = show_progress;
	r = tp_report_new("pcap");
	if (r == NULL)
		return cli_fail("pcap", 3, "out of memory");
	/* handshakes go out as their connections end: a capture of any
	 * size costs the same memory */
	stream.common = &common;
	stream.progress = o.progress != NULL;
	stream.r = r;
	if (common.json)
		stream.cache = tp_json_cache_new();  /* NULL: no cache */
	o.on_handshake = stream_handshake;
	o.handshake_arg = &stream;
	rc = tp_pcap_run(&o, r, &err);
	tp_json_cache_free(stream.cache);
	if (o.progress != NULL)
		fputs("\r\033[K", stderr);
	if (rc < 0) {
		tp_report_free(r);
		if (stream.started)
			fputc('\n', stdout);  /* what was streamed stays readable */
		return cli_error("pcap", &err);
	}
	rc = stream_end(&stream);
	tp_report_free(r);
	return rc;
}
