/*
 * The targets of a many-target run (--targets FILE): one target a line,
 * address blocks, nmap's greppable (-oG) and XML (-oX) output; read as
 * a stream, and split into shards by a stable hash. Internal to
 * libtlsprobe.
 *
 * The file is never held whole: a line (at most TP_TARGETS_LINE_MAX
 * bytes), one nmap <host>'s open ports (a bitmap of 8 KiB) and the
 * position inside an address block are all the reader keeps, so ten
 * million lines cost what ten do.
 */
#ifndef TP_TARGETS_H
#define TP_TARGETS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "starttls.h"
#include "tlsprobe.h"

/* A longer line is a bad line, not a crash. */
#define TP_TARGETS_LINE_MAX 4096
/* One line expands to at most this many addresses unless allow_large. */
#define TP_TARGETS_BLOCK_MAX 65536u
/* The line's text as a record shows it: sanitised, cut. */
#define TP_TARGETS_TEXT_SIZE 256

struct tp_targets_opts {
	/* the port of a line that names none; 0: 443, or the STARTTLS
	 * protocol's own port (as client does for one HOST) */
	unsigned default_port;
	/* the prelude of a line without starttls= (TP_STARTTLS_NONE) */
	enum tp_starttls starttls;
	/* address blocks of more than TP_TARGETS_BLOCK_MAX addresses are
	 * taken, up to 2^32 (a /0 never is: it is the whole Internet) */
	bool allow_large;
	/* nmap output only: which open TCP ports are kept, "443,8443,
	 * 9000-9010"; NULL or "" keeps them all */
	const char *ports;
};

/* What the file turned out to be, from its content. */
enum tp_targets_format {
	TP_TARGETS_LIST,      /* one target a line */
	TP_TARGETS_NMAP_GREP, /* nmap -oG: the first line that is not blank
			       * is "# Nmap 7.94 scan initiated …" or
			       * "Host: …" */
	TP_TARGETS_NMAP_XML,  /* nmap -oX: first byte (after a BOM) '<' */
};

struct tp_targets_entry {
	unsigned long line;              /* 1 = the file's first line; for
					  * nmap XML, the <host>'s line */
	char text[TP_TARGETS_TEXT_SIZE];  /* the line, sanitised and cut; for
					  * nmap XML "<host> ADDR" */
	/* the rest is set for a target, empty for a bad line */
	char host[TP_ADDR_NAME_SIZE];    /* a name in its A-label form or an
					  * address literal; "" on a bad line */
	unsigned port;
	char sni[TP_ADDR_NAME_SIZE];     /* sni=NAME (A-label form), "" none */
	enum tp_starttls starttls;
	char name[TP_ADDR_NAME_SIZE];    /* nmap's name for the address
					  * (A-label form), "" none; it is not
					  * the SNI: nmap may have it from a
					  * reverse lookup */
	bool has_address;                /* block or nmap: the address itself
					  * (host is its literal), port set */
	struct sockaddr_storage address;
};

struct tp_targets;

/*
 * Opens path ("-" is stdin, which is left open at the end) and finds its
 * format from the first bytes. NULL and a usage error when the file
 * cannot be opened or opts->ports is malformed; a runtime error when
 * memory runs out.
 */
struct tp_targets *tp_targets_open(const char *path,
				   const struct tp_targets_opts *opts,
				   struct tp_error *err);
/* The same over a stream the caller keeps and closes (after the reader);
 * name is what messages call it. */
struct tp_targets *tp_targets_open_stream(FILE *f, const char *name,
					  const struct tp_targets_opts *opts,
					  struct tp_error *err);

#define TP_TARGETS_TARGET 1   /* *out is a target */
#define TP_TARGETS_END 0      /* no more */
#define TP_TARGETS_BAD (-1)   /* a bad line: out->line and out->text say
			       * which, err why (TP_ERR_USAGE); go on */
#define TP_TARGETS_FAILED (-2) /* reading failed (I/O, memory; err says);
			       * every later call returns TP_TARGETS_END */

/*
 * The next target. err is cleared first: each bad line has its own
 * reason. A bad line never stops the reader: a line too long, with a
 * NUL or control character, a malformed target, port, block or word, a
 * block too large.
 */
int tp_targets_next(struct tp_targets *t, struct tp_targets_entry *out,
		    struct tp_error *err);
enum tp_targets_format tp_targets_format(const struct tp_targets *t);
/* Closes what open opened; NULL is a no-op. */
void tp_targets_close(struct tp_targets *t);

/* "K/N" with 1 <= K <= N <= 1000000 (digits only); a usage error
 * naming spec otherwise. */
int tp_targets_shard_parse(const char *spec, unsigned *k, unsigned *n,
			   struct tp_error *err);
/*
 * Whether target belongs to shard k of n: FNV-1a 64 of
 * "HOST:PORT" ("[V6]:PORT" for an IPv6 literal; a name in lower case,
 * without the root's dot), followed by "\nsni=NAME" when sni is set and
 * "\nstarttls=PROTO" when starttls is, taken modulo n, plus 1. The same
 * on every machine and every run, so the n shards are disjoint and
 * together hold every target. A bad line (host "") is hashed as
 * "line:N" from its line number, so that exactly one shard reports it.
 */
bool tp_targets_in_shard(const struct tp_targets_entry *target, unsigned k,
			unsigned n);
/* The hash itself, for tests and for a record that names its shard. */
uint64_t tp_targets_hash(const struct tp_targets_entry *target);

#endif
