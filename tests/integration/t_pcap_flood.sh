#!/bin/sh
# tlsprobe pcap on hostile files, made without any network
# (mkflood.py): 200,000 half-open flows with --max-flows 1000 (SYNs only,
# and ClientHellos never answered) must finish, say how many flows were
# evicted, and stay under 64 MB of resident memory; so must 70,000 SMTP
# sessions that never upgrade nor close, each watched for its STARTTLS
# with the default 32,768 flows followed at once; a file that is not a
# capture, and an empty one, are refused with exit 2 and one line.
. "$(dirname "$0")/../lib.sh"

MKFLOOD="$TOP/tests/integration/mkflood.py"
FLOWS=200000
MAX_FLOWS=1000
RSS_LIMIT_KB=$((64 * 1024))
# Under AddressSanitizer freed memory waits in a quarantine and every
# byte has shadow bytes: the bound that matters is the plain build's;
# the sanitizer build keeps the quarantine small and gets a looser one,
# still far under what keeping every handshake would take.
case "$BIN" in
*/san/*)
	RSS_LIMIT_KB=$((128 * 1024))
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
	export ASAN_OPTIONS
	;;
esac
# a run that outlives this is a hang
LIMIT=60

# run_rss NAME ARGS...: tlsprobe pcap --json ARGS; sets PJSON, PERR, PRC
# and RSS_KB (the run's peak resident set, from the kernel's rusage).
run_rss() {
	_n=$1
	shift
	PJSON="$T/$_n.json" PERR="$T/$_n.err"
	RSS_KB=$(python3 - "$LIMIT" "$PJSON" "$PERR" "$TP" pcap --json "$@" <<'EOF'
import resource, subprocess, sys
limit, out, err, cmd = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
with open(out, "wb") as o, open(err, "wb") as e:
    try:
        rc = subprocess.run(cmd, stdout=o, stderr=e, stdin=subprocess.DEVNULL,
                            timeout=limit).returncode
    except subprocess.TimeoutExpired:
        rc = 124
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)
EOF
)
	PRC=${RSS_KB#* }
	RSS_KB=${RSS_KB% *}
}

# jcheck WHAT EXPR: the Python expression over the last report d holds.
jcheck() {
	if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d.get("summary") or {}
hs = d.get("handshakes") or []
sys.exit(0 if eval(sys.argv[2]) else 1)' "$PJSON" "$2" 2>"$T/jcheck.err"; then
		ok "$1"
		return
	fi
	not_ok "$1"
	echo "#   false: $2"
	tail -n 1 "$T/jcheck.err" | sed 's/^/#   /'
	echo "#   exit status $PRC; stderr: $(head -c 300 "$PERR")"
	json_get "$PJSON" 'd.get("summary")' 2>/dev/null | head -c 600 | sed 's/^/#   summary: /'
	echo
}

# ---- 200,000 SYNs, never answered ----

python3 "$MKFLOOD" syn $FLOWS "$T/syn.pcap"
run_rss syn "$T/syn.pcap" --max-flows $MAX_FLOWS
echo "# SYN flood: exit status $PRC, peak RSS $RSS_KB kB"
check "syn flood: finishes with a report (exit status $PRC)" \
	[ "$PRC" -eq 0 -o "$PRC" -eq 1 ]
jcheck "syn flood: $FLOWS flows counted" "s['flows'] == $FLOWS"
jcheck "syn flood: at least $((FLOWS - MAX_FLOWS)) flows reported evicted" \
	"s['evicted'] >= $((FLOWS - MAX_FLOWS))"
jcheck "syn flood: no TLS connection listed" "hs == [] and s['tls_flows'] == 0"
check "syn flood: peak RSS $RSS_KB kB under $RSS_LIMIT_KB kB" \
	[ "$RSS_KB" -lt $RSS_LIMIT_KB ]

# ---- 200,000 ClientHellos, never answered ----

python3 "$MKFLOOD" hello $FLOWS "$T/hello.pcap"
# what Wireshark computes for that ClientHello
JA3=024fd653000c8004192a0d920103560c
if command -v tshark >/dev/null 2>&1; then
	python3 "$MKFLOOD" hello 1 "$T/hello1.pcap"
	JA3=$(tshark -r "$T/hello1.pcap" -Y 'tls.handshake.type == 1' -T fields \
		-e tls.handshake.ja3 2>/dev/null)
fi
run_rss hello "$T/hello.pcap" --max-flows $MAX_FLOWS
echo "# ClientHello flood: exit status $PRC, peak RSS $RSS_KB kB"
check "hello flood: finishes with a report (exit status $PRC)" \
	[ "$PRC" -eq 0 -o "$PRC" -eq 1 ]
jcheck "hello flood: $FLOWS flows, at least $((FLOWS - MAX_FLOWS)) evicted" \
	"s['flows'] == $FLOWS and s['evicted'] >= $((FLOWS - MAX_FLOWS))"
jcheck "hello flood: every connection listed, incomplete, SNI flood.test, JA3 $JA3" \
	"len(hs) == $FLOWS and all(h['outcome'] == 'incomplete' and h['sni'] == 'flood.test' and h['ja3'] == '$JA3' and h['version'] is None for h in hs)"
check "hello flood: peak RSS $RSS_KB kB under $RSS_LIMIT_KB kB" \
	[ "$RSS_KB" -lt $RSS_LIMIT_KB ]

# ---- 70,000 plaintext SMTP sessions, never upgraded, never closed ----

SMTP_FLOWS=70000
python3 "$MKFLOOD" smtp $SMTP_FLOWS "$T/smtp.pcap"
run_rss smtp "$T/smtp.pcap"
echo "# SMTP flood: exit status $PRC, peak RSS $RSS_KB kB"
check "smtp flood: finishes with a report (exit status $PRC)" \
	[ "$PRC" -eq 0 ]
jcheck "smtp flood: $SMTP_FLOWS flows, $((SMTP_FLOWS - 32768)) evicted beyond the 32768 followed" \
	"s['flows'] == $SMTP_FLOWS and s['evicted'] == $((SMTP_FLOWS - 32768))"
jcheck "smtp flood: nothing listed, no upgrade counted, no byte held" \
	"hs == [] and s['tls_flows'] == 0 and s['starttls'] == {} and s['starttls_refused'] == 0 and s['peak_buffer'] == 0"
check "smtp flood: peak RSS $RSS_KB kB under $RSS_LIMIT_KB kB" \
	[ "$RSS_KB" -lt $RSS_LIMIT_KB ]

# ---- not a capture ----

# refused WHAT FILE: exit 2, nothing on stdout, one line on stderr that
# names the file.
refused() {
	"$TP" pcap --json "$2" >"$T/refused.out" 2>"$T/refused.err" </dev/null
	_rc=$?
	_lines=$(wc -l <"$T/refused.err")
	if [ "$_rc" -eq 2 ] && [ "$_lines" -eq 1 ] && [ ! -s "$T/refused.out" ] &&
	   grep -qF "$(basename "$2")" "$T/refused.err"; then
		ok "$1: exit 2, one line naming the file"
	else
		not_ok "$1: exit 2, one line naming the file"
		echo "#   exit status $_rc, $_lines lines on stderr, $(wc -c <"$T/refused.out") bytes on stdout"
		head -n 5 "$T/refused.err" | sed 's/^/#   stderr: /'
	fi
}

python3 -c '
import random, sys
random.seed(7)
sys.stdout.buffer.write(bytes(random.randrange(256) for _ in range(4096)))' >"$T/garbage.bin"
refused "a garbage file" "$T/garbage.bin"
: >"$T/empty.pcap"
refused "an empty file" "$T/empty.pcap"
refused "a missing file" "$T/no-such-file.pcap"
