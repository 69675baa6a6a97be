/* tlsprobe cert: offline check of certificate, key and CA files. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define USAGE "usage: tlsprobe cert --cert FILE [--key FILE] [--ca FILE] " \
	"[--expect-name NAME] [--expect-id ID] [--purpose server|client] " \
	"[--now TIME] [--json] [--no-color]"

static const struct option longopts[] = {
	{"cert", required_argument, NULL, OPT_CERT},
	{"key", required_argument, NULL, OPT_KEY},
	{"ca", required_argument, NULL, OPT_CA},
	{"expect-name", required_argument, NULL, OPT_EXPECT_NAME},
	{"expect-id", required_argument, NULL, OPT_EXPECT_ID},
	{"purpose", required_argument, NULL, OPT_PURPOSE},
	{"now", required_argument, NULL, OPT_NOW},
	{"json", no_argument, NULL, OPT_JSON},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static void help(void)
{
	puts(USAGE "\n\n"
	     "Checks a certificate chain (leaf first), its key and the CAs\n"
	     "that should trust it, without any network traffic.\n\n"
	     "  --cert FILE         PEM chain to check, leaf first\n"
	     "  --key FILE          PEM private key that must belong to the leaf\n"
	     "  --ca FILE           trusted CAs (PEM); default: the system store\n"
	     "  --expect-name NAME  host name or IP address the leaf must match\n"
	     "  --expect-id ID      unique ID the leaf's CN must equal\n"
	     "  --purpose P         server (default) or client: the key usage needed\n"
	     "  --now TIME          check dates at TIME (YYYY-MM-DDTHH:MM:SSZ or epoch)\n"
	     "  --json              print the report as JSON\n"
	     "  --no-color          plain text\n\n"
	     "Exit status: 0 no error found, 1 errors found, 2 bad usage or input.");
}

int cmd_cert(int argc, char **argv)
{
	struct tp_cert_opts o = {.purpose = TP_PURPOSE_SERVER};
	struct cli_common common = {0};
	struct tp_error err = {0};
	struct tp_report *r;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CERT: o.cert_file = optarg; break;
		case OPT_KEY: o.key_file = optarg; break;
		case OPT_CA: o.ca_file = optarg; break;
		case OPT_EXPECT_NAME: o.expect_name = optarg; break;
		case OPT_EXPECT_ID: o.expect_id = optarg; break;
		case OPT_JSON: common.json = true; break;
		case OPT_NO_COLOR: common.no_color = true; break;
		case OPT_PURPOSE:
			if (strcmp(optarg, "server") == 0)
				o.purpose = TP_PURPOSE_SERVER;
			else if (strcmp(optarg, "client") == 0)
				o.purpose = TP_PURPOSE_CLIENT;
			else
				return cli_fail("cert", 2, "--purpose '%s': "
						"expected server or client",
						optarg);
			break;
		case OPT_NOW:
			if (cli_parse_now("cert", optarg, &o.now) != 0)
				return 2;
			break;
		case OPT_HELP:
			help();
			return 0;
		case ':':
			return cli_fail("cert", 2, "option '%s' needs an "
					"argument", argv[optind - 1]);
		default:
			return cli_fail("cert", 2, "unknown option '%s' (%s)",
					argv[optind - 1], USAGE);
		}
	}
	if (optind < argc)
		return cli_fail("cert", 2, "unexpected argument '%s' (%s)",
				argv[optind], USAGE);
	if (o.cert_file == NULL)
		return cli_fail("cert", 2, "--cert FILE is required (%s)",
				USAGE);
	r = tp_report_new("cert");
	if (r == NULL)
		return cli_fail("cert", 3, "out of memory");
	if (tp_cert_run(&o, r, &err) < 0) {
		tp_report_free(r);
		return cli_error("cert", &err);
	}
	rc = cli_emit(r, &common);
	tp_report_free(r);
	return rc;
}
