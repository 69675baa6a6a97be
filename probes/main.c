/* tlsprobe: the front command. Built also as tlsprobe-SUB, fixed to SUB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *what;
};


static const struct subcommand subcommands[] = {
	{"client", cmd_client, "one TLS connection, diagnosed stage by stage"},
	{"server", cmd_server, "listen, and diagnose every incoming handshake"},
	{"peer", cmd_peer, "both roles at once between two nodes"},
	{"ciphers", cmd_ciphers, "what a port accepts: versions, suites, groups, a grade"},
	{"audit", cmd_audit, "ciphers, then known attacks, session behaviour, certificate status"},
	{"pcap", cmd_pcap, "list and diagnose the TLS handshakes in a capture"},
	{"summary", cmd_summary, "summarise the JSON Lines of --targets runs"},
	{"cert", cmd_cert, "offline check of certificate, key and CA files"},
	{"id", cmd_id, "print this node's unique ID"},
	{"codes", cmd_codes, "list the finding codes and what they mean"},
	{"tui", cmd_tui, "the ncurses front end over all of the above"},
};

#ifndef TP_FIXED_SUBCOMMAND
static void usage(FILE *f)
{
	size_t i;

	fputs("usage: tlsprobe SUBCOMMAND [options]\n\nsubcommands:\n", f);
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name,
			subcommands[i].what);
	fputs("\n'tlsprobe SUBCOMMAND --help' lists its options; "
	      "man tlsprobe-SUBCOMMAND explains them.\n", f);
}
#endif

static const struct subcommand *find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(subcommands[i].name, name) == 0)
			return &subcommands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct subcommand *sub;

	tp_error_set_namer(cli_name_option);
#ifdef TP_FIXED_SUBCOMMAND
	sub = find(TP_FIXED_SUBCOMMAND);
	return sub->run(argc, argv);
#else
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("tlsprobe %s\n", TP_VERSION);
		return 0;
	}
	sub = find(argv[1]);
	if (sub == NULL) {
		char *shown = tp_sanitize(argv[1], strlen(argv[1]));

		fprintf(stderr, "tlsprobe: unknown subcommand '%s' "
			"(try tlsprobe --help)\n", shown ? shown : "?");
		free(shown);
		return 2;
	}
	return sub->run(argc - 1, argv + 1);
#endif
}
