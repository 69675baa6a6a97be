/*
 * Fuzz target of the report another node sends in the peer exchange
 * (tp_report_from_json, report_json.c): any bytes are refused (NULL) or
 * read into a client report whose every string is sanitised, which the
 * text and JSON views then render without a control character.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsprobe.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_report *r;
	char *s;

	r = tp_report_from_json((const char *)data, size);
	if (r == NULL)
		return 0;
	s = tp_report_to_text(r, TP_RENDER_VERBOSE);
	fuzz_check_text(s);
	free(s);
	s = tp_report_to_json(r, TP_RENDER_COMPACT);
	fuzz_check_json(s);
	/* what it renders reads back */
	if (s != NULL) {
		struct tp_report *again = tp_report_from_json(s, strlen(s));

		if (again == NULL)
			abort();
		tp_report_free(again);
	}
	free(s);
	tp_report_free(r);
	return 0;
}
