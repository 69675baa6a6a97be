/* The many-target runner: its limits, its resume set and its pool of
 * probes (fleet.h says what each part promises). */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "fleet.h"
#include "net.h"
#include "starttls.h"

/* ---- the global rate ---- */

void tp_fleet_bucket_init(struct tp_fleet_bucket *b, double rate)
{
	b->interval_ms = rate > 0 ? 1000.0 / rate : 0;
	b->next_ms = 0;
}

double tp_fleet_bucket_take(struct tp_fleet_bucket *b, double now_ms)
{
	double at;

	if (b->interval_ms <= 0)
		return now_ms;
	/* depth one: time not used is not saved up for a burst later */
	at = b->next_ms > now_ms ? b->next_ms : now_ms;
	b->next_ms = at + b->interval_ms;
	return at;
}

/* ---- probes in flight per address ---- */

struct host_slot {
	char address[64];
	unsigned in_flight;
	double not_before;   /* backing off until then */
	double backoff_ms;   /* the last wait; 0: no reset in a row */
	struct host_slot *next;
};

struct tp_fleet_hosts {
	unsigned per_host;
	struct host_slot *slots;  /* few: those in flight or backing off */
	size_t n;
};

struct tp_fleet_hosts *tp_fleet_hosts_new(unsigned per_host)
{
	struct tp_fleet_hosts *h = calloc(1, sizeof(*h));

	if (h != NULL)
		h->per_host = per_host > 0 ? per_host : 1;
	return h;
}

void tp_fleet_hosts_free(struct tp_fleet_hosts *h)
{
	struct host_slot *s, *next;

	if (h == NULL)
		return;
	for (s = h->slots; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	free(h);
}

size_t tp_fleet_hosts_count(const struct tp_fleet_hosts *h)
{
	return h->n;
}

/* An address nobody waits for any more is forgotten: memory stays
 * bounded by the probes in flight and the recent resets. */
static bool forgettable(const struct host_slot *s, double now_ms)
{
	return s->in_flight == 0 &&
	       (s->backoff_ms == 0 ||
		now_ms >= s->not_before + TP_FLEET_BACKOFF_MAX_MS);
}

/* The slot of address, forgetting stale ones on the way; NULL when
 * there is none (address NULL: only the forgetting). */
static struct host_slot *find_slot(struct tp_fleet_hosts *h,
				   const char *address, double now_ms)
{
	struct host_slot **p = &h->slots, *s, *found = NULL;

	while ((s = *p) != NULL) {
		if (forgettable(s, now_ms)) {
			*p = s->next;
			free(s);
			h->n--;
			continue;
		}
		if (address != NULL && strcmp(s->address, address) == 0)
			found = s;
		p = &s->next;
	}
	return found;
}

int tp_fleet_hosts_take(struct tp_fleet_hosts *h, const char *address,
			double now_ms, double *until)
{
	struct host_slot *s = find_slot(h, address, now_ms);

	*until = 0;
	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return -1;
		snprintf(s->address, sizeof(s->address), "%s", address);
		s->next = h->slots;
		h->slots = s;
		h->n++;
	}
	if (now_ms < s->not_before) {
		*until = s->not_before;
		return 0;
	}
	if (s->in_flight >= h->per_host)
		return 0;
	s->in_flight++;
	return 1;
}

void tp_fleet_hosts_release(struct tp_fleet_hosts *h, const char *address,
			    bool reset, double now_ms)
{
	struct host_slot *s = find_slot(h, address, now_ms);

	if (s == NULL)
		return;
	if (s->in_flight > 0)
		s->in_flight--;
	if (reset) {
		s->backoff_ms = s->backoff_ms > 0 ? s->backoff_ms * 2
						  : TP_FLEET_BACKOFF_MS;
		if (s->backoff_ms > TP_FLEET_BACKOFF_MAX_MS)
			s->backoff_ms = TP_FLEET_BACKOFF_MAX_MS;
		s->not_before = now_ms + s->backoff_ms;
	} else {
		s->backoff_ms = 0;
		s->not_before = 0;
	}
	find_slot(h, NULL, now_ms);  /* forget what can be */
}

/* ---- resume keys ---- */

struct tp_fleet_seen {
	char **slot;    /* open addressing, NULL free */
	size_t size;    /* a power of two */
	size_t n;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct tp_fleet_seen *tp_fleet_seen_new(void)
{
	struct tp_fleet_seen *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->size = 1024;
	s->slot = calloc(s->size, sizeof(*s->slot));
	if (s->slot == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void tp_fleet_seen_free(struct tp_fleet_seen *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->size; i++)
		free(s->slot[i]);
	free(s->slot);
	free(s);
}

size_t tp_fleet_seen_count(const struct tp_fleet_seen *s)
{
	return s->n;
}

static size_t seen_find(char *const *slot, size_t size, const char *key)
{
	size_t i = (size_t)fnv1a(key) & (size - 1);

	while (slot[i] != NULL && strcmp(slot[i], key) != 0)
		i = (i + 1) & (size - 1);
	return i;
}

bool tp_fleet_seen_has(const struct tp_fleet_seen *s, const char *key)
{
	return s->slot[seen_find(s->slot, s->size, key)] != NULL;
}

/* Doubles the table once it is half full. */
static int seen_grow(struct tp_fleet_seen *s)
{
	char **bigger = calloc(s->size * 2, sizeof(*bigger));
	size_t i;

	if (bigger == NULL)
		return -1;
	for (i = 0; i < s->size; i++)
		if (s->slot[i] != NULL)
			bigger[seen_find(bigger, s->size * 2, s->slot[i])] =
				s->slot[i];
	free(s->slot);
	s->slot = bigger;
	s->size *= 2;
	return 0;
}

int tp_fleet_seen_add(struct tp_fleet_seen *s, const char *key)
{
	size_t i;

	if ((s->n + 1) * 2 > s->size && seen_grow(s) < 0)
		return -1;
	i = seen_find(s->slot, s->size, key);
	if (s->slot[i] != NULL)
		return 0;
	s->slot[i] = strdup(key);
	if (s->slot[i] == NULL)
		return -1;
	s->n++;
	return 1;
}

void tp_fleet_key(char out[TP_FLEET_KEY_SIZE], const char *host,
		  unsigned port, const char *sni, const char *starttls,
		  const char *address)
{
	/* newlines cannot occur in the fields: the report sanitises them */
	snprintf(out, TP_FLEET_KEY_SIZE, "%s\n%u\n%s\n%s\n%s", host, port,
		 sni != NULL ? sni : "", starttls != NULL ? starttls : "",
		 address != NULL ? address : "");
}

void tp_fleet_key_line(char out[TP_FLEET_KEY_SIZE], unsigned long line)
{
	snprintf(out, TP_FLEET_KEY_SIZE, "line %lu", line);
}

static const char *jstring_or(json_t *o, const char *key, const char *dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : dflt;
}

/* The key a record holds; -1 when the line is no record of ours. */
static int record_key(json_t *doc, char key[TP_FLEET_KEY_SIZE])
{
	json_t *target = json_object_get(doc, "target");
	json_t *port, *line, *addrs;
	const char *host;

	if (!json_is_object(target))
		return -1;
	host = jstring_or(target, "host", NULL);
	line = json_object_get(target, "line");
	if (host == NULL) {
		if (!json_is_integer(line) || json_integer_value(line) <= 0 ||
		    !json_is_string(json_object_get(doc, "error")))
			return -1;
		tp_fleet_key_line(key, (unsigned long)json_integer_value(line));
		return 0;
	}
	port = json_object_get(target, "port");
	addrs = json_object_get(target, "addresses");
	if (!json_is_integer(port))
		return -1;
	tp_fleet_key(key, host, (unsigned)json_integer_value(port),
		     jstring_or(target, "sni", ""),
		     jstring_or(target, "starttls", ""),
		     json_is_array(addrs) && json_array_size(addrs) > 0 &&
		     json_is_string(json_array_get(addrs, 0))
		     ? json_string_value(json_array_get(addrs, 0)) : "");
	return 0;
}

int tp_fleet_resume_read(FILE *f, const char *name,
			 struct tp_fleet_seen *seen,
			 struct tp_fleet_resume *res, struct tp_error *err)
{
	char key[TP_FLEET_KEY_SIZE];
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	json_t *doc;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	errno = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n') {
			/* the writer ends every record with its newline: a
			 * line without one was cut by a kill */
			res->torn = true;
			break;
		}
		res->whole += len;
		doc = json_loadb(line, (size_t)len - 1, 0, NULL);
		if (doc == NULL) {
			/* an empty line is nothing, not a bad one */
			if (len > 1)
				res->bad_json++;
			continue;
		}
		if (record_key(doc, key) < 0) {
			res->foreign++;
		} else if (tp_fleet_seen_add(seen, key) < 0) {
			json_decref(doc);
			tp_error_set(err, TP_ERR_RUNTIME, "out of memory "
				     "reading %s", name);
			rc = -1;
			break;
		} else {
			res->records++;
		}
		json_decref(doc);
	}
	if (rc == 0 && ferror(f)) {
		tp_error_set(err, TP_ERR_RUNTIME, "cannot read %s: %s", name,
			     strerror(errno ? errno : EIO));
		rc = -1;
	}
	free(line);
	return rc;
}

/* ---- a record's line ---- */

char *tp_fleet_record_json(const struct tp_fleet_record *rec)
{
	json_t *doc;
	char *out;

	if (rec->report != NULL)
		return tp_report_to_json(rec->report, TP_RENDER_COMPACT);
	doc = json_pack("{s:{s:I, s:s}, s:s}", "target", "line",
			(json_int_t)rec->entry->line, "text", rec->entry->text,
			"error", rec->error != NULL && rec->error->message[0]
			? rec->error->message : "unusable line");
	if (doc == NULL)
		return NULL;
	out = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(doc);
	return out;
}

/* ---- the runner ---- */

struct fleet {
	const struct tp_fleet_opts *o;
	/* what the runner reads of the probe's base options */
	const char *sni;
	bool no_sni;
	int family;
	double timeout_s;
	volatile sig_atomic_t *stop;
	/* the reader, one thread at a time */
	pthread_mutex_t read_lock;
	unsigned shard_k, shard_n;
	bool read_end;
	/* the limits */
	pthread_mutex_t lim_lock;
	pthread_cond_t lim_cond;
	struct tp_fleet_bucket bucket;
	struct tp_fleet_hosts *hosts;
	/* the records, the stats and the first failure */
	pthread_mutex_t out_lock;
	struct tp_fleet_stats stats;
	bool failed;
	struct tp_error err;
};

/* Whether a new probe may start: not after a stop or a failure. */
static bool halted(struct fleet *f)
{
	bool failed;

	if (f->stop != NULL && *f->stop)
		return true;
	pthread_mutex_lock(&f->out_lock);
	failed = f->failed;
	pthread_mutex_unlock(&f->out_lock);
	return failed;
}

/* The first failure ends the run; later ones are its consequences. */
static void fail(struct fleet *f, const struct tp_error *why)
{
	pthread_mutex_lock(&f->out_lock);
	if (!f->failed) {
		f->failed = true;
		f->err = *why;
	}
	pthread_mutex_unlock(&f->out_lock);
}

static void fail_nomem(struct fleet *f)
{
	struct tp_error e = {0};

	tp_error_set(&e, TP_ERR_RUNTIME, "out of memory");
	fail(f, &e);
}

/* Hands a record out, counted, under the one lock. */
static void emit(struct fleet *f, const struct tp_fleet_record *rec)
{
	struct tp_error e = {0};

	pthread_mutex_lock(&f->out_lock);
	if (!f->failed) {
		f->stats.records++;
		if (rec->report == NULL)
			f->stats.bad++;
		if (rec->report == NULL ||
		    tp_report_exit_status(rec->report) != 0)
			f->stats.failed++;
		if (f->o->on_record(f->o->arg, rec, &f->stats, &e) != 0) {
			f->failed = true;
			if (e.kind == TP_ERR_NONE)
				tp_error_set(&e, TP_ERR_RUNTIME, "cannot "
					     "write a record");
			f->err = e;
		}
	}
	pthread_mutex_unlock(&f->out_lock);
}

/* The next target or bad line of this shard: TP_TARGETS_TARGET,
 * TP_TARGETS_BAD (e and why say which), or TP_TARGETS_END. */
static int next_entry(struct fleet *f, struct tp_targets_entry *e,
		      struct tp_error *why)
{
	int rc = TP_TARGETS_END;

	pthread_mutex_lock(&f->read_lock);
	while (!f->read_end) {
		rc = tp_targets_next(f->o->targets, e, why);
		if (rc == TP_TARGETS_FAILED) {
			fail(f, why);
			rc = TP_TARGETS_END;
		}
		if (rc == TP_TARGETS_END) {
			f->read_end = true;
			break;
		}
		if (f->shard_n == 0 ||
		    tp_targets_in_shard(e, f->shard_k, f->shard_n))
			break;
	}
	if (f->read_end)
		rc = TP_TARGETS_END;
	pthread_mutex_unlock(&f->read_lock);
	if (rc != TP_TARGETS_END) {
		pthread_mutex_lock(&f->out_lock);
		f->stats.lines++;
		pthread_mutex_unlock(&f->out_lock);
	}
	return rc;
}

/* Waits on the limits' condition for at most 100 ms, or until
 * until_ms (tp_now_ms() clock) when that is sooner. */
static void lim_wait(struct fleet *f, double until_ms)
{
	struct timespec ts;
	double ms = TP_NET_STOP_SLICE_MS;

	if (until_ms > 0 && until_ms - tp_now_ms() < ms)
		ms = until_ms - tp_now_ms();
	if (ms < 1)
		ms = 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)(ms * 1e6);
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_cond_timedwait(&f->lim_cond, &f->lim_lock, &ts);
}

static void release(struct fleet *f, const char *address, bool reset)
{
	if (address == NULL)
		return;
	pthread_mutex_lock(&f->lim_lock);
	tp_fleet_hosts_release(f->hosts, address, reset, tp_now_ms());
	pthread_cond_broadcast(&f->lim_cond);
	pthread_mutex_unlock(&f->lim_lock);
}

/* A place for one more probe of address (NULL: none to take), then the
 * rate's slot: -1 when the run stopped meanwhile (no place is then
 * held). */
static int acquire(struct fleet *f, const char *address)
{
	double until, at;
	int taken = 1;

	pthread_mutex_lock(&f->lim_lock);
	while (address != NULL) {
		if (halted(f)) {
			pthread_mutex_unlock(&f->lim_lock);
			return -1;
		}
		taken = tp_fleet_hosts_take(f->hosts, address, tp_now_ms(),
					    &until);
		if (taken != 0)
			break;
		lim_wait(f, until);
	}
	if (taken < 0) {
		pthread_mutex_unlock(&f->lim_lock);
		fail_nomem(f);
		return -1;
	}
	at = tp_fleet_bucket_take(&f->bucket, tp_now_ms());
	pthread_mutex_unlock(&f->lim_lock);
	/* the slot is ours: wait for it in slices the stop flag can cut */
	while (tp_now_ms() < at) {
		double left = at - tp_now_ms();
		struct timespec ts;

		if (halted(f)) {
			release(f, address, false);
			return -1;
		}
		if (left > TP_NET_STOP_SLICE_MS)
			left = TP_NET_STOP_SLICE_MS;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)((left - ts.tv_sec * 1000.0) * 1e6);
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* The SNI a probe of e sends, as its report will say it: the resume key
 * is made from it before the probe runs. */
static void sent_sni(const struct fleet *f, const struct tp_targets_entry *e,
		     char out[TP_ADDR_NAME_SIZE])
{
	const char *sni = f->no_sni ? NULL : e->sni[0] ? e->sni
			  : f->sni ? f->sni
			  : tp_addr_is_literal(e->host) ? NULL : e->host;
	char form[TP_ADDR_NAME_SIZE];

	sni = tp_addr_sni_form(sni, form);
	snprintf(out, TP_ADDR_NAME_SIZE, "%s", sni != NULL ? sni : "");
}

/* The run's gate for a cipher audit's connections: a place of the
 * address and a token of the rate, one connection at a time. */
static int gate_before(void *arg, const struct sockaddr *sa)
{
	char text[64];

	tp_addr_format_host(sa, text, sizeof(text));
	return acquire(arg, text);
}

/* No back-off here: the audit backs off from resets and busy answers
 * itself, and a refusal by reset is one of its ordinary answers. */
static void gate_after(void *arg, const struct sockaddr *sa)
{
	char text[64];

	tp_addr_format_host(sa, text, sizeof(text));
	release(arg, text, false);
}

/* A client probe of e at address: its report, NULL when it made none
 * (stopped before it started, or no memory: f says which). *cut: a
 * report cancelled by the stop flag, not to be handed out. */
static struct tp_report *job_client(struct fleet *f,
				    const struct tp_targets_entry *e,
				    const struct sockaddr_storage *address,
				    const char *text, bool *cut)
{
	struct tp_client_opts opts = *f->o->base;
	struct tp_error err = {0};
	struct tp_report *r;
	int rc;

	opts.host = e->host;
	opts.port = e->port;
	opts.sni = e->sni[0] != '\0' ? e->sni : f->o->base->sni;
	opts.starttls = (int)e->starttls;
	opts.address = address;
	opts.stop = f->stop;  /* the run's, whatever base holds */
	if (acquire(f, address != NULL ? text : NULL) < 0)
		return NULL;
	r = tp_report_new("client");
	if (r == NULL) {
		release(f, address != NULL ? text : NULL, false);
		fail_nomem(f);
		return NULL;
	}
	rc = tp_client_run(&opts, r, &err);
	release(f, address != NULL ? text : NULL,
		rc == 0 && tp_report_has(r, TP_RESET_DURING_HANDSHAKE));
	if (rc < 0) {
		/* the options every probe shares are unusable: no other
		 * target would fare better */
		fail(f, &err);
		tp_report_free(r);
		return NULL;
	}
	*cut = tp_report_has(r, TP_RUN_CANCELLED);
	return r;
}

/* A cipher audit of e at address, its connections through the gate;
 * returns as job_client. */
static struct tp_report *job_ciphers(struct fleet *f,
				     const struct tp_targets_entry *e,
				     const struct sockaddr_storage *address,
				     bool *cut)
{
	struct tp_audit_opts audit;
	struct tp_ciphers_opts opts = *f->o->ciphers_base;
	struct tp_error err = {0};
	struct tp_report *r;
	int rc;

	opts.host = e->host;
	opts.port = e->port;
	opts.sni = e->sni[0] != '\0' ? e->sni : f->o->ciphers_base->sni;
	opts.starttls = (int)e->starttls;
	opts.address = address;
	opts.stop = f->stop;
	opts.progress = NULL;
	opts.before_connect = gate_before;
	opts.after_close = gate_after;
	opts.gate_arg = f;
	r = tp_report_new(f->o->probe == TP_FLEET_AUDIT ? "audit" : "ciphers");
	if (r == NULL) {
		fail_nomem(f);
		return NULL;
	}
	if (f->o->probe == TP_FLEET_AUDIT) {
		audit = *f->o->audit_base;
		audit.ciphers = opts;
		rc = tp_audit_run(&audit, r, &err);
	} else {
		rc = tp_ciphers_run(&opts, r, &err);
	}
	if (rc < 0) {
		fail(f, &err);
		tp_report_free(r);
		return NULL;
	}
	/* an audit the stop flag cut short says less than the server would:
	 * no record, so that --resume audits it again */
	*cut = f->stop != NULL && *f->stop;
	return r;
}

/* One probe: target e at address (NULL: the name did not resolve, and
 * the probe's own dns stage says why). */
static void run_job(struct fleet *f, const struct tp_targets_entry *e,
		    const struct sockaddr_storage *address, const char *text)
{
	const char *starttls = e->starttls != TP_STARTTLS_NONE
			       ? tp_starttls_name(e->starttls) : "";
	struct tp_fleet_record rec = {.entry = e, .address = text};
	char key[TP_FLEET_KEY_SIZE], sni[TP_ADDR_NAME_SIZE];
	struct tp_report *r;
	bool cut = false;

	sent_sni(f, e, sni);
	tp_fleet_key(key, e->host, e->port, sni, starttls, text);
	if (f->o->seen != NULL && tp_fleet_seen_has(f->o->seen, key)) {
		pthread_mutex_lock(&f->out_lock);
		f->stats.skipped++;
		pthread_mutex_unlock(&f->out_lock);
		return;
	}
	r = f->o->probe != TP_FLEET_CLIENT
	    ? job_ciphers(f, e, address, &cut)
	    : job_client(f, e, address, text, &cut);
	if (r == NULL)
		return;
	if (!cut) {
		r->target.line = e->line;
		snprintf(r->target.starttls, sizeof(r->target.starttls), "%s",
			 starttls);
		rec.report = r;
		emit(f, &rec);
	}
	tp_report_free(r);
}

/* A target: its addresses (the resolver's order), one probe each, or
 * the first only. */
static void run_target(struct fleet *f, const struct tp_targets_entry *e)
{
	struct tp_resolved addrs;
	struct tp_net_result res;
	char text[64];
	size_t i, n;

	if (e->has_address) {
		addrs.addr[0] = e->address;
		addrs.n = 1;
	} else {
		tp_net_resolve(e->host, e->port, f->family,
			       f->timeout_s * 1000, f->stop, &addrs, &res);
		if (res.status == TP_NETRES_CANCELLED)
			return;
		if (res.status != TP_NETRES_OK)
			addrs.n = 0;
	}
	n = f->o->first_address && addrs.n > 1 ? 1 : addrs.n;
	if (n == 0) {
		run_job(f, e, NULL, "");
		return;
	}
	for (i = 0; i < n && !halted(f); i++) {
		tp_addr_format_host((const struct sockaddr *)&addrs.addr[i],
				    text, sizeof(text));
		run_job(f, e, &addrs.addr[i], text);
	}
}

static void *worker(void *arg)
{
	struct fleet *f = arg;
	struct tp_targets_entry *e = malloc(sizeof(*e));
	struct tp_fleet_record rec = {.address = ""};
	struct tp_error why;
	char key[TP_FLEET_KEY_SIZE];
	int rc;

	if (e == NULL) {
		fail_nomem(f);
		return NULL;
	}
	rec.entry = e;
	while (!halted(f)) {
		rc = next_entry(f, e, &why);
		if (rc == TP_TARGETS_END)
			break;
		if (rc == TP_TARGETS_TARGET) {
			run_target(f, e);
			continue;
		}
		tp_fleet_key_line(key, e->line);
		if (f->o->seen != NULL && tp_fleet_seen_has(f->o->seen, key)) {
			pthread_mutex_lock(&f->out_lock);
			f->stats.skipped++;
			pthread_mutex_unlock(&f->out_lock);
			continue;
		}
		rec.error = &why;
		emit(f, &rec);
	}
	free(e);
	return NULL;
}

/* Starts the pool and waits for it; -1 when not one thread started. */
static int run_pool(struct fleet *f, unsigned n)
{
	pthread_t *threads = calloc(n, sizeof(*threads));
	pthread_attr_t attr;
	unsigned started = 0, i;

	if (threads == NULL)
		return -1;
	pthread_attr_init(&attr);
	/* many threads, each a probe deep: GnuTLS needs far less than the
	 * 8 MiB a thread gets by default */
	pthread_attr_setstacksize(&attr, 1024 * 1024);
	for (i = 0; i < n; i++) {
		if (pthread_create(&threads[i], &attr, worker, f) != 0)
			break;
		started++;
	}
	pthread_attr_destroy(&attr);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	return started > 0 ? 0 : -1;
}

int tp_fleet_run(const struct tp_fleet_opts *o, struct tp_fleet_stats *stats,
		 struct tp_error *err)
{
	struct fleet f = {
		.o = o, .stop = o->stop,
		.shard_k = o->shard_k, .shard_n = o->shard_n,
	};
	unsigned n = o->concurrency ? o->concurrency
				    : TP_FLEET_DEFAULT_CONCURRENCY;
	int rc = 0;

	if (n > TP_FLEET_MAX_CONCURRENCY)
		n = TP_FLEET_MAX_CONCURRENCY;
	if (o->probe != TP_FLEET_CLIENT) {
		f.sni = o->ciphers_base->sni;
		f.no_sni = o->ciphers_base->no_sni;
		f.family = o->ciphers_base->family;
		f.timeout_s = o->ciphers_base->timeout_s;
	} else {
		f.sni = o->base->sni;
		f.no_sni = o->base->no_sni;
		f.family = o->base->family;
		f.timeout_s = o->base->timeout_s;
	}
	f.stats.t_start = tp_now_ms();
	tp_fleet_bucket_init(&f.bucket, o->rate);
	f.hosts = tp_fleet_hosts_new(o->per_host ? o->per_host
				     : TP_FLEET_DEFAULT_PER_HOST);
	if (f.hosts == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
		return -1;
	}
	pthread_mutex_init(&f.read_lock, NULL);
	pthread_mutex_init(&f.lim_lock, NULL);
	pthread_mutex_init(&f.out_lock, NULL);
	pthread_cond_init(&f.lim_cond, NULL);
	if (run_pool(&f, n) < 0) {
		tp_error_set(err, TP_ERR_RUNTIME, "cannot start the probes' "
			     "threads ({concurrency} %u)", n);
		rc = -1;
	} else if (f.failed) {
		*err = f.err;
		rc = -1;
	}
	pthread_cond_destroy(&f.lim_cond);
	pthread_mutex_destroy(&f.out_lock);
	pthread_mutex_destroy(&f.lim_lock);
	pthread_mutex_destroy(&f.read_lock);
	tp_fleet_hosts_free(f.hosts);
	if (stats != NULL)
		*stats = f.stats;
	return rc;
}
