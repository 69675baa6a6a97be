# Helpers for the tests of target lists (client and ciphers --targets,
# fleet.sh, summary): the endpoints fleet_server.py serves, the records
# of a JSON Lines run and the check that each line is whole, a run in
# the background awaited, a network namespace of the test's own.
# Source it after servers.sh:
#   . "$TOP/tests/integration/servers.sh"
#   . "$TOP/tests/integration/fleet.sh"

# endpoint ADDRESS CERT [DELAY]: one endpoint argument of
# fleet_server.py, serving $PKI/CERT.pem with its key at ADDRESS
endpoint() { echo "$1=$PKI/$2.pem,$PKI/$2.key${3:+,$3}"; }

# records FILE [FROM]: "KEY<TAB>VERDICT<TAB>CODES" a record, sorted; KEY
# is the resume key's fields ("HOST:PORT sni=SNI @ADDRESS"); "line N
# <TAB>error<TAB>TEXT" for a bad line. FROM, if given, gets each
# record's source address (its tcp stage's local address), sorted and
# unique. Fails on a line that is not one JSON object.
records() {
	python3 - "$1" ${2:+"$2"} <<'EOF'
import json, sys
out, src = [], []
for n, raw in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    d = json.loads(raw)
    assert isinstance(d, dict), "line %d is no object" % n
    t = d["target"]
    if "error" in d:
        out.append("line %d\terror\t%s" % (t["line"], t["text"]))
        continue
    a = t["addresses"][0] if t["addresses"] else ""
    key = "%s:%d sni=%s @%s" % (t["host"], t["port"], t["sni"], a)
    codes = " ".join(sorted(f["code"] for f in d["findings"]))
    out.append("%s\t%s\t%s" % (key, d["verdict"], codes))
    if len(sys.argv) > 2:
        for s in d["stages"]:
            if s["name"] == "tcp" and s.get("local"):
                src.append(s["local"].rsplit(":", 1)[0])
print("\n".join(sorted(out)))
if len(sys.argv) > 2:
    open(sys.argv[2], "w").write("\n".join(sorted(set(src))) + "\n")
EOF
}

# verdict_codes FILE: "VERDICT<TAB>CODES" of the single-target report in
# FILE, as records writes them, to compare a record with a run alone
verdict_codes() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["verdict"] + "\t" + " ".join(sorted(f["code"] for f in d["findings"])))' "$1"
}

# each_line_json NAME OUT PARSER FILE [ARGS]: one TAP line NAME: PARSER
# (records, or a test's own reader) took every line of FILE as one JSON
# object; what it printed goes to OUT, and what it said when it did not
# to the diagnostics
each_line_json() {
	_ej_name=$1 _ej_out=$2
	shift 2
	if "$@" >"$_ej_out" 2>"$_ej_out.py"; then
		ok "$_ej_name"
	else
		not_ok "$_ej_name"
		sed 's/^/#   /' "$_ej_out.py"
	fi
}

# own_netns NS: a network namespace NS of our own, its lo up, with an
# /etc/netns/NS for the hosts and resolver files only it reads; both go
# at exit. Fails, NETNS_ERR saying why, when ip netns add does.
own_netns() {
	if ! ip netns add "$1" 2>"$T/netns.err"; then
		NETNS_ERR="ip netns add: $(head -n 1 "$T/netns.err")"
		return 1
	fi
	at_exit "ip netns del $1 2>/dev/null; rm -rf /etc/netns/$1"
	ip netns exec "$1" ip link set lo up
	mkdir -p "/etc/netns/$1"
}

# await_lines FILE N TRIES SECS: until FILE has N lines or more (a run
# in the background has written that many records), looking at most
# TRIES times, SECS apart
await_lines() {
	_al_i=0
	while [ "$_al_i" -lt "$3" ] &&
	      [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ]; do
		sleep "$4"
		_al_i=$((_al_i + 1))
	done
}
