/*
 * The audit's checks read off the suites the cipher audit found: POODLE,
 * SWEET32, FREAK, LOGJAM, BEAST, LUCKY13. They make no connection: the
 * accepted suites are the proof, and the cipher audit's own findings
 * (WEAK_PROTOCOL, WEAK_CIPHER) already name the fault, so these add none.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "registry.h"

/* What the scan holds for one condition, over versions lo … hi. */
struct seen_list {
	unsigned count;
	const char *untested;   /* a version in range --protocols left out */
	const char *incomplete; /* a version in range some of whose probes
				 * got no answer, or no refusal */
	char names[640];        /* "TLS1.0 TLS_RSA_WITH_…, …" */
	size_t used;
};

static void list_add(struct seen_list *l, const char *version,
		     const char *suite)
{
	int n;

	if (l->used >= sizeof(l->names) - 1)
		return;
	n = snprintf(l->names + l->used, sizeof(l->names) - l->used,
		     "%s%s %s", l->count > 0 ? ", " : "", version, suite);
	if (n < 0)
		return;
	l->used += (size_t)n;
	if (l->used >= sizeof(l->names) - 1) {
		/* cut: say so rather than end mid-name */
		snprintf(l->names + sizeof(l->names) - 5, 5, " …");
		l->used = sizeof(l->names) - 1;
	}
}

/* The accepted suites of versions lo … hi that want picks. */
static void collect(const struct tp_audit *a, uint16_t lo, uint16_t hi,
		    bool (*want)(const struct tp_suite *s,
				 const struct tp_scan_suite *seen),
		    struct seen_list *out)
{
	const struct tp_scan *sc = a->r->scan;
	size_t i, j;

	memset(out, 0, sizeof(*out));
	for (i = 0; sc != NULL && i < sc->n_protocols; i++) {
		const struct tp_scan_protocol *p = &sc->protocols[i];
		const struct tp_version *v = tp_registry_version(p->version);

		if (p->version < lo || p->version > hi)
			continue;
		if (!p->tested) {
			if (out->untested == NULL && v != NULL)
				out->untested = v->name;
			continue;
		}
		if (p->incomplete && out->incomplete == NULL && v != NULL)
			out->incomplete = v->name;
		for (j = 0; p->accepted && j < p->n_suites; j++) {
			const struct tp_suite *s =
				tp_registry_suite(p->suites[j].id);

			if (s == NULL || !want(s, &p->suites[j]))
				continue;
			list_add(out, v != NULL ? v->name : "?", s->iana);
			out->count++;
		}
	}
}

/*
 * The one result of a condition: vulnerable with the suites that prove
 * it, or not, unless the list it was read from may be short (then
 * unknown: a suite the probes missed may be the one).
 */
static void conclude(struct tp_audit *a, const struct seen_list *l,
		     const char *found, const char *none)
{
	if (l->count > 0)
		tp_audit_result(a, TP_CHECK_VULNERABLE, TP_SUPPORT_NONE,
				"%s: %s", found, l->names);
	else if (l->untested != NULL)
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"%s, but %s was not tested (--protocols)",
				none, l->untested);
	else if (l->incomplete != NULL)
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"%s, but the cipher audit could not tell all "
				"that %s accepts (probes without an answer, or "
				"answered with an alert that is no refusal: see "
				"the findings)", none, l->incomplete);
	else
		tp_audit_result(a, TP_CHECK_NOT_VULNERABLE, TP_SUPPORT_NONE,
				"%s", none);
}

static bool is_cbc(const struct tp_suite *s, const struct tp_scan_suite *seen)
{
	(void)seen;
	return s->mode == TP_MODE_CBC;
}

/* 64-bit blocks: 3DES, IDEA, RC2, DES (SWEET32, CVE-2016-2183). */
static bool is_64bit_block(const struct tp_suite *s,
			   const struct tp_scan_suite *seen)
{
	(void)seen;
	return s->mode == TP_MODE_CBC &&
	       (s->enc == TP_ENC_3DES || s->enc == TP_ENC_IDEA ||
		s->enc == TP_ENC_RC2 || s->enc == TP_ENC_DES);
}

static bool is_export_rsa(const struct tp_suite *s,
			  const struct tp_scan_suite *seen)
{
	(void)seen;
	return s->kx == TP_KX_RSA_EXPORT;
}

/* Export DH, or a DH prime of 1024 bits or less seen in the handshake. */
static bool is_weak_dh(const struct tp_suite *s,
		       const struct tp_scan_suite *seen)
{
	if (s->kx != TP_KX_DHE && s->kx != TP_KX_DH)
		return false;
	return s->is_export || (seen->dh_bits > 0 && seen->dh_bits <= 1024);
}

/* Whether version was tested at all (--protocols may leave it out). */
static bool tested(const struct tp_audit *a, uint16_t version)
{
	const struct tp_scan *sc = a->r->scan;
	size_t i;

	for (i = 0; sc != NULL && i < sc->n_protocols; i++)
		if (sc->protocols[i].version == version)
			return sc->protocols[i].tested;
	return false;
}

/* POODLE (CVE-2014-3566): SSL 3.0's CBC padding is not covered by its
 * MAC, so a man in the middle learns a byte per 256 tries. */
void tp_audit_poodle(struct tp_audit *a)
{
	struct seen_list l;

	if (!tested(a, 0x0300)) {
		tp_audit_result(a, TP_CHECK_UNKNOWN, TP_SUPPORT_NONE,
				"SSL 3.0 was not tested (--protocols)");
		return;
	}
	if (!tp_audit_speaks(a, 0x0300)) {
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"SSL 3.0 is not accepted");
		return;
	}
	collect(a, 0x0300, 0x0300, is_cbc, &l);
	conclude(a, &l, "SSL 3.0 accepted with CBC suites (see WEAK_PROTOCOL)",
		 "SSL 3.0 accepted, but with no CBC suite");
}

/* SWEET32 (CVE-2016-2183): a 64-bit block repeats after about 2^32
 * blocks, within reach of one long connection. */
void tp_audit_sweet32(struct tp_audit *a)
{
	struct seen_list l;

	collect(a, 0x0300, 0x0303, is_64bit_block, &l);
	conclude(a, &l, "64-bit block ciphers accepted (see WEAK_CIPHER)",
		 "no 64-bit block cipher (3DES, IDEA, RC2, DES) accepted");
}

/* FREAK (CVE-2015-0204): clients with the bug accept a 512-bit export
 * RSA key where they asked for none. */
void tp_audit_freak(struct tp_audit *a)
{
	struct seen_list l;

	collect(a, 0x0300, 0x0303, is_export_rsa, &l);
	conclude(a, &l, "export RSA suites accepted (see WEAK_CIPHER)",
		 "no export RSA suite accepted");
}

/* LOGJAM (CVE-2015-4000): export DH, and primes of 1024 bits or less
 * that a well-funded attacker can precompute. */
void tp_audit_logjam(struct tp_audit *a)
{
	const struct tp_scan *sc = a->r->scan;
	struct seen_list l;

	collect(a, 0x0300, 0x0303, is_weak_dh, &l);
	if (l.count == 0 && sc != NULL && sc->min_dh_bits > 0 &&
	    sc->min_dh_bits <= 1024) {
		tp_audit_result(a, TP_CHECK_VULNERABLE, TP_SUPPORT_NONE,
				"a DH prime of %u bits seen", sc->min_dh_bits);
		return;
	}
	conclude(a, &l, "export DH or a DH prime of 1024 bits or less",
		 "no export DH suite accepted and no DH prime of 1024 bits "
		 "or less seen");
}

/* BEAST (CVE-2011-3389): the predictable CBC IV of SSL 3.0 and TLS 1.0.
 * Information only, as testssl.sh words it: clients split records
 * (1/n-1) since 2012. */
void tp_audit_beast(struct tp_audit *a)
{
	struct seen_list l;

	collect(a, 0x0300, 0x0301, is_cbc, &l);
	if (!tp_audit_speaks(a, 0x0300) && !tp_audit_speaks(a, 0x0301) &&
	    l.untested == NULL) {
		tp_audit_result(a, TP_CHECK_NOT_APPLICABLE, TP_SUPPORT_NONE,
				"neither SSL 3.0 nor TLS 1.0 is accepted");
		return;
	}
	conclude(a, &l, "information: CBC suites with SSL 3.0 or TLS 1.0, "
		 "whose IVs are predictable; current clients split records, "
		 "old ones are exposed",
		 "no CBC suite with SSL 3.0 or TLS 1.0");
}

/* LUCKY13 (CVE-2013-0169): the timing of CBC padding checks. Information
 * only, as testssl.sh words it: patched libraries check in constant
 * time, which no remote probe can see. */
void tp_audit_lucky13(struct tp_audit *a)
{
	struct seen_list l;

	collect(a, 0x0300, 0x0303, is_cbc, &l);
	conclude(a, &l, "information: CBC suites accepted, whose padding "
		 "checks leak timing unless the TLS library is patched",
		 "no CBC suite accepted");
}
