/* This node's unique ID, as FLoM defines it: the D-Bus machine id. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsprobe.h"

static const char *const default_paths[] = {
	"/etc/machine-id", "/var/lib/dbus/machine-id", NULL,
};

/* Reads one candidate; 1 when it exists and is well formed, 0 when it
 * does not exist, -1 (err set) when it exists but is unusable. */
static int read_one(const char *path, char id[TP_ID_LEN + 1],
		    struct tp_error *err)
{
	char buf[TP_ID_LEN + 3];
	size_t n, i;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		tp_error_set(err, TP_ERR_RUNTIME, "cannot read %s: %s", path,
			     strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* one line of exactly 32 lower-case hex digits (machine-id(5)) */
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	for (i = 0; i < n; i++)
		if (!((buf[i] >= '0' && buf[i] <= '9') ||
		      (buf[i] >= 'a' && buf[i] <= 'f')))
			break;
	if (n != TP_ID_LEN || i != n) {
		/* the error setter sanitises what it is given (once); a NUL
		 * would end the quote early, so it shows as '?' */
		for (i = 0; i < n && i < 40; i++)
			if (buf[i] == '\0')
				buf[i] = '?';
		tp_error_set(err, TP_ERR_USAGE, "%s: malformed machine id "
			     "'%.*s%s' (expected 32 lower-case hex digits; "
			     "systemd-machine-id-setup writes one)", path,
			     (int)tp_utf8_prefix(buf, 40), buf,
			     n > 40 ? "…" : "");
		return -1;
	}
	memcpy(id, buf, TP_ID_LEN + 1);
	return 1;
}

int tp_id_read_from(const char *const *paths, char id[TP_ID_LEN + 1],
		    struct tp_error *err)
{
	size_t i;
	int rc;

	for (i = 0; paths[i] != NULL; i++) {
		rc = read_one(paths[i], id, err);
		if (rc != 0)
			return rc > 0 ? 0 : -1;
	}
	if (paths[0] == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "no machine id file to read");
		return -1;
	}
	tp_error_set(err, TP_ERR_RUNTIME, "no machine id: neither %s nor %s "
		     "exists (run systemd-machine-id-setup or "
		     "dbus-uuidgen --ensure)", paths[0],
		     paths[1] ? paths[1] : "another file");
	return -1;
}

int tp_id_read(char id[TP_ID_LEN + 1], struct tp_error *err)
{
	return tp_id_read_from(default_paths, id, err);
}

int tp_id_run(struct tp_report *r, struct tp_error *err)
{
	char id[TP_ID_LEN + 1];

	if (tp_id_read(id, err) < 0)
		return -1;
	r->unique_id = tp_report_strdup(id);
	if (r->unique_id == NULL) {
		tp_error_set(err, TP_ERR_RUNTIME, "out of memory");
		return -1;
	}
	return 0;
}
