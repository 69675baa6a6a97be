/* The views of the summary document (summary.c): text for people, and
 * one self-contained HTML page (inline CSS, SVG and script, nothing
 * fetched). Both render the document; neither computes anything new. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_BOLD "\033[1m"
#define C_OFF "\033[0m"

struct pen {
	FILE *f;
	bool color;
};

static void paint(struct pen *p, const char *color, const char *fmt, ...)
	TP_PRINTF(3, 4);
static void paint(struct pen *p, const char *color, const char *fmt, ...)
{
	va_list ap;

	if (p->color && color != NULL)
		fputs(color, p->f);
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
	if (p->color && color != NULL)
		fputs(C_OFF, p->f);
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

static long num(const json_t *o, const char *key)
{
	return (long)json_integer_value(json_object_get(o, key));
}

static const char *verdict_color(const char *v)
{
	if (strcmp(v, "pass") == 0)
		return C_GREEN;
	if (strcmp(v, "warn") == 0)
		return C_YELLOW;
	return C_RED;
}

struct code_count {
	const char *code;
	long n;
};

static int by_count(const void *a, const void *b)
{
	const struct code_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->code, y->code);
}

/* The codes, the most frequent first; NULL when there are none. */
static struct code_count *codes_by_count(const json_t *doc, size_t *n)
{
	const json_t *codes = json_object_get(doc, "codes");
	struct code_count *cc;
	const char *k;
	json_t *v;
	size_t i = 0;

	*n = json_object_size(codes);
	cc = *n ? calloc(*n, sizeof(*cc)) : NULL;
	if (cc == NULL) {
		*n = 0;
		return NULL;
	}
	json_object_foreach((json_t *)codes, k, v)
		cc[i++] = (struct code_count){k, (long)json_integer_value(v)};
	qsort(cc, *n, sizeof(*cc), by_count);
	return cc;
}

/* A list of strings (endpoint keys) on one line, the first few. */
static void list_line(struct pen *p, const json_t *a, size_t most)
{
	const json_t *v;
	size_t i;

	json_array_foreach(a, i, v) {
		if (i == most) {
			fprintf(p->f, " and %zu more", json_array_size(a) - most);
			break;
		}
		fprintf(p->f, "%s%s", i ? ", " : "",
			json_string_value(v) ? json_string_value(v) : "?");
	}
}

static void text_totals(struct pen *p, const json_t *doc)
{
	const json_t *v = json_object_get(doc, "verdicts");
	static const char *const names[] = {"pass", "warn", "fail", "error"};
	const char *k;
	json_t *n;
	size_t i;

	paint(p, C_BOLD, "%ld records:", num(doc, "records"));
	for (i = 0; i < 4; i++)
		paint(p, num(v, names[i]) ? verdict_color(names[i]) : NULL,
		      " %ld %s%s", num(v, names[i]), names[i], i < 3 ? "," : "");
	if (num(doc, "malformed"))
		paint(p, C_RED, "; %ld malformed lines", num(doc, "malformed"));
	fputc('\n', p->f);
	if (json_object_size(json_object_get(doc, "grades")) > 0) {
		fputs("grades:", p->f);
		json_object_foreach(json_object_get(doc, "grades"), k, n)
			fprintf(p->f, " %s %ld", k, (long)json_integer_value(n));
		fputc('\n', p->f);
	}
}

static void text_codes(struct pen *p, const json_t *doc)
{
	size_t i, n;
	struct code_count *cc = codes_by_count(doc, &n);

	if (n == 0)
		return;
	paint(p, C_BOLD, "\nfinding codes, the most frequent first:\n");
	for (i = 0; i < n; i++) {
		fprintf(p->f, "  %-26s %5ld  ", cc[i].code, cc[i].n);
		list_line(p, json_object_get(json_object_get(doc, "code_targets"),
					     cc[i].code), 5);
		fputc('\n', p->f);
	}
	free(cc);
}

static void text_certs(struct pen *p, const json_t *doc)
{
	const json_t *c;
	size_t i;

	if (json_array_size(json_object_get(doc, "expiring")) > 0)
		paint(p, C_BOLD, "\ncertificates expiring within %ld days:\n",
		      num(doc, "days"));
	json_array_foreach(json_object_get(doc, "expiring"), i, c) {
		long left = num(c, "days_left");

		paint(p, left < 0 || json_is_true(json_object_get(c, "expired"))
			 ? C_RED : C_YELLOW, "  %s %s", str(c, "not_after"),
		      json_is_true(json_object_get(c, "expired")) ? "expired"
								   : "expires");
		fprintf(p->f, " (%ld days)  %s  %.16s…  on ", left,
			str(c, "subject"), str(c, "sha256"));
		list_line(p, json_object_get(c, "endpoints"), 5);
		fputc('\n', p->f);
	}
	if (json_array_size(json_object_get(doc, "shared_certificates")) > 0)
		paint(p, C_BOLD, "\nthe same certificate on several endpoints:\n");
	json_array_foreach(json_object_get(doc, "shared_certificates"), i, c) {
		fprintf(p->f, "  %.16s…  %s  %zu endpoints: ", str(c, "sha256"),
			str(c, "subject"),
			json_array_size(json_object_get(c, "endpoints")));
		list_line(p, json_object_get(c, "endpoints"), 5);
		fputc('\n', p->f);
	}
	if (json_array_size(json_object_get(doc, "shared_keys")) > 0)
		paint(p, C_BOLD, "\nthe same key on several endpoints:\n");
	json_array_foreach(json_object_get(doc, "shared_keys"), i, c) {
		fprintf(p->f, "  key %.16s…  %s  in %zu certificates, on %zu "
			"endpoints: ", str(c, "key_sha256"), str(c, "key"),
			json_array_size(json_object_get(c, "certificates")),
			json_array_size(json_object_get(c, "endpoints")));
		list_line(p, json_object_get(c, "endpoints"), 5);
		fputc('\n', p->f);
	}
	if (json_array_size(json_object_get(doc, "weak_keys")) > 0)
		paint(p, C_BOLD, "\nweak keys:\n");
	json_array_foreach(json_object_get(doc, "weak_keys"), i, c) {
		paint(p, C_YELLOW, "  %s", str(c, "key"));
		fprintf(p->f, "  %s  %.16s…  on ", str(c, "subject"),
			str(c, "sha256"));
		list_line(p, json_object_get(c, "endpoints"), 5);
		fputc('\n', p->f);
	}
}

static void text_names(struct pen *p, const json_t *doc)
{
	const json_t *name, *a, *f;
	size_t i, j;

	if (json_array_size(json_object_get(doc, "names")) > 0)
		paint(p, C_BOLD, "\nrouting map:\n");
	json_array_foreach(json_object_get(doc, "names"), i, name) {
		fprintf(p->f, "  %s (%s)", str(name, "target"), str(name, "command"));
		if (json_is_true(json_object_get(name, "differ")))
			paint(p, C_YELLOW, "  addresses differ");
		fputc('\n', p->f);
		json_array_foreach(json_object_get(name, "addresses"), j, a) {
			fprintf(p->f, "    %-16s %-4s cert %.16s  %s", str(a, "address"),
				str(a, "verdict"), str(a, "sha256"), str(a, "config"));
			if (json_is_string(json_object_get(a, "unique_id")))
				fprintf(p->f, "  server %s seen us from %s",
					str(a, "unique_id"), str(a, "seen_from"));
			fputc('\n', p->f);
		}
	}
	json_array_foreach(json_object_get(doc, "findings"), i, f) {
		paint(p, C_YELLOW, "\n%s", str(f, "code"));
		fprintf(p->f, "  %s\n  %s\n  fix: %s\n", str(f, "summary"),
			str(f, "detail"), str(f, "fix"));
	}
}

/* One list of changes: "  WHAT: endpoint (from -> to)". */
static void text_change(struct pen *p, const json_t *ch, const char *what,
			const char *label)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(ch, what), i, c) {
		if (json_is_string(c)) {
			fprintf(p->f, "  %-16s %s\n", label, json_string_value(c));
		} else if (json_object_get(c, "code") != NULL) {
			fprintf(p->f, "  %-16s %s  %s\n", label, str(c, "endpoint"),
				str(c, "code"));
		} else {
			fprintf(p->f, "  %-16s %s  %s -> %s\n", label,
				str(c, "endpoint"), str(c, "from"), str(c, "to"));
		}
	}
}

void tp_summary_text(struct tp_summary *s, FILE *out, bool color)
{
	struct pen p = {out, color};
	const json_t *doc = tp_summary_doc(s), *ch, *e;
	size_t i;

	if (doc == NULL)
		return;
	text_totals(&p, doc);
	text_codes(&p, doc);
	text_certs(&p, doc);
	text_names(&p, doc);
	ch = json_object_get(doc, "changes");
	if (ch != NULL) {
		paint(&p, C_BOLD, "\nchanges since the baseline:\n");
		text_change(&p, ch, "added", "added");
		text_change(&p, ch, "gone", "gone");
		text_change(&p, ch, "grades", "grade");
		text_change(&p, ch, "verdicts", "verdict");
		text_change(&p, ch, "new_findings", "new finding");
		text_change(&p, ch, "cleared_findings", "cleared finding");
		text_change(&p, ch, "rotated", "rotated");
	}
	if (json_array_size(json_object_get(doc, "errors")) > 0)
		paint(&p, C_BOLD, "\nlines the runs could not use:\n");
	json_array_foreach(json_object_get(doc, "errors"), i, e)
		fprintf(out, "  line %ld: %s: %s\n", num(e, "line"),
			str(e, "text"), str(e, "error"));
}

/* ---- HTML ---- */

void tp_summary_html_escape(FILE *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			/* the document's strings are sanitised; this is
			 * only the last guard of the page */
			if ((unsigned char)*s >= 0x20 && *s != 0x7f)
				fputc(*s, out);
		}
	}
}

/* Writes fmt where every %s argument is HTML-escaped (only %s, %ld,
 * %zu and %% are understood: enough for this page). */
static void h(FILE *out, const char *fmt, ...)
{
	va_list ap;
	const char *c;

	va_start(ap, fmt);
	for (c = fmt; *c != '\0'; c++) {
		if (*c != '%') {
			fputc(*c, out);
			continue;
		}
		c++;
		if (*c == 's')
			tp_summary_html_escape(out, va_arg(ap, const char *));
		else if (*c == 'l' && c[1] == 'd')
			fprintf(out, "%ld", va_arg(ap, long)), c++;
		else if (*c == 'z' && c[1] == 'u')
			fprintf(out, "%zu", va_arg(ap, size_t)), c++;
		else
			fputc(*c, out);
	}
	va_end(ap);
}

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
	"'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
	"<title>tlsprobe summary</title>\n<style>\n"
	"body{font-family:sans-serif;margin:1.5em;color:#222}\n"
	"table{border-collapse:collapse;margin:.5em 0}\n"
	"td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;"
	"vertical-align:top;font-size:.9em}\n"
	"th{background:#eee;cursor:pointer}\n"
	".pass{color:#070}.warn{color:#a60}.fail,.error{color:#b00}\n"
	"code{font-size:.85em}\n</style></head><body>\n"
	"<h1>tlsprobe summary</h1>\n";

/* Sorts a table of class "sortable" by the header clicked: cells that
 * are wholly numbers as numbers (a cell's data-v when it has one), the
 * rest as text ("127.0.0.1:443" is text: parseFloat would make it 127). */
static const char html_script[] =
	"<script>\n"
	"document.querySelectorAll('table.sortable th').forEach(function(th){\n"
	" th.addEventListener('click',function(){\n"
	"  var i=th.cellIndex,tb=th.closest('table').tBodies[0];\n"
	"  var asc=th.getAttribute('data-dir')!=='asc';\n"
	"  th.setAttribute('data-dir',asc?'asc':'desc');\n"
	"  var key=function(r){var c=r.cells[i];"
	"return c.hasAttribute('data-v')?c.getAttribute('data-v'):c.textContent;};\n"
	"  Array.prototype.slice.call(tb.rows).sort(function(a,b){\n"
	"   var x=key(a),y=key(b),nx=Number(x),ny=Number(y);\n"
	"   var c=(x!==''&&y!==''&&!isNaN(nx)&&!isNaN(ny))?nx-ny:\n"
	"    x.localeCompare(y);\n"
	"   return asc?c:-c;}).forEach(function(r){tb.appendChild(r);});\n"
	" });\n});\n</script>\n";

static void html_totals(FILE *out, const json_t *doc)
{
	static const char *const names[] = {"pass", "warn", "fail", "error"};
	const json_t *v = json_object_get(doc, "verdicts");
	size_t i;

	h(out, "<p id=\"totals\"><span id=\"records\">%ld</span> records:",
	  num(doc, "records"));
	for (i = 0; i < 4; i++)
		h(out, " <span class=\"%s\" data-verdict=\"%s\">%ld</span> %s%s",
		  names[i], names[i], num(v, names[i]), names[i],
		  i < 3 ? "," : "");
	h(out, "; <span id=\"malformed\">%ld</span> malformed lines.</p>\n",
	  num(doc, "malformed"));
}

/* The grade distribution as a bar chart: A to F always, then any other
 * grade the records hold. */
static void html_grades(FILE *out, const json_t *doc)
{
	const json_t *grades = json_object_get(doc, "grades");
	const char *bars[32], *k;
	json_t *n;
	size_t i, nb = 0;
	long most = 1;

	static const char *const af[] = {"A", "B", "C", "D", "E", "F"};

	for (i = 0; i < 6; i++)
		bars[nb++] = af[i];
	json_object_foreach((json_t *)grades, k, n) {
		bool known = false;

		for (i = 0; i < nb; i++)
			known = known || strcmp(bars[i], k) == 0;
		if (!known && nb < sizeof(bars) / sizeof(bars[0]))
			bars[nb++] = k;
		if (json_integer_value(n) > most)
			most = (long)json_integer_value(n);
	}
	h(out, "<h2>Grades</h2>\n<svg id=\"grades\" xmlns=\"http://www.w3.org/2000/svg\" "
	  "width=\"%zu\" height=\"170\" role=\"img\">\n", nb * 50 + 20);
	for (i = 0; i < nb; i++) {
		long c = num(grades, bars[i]);
		long hgt = c * 120 / most;

		/* the count above its bar, inside the drawing even for the
		 * tallest */
		h(out, "<rect class=\"bar\" data-grade=\"%s\" data-count=\"%ld\" "
		  "x=\"%zu\" y=\"%ld\" width=\"36\" height=\"%ld\" fill=\"#4a7\">"
		  "<title>%s: %ld</title></rect>\n", bars[i], c, i * 50 + 10,
		  145 - hgt, hgt, bars[i], c);
		h(out, "<text x=\"%zu\" y=\"%ld\" font-size=\"12\">%ld</text>"
		  "<text x=\"%zu\" y=\"164\" font-size=\"14\">%s</text>\n",
		  i * 50 + 20, 140 - hgt, c, i * 50 + 22, bars[i]);
	}
	fputs("</svg>\n", out);
}

/* The certificates that expire within --days on a time line: days left
 * from the most expired (or 0) to --days. */
static void html_expiry(FILE *out, const json_t *doc)
{
	const json_t *exp = json_object_get(doc, "expiring"), *c;
	long lo = 0, hi = num(doc, "days"), span;
	size_t i;

	json_array_foreach(exp, i, c)
		if (num(c, "days_left") < lo)
			lo = num(c, "days_left");
	span = hi - lo > 0 ? hi - lo : 1;
	h(out, "<h2>Certificates expiring within %ld days</h2>\n<svg id=\"expiry\" "
	  "xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"90\" "
	  "role=\"img\">\n<line x1=\"20\" y1=\"50\" x2=\"620\" y2=\"50\" "
	  "stroke=\"#888\"/>\n", hi);
	h(out, "<text x=\"20\" y=\"80\" font-size=\"11\">%ld days</text>"
	  "<text x=\"570\" y=\"80\" font-size=\"11\">%ld days</text>\n", lo, hi);
	if (lo < 0)
		h(out, "<line x1=\"%ld\" y1=\"35\" x2=\"%ld\" y2=\"65\" stroke=\"#b00\"/>"
		  "<text x=\"%ld\" y=\"30\" font-size=\"11\">now</text>\n",
		  20 + (-lo) * 600 / span, 20 + (-lo) * 600 / span,
		  10 + (-lo) * 600 / span);
	json_array_foreach(exp, i, c) {
		long x = 20 + (num(c, "days_left") - lo) * 600 / span;

		h(out, "<circle class=\"cert\" data-sha256=\"%s\" data-days-left=\"%ld\" "
		  "cx=\"%ld\" cy=\"50\" r=\"6\" fill=\"%s\"><title>%s, %s "
		  "(%ld days)</title></circle>\n", str(c, "sha256"),
		  num(c, "days_left"), x,
		  json_is_true(json_object_get(c, "expired")) ? "#b00" : "#d90",
		  str(c, "subject"), str(c, "not_after"), num(c, "days_left"));
	}
	fputs("</svg>\n", out);
}

static void html_list(FILE *out, const json_t *a)
{
	const json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
		h(out, "%s%s", i ? ", " : "", json_string_value(v));
}

static void html_codes(FILE *out, const json_t *doc)
{
	size_t i, n;
	struct code_count *cc = codes_by_count(doc, &n);

	h(out, "<h2>Finding codes</h2>\n<table id=\"codes\" class=\"sortable\">"
	  "<thead><tr><th>code</th><th>endpoints</th><th>targets</th></tr>"
	  "</thead><tbody>\n");
	for (i = 0; i < n; i++) {
		h(out, "<tr><td>%s</td><td data-v=\"%ld\">%ld</td><td>", cc[i].code,
		  cc[i].n, cc[i].n);
		html_list(out, json_object_get(json_object_get(doc, "code_targets"),
					       cc[i].code));
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
	free(cc);
}

static void html_names(FILE *out, const json_t *doc)
{
	const json_t *name, *a, *f;
	size_t i, j;

	h(out, "<h2>Routing map</h2>\n<table id=\"names\"><thead><tr><th>name"
	  "</th><th>address</th><th>verdict</th><th>certificate SHA-256</th>"
	  "<th>protocol and suites</th><th>server ID</th><th>seen from</th>"
	  "</tr></thead><tbody>\n");
	json_array_foreach(json_object_get(doc, "names"), i, name)
		json_array_foreach(json_object_get(name, "addresses"), j, a)
			h(out, "<tr data-differ=\"%s\"><td>%s</td><td>%s</td>"
			  "<td class=\"%s\">%s</td><td><code>%s</code></td><td>%s"
			  "</td><td>%s</td><td>%s</td></tr>\n",
			  json_is_true(json_object_get(name, "differ")) ? "true"
									: "false",
			  str(name, "target"), str(a, "address"), str(a, "verdict"),
			  str(a, "verdict"), str(a, "sha256"), str(a, "config"),
			  str(a, "unique_id"), str(a, "seen_from"));
	fputs("</tbody></table>\n", out);
	json_array_foreach(json_object_get(doc, "findings"), i, f)
		h(out, "<p class=\"finding\"><b>%s</b> %s<br>%s<br>fix: %s</p>\n",
		  str(f, "code"), str(f, "summary"), str(f, "detail"),
		  str(f, "fix"));
}

static void html_changes(FILE *out, const json_t *doc)
{
	static const char *const lists[] = {"added", "gone", "grades",
		"verdicts", "new_findings", "cleared_findings", "rotated"};
	const json_t *ch = json_object_get(doc, "changes"), *c;
	size_t i, j;

	if (ch == NULL)
		return;
	h(out, "<h2>Changes since the baseline</h2>\n<table id=\"changes\">"
	  "<thead><tr><th>change</th><th>endpoint</th><th>what</th></tr>"
	  "</thead><tbody>\n");
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		json_array_foreach(json_object_get(ch, lists[i]), j, c) {
			if (json_is_string(c))
				h(out, "<tr><td>%s</td><td>%s</td><td></td></tr>\n",
				  lists[i], json_string_value(c));
			else if (json_object_get(c, "code") != NULL)
				h(out, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>\n",
				  lists[i], str(c, "endpoint"), str(c, "code"));
			else
				h(out, "<tr><td>%s</td><td>%s</td><td>%s &#8594; %s"
				  "</td></tr>\n", lists[i], str(c, "endpoint"),
				  str(c, "from"), str(c, "to"));
		}
	fputs("</tbody></table>\n", out);
}

static void html_endpoints(FILE *out, const json_t *doc)
{
	const json_t *ep, *c;
	size_t i, j;

	h(out, "<h2>Endpoints</h2>\n<table id=\"endpoints\" class=\"sortable\">"
	  "<thead><tr><th>endpoint</th><th>address</th><th>verdict</th>"
	  "<th>grade</th><th>protocol and suites</th><th>certificate</th>"
	  "<th>not after</th><th>key</th><th>codes</th></tr></thead><tbody>\n");
	json_array_foreach(json_object_get(doc, "endpoints"), i, ep) {
		h(out, "<tr><td>%s</td><td>%s</td><td class=\"%s\">%s</td>"
		  "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>",
		  str(ep, "endpoint"), str(ep, "address"), str(ep, "verdict"),
		  str(ep, "verdict"), str(ep, "grade"), str(ep, "config"),
		  str(ep, "subject"), str(ep, "not_after"), str(ep, "key"));
		json_array_foreach(json_object_get(ep, "codes"), j, c)
			h(out, "%s%s", j ? " " : "", json_string_value(c));
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
}

void tp_summary_html(struct tp_summary *s, FILE *out)
{
	const json_t *doc = tp_summary_doc(s), *e;
	size_t i;

	if (doc == NULL)
		return;
	fputs(html_head, out);
	html_totals(out, doc);
	html_grades(out, doc);
	html_expiry(out, doc);
	html_codes(out, doc);
	html_names(out, doc);
	html_changes(out, doc);
	html_endpoints(out, doc);
	if (json_array_size(json_object_get(doc, "errors")) > 0)
		fputs("<h2>Lines the runs could not use</h2>\n<ul id=\"errors\">\n",
		      out);
	json_array_foreach(json_object_get(doc, "errors"), i, e)
		h(out, "<li>line %ld: %s: %s</li>\n", num(e, "line"),
		  str(e, "text"), str(e, "error"));
	if (json_array_size(json_object_get(doc, "errors")) > 0)
		fputs("</ul>\n", out);
	fputs(html_script, out);
	fputs("</body></html>\n", out);
}
