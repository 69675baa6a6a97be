/*
 * tlsprobe - TLS connectivity diagnostics.
 * Copyright (C) 2026 the tlsprobe authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drawing helpers: width-bounded text, wrapping, rules, colours, and the
 * line-drawing glyphs with their ASCII fallback.
 */
#include <ctype.h>
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ui.h"

static bool use_color;

static const struct ui_glyphs utf8_glyphs = {
	"\u2502", "\u2500", "\u25b6", "\u25c0", "\u251c\u2500", "\u2514\u2500",
	"\u2713", "\u2717", "!", "\u2588", "\u2591", "\u253c",
};

static const struct ui_glyphs ascii_glyphs = {
	"|", "-", ">", "<", "|-", "`-", "+", "x", "!", "#", ".", "+",
};

static const struct ui_glyphs *glyphs = &ascii_glyphs;

void ui_draw_init(bool color, bool utf8)
{
	use_color = color;
	glyphs = utf8 ? &utf8_glyphs : &ascii_glyphs;
	if (!color)
		return;
	start_color();
	use_default_colors();
	init_pair(UI_C_RED, COLOR_RED, -1);
	init_pair(UI_C_GREEN, COLOR_GREEN, -1);
	init_pair(UI_C_YELLOW, COLOR_YELLOW, -1);
	init_pair(UI_C_CYAN, COLOR_CYAN, -1);
	init_pair(UI_C_BAR, COLOR_BLACK, COLOR_CYAN);
	init_pair(UI_C_DIM, COLOR_BLUE, -1);
}

const struct ui_glyphs *ui_glyphs(void)
{
	return glyphs;
}

int ui_attr(enum ui_color c)
{
	if (c == UI_C_NONE)
		return A_NORMAL;
	if (!use_color) {
		/* without colour, only what matters stands out */
		switch (c) {
		case UI_C_RED: return A_BOLD;
		case UI_C_BAR: return A_REVERSE;
		case UI_C_DIM: return A_DIM;
		default: return A_NORMAL;
		}
	}
	if (c == UI_C_RED)
		return COLOR_PAIR(c) | A_BOLD;
	return COLOR_PAIR(c);
}

int ui_verdict_attr(enum tp_verdict v)
{
	return ui_attr(v == TP_VERDICT_FAIL ? UI_C_RED : v == TP_VERDICT_WARN
		       ? UI_C_YELLOW : UI_C_GREEN);
}

int ui_severity_attr(enum tp_severity s)
{
	return ui_attr(s == TP_SEV_ERROR ? UI_C_RED : s == TP_SEV_WARNING
		       ? UI_C_YELLOW : UI_C_DIM);
}

int ui_grade_attr(char grade)
{
	switch (grade) {
	case 'A': return ui_attr(UI_C_GREEN);
	case 'B': return ui_attr(UI_C_CYAN);
	case 'C': return ui_attr(UI_C_YELLOW);
	case 0: return A_NORMAL;
	default: return ui_attr(UI_C_RED);
	}
}

const char *ui_verdict_word(enum tp_verdict v)
{
	return v == TP_VERDICT_FAIL ? "FAIL" : v == TP_VERDICT_WARN ? "WARN"
								     : "PASS";
}

const char *ui_stage_word(enum tp_stage_status s)
{
	return s == TP_STAGE_OK ? "ok" : s == TP_STAGE_FAIL ? "FAIL"
							   : "skipped";
}

/* The mark a cut text ends with: one column, so that it takes the place
 * of the last character kept. */
static wchar_t cut_mark(void)
{
	return glyphs == &utf8_glyphs ? (wchar_t)0x2026 : L'~';
}

/*
 * Decodes s into printable wide characters fitting w columns. Strings of
 * the report model are sanitised already; this is the last guard before
 * curses: control characters, bidi and invisible characters and
 * undecodable bytes become '?'. A text that does not fit, or that goes
 * on elsewhere (more), ends with the cut mark, never at a character
 * that would make the part shown pass for the whole: a suite name cut
 * to TLS_..._SHA25 reads as another valid-looking name.
 */
static size_t fit(const char *s, int w, bool more, wchar_t *out, size_t cap,
		  int *cols)
{
	mbstate_t st;
	size_t n = 0, len = strlen(s), k;
	int used = 0, cw;
	wchar_t wc;

	memset(&st, 0, sizeof(st));
	while (len > 0 && n + 2 < cap) {
		k = mbrtowc(&wc, s, len, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof(st));
			wc = L'?';
			k = 1;
		}
		cw = wcwidth(wc);
		/* bidi controls and invisible characters too: they have no
		 * width, yet reorder or hide the text around them */
		if (cw < 0 || tp_sanitize_hides((uint32_t)wc)) {
			wc = L'?';
			cw = 1;
		}
		if (used + cw > w)
			break;
		out[n++] = wc;
		used += cw;
		s += k;
		len -= k;
	}
	if ((len > 0 || more) && w > 0) {
		/* make room for the mark: drop whole characters */
		while (n > 0 && used + 1 > w) {
			cw = wcwidth(out[--n]);
			used -= cw > 0 ? cw : 0;
		}
		out[n++] = cut_mark();
		used++;
	}
	out[n] = 0;
	*cols = used;
	return n;
}

/* ui_text, and more says that the text goes on past s. */
static int text_at(int y, int x, int w, int attr, const char *s, bool more)
{
	wchar_t buf[512];
	size_t n;
	int cols;

	if (w <= 0 || s == NULL || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	n = fit(s, w, more, buf, sizeof(buf) / sizeof(buf[0]), &cols);
	if (n == 0)
		return 0;
	attron(attr);
	mvaddnwstr(y, x, buf, (int)n);
	attroff(attr);
	return cols;
}

int ui_text(int y, int x, int w, int attr, const char *s)
{
	return text_at(y, x, w, attr, s, false);
}

const char *ui_cut_mark(void)
{
	return glyphs == &utf8_glyphs ? "\u2026" : "~";
}

int ui_textf(int y, int x, int w, int attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf)) {
		/* vsnprintf cut it wherever: at a whole character, marked */
		buf[tp_utf8_prefix(buf, sizeof(buf) - 1)] = '\0';
		return text_at(y, x, w, attr, buf, true);
	}
	return text_at(y, x, w, attr, buf, false);
}

/* Columns of the first n bytes of s. */
static int width_of(const char *s, size_t n)
{
	wchar_t buf[512];
	char tmp[1024];
	int cols;

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	fit(tmp, 1 << 20, false, buf, sizeof(buf) / sizeof(buf[0]), &cols);
	return cols;
}

/* The bytes of the next line of s that fit w columns, breaking at a
 * space when there is one; *next is where the line after starts. */
static size_t next_line(const char *s, int w, const char **next)
{
	size_t len = strlen(s), lo = 0, hi, best_space = 0, i;

	hi = len;
	/* longest prefix that fits (widths grow with length) */
	while (lo < hi) {
		size_t mid = (lo + hi + 1) / 2;

		if (width_of(s, mid) <= w)
			lo = mid;
		else
			hi = mid - 1;
	}
	if (lo == len) {
		*next = s + len;
		return len;
	}
	for (i = lo; i > 0; i--)
		if (s[i] == ' ') {
			best_space = i;
			break;
		}
	if (best_space > 0) {
		*next = s + best_space + 1;
		return best_space;
	}
	/* step back to the start of a UTF-8 character */
	while (lo > 0 && ((unsigned char)s[lo] & 0xc0) == 0x80)
		lo--;
	if (lo == 0)
		lo = 1;
	*next = s + lo;
	return lo;
}

static int wrap(int y, int x, int w, int max_lines, int skip, int attr,
		const char *s, bool draw)
{
	char line[1024];
	const char *next;
	int n = 0, shown = 0;
	size_t k;

	if (s == NULL || w <= 0)
		return 0;
	while (*s != '\0' && (!draw || shown < max_lines)) {
		const char *nl = strchr(s, '\n');
		size_t seg = nl ? (size_t)(nl - s) : strlen(s);
		char part[1024];
		const char *p;

		if (seg >= sizeof(part))
			seg = tp_utf8_prefix(s, sizeof(part) - 1);
		memcpy(part, s, seg);
		part[seg] = '\0';
		p = part;
		do {
			k = next_line(p, w, &next);
			if (k >= sizeof(line))
				k = tp_utf8_prefix(p, sizeof(line) - 1);
			memcpy(line, p, k);
			line[k] = '\0';
			/* the last row there is room for says that the text
			 * goes on below it */
			if (draw && n >= skip && shown < max_lines) {
				bool more = shown + 1 == max_lines &&
					(*next != '\0' || (nl != NULL &&
							   nl[1] != '\0'));

				text_at(y + shown++, x, w, attr, line, more);
			}
			n++;
			p = next;
		} while (*p != '\0' && (!draw || shown < max_lines));
		s = nl ? nl + 1 : s + strlen(s);
	}
	return draw ? shown : n;
}

int ui_wrap(int y, int x, int w, int max_lines, int skip, int attr,
	    const char *s)
{
	return wrap(y, x, w, max_lines, skip, attr, s, true);
}

int ui_wrap_count(int w, const char *s)
{
	return wrap(0, 0, w, 0, 0, 0, s, false);
}

void ui_hline(int y, int x, int w, const char *title, bool focused)
{
	int i, used = 0;

	if (y < 0 || y >= LINES)
		return;
	attron(ui_attr(UI_C_DIM));
	for (i = 0; i < w; i++)
		ui_text(y, x + i, 1, 0, glyphs->hl);
	attroff(ui_attr(UI_C_DIM));
	if (title != NULL) {
		used = ui_text(y, x + 1, w - 2, focused ? A_BOLD | A_REVERSE
			       : A_BOLD, " ");
		ui_text(y, x + 1 + used, w - 3, focused ? A_BOLD | A_REVERSE
			: A_BOLD, title);
		ui_text(y, x + 1 + used + (int)strlen(title), 1,
			focused ? A_BOLD | A_REVERSE : A_BOLD, " ");
	}
}

void ui_vline(int y, int x, int h)
{
	int i;

	for (i = 0; i < h; i++)
		ui_text(y + i, x, 1, ui_attr(UI_C_DIM), glyphs->vl);
}

bool ui_match(const char *filter, const char *s)
{
	size_t n = strlen(filter), i;

	if (n == 0)
		return true;
	if (s == NULL)
		return false;
	for (; *s != '\0'; s++) {
		for (i = 0; i < n && s[i] != '\0'; i++)
			if (tolower((unsigned char)s[i]) !=
			    tolower((unsigned char)filter[i]))
				break;
		if (i == n)
			return true;
	}
	return false;
}

void ui_clamp(int *sel, int *top, int n, int h)
{
	if (*sel >= n)
		*sel = n - 1;
	if (*sel < 0)
		*sel = 0;
	if (h < 1)
		h = 1;
	if (*top > *sel)
		*top = *sel;
	if (*sel >= *top + h)
		*top = *sel - h + 1;
	if (*top < 0)
		*top = 0;
}
