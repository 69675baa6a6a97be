#!/bin/sh
# The targets reader on a long list: LINES generated lines (names with
# ports, addresses, SNI and STARTTLS words, comments, a bad line in
# every thousand) are read to the end by bench/targets_count.c; prints
# its wall time and peak RSS (GNU time), which must not grow with the
# list: the reader streams it. The list is removed on exit.
# Not part of make check.
#   sh bench/targets.sh [LINES]   (default 10000000; needs a built
#   build/std/libtlsprobe.a, /usr/bin/time and python3)
set -u
LINES=${1:-10000000}
case "$LINES" in *[!0-9]*|"") echo "usage: sh bench/targets.sh [LINES]" >&2; exit 2 ;; esac
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tlsprobe-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
PKGS="gnutls libpcap ncursesw jansson libidn2"
# the library's allocations go through src/alloc.c, as in the Makefile
WRAP=$(for f in malloc calloc realloc reallocarray strdup strndup asprintf \
	vasprintf open_memstream; do printf ' -Wl,--wrap=%s' "$f"; done)
cc -std=c11 -O2 -D_GNU_SOURCE -I"$top/src" $(pkg-config --cflags $PKGS) \
	-o "$work/targets_count" "$top/bench/targets_count.c" \
	"$top/build/std/libtlsprobe.a" $WRAP $(pkg-config --libs $PKGS) -lm \
	-lpthread || exit 1
python3 - "$LINES" >"$work/list" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout
forms = ("host%d.example.test", "host%d.example.test:8443",
         "10.%d.%d.%d", "[2001:db8::%x:%x]:4433",
         "mail%d.example.test starttls=smtp",
         "web%d.example.test sni=www.example.test # front")
buf = []
for i in range(n):
    k = i % 7
    if i % 1000 == 999:
        buf.append("bad line %d:99999" % i)
    elif k == 2:
        buf.append(forms[2] % ((i >> 16) & 255, (i >> 8) & 255, i & 255))
    elif k == 3:
        buf.append(forms[3] % (i >> 16, i & 0xffff))
    elif k == 6:
        buf.append("# comment %d" % i)
    else:
        buf.append(forms[k] % i)
    if len(buf) == 100000:
        out.write("\n".join(buf) + "\n")
        buf = []
if buf:
    out.write("\n".join(buf) + "\n")
PY
echo "list: $LINES lines, $(du -m "$work/list" | cut -f1) MB"
/usr/bin/time -v "$work/targets_count" "$work/list" 2>"$work/time" || { cat "$work/time"; exit 1; }
grep -E 'Elapsed|Maximum resident' "$work/time" | sed 's/^[ \t]*//'
