#!/bin/sh
# tlsprobe pcap on TCP segments that overlap (mkoverlap.py, no network):
# when the two copies of the overlap differ, the first copy is the one
# read (the ClientHello's server name, the ServerHello's cipher suite)
# and the run reports TCP_OVERLAP_CONFLICT naming the connection, the
# direction, the relative sequence number and the bytes that differed,
# with tcp_conflicts on the handshake; the same overlap with the same
# bytes (a retransmission) reports nothing.
. "$(dirname "$0")/../lib.sh"

MK="$TOP/tests/integration/mkoverlap.py"
CONN="100.64.0.2:40000 -> 198.51.100.1:443"

# run MODE: makes the capture, runs pcap --json and pcap (text); sets
# J (the JSON file), TXT, RC and AT (the relative seq that differs).
run() {
	AT=$(python3 "$MK" "$1" "$T/$1.pcap")
	J="$T/$1.json" TXT="$T/$1.txt"
	"$TP" pcap --json "$T/$1.pcap" >"$J" 2>"$T/$1.err" </dev/null
	RC=$?
	"$TP" pcap --no-color "$T/$1.pcap" >"$TXT" 2>>"$T/$1.err" </dev/null
}

# jtrue WHAT EXPR [WHAT EXPR...]: Python expressions over the report d
# (h: the one handshake, f: the findings), one TAP line each, from one
# python3 (it is slow to start on a busy machine).
jtrue() {
	python3 - "$J" "$@" >"$T/jtrue.out" 2>&1 <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    h = d["handshakes"][0] if len(d["handshakes"]) == 1 else None
    f = d["findings"]
except Exception as e:
    d, h, f = {"unreadable": str(e)}, None, []
args = sys.argv[2:]
for what, expr in zip(args[0::2], args[1::2]):
    try:
        good = bool(eval(expr))
    except Exception as e:
        good = False
    print("1" if good else "0", what)
    if not good:
        print("#   false:", expr)
        print("#  ", json.dumps(d)[:1500])
PY
	while IFS= read -r _line; do
		case $_line in
		"1 "*) ok "${_line#1 }" ;;
		"0 "*) not_ok "${_line#0 }" ;;
		*) echo "$_line" ;;
		esac
	done <"$T/jtrue.out"
}

for side in client server; do
	run $side-conflict
	if [ $side = client ]; then
		bytes=5 first='h["sni"] == "first.example"'
	else
		bytes=1
		first='h["cipher"] == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"'
	fi
	check "$side overlap that differs: exit 0 (a warning)" [ "$RC" -eq 0 ]
	jtrue "$side overlap that differs: the first copy is read, the handshake established" \
		"h is not None and $first and h['outcome'] == 'established'" \
		"$side overlap that differs: tcp_conflicts 1" "h['tcp_conflicts'] == 1" \
		"$side overlap that differs: exactly one finding, TCP_OVERLAP_CONFLICT, a warning on the path" \
		"[(x['code'], x['severity'], x['side']) for x in f] == [('TCP_OVERLAP_CONFLICT', 'warning', 'path')]" \
		"$side overlap that differs: the detail names the connection, the $side's stream, relative seq $AT and $bytes bytes" \
		"'$CONN' in f[0]['detail'] and '$bytes byte' in f[0]['detail'] and \"the $side's stream at relative seq $AT \" in f[0]['detail']"
	check "$side overlap that differs: the text names TCP_OVERLAP_CONFLICT and the handshake's tcp-conflicts" \
		sh -c "grep -q 'TCP_OVERLAP_CONFLICT' '$TXT' && grep -q 'tcp-conflicts 1' '$TXT'"

	run $side-same
	check "$side overlap with the same bytes: exit 0" [ "$RC" -eq 0 ]
	jtrue "$side overlap with the same bytes: no finding, tcp_conflicts 0, established" \
		"f == [] and h['tcp_conflicts'] == 0 and h['outcome'] == 'established'"
	check "$side overlap with the same bytes: the text says nothing of it" \
		sh -c "! grep -q 'TCP_OVERLAP_CONFLICT\|tcp-conflicts' '$TXT'"
done

# the second segment arrives first: it is the first copy
run client-late
jtrue "late in-order segment: the copy held out of order is read, the conflict reported" \
	"h['sni'] == 'evil!.example' and h['tcp_conflicts'] == 1 and [x['code'] for x in f] == ['TCP_OVERLAP_CONFLICT']"
