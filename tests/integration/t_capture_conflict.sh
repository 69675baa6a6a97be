#!/bin/sh
# tlsprobe client --capture against a server on loopback whose first
# segment is sent again with other bytes, injected on lo (injector.py,
# root): the copy is marked tcp_conflict in the packets; an unchanged
# copy is only a retransmission. The capture reads through the same
# check as tlsprobe pcap (tcpwin.c).
. "$(dirname "$0")/../lib.sh"

need_root t_capture_conflict

# run WHAT [same]: one client run against one injector; sets J and RC.
run() {
	J="$T/$1.json"
	python3 "$TOP/tests/integration/injector.py" ${2:-} >"$T/$1.inj" \
		2>"$T/$1.inj.err" &
	_pid=$!
	at_exit "kill $_pid 2>/dev/null"
	_port=
	for _i in $(seq 50); do
		_port=$(awk '/^ready/ {print $2}' "$T/$1.inj")
		[ -n "$_port" ] && break
		sleep 0.1
	done
	"$TP" client "127.0.0.1:$_port" --capture --json --no-sideband \
		--timeout 5 >"$J" 2>"$T/$1.err" </dev/null
	RC=$?
	wait $_pid 2>/dev/null
	check "$1: the copy was injected" grep -qx injected "$T/$1.inj"
}

# packets WHAT EXPR: a Python expression over the packets k (and the
# findings f, each code: [summary, detail]).
packets() {
	if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
k = d["packets"]
f = {x["code"]: [x["summary"], x["detail"] or ""] for x in d["findings"]}
sys.exit(0 if eval(sys.argv[2]) else 1)' "$J" "$2" 2>"$T/p.err"; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   false: $2; exit status $RC"
		tail -n 1 "$T/p.err" | sed 's/^/#   /'
		head -c 2000 "$J" | sed 's/^/#   /'
		echo
	fi
}

run "a copy that differs"
packets "a copy that differs: exactly one incoming 40-byte segment marked tcp_conflict, a retransmission" \
	"[(p['dir'], p['len'], p['retransmission']) for p in k if p['tcp_conflict']] == [('in', 40, True)]"
# the same proof as tlsprobe pcap's, so the same finding
packets "a copy that differs: TCP_OVERLAP_CONFLICT, naming the one segment" \
	"'TCP_OVERLAP_CONFLICT' in f and f['TCP_OVERLAP_CONFLICT'][0].startswith('1 TLS connection carried') and '1 segment of this connection' in f['TCP_OVERLAP_CONFLICT'][1]"

run "an unchanged copy" same
packets "an unchanged copy: a retransmission, no packet marked tcp_conflict" \
	"not any(p['tcp_conflict'] for p in k) and [p['len'] for p in k if p['retransmission']] == [40]"
packets "an unchanged copy: no TCP_OVERLAP_CONFLICT" \
	"'TCP_OVERLAP_CONFLICT' not in f"
