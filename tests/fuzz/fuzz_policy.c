/*
 * Fuzz target of --policy (policy.c): any text is either refused with
 * a usage error or expanded into suites of the registry, each
 * once, within TP_POLICY_MAX, with the syntax it was detected as.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "registry.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A command line is not a file: a few KiB say all a policy can say. */
#define TEXT_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tp_policy p;
	struct tp_error err = {0};
	size_t i, j;
	char *text;

	if (size > TEXT_MAX)
		return 0;
	/* an exact-size string: a read past its end is a sanitizer error */
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&p, 0xa5, sizeof(p));
	if (tp_policy_parse(text, &p, &err) < 0) {
		if (err.kind != TP_ERR_USAGE || err.message[0] == '\0')
			abort();
		free(text);
		return 0;
	}
	if (err.kind != TP_ERR_NONE || p.n_suites == 0 ||
	    p.n_suites > TP_POLICY_MAX || p.n_versions > 8 ||
	    (p.syntax != TP_POLICY_OPENSSL && p.syntax != TP_POLICY_IANA &&
	     p.syntax != TP_POLICY_GNUTLS))
		abort();
	for (i = 0; i < p.n_suites; i++) {
		if (tp_registry_suite(p.suites[i]) == NULL ||
		    !tp_policy_has(&p, p.suites[i]))
			abort();
		for (j = 0; j < i; j++)
			if (p.suites[j] == p.suites[i])
				abort();
	}
	free(text);
	return 0;
}
