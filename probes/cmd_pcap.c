/* tlsprobe pcap FILE | --live IFACE: the TLS handshakes of a capture. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
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
	"  --max-flows N        TCP connections followed at once (default 65536)\n"
	"  --no-color           plain text (also NO_COLOR=1)\n";

enum {
	OPT_LIVE = 512, OPT_SECONDS, OPT_HOST, OPT_PORT, OPT_MAX_FLOWS,
};

static const struct option longopts[] = {
	{"json", no_argument, NULL, OPT_JSON},
	{"live", required_argument, NULL, OPT_LIVE},
	{"seconds", required_argument, NULL, OPT_SECONDS},
	{"host", required_argument, NULL, OPT_HOST},
	{"port", required_argument, NULL, OPT_PORT},
	{"sni", required_argument, NULL, OPT_SNI},
	{"keylog", required_argument, NULL, OPT_KEYLOG},
	{"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void show_progress(void *arg, unsigned long long frames,
			  unsigned handshakes)
{
	(void)arg;
	fprintf(stderr, "\r\033[Kreading… %llu frames, %u handshake%s", frames,
		handshakes, handshakes == 1 ? "" : "s");
}

static int parse_number(const char *flag, const char *arg,
			unsigned long min, unsigned long max,
			unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-' ||
	    v < min || v > max)
		return cli_fail("pcap", 2, "%s: '%s' is not a whole number "
				"from %lu to %lu", flag, arg, min, max);
	*out = v;
	return 0;
}

static int option(int c, const char *arg, struct tp_pcap_opts *o,
		  struct cli_common *common)
{
	unsigned long n;
	char *end;

	switch (c) {
	case OPT_JSON: common->json = true; return 0;
	case OPT_NO_COLOR: common->no_color = true; return 0;
	case OPT_LIVE: o->live = arg; return 0;
	case OPT_SECONDS:
		errno = 0;
		o->live_seconds = strtod(arg, &end);
		if (errno != 0 || end == arg || *end != '\0' ||
		    !isfinite(o->live_seconds) || o->live_seconds <= 0 ||
		    o->live_seconds > 86400)
			return cli_fail("pcap", 2, "--seconds '%s': expected "
					"seconds between 0 and 86400 (decimal "
					"allowed)", arg);
		return 0;
	case OPT_HOST: o->host = arg; return 0;
	case OPT_PORT:
		if (parse_number("--port", arg, 1, 65535, &n) != 0)
			return 2;
		o->port = (unsigned)n;
		return 0;
	case OPT_SNI: o->sni = arg; return 0;
	case OPT_KEYLOG: o->keylog_file = arg; return 0;
	case OPT_MAX_FLOWS:
		if (parse_number("--max-flows", arg, 1, 1UL << 24, &n) != 0)
			return 2;
		o->max_flows = n;
		return 0;
	default:
		return -1;
	}
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

int cmd_pcap(int argc, char **argv)
{
	struct tp_pcap_opts o = {0};
	struct cli_common common = {0};
	struct tp_error err = {0};
	struct tp_report *r;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (c == ':')
			return cli_fail("pcap", 2, "option '%s' needs a value",
					argv[optind - 1]);
		rc = option(c, optarg, &o, &common);
		if (rc > 0)
			return rc;
		if (rc < 0)
			return cli_fail("pcap", 2, "unknown option '%s' (see "
					"tlsprobe pcap --help)",
					argv[optind - 1]);
	}
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
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (want_progress(&o, &common))
		o.progress = show_progress;
	r = tp_report_new("pcap");
	if (r == NULL)
		return cli_fail("pcap", 3, "out of memory");
	rc = tp_pcap_run(&o, r, &err);
	if (o.progress != NULL)
		fputs("\r\033[K", stderr);
	if (rc < 0) {
		tp_report_free(r);
		return cli_error("pcap", &err);
	}
	rc = cli_emit(r, &common);
	tp_report_free(r);
	return rc;
}
