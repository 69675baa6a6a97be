/*
 * Many targets in one process (--targets): a bounded pool of threads
 * that pulls targets from the streamed reader (targets.h), resolves
 * each one to its addresses and runs one probe (client or cipher audit)
 * per (target, address) under the global rate, the per-address cap and
 * the stop flag; the records' JSON lines; the resume set read back from
 * them. Internal to libtlsprobe.
 *
 * A client probe is one connection: it takes one token of the rate and
 * one place of the address for its whole run. A cipher audit opens many
 * connections, up to its own concurrency at once: each of them passes
 * the run's gate (tp_ciphers_opts.before_connect), which takes a token
 * and a place of the address for that connection alone. So --per-host
 * bounds the connections open to one address whichever probe runs, and
 * --rate counts every connection the audits open.
 *
 * Nothing is kept about a target once its record is out, so memory is
 * bounded whatever the list's length; the resume set (one key per
 * record already written) is the one exception.
 *
 * The resume key of a record is what the record itself holds, one
 * field a line in this order:
 *   target.host, target.port, target.sni ("" when null),
 *   target.starttls ("" when absent), target.addresses[0] ("" when the
 *   name did not resolve)
 * and "line N" for a bad line's record (target.line). The runner makes
 * the same key from a target and an address before it probes them.
 */
#ifndef TP_FLEET_H
#define TP_FLEET_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "targets.h"
#include "tlsprobe.h"

#define TP_FLEET_DEFAULT_CONCURRENCY 32
#define TP_FLEET_DEFAULT_PER_HOST 2
#define TP_FLEET_MAX_CONCURRENCY 4096
/* A resume key: five fields of at most a name's length. */
#define TP_FLEET_KEY_SIZE (4 * TP_ADDR_NAME_SIZE + 64)

/* ---- the global rate: a token bucket of depth one ---- */

struct tp_fleet_bucket {
	double interval_ms;  /* 1000 / rate; 0: no limit */
	double next_ms;      /* the earliest start of the next connection */
};

void tp_fleet_bucket_init(struct tp_fleet_bucket *b, double rate);
/* Takes the next slot at or after now: the time (same clock as now) the
 * caller may open its connection. Slots are handed out in turn, so N
 * callers at once get now, now + 1/rate, now + 2/rate, ... */
double tp_fleet_bucket_take(struct tp_fleet_bucket *b, double now_ms);

/* ---- probes in flight per address, and the back-off after resets ---- */

/*
 * Back-off: a probe whose connection was reset (RESET_DURING_HANDSHAKE)
 * makes later probes of that address wait TP_FLEET_BACKOFF_MS, doubled
 * for each further reset in a row up to TP_FLEET_BACKOFF_MAX_MS, and
 * forgotten once a probe of it ends without a reset or the address has
 * been left alone for TP_FLEET_BACKOFF_MAX_MS after its wait.
 */
#define TP_FLEET_BACKOFF_MS 250.0
#define TP_FLEET_BACKOFF_MAX_MS 8000.0

struct tp_fleet_hosts;

struct tp_fleet_hosts *tp_fleet_hosts_new(unsigned per_host);
void tp_fleet_hosts_free(struct tp_fleet_hosts *h);
/*
 * Takes a place for address ("127.0.0.1") at now: 1 when taken, 0 when
 * the address has per_host probes in flight or is backing off (*until
 * then says when to try again, 0 meaning "when one ends"), -1 when
 * memory ran out.
 */
int tp_fleet_hosts_take(struct tp_fleet_hosts *h, const char *address,
			double now_ms, double *until);
/* Gives the place back; reset: the probe's connection was reset. */
void tp_fleet_hosts_release(struct tp_fleet_hosts *h, const char *address,
			    bool reset, double now_ms);
/* How many addresses it remembers (in flight or backing off). */
size_t tp_fleet_hosts_count(const struct tp_fleet_hosts *h);

/* ---- resume keys ---- */

struct tp_fleet_seen;

struct tp_fleet_seen *tp_fleet_seen_new(void);
void tp_fleet_seen_free(struct tp_fleet_seen *s);
/* 1 added, 0 it was there, -1 no memory. */
int tp_fleet_seen_add(struct tp_fleet_seen *s, const char *key);
bool tp_fleet_seen_has(const struct tp_fleet_seen *s, const char *key);
size_t tp_fleet_seen_count(const struct tp_fleet_seen *s);

/* The key of a (target, address), as in the header comment; sni and
 * starttls "" when none, address "" when none. */
void tp_fleet_key(char out[TP_FLEET_KEY_SIZE], const char *host,
		  unsigned port, const char *sni, const char *starttls,
		  const char *address);
/* The key of a bad line's record. */
void tp_fleet_key_line(char out[TP_FLEET_KEY_SIZE], unsigned long line);

struct tp_fleet_resume {
	unsigned long records;   /* lines whose key was taken */
	unsigned long foreign;   /* JSON, but not a record of ours */
	unsigned long bad_json;  /* whole lines that are not JSON */
	bool torn;               /* the last line has no newline: a run
				  * killed while writing it */
	off_t whole;             /* bytes up to the end of the last whole
				  * line: where a writer carries on */
};

/*
 * Reads a JSON Lines file of earlier records (line by line: never the
 * file whole) into seen. A line that is not JSON, or not a record, is
 * counted and passed over; a last line without its newline is torn: not
 * taken, whatever it holds, so that its target is probed again once
 * the caller has cut the file at res->whole. -1 with err set when the
 * file cannot be read or memory ran out.
 */
int tp_fleet_resume_read(FILE *f, const char *name,
			 struct tp_fleet_seen *seen,
			 struct tp_fleet_resume *res, struct tp_error *err);

/* ---- the runner ---- */

/* One finished (target, address), or one bad line. */
struct tp_fleet_record {
	const struct tp_targets_entry *entry;
	const char *address;            /* "" when none */
	const struct tp_report *report; /* NULL: a bad line */
	const struct tp_error *error;   /* a bad line's reason */
};

/* Where the run is, for a progress line. */
struct tp_fleet_stats {
	unsigned long long lines;    /* targets and bad lines read (in
				      * this shard) */
	unsigned long long records;  /* records handed out */
	unsigned long long skipped;  /* (target, address) in the resume set */
	unsigned long long bad;      /* bad lines among the records */
	unsigned long long failed;   /* records whose exit status is 1 */
	double t_start;              /* tp_now_ms() at the start */
};

/* Which probe a run makes of each (target, address). */
enum tp_fleet_probe {
	TP_FLEET_CLIENT,   /* tp_client_run, one connection */
	TP_FLEET_CIPHERS,  /* tp_ciphers_run, its connections gated */
	TP_FLEET_AUDIT,    /* tp_audit_run, the same */
};

struct tp_fleet_opts {
	struct tp_targets *targets;           /* borrowed */
	enum tp_fleet_probe probe;            /* 0: client */
	const struct tp_client_opts *base;    /* client: every probe's
					       * options; host, port, sni,
					       * starttls and the address
					       * come from the list */
	const struct tp_ciphers_opts *ciphers_base;  /* ciphers: the same;
					       * its gate and stop are the
					       * run's, whatever it holds;
					       * audit: audit_base's */
	const struct tp_audit_opts *audit_base;  /* audit: the same */
	bool first_address;                   /* --addresses first */
	unsigned concurrency;                 /* targets in flight; 0: 32 */
	double rate;                          /* new connections a second
					       * over the run; 0: no limit */
	unsigned per_host;                    /* probes (client) or
					       * connections (ciphers) in
					       * flight to one address; 0: 2 */
	unsigned shard_k, shard_n;            /* shard_n 0: every target */
	const struct tp_fleet_seen *seen;     /* resume: skipped; NULL none */
	/*
	 * Each record, one call at a time, in the order they finish; the
	 * record and the stats are borrowed for the call. A non-zero
	 * return ends the run (a write that failed): tp_fleet_run then
	 * returns -1 with the runtime error the callback set in err.
	 */
	int (*on_record)(void *arg, const struct tp_fleet_record *rec,
			 const struct tp_fleet_stats *stats,
			 struct tp_error *err);
	void *arg;
	/* set by a signal handler: no new probe starts, the ones in flight
	 * end within 100 ms and their cancelled reports are not handed out
	 * (so that --resume probes them again) */
	volatile sig_atomic_t *stop;
};

/*
 * Runs every target of the list. Returns 0 when the run went through
 * (or *stop ended it), -1 with err set when it could not: the probe
 * could not run at all (its options are unusable: TP_ERR_USAGE; no
 * thread, no memory: TP_ERR_RUNTIME), or the reader or on_record
 * failed. stats gets the totals either way.
 */
int tp_fleet_run(const struct tp_fleet_opts *o, struct tp_fleet_stats *stats,
		 struct tp_error *err);

/* A record as one JSON line (no newline): the report's compact JSON
 * with target.line (and target.starttls) set, or the bad line's
 * {"target": {"line": N, "text": "…"}, "error": "why"}. NULL on no
 * memory. */
char *tp_fleet_record_json(const struct tp_fleet_record *rec);

#endif
