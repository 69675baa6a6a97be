/*
 * ciphers --format nmap: the audit in the layout of nmap's
 * ssl-enum-ciphers script, so that pipelines built around that script
 * can diff the two. Suite names, key exchange notes and the version
 * order follow the script's conventions; the grades and the wording of
 * the warnings are tlsprobe's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"
#include "registry.h"
#include "tlsprobe.h"

/* Where nmap keeps its table of well-known ports (nmap-services(5)):
 * the service column is nmap's own name, for the diff to agree. */
static const char *const services_files[] = {
	"/usr/share/nmap/nmap-services",
	"/usr/local/share/nmap/nmap-services",
};

/* A service name as nmap-services writes them; anything else in the
 * file is not copied to the output. */
static bool service_word(const char *w, size_t n)
{
	size_t i;

	if (n == 0 || n > 40)
		return false;
	for (i = 0; i < n; i++)
		if (!((w[i] >= 'a' && w[i] <= 'z') ||
		      (w[i] >= 'A' && w[i] <= 'Z') ||
		      (w[i] >= '0' && w[i] <= '9') || strchr("-_.+/", w[i])))
			return false;
	return true;
}

/* nmap's name for a TCP port, "unknown" (as nmap prints it) when the
 * file is missing or names nothing there. Each line is "NAME PORT/PROTO
 * FREQUENCY [# comment]"; a line too long for the buffer is skipped. */
static void service_name(unsigned port, char *buf, size_t size)
{
	char line[512], want[16];
	size_t i, k;
	FILE *f = NULL;

	snprintf(buf, size, "unknown");
	snprintf(want, sizeof(want), "%u/tcp", port);
	for (i = 0; f == NULL && i < sizeof(services_files) /
					sizeof(services_files[0]); i++)
		f = fopen(services_files[i], "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		char *name, *ports;

		if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
			int ch;

			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		if (line[0] == '#')
			continue;
		name = line;
		k = strcspn(name, " \t\r\n");
		ports = name + k;
		ports += strspn(ports, " \t");
		if (strncmp(ports, want, strlen(want)) != 0 ||
		    (ports[strlen(want)] != ' ' && ports[strlen(want)] != '\t'))
			continue;
		if (service_word(name, k) && k < size) {
			memcpy(buf, name, k);
			buf[k] = '\0';
		}
		break;
	}
	fclose(f);
}

/* nmap's port table: each column as wide as its widest cell, then one
 * space ("PORT     STATE SERVICE" over "8443/tcp open  https-alt"). */
static void port_table(FILE *f, const struct tp_report *r, const char *state)
{
	char port[16], service[48];
	int pw, sw;

	snprintf(port, sizeof(port), "%u/tcp", r->target.port);
	service_name(r->target.port, service, sizeof(service));
	pw = strlen(port) > 4 ? (int)strlen(port) : 4;
	sw = strlen(state) > 5 ? (int)strlen(state) : 5;
	fprintf(f, "%-*s %-*s SERVICE\n%-*s %-*s %s\n", pw, "PORT", sw,
		"STATE", pw, port, sw, state, service);
}

/* open (TCP connected), filtered (the SYN was never answered) or
 * closed, as nmap says of the port. */
static const char *port_state(const struct tp_report *r)
{
	const struct tp_scan *sc = r->scan;

	if (sc != NULL && sc->connections > 0 && r->n_stages > 1 &&
	    r->stages[1].status == TP_STAGE_OK)
		return "open";
	if (tp_report_has(r, TP_TCP_TIMEOUT))
		return "filtered";
	return "closed";
}

/* The script sorts the suites by name unless the server orders them. */
struct named_suite {
	char name[96];
	const struct tp_scan_suite *suite;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct named_suite *)a)->name,
		      ((const struct named_suite *)b)->name);
}

/* The script names the TLS 1.3 suites TLS_AKE_WITH_…. */
static void suite_name(uint16_t id, char *buf, size_t size)
{
	const struct tp_suite *s = tp_registry_suite(id);

	if (s == NULL)
		snprintf(buf, size, "0x%04X", id);
	else if (s->min_version >= 0x0304 && strncmp(s->iana, "TLS_", 4) == 0)
		snprintf(buf, size, "TLS_AKE_WITH_%s", s->iana + 4);
	else
		snprintf(buf, size, "%s", s->iana);
}

/* "(secp256r1)", "(ecdh_x25519)", "(dh 2048)", "(rsa 2048)" */
static void kx_note(const struct tp_scan *sc, const struct tp_scan_suite *su,
		    char *buf, size_t size)
{
	const struct tp_suite *s = tp_registry_suite(su->id);
	unsigned bits = 0;
	const char *key = sc->cert_key;

	buf[0] = '\0';
	if (strncmp(su->kx, "DH ", 3) == 0) {
		snprintf(buf, size, " (dh %s)", su->kx + 3);
	} else if (strcmp(su->kx, "x25519") == 0 ||
		   strcmp(su->kx, "x448") == 0) {
		snprintf(buf, size, " (ecdh_%s)", su->kx);
	} else if (su->kx[0] != '\0') {
		snprintf(buf, size, " (%s)", su->kx);
	} else if (s != NULL && s->kx == TP_KX_RSA && key[0] != '\0' &&
		   sscanf(key, "RSA-%u", &bits) == 1) {
		snprintf(buf, size, " (rsa %u)", bits);
	}
}

/* The script's warnings, from the facts the grade reads. */
static void warnings(FILE *f, const struct tp_scan_protocol *p)
{
	struct tp_grade_version_facts v;
	bool rc4, sweet, nofs, anon, exp, null;

	tp_grade_version_facts(p, &v);
	rc4 = v.traits & TP_TRAIT_RC4;
	sweet = v.traits & TP_TRAIT_SWEET32;
	nofs = v.n_suites > 0 && !(v.traits & TP_TRAIT_FORWARD_SECRET);
	anon = v.traits & TP_TRAIT_ANONYMOUS;
	exp = v.traits & TP_TRAIT_EXPORT;
	null = v.traits & TP_TRAIT_NO_ENCRYPTION;
	if (!(rc4 || sweet || nofs || anon || exp || null))
		return;
	fputs("|     warnings: \n", f);
	if (sweet)
		fputs("|       3DES or IDEA: a 64-bit block cipher (SWEET32)\n",
		      f);
	if (anon)
		fputs("|       anonymous key exchange: the server is not authenticated\n", f);
	if (exp)
		fputs("|       export-grade suites accepted\n", f);
	if (nofs)
		fputs("|       no suite with forward secrecy\n", f);
	if (null)
		fputs("|       NULL encryption accepted\n", f);
	if (rc4)
		fputs("|       RC4 accepted (RFC 7465 prohibits it)\n", f);
}

char *tp_report_to_nmap(const struct tp_report *r)
{
	const struct tp_scan *sc = r->scan;
	char *out = NULL;
	size_t len = 0, i, j;
	char least = '\0';
	bool any = false;
	struct named_suite *named = NULL;
	FILE *f;

	f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	port_table(f, r, port_state(r));
	if (sc != NULL) {
		for (i = 0; i < sc->n_protocols; i++)
			any = any || sc->protocols[i].accepted;
	}
	if (any) {
		fputs("| ssl-enum-ciphers: \n", f);
		for (i = 0; i < sc->n_protocols; i++) {
			const struct tp_scan_protocol *p = &sc->protocols[i];
			const struct tp_version *v =
				tp_registry_version(p->version);

			if (!p->accepted)
				continue;
			fprintf(f, "|   %s: \n|     ciphers: \n",
				v ? v->nmap : "?");
			if (p->n_suites > 0) {
				named = calloc(p->n_suites, sizeof(*named));
				if (named == NULL) {
					fclose(f);
					free(out);
					return NULL;
				}
			}
			for (j = 0; j < p->n_suites; j++) {
				suite_name(p->suites[j].id, named[j].name,
					   sizeof(named[j].name));
				named[j].suite = &p->suites[j];
			}
			if (p->preference != TP_PREF_SERVER && p->n_suites > 1)
				qsort(named, p->n_suites, sizeof(*named),
				      by_name);
			for (j = 0; j < p->n_suites; j++) {
				char kx[48];

				kx_note(sc, named[j].suite, kx, sizeof(kx));
				fprintf(f, "|       %s%s - %c\n", named[j].name,
					kx, named[j].suite->grade);
				if (named[j].suite->grade > least)
					least = named[j].suite->grade;
			}
			free(named);
			named = NULL;
			if (p->version < 0x0304)
				fputs("|     compressors: \n|       NULL\n", f);
			fprintf(f, "|     cipher preference: %s\n",
				p->preference == TP_PREF_SERVER ? "server"
				: p->preference == TP_PREF_CLIENT
				? "client" : "indeterminate");
			warnings(f, p);
		}
		fprintf(f, "|_  least strength: %c\n", least);
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
