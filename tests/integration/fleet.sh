# Helpers for the tests of target lists (client --targets, fleet.sh):
# the endpoints fleet_server.py serves and the records of a JSON Lines
# run. Source it after servers.sh:
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
