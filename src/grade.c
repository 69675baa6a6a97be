/*
 * The cipher audit's judgement, in three steps with one contract each:
 * facts (what the scan shows, no judgement of the whole), caps (the
 * grade those facts allow, with the reasons) and findings (what the
 * report says of them), then the policy comparison. docs/grading.md
 * states the same rules for people; keep the two together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "cert.h"
#include "diag.h"
#include "grade.h"

static char worse(char a, char b)
{
	if (a == '\0')
		return b;
	if (b == '\0')
		return a;
	return a > b ? a : b;
}

unsigned tp_grade_traits(const struct tp_suite *s)
{
	unsigned t = 0;

	if (s->enc == TP_ENC_NULL)
		t |= TP_TRAIT_NO_ENCRYPTION;
	if (s->auth == TP_AUTH_NULL)
		t |= TP_TRAIT_ANONYMOUS;
	if (s->is_export)
		t |= TP_TRAIT_EXPORT;
	if (s->enc == TP_ENC_RC4)
		t |= TP_TRAIT_RC4;
	if (s->enc == TP_ENC_DES || s->enc == TP_ENC_RC2)
		t |= TP_TRAIT_SINGLE_DES;
	if (s->bits < 112)
		t |= TP_TRAIT_SHORT_KEY;
	if (s->enc == TP_ENC_3DES || s->enc == TP_ENC_IDEA)
		t |= TP_TRAIT_SWEET32;
	if (s->mac == TP_MAC_MD5)
		t |= TP_TRAIT_MD5;
	/* TP_KX_ANY: TLS 1.3, always ephemeral */
	if (s->kx == TP_KX_DHE || s->kx == TP_KX_ECDHE ||
	    s->kx == TP_KX_DHE_PSK || s->kx == TP_KX_ECDHE_PSK ||
	    s->kx == TP_KX_ANY || s->kx == TP_KX_ECCPWD)
		t |= TP_TRAIT_FORWARD_SECRET;
	if (s->mac == TP_MAC_AEAD)
		t |= TP_TRAIT_AEAD;
	return t;
}

/* docs/grading.md section 1: tried from the top, the first rule that
 * matches decides; a rule with absent set matches a suite without the
 * trait. A suite no rule matches is graded A. */
static const struct suite_rule {
	unsigned trait;
	bool absent;
	char grade;
	const char *why;
} suite_rules[] = {
	{TP_TRAIT_NO_ENCRYPTION, false, 'F', "no encryption"},
	{TP_TRAIT_ANONYMOUS, false, 'F', "anonymous: no authentication"},
	{TP_TRAIT_EXPORT, false, 'F', "export grade"},
	{TP_TRAIT_RC4, false, 'F', "RC4"},
	{TP_TRAIT_SINGLE_DES, false, 'F', "single DES or RC2"},
	{TP_TRAIT_SHORT_KEY, false, 'F', "key under 112 bits"},
	{TP_TRAIT_SWEET32, false, 'C', "64-bit block cipher (SWEET32)"},
	{TP_TRAIT_MD5, false, 'C', "MD5 MAC"},
	{TP_TRAIT_FORWARD_SECRET, true, 'B', "no forward secrecy"},
	{TP_TRAIT_AEAD, true, 'B', "CBC mode"},
};

char tp_grade_suite(const struct tp_suite *s, const char **why)
{
	const size_t n = sizeof(suite_rules) / sizeof(suite_rules[0]);
	unsigned t = tp_grade_traits(s);
	size_t i;

	for (i = 0; i < n; i++)
		if (((t & suite_rules[i].trait) != 0) != suite_rules[i].absent)
			break;
	if (why != NULL)
		*why = i < n ? suite_rules[i].why : NULL;
	return i < n ? suite_rules[i].grade : 'A';
}

char tp_grade_accepted(const struct tp_suite *s, unsigned dh_bits,
		       uint16_t group, const char **why)
{
	const struct tp_group *gr = group ? tp_registry_group(group) : NULL;
	char g = tp_grade_suite(s, why);

	if (dh_bits != 0 && dh_bits < 1024 && g < 'F') {
		g = 'F';
		if (why != NULL)
			*why = "DH prime under 1024 bits";
	} else if (dh_bits != 0 && dh_bits < 2048 && g < 'B') {
		g = 'B';
		if (why != NULL)
			*why = "DH prime under 2048 bits";
	}
	if (gr != NULL && gr->kind == TP_GROUP_EC && gr->bits < 112 &&
	    g < 'F') {
		g = 'F';
		if (why != NULL)
			*why = "elliptic curve under 112-bit strength";
	} else if (gr != NULL && gr->kind == TP_GROUP_EC && gr->bits < 128 &&
		   g < 'B') {
		g = 'B';
		if (why != NULL)
			*why = "elliptic curve under 128-bit strength";
	}
	return g;
}

/* ---- step 1: facts ---- */

void tp_grade_version_facts(const struct tp_scan_protocol *p,
			    struct tp_grade_version_facts *out)
{
	size_t j;

	memset(out, 0, sizeof(*out));
	out->version = p->version;
	out->accepted = p->accepted;
	out->weak = tp_diag_version_weak(p->version);
	out->n_suites = p->n_suites;
	for (j = 0; j < p->n_suites; j++) {
		const struct tp_suite *s = tp_registry_suite(p->suites[j].id);

		out->worst = worse(out->worst, p->suites[j].grade
					       ? p->suites[j].grade : 'F');
		if (s != NULL)
			out->traits |= tp_grade_traits(s);
	}
}

static void suite_facts(const struct tp_scan_protocol *p, size_t j,
			struct tp_grade_suite_facts *out)
{
	const struct tp_scan_suite *su = &p->suites[j];

	memset(out, 0, sizeof(*out));
	out->suite = tp_registry_suite(su->id);
	out->id = su->id;
	out->version = p->version;
	out->top = j == 0;
	out->preference = p->preference;
	out->grade = su->grade ? su->grade : 'F';
	if (out->suite == NULL)
		return;
	(void)tp_grade_accepted(out->suite, su->dh_bits, su->group,
				&out->why);
	out->traits = tp_grade_traits(out->suite);
}

/* The summaries over the suites the registry knows. */
static void summarize(struct tp_grade_facts *f)
{
	size_t i;

	f->top_forward_secret = true;
	for (i = 0; i < f->n_suites; i++) {
		const struct tp_grade_suite_facts *s = &f->suites[i];

		if (s->suite == NULL)
			continue;
		if (f->best == '\0' || s->grade < f->best) {
			f->best = s->grade;
			f->best_why = s->why;
		}
		f->any_f = f->any_f || s->grade == 'F';
		if (s->grade == 'C' && f->c_why == NULL)
			f->c_why = s->why;
		f->any_aead = f->any_aead || (s->traits & TP_TRAIT_AEAD);
		if (s->traits & TP_TRAIT_FORWARD_SECRET)
			f->any_forward_secret = true;
		/* a client that offers everything gets the top suite of
		 * the server's order, and any suite when its own decides */
		else if (s->top || s->preference == TP_PREF_CLIENT)
			f->top_forward_secret = false;
	}
}

struct tp_grade_facts *tp_grade_facts_new(const struct tp_scan *sc,
					  unsigned cert_bits, int cert_pk)
{
	struct tp_grade_facts *f = calloc(1, sizeof(*f));
	size_t i, j, n = 0;

	if (f == NULL)
		return NULL;
	for (i = 0; i < sc->n_protocols; i++)
		if (sc->protocols[i].accepted)
			n += sc->protocols[i].n_suites;
	if (n > 0 && (f->suites = calloc(n, sizeof(*f->suites))) == NULL) {
		free(f);
		return NULL;
	}
	f->n_versions = sc->n_protocols;
	for (i = 0; i < sc->n_protocols; i++) {
		const struct tp_scan_protocol *p = &sc->protocols[i];

		tp_grade_version_facts(p, &f->versions[i]);
		if (!p->accepted)
			continue;
		for (j = 0; j < p->n_suites; j++)
			suite_facts(p, j, &f->suites[f->n_suites++]);
	}
	summarize(f);
	f->min_dh_bits = sc->min_dh_bits;
	f->cert_bits = cert_bits;
	f->cert_pk = cert_pk;
	/* the severity tlsprobe cert and client give the same key */
	f->cert_severity = cert_bits != 0
			   ? tp_cert_key_severity(cert_pk, cert_bits) : -1;
	f->cert_key = sc->cert_key;
	return f;
}

void tp_grade_facts_free(struct tp_grade_facts *f)
{
	if (f == NULL)
		return;
	free(f->suites);
	free(f);
}

/* ---- step 2: caps ---- */

/* A growing list of names for a reason, a finding's summary or detail. */
struct names {
	char buf[1024];
	size_t len;
	unsigned n, shown;
};

static void names_add(struct names *nm, const char *name)
{
	int w;

	nm->n++;
	if (nm->len > sizeof(nm->buf) - 128)
		return;
	w = snprintf(nm->buf + nm->len, sizeof(nm->buf) - nm->len, "%s%s",
		     nm->shown ? ", " : "", name);
	if (w > 0)
		nm->len += (size_t)w;
	nm->shown++;
}

static const char *names_str(struct names *nm)
{
	if (nm->shown < nm->n)
		snprintf(nm->buf + nm->len, sizeof(nm->buf) - nm->len,
			 " and %u more", nm->n - nm->shown);
	return nm->buf;
}

static const char *version_name(uint16_t v)
{
	const struct tp_version *tv = tp_registry_version(v);

	return tv != NULL ? tv->name : "?";
}

static const char *suite_name(uint16_t id, char *buf, size_t size)
{
	const struct tp_suite *s = tp_registry_suite(id);

	if (s != NULL)
		return s->iana;
	snprintf(buf, size, "0x%04X", id);
	return buf;
}

/*
 * The caps of docs/grading.md section 4, numbered as there: each gives
 * the grade it allows and writes its reason, or gives '\0' when it does
 * not apply.
 */
static char cap_best(const struct tp_grade_facts *f, char *why, size_t size)
{
	if (f->best <= 'A')
		return '\0';
	snprintf(why, size, "the best suite accepted is graded %c%s%s",
		 f->best, f->best_why ? ": " : "",
		 f->best_why ? f->best_why : "");
	return f->best;
}

static char cap_any_f(const struct tp_grade_facts *f, char *why, size_t size)
{
	snprintf(why, size, "a suite graded F is accepted (see the suites "
		 "marked F)");
	return f->any_f ? 'F' : '\0';
}

static char cap_ssl3(const struct tp_grade_facts *f, char *why, size_t size)
{
	size_t i;

	snprintf(why, size, "SSL 3.0 accepted");
	for (i = 0; i < f->n_versions; i++)
		if (f->versions[i].accepted &&
		    f->versions[i].version == 0x0300)
			return 'C';
	return '\0';
}

static char cap_no_modern(const struct tp_grade_facts *f, char *why,
			  size_t size)
{
	size_t i;

	snprintf(why, size, "neither TLS 1.2 nor TLS 1.3 accepted");
	for (i = 0; i < f->n_versions; i++)
		if (f->versions[i].accepted && !f->versions[i].weak)
			return '\0';
	return 'C';
}

static char cap_c_suite(const struct tp_grade_facts *f, char *why,
			size_t size)
{
	if (f->c_why == NULL)
		return '\0';
	snprintf(why, size, "a suite graded C is accepted (%s)", f->c_why);
	return 'C';
}

static char cap_weak_versions(const struct tp_grade_facts *f, char *why,
			      size_t size)
{
	struct names weak = {0};
	size_t i;

	for (i = 0; i < f->n_versions; i++)
		if (f->versions[i].accepted && f->versions[i].weak)
			names_add(&weak, version_name(f->versions[i].version));
	if (weak.n == 0)
		return '\0';
	snprintf(why, size, "%.100s accepted", weak.buf);
	return 'B';
}

static char cap_no_fs(const struct tp_grade_facts *f, char *why, size_t size)
{
	snprintf(why, size, "no suite with forward secrecy");
	return f->any_forward_secret ? '\0' : 'C';
}

static char cap_fs_not_preferred(const struct tp_grade_facts *f, char *why,
				 size_t size)
{
	snprintf(why, size, "suites without forward secrecy are accepted "
		 "and the server does not prefer the others");
	return f->any_forward_secret && !f->top_forward_secret ? 'B' : '\0';
}

static char cap_no_aead(const struct tp_grade_facts *f, char *why,
			size_t size)
{
	snprintf(why, size, "no AEAD suite: CBC or stream ciphers only");
	return f->any_aead ? '\0' : 'B';
}

static char cap_dh(const struct tp_grade_facts *f, char *why, size_t size)
{
	if (f->min_dh_bits == 0 || f->min_dh_bits >= 2048)
		return '\0';
	snprintf(why, size, "a %u-bit DH prime", f->min_dh_bits);
	return f->min_dh_bits < 1024 ? 'F' : 'B';
}

static char cap_cert_key(const struct tp_grade_facts *f, char *why,
			 size_t size)
{
	if (f->cert_severity < 0)
		return '\0';
	snprintf(why, size, "the certificate's key is %s", f->cert_key);
	return f->cert_severity == TP_SEV_ERROR ? 'F' : 'B';
}

static char (*const cap_rules[])(const struct tp_grade_facts *, char *,
				 size_t) = {
	cap_best, cap_any_f, cap_ssl3, cap_no_modern, cap_c_suite,
	cap_weak_versions, cap_no_fs, cap_fs_not_preferred, cap_no_aead,
	cap_dh, cap_cert_key,
};

/* docs/grading.md section 3: a version gets its worst suite's grade,
 * lowered for the versions WEAK_PROTOCOL names. */
static char version_grade(const struct tp_grade_version_facts *v)
{
	if (v->version == 0x0300)
		return worse(v->worst, 'C');
	if (v->version <= 0x0302)
		return worse(v->worst, 'B');
	return v->worst;
}

void tp_grade_caps(const struct tp_grade_facts *f, struct tp_grade_caps *out)
{
	char why[200], cap;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < f->n_versions; i++)
		if (f->versions[i].accepted)
			out->versions[i] = version_grade(&f->versions[i]);
	/* nothing accepted: no grade at all */
	if (f->n_suites == 0)
		return;
	/* the best suite is what a capable client gets; a cap only ever
	 * lowers it, and one that would not is not recorded */
	out->grade = 'A';
	for (i = 0; i < sizeof(cap_rules) / sizeof(cap_rules[0]); i++) {
		cap = cap_rules[i](f, why, sizeof(why));
		if (cap == '\0' || out->grade >= cap)
			continue;
		out->grade = cap;
		snprintf(out->reasons[out->n_reasons++],
			 sizeof(out->reasons[0]), "%s %c: %.200s",
			 cap == 'F' ? "set to" : "capped at", cap, why);
	}
}

/* ---- step 3: findings ---- */

/* Whether suite i of the facts is the first of its id that is weak
 * (graded C or worse), and then which versions accept it weak: bit
 * (version - 0x0300). */
static bool first_weak(const struct tp_grade_facts *f, size_t i,
		       unsigned *versions)
{
	const struct tp_grade_suite_facts *s = f->suites;
	uint16_t v;
	size_t k;

	if (s[i].suite == NULL || s[i].grade < 'C')
		return false;
	for (k = 0; k < i; k++)
		if (s[k].id == s[i].id && s[k].suite != NULL &&
		    s[k].grade >= 'C')
			return false;
	*versions = 0;
	for (k = i; k < f->n_suites; k++) {
		v = s[k].version;
		if (s[k].id == s[i].id && s[k].grade >= 'C' &&
		    v >= 0x0300 && v <= 0x0304)
			*versions |= 1u << (v - 0x0300);
	}
	return true;
}

/* Whether suite i of the facts is the first of its id without forward
 * secrecy. */
static bool first_without_fs(const struct tp_grade_facts *f, size_t i)
{
	const struct tp_grade_suite_facts *s = f->suites;
	size_t k;

	if (s[i].suite == NULL || (s[i].traits & TP_TRAIT_FORWARD_SECRET))
		return false;
	for (k = 0; k < i; k++)
		if (s[k].id == s[i].id && s[k].suite != NULL)
			return false;
	return true;
}

/* WEAK_CIPHER: each weak suite once, "NAME (why; VERSIONS)". */
static void weak_cipher(struct tp_report *r, const struct tp_grade_facts *f)
{
	struct names weak = {0};
	struct tp_finding *fi;
	unsigned versions;
	size_t i, v;

	for (i = 0; i < f->n_suites; i++) {
		char n[320], vers[64] = "", b[8];
		const char *why = f->suites[i].why;

		if (!first_weak(f, i, &versions))
			continue;
		for (v = 0; v < 5; v++)
			if (versions & (1u << v))
				snprintf(vers + strlen(vers),
					 sizeof(vers) - strlen(vers), "%s%s",
					 vers[0] ? " " : "",
					 version_name((uint16_t)(0x0300 + v)));
		snprintf(n, sizeof(n), "%.100s (%.80s; %.60s)",
			 suite_name(f->suites[i].id, b, sizeof(b)),
			 why ? why : "weak", vers);
		names_add(&weak, n);
	}
	if (weak.n == 0)
		return;
	fi = tp_report_finding(r, TP_WEAK_CIPHER, "%u weak suite%s accepted "
			       "(graded C or worse)", weak.n,
			       weak.n == 1 ? "" : "s");
	if (fi != NULL) {
		tp_finding_detail(fi, "%s", names_str(&weak));
		if (f->any_f)
			fi->severity = TP_SEV_ERROR;
	}
}

static void no_forward_secrecy(struct tp_report *r,
			       const struct tp_grade_facts *f)
{
	struct names nofs = {0};
	struct tp_finding *fi;
	char b[8];
	size_t i;

	for (i = 0; i < f->n_suites; i++)
		if (first_without_fs(f, i))
			names_add(&nofs, suite_name(f->suites[i].id, b,
						    sizeof(b)));
	if (nofs.n == 0)
		return;
	fi = tp_report_finding(r, TP_NO_FORWARD_SECRECY, "%u suite%s without "
			       "forward secrecy accepted", nofs.n,
			       nofs.n == 1 ? "" : "s");
	if (fi != NULL)
		tp_finding_detail(fi, "%s", names_str(&nofs));
}

/* WEAK_KEY for a DH prime and for the certificate key, each with the
 * severity of the cap it brings: an error where it sets F. */
static void weak_keys(struct tp_report *r, const struct tp_grade_facts *f)
{
	struct tp_finding *fi;

	if (f->min_dh_bits != 0 && f->min_dh_bits < 2048) {
		fi = tp_report_finding(r, TP_WEAK_KEY, "the server uses a "
				       "%u-bit DH prime for DHE",
				       f->min_dh_bits);
		if (fi != NULL) {
			tp_finding_fix(fi, "configure a DH group of 2048 bits "
				       "or more (RFC 7919 ffdhe2048), or "
				       "remove the DHE suites");
			if (f->min_dh_bits < 1024)
				fi->severity = TP_SEV_ERROR;
		}
	}
	if (f->cert_severity >= 0) {
		fi = tp_report_finding(r, TP_WEAK_KEY, "the server's "
				       "certificate key is %s", f->cert_key);
		if (fi != NULL)
			fi->severity = (enum tp_severity)f->cert_severity;
	}
}

/* The findings that explain the grade; none when nothing was accepted
 * (docs/grading.md section 5). */
static void grade_findings(struct tp_report *r,
			   const struct tp_grade_facts *f)
{
	uint16_t accepted[5];
	size_t i, n = 0;

	if (f->n_suites == 0)
		return;
	weak_keys(r, f);
	for (i = 0; i < f->n_versions; i++)
		if (f->versions[i].accepted)
			accepted[n++] = f->versions[i].version;
	tp_diag_weak_protocol(r, accepted, n, "accepts");
	weak_cipher(r, f);
	no_forward_secrecy(r, f);
}


/* ---- step 4: the policy ---- */

static bool accepted_anywhere(const struct tp_scan *sc, uint16_t id)
{
	size_t i, j;

	for (i = 0; i < sc->n_protocols; i++)
		for (j = 0; j < sc->protocols[i].n_suites; j++)
			if (sc->protocols[i].suites[j].id == id)
				return true;
	return false;
}

static int add_id(uint16_t **v, size_t *n, uint16_t id)
{
	uint16_t *nv = realloc(*v, (*n + 1) * sizeof(uint16_t));

	if (nv == NULL)
		return -1;
	nv[(*n)++] = id;
	*v = nv;
	return 0;
}

static bool listed(const uint16_t *v, size_t n, uint16_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == id)
			return true;
	return false;
}

/* Whether a suite can be used with the certificate key seen. */
static bool key_fits(const struct tp_suite *s, int pk)
{
	switch (s->auth) {
	case TP_AUTH_RSA:
		return pk == GNUTLS_PK_RSA || pk == GNUTLS_PK_RSA_PSS;
	case TP_AUTH_ECDSA:
		return pk == GNUTLS_PK_ECDSA;
	case TP_AUTH_DSS:
		return pk == GNUTLS_PK_DSA;
	default:
		return true;  /* TLS 1.3, anonymous, PSK: any key, or none */
	}
}

/* Why a refused suite of the policy says nothing of the server's
 * configuration: it could not have negotiated it anyway. */
enum left_out {
	LEFT_NOT,          /* it could: refused is drift */
	LEFT_KEY,          /* another certificate key type */
	LEFT_CREDENTIALS,  /* PSK, SRP or anonymous, none of it set up */
	LEFT_NO_DHE,       /* finite-field DHE, no DH parameters */
	LEFT_BUILD,        /* the library's build or security level */
	LEFT_N
};

static bool psk_kx(const struct tp_suite *s)
{
	return s->kx == TP_KX_PSK || s->kx == TP_KX_DHE_PSK ||
	       s->kx == TP_KX_RSA_PSK || s->kx == TP_KX_ECDHE_PSK;
}

/* 0 for a suite that needs no credentials besides a certificate: PSK,
 * SRP and anonymous suites each need the server to have set up their
 * own (a key, a verifier file, anonymous mode). */
static int credential_kind(const struct tp_suite *s)
{
	if (psk_kx(s))
		return 1;
	if (s->kx == TP_KX_SRP)
		return 2;
	return s->auth == TP_AUTH_NULL && s->kx != TP_KX_ANY ? 3 : 0;
}

static bool ffdhe_kx(const struct tp_suite *s)
{
	return s->kx == TP_KX_DHE && s->auth != TP_AUTH_NULL;
}

static bool accepted_like(const struct tp_scan *sc,
			  bool (*same)(const struct tp_suite *, const void *),
			  const void *arg)
{
	const struct tp_suite *a;
	size_t i, j;

	for (i = 0; i < sc->n_protocols; i++)
		for (j = 0; j < sc->protocols[i].n_suites; j++) {
			a = tp_registry_suite(sc->protocols[i].suites[j].id);
			if (a != NULL && same(a, arg))
				return true;
		}
	return false;
}

static bool same_credentials(const struct tp_suite *a, const void *arg)
{
	return credential_kind(a) == *(const int *)arg;
}

static bool any_ffdhe(const struct tp_suite *a, const void *arg)
{
	(void)arg;
	return ffdhe_kx(a);
}

/*
 * A suite is drift only when the server could have negotiated it: not
 * when its certificate has another key type, when it needs credentials
 * of a kind the server accepted in no suite (no PSK, no SRP verifier,
 * no anonymous mode), finite-field DHE from a server that does no DHE
 * at all (no DH parameters: nginx without ssl_dhparam), or a suite a
 * library has only in some builds.
 */
static enum left_out left_out_why(const struct tp_scan *sc,
				  const struct tp_policy *p,
				  const struct tp_suite *s, int cert_pk)
{
	int kind = credential_kind(s);

	if (cert_pk != 0 && !key_fits(s, cert_pk))
		return LEFT_KEY;
	if (kind != 0 && !accepted_like(sc, same_credentials, &kind))
		return LEFT_CREDENTIALS;
	if (ffdhe_kx(s) && !accepted_like(sc, any_ffdhe, NULL))
		return LEFT_NO_DHE;
	if (tp_policy_build_dependent(p, s->id))
		return LEFT_BUILD;
	return LEFT_NOT;
}

/* "left out: 12 need a certificate of another key type than the
 * RSA-2048 presented, …", once. */
static int left_out_say(struct tp_scan *sc, const unsigned n[LEFT_N])
{
	static const char *const why[LEFT_N] = {
		[LEFT_KEY] = "need a certificate of another key type than the "
			     "one presented",
		[LEFT_CREDENTIALS] = "need a pre-shared key, an SRP verifier "
				     "or anonymous mode, of a kind the server "
				     "accepted in no suite",
		[LEFT_NO_DHE] = "are finite-field DHE, which the server does "
				"not negotiate at all (it has no DH "
				"parameters)",
		[LEFT_BUILD] = "are 3DES, RC4, SEED, IDEA, NULL or MD5 suites, "
			       "which an OpenSSL has only in some builds or "
			       "refuses at its default security level",
	};
	char line[768] = "", part[192];
	size_t len = 0;
	int k;

	for (k = LEFT_KEY; k < LEFT_N; k++) {
		if (n[k] == 0)
			continue;
		if (k == LEFT_KEY && sc->cert_key[0] != '\0')
			snprintf(part, sizeof(part), "need a certificate of "
				 "another key type than the %s presented",
				 sc->cert_key);
		else
			snprintf(part, sizeof(part), "%s", why[k]);
		len += (size_t)snprintf(line + len, sizeof(line) - len,
					"%s%u %s", len ? "; " : "", n[k],
					part);
		if (len >= sizeof(line))
			break;
	}
	if (line[0] == '\0')
		return 0;
	free(sc->policy_left_why);
	sc->policy_left_why = strdup(line);
	return sc->policy_left_why != NULL ? 0 : -1;
}

static int policy_findings(struct tp_report *r, const struct tp_policy *p,
			   int cert_pk)
{
	unsigned n_left[LEFT_N] = {0};
	struct tp_scan *sc = r->scan;
	struct names extra = {0}, missing = {0};
	enum left_out left;
	struct tp_finding *f;
	char b[8];
	size_t i, j;

	for (i = 0; i < sc->n_protocols; i++)
		for (j = 0; j < sc->protocols[i].n_suites; j++) {
			uint16_t id = sc->protocols[i].suites[j].id;

			if (tp_policy_has(p, id) ||
			    listed(sc->policy_extra, sc->n_policy_extra, id))
				continue;
			if (add_id(&sc->policy_extra, &sc->n_policy_extra,
				   id) < 0)
				return -1;
			names_add(&extra, suite_name(id, b, sizeof(b)));
		}
	for (i = 0; i < p->n_suites; i++) {
		uint16_t id = p->suites[i];
		const struct tp_suite *s = tp_registry_suite(id);
		bool version_tested = false;

		/* a suite of a version the scan left out is not "refused",
		 * nor one of a version whose probes got no verdict (an alert
		 * that is no refusal, resets, silence) and accepted nothing */
		for (j = 0; j < sc->n_protocols && s != NULL; j++)
			if (sc->protocols[j].tested &&
			    (sc->protocols[j].accepted ||
			     !sc->protocols[j].incomplete) &&
			    sc->protocols[j].version >= s->min_version &&
			    (s->min_version < 0x0304) ==
			    (sc->protocols[j].version < 0x0304))
				version_tested = true;
		if (!version_tested || accepted_anywhere(sc, id) ||
		    listed(sc->policy_missing, sc->n_policy_missing, id) ||
		    listed(sc->policy_left_out, sc->n_policy_left_out, id))
			continue;
		left = s != NULL ? left_out_why(sc, p, s, cert_pk) : LEFT_NOT;
		if (left != LEFT_NOT) {
			if (add_id(&sc->policy_left_out,
				   &sc->n_policy_left_out, id) < 0)
				return -1;
			n_left[left]++;
			continue;
		}
		if (add_id(&sc->policy_missing, &sc->n_policy_missing, id) < 0)
			return -1;
		names_add(&missing, suite_name(id, b, sizeof(b)));
	}
	if (left_out_say(sc, n_left) < 0)
		return -1;
	if (extra.n > 0) {
		f = tp_report_finding(r, TP_POLICY_EXTRA, "%u suite%s accepted "
				      "that the policy (%s) does not allow",
				      extra.n, extra.n == 1 ? "" : "s",
				      tp_policy_syntax_name(p->syntax));
		if (f != NULL)
			tp_finding_detail(f, "%s", names_str(&extra));
	}
	if (missing.n > 0) {
		f = tp_report_finding(r, TP_POLICY_MISSING, "%u suite%s of the "
				      "policy (%s) refused by the server",
				      missing.n, missing.n == 1 ? "" : "s",
				      tp_policy_syntax_name(p->syntax));
		if (f != NULL)
			tp_finding_detail(f, "%s", names_str(&missing));
	}
	return 0;
}

/* The caps into the scan: what the views show. */
static int record_grades(struct tp_scan *sc, const struct tp_grade_caps *c)
{
	size_t i;

	for (i = 0; i < sc->n_protocols; i++)
		if (sc->protocols[i].accepted)
			sc->protocols[i].grade = c->versions[i];
	for (i = 0; i < c->n_reasons; i++)
		if (tp_strv_add(&sc->grade_reasons, &sc->n_grade_reasons,
				c->reasons[i]) < 0)
			return -1;
	sc->grade = c->grade;
	return 0;
}

int tp_grade_scan(struct tp_report *r, const struct tp_policy *policy,
		  unsigned cert_bits, int cert_pk)
{
	struct tp_grade_facts *f;
	struct tp_grade_caps c;
	int rc = -1;

	f = tp_grade_facts_new(r->scan, cert_bits, cert_pk);
	if (f == NULL)
		return -1;
	tp_grade_caps(f, &c);
	if (record_grades(r->scan, &c) < 0)
		goto out;
	grade_findings(r, f);
	if (policy != NULL && policy_findings(r, policy, f->cert_pk) < 0)
		goto out;
	rc = 0;
out:
	tp_grade_facts_free(f);
	return rc;
}
