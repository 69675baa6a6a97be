#!/bin/sh
# tlsprobe summary over the JSON Lines of real client --targets runs
# against loopback endpoints: the exact counts, codes, expiring and
# shared certificates, shards and stdin, malformed and torn lines, a
# missing file, a baseline diff after one endpoint's certificate
# changed, and the HTML page loaded in a real browser (chromium,
# headless: no console error, the numbers on the page equal the JSON's,
# the table sorts). As root, the routing map of names resolved inside a
# network namespace of our own (its /etc/netns hosts file, never the
# machine's resolver): one name whose two addresses reach different
# certificates (ADDRESSES_DIFFER), one whose two agree, and one answered
# by a tlsprobe server (its unique ID, the address it saw us come from).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/fleet.sh"

make_pki ca1.pem server-ec.pem server-expired.pem server-ca2.pem server.pem
cd "$T" || exit 1
FLEET_SERVER="$TOP/tests/integration/fleet_server.py"
C="--ca $PKI/ca1.pem --timeout 5"
tpc() { timeout -k 2 60 "$TP" client "$@"; }
# a fixed now: two summaries of the same records are the same bytes
tps() { timeout -k 2 60 "$TP" summary --now 2026-12-01T00:00:00Z "$@"; }
sha() { openssl x509 -in "$PKI/$1.pem" -noout -fingerprint -sha256 |
	sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
SHA_EC=$(sha server-ec)
SHA_RSA=$(sha server)
SHA_OLD=$(sha server-expired)
# the SHA-256 of a certificate's SubjectPublicKeyInfo
key_sha() { openssl x509 -in "$PKI/$1.pem" -noout -pubkey |
	openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1; }
KEY_EC=$(key_sha server-ec)

# ---- the first run: 4 endpoints, a closed port, a bad line ----
start_ready fleet python3 "$FLEET_SERVER" --log "$T/conns.log" \
	"$(endpoint 127.0.8.1 server-ec)" "$(endpoint 127.0.8.2 server-ec)" \
	"$(endpoint 127.0.8.3 server-expired)" \
	"$(endpoint 127.0.8.4 server-ca2)" || exit 1
PORT=$READY_PORT FLEET_PID=$READY_PID
{
	for i in 1 2 3 4; do echo "127.0.8.$i:$PORT sni=server.test"; done
	echo "127.0.8.5:$PORT"
	echo "not a target!!"
} >list1
tpc --targets list1 $C --json >run1.jsonl 2>/dev/null
check "the first run wrote 6 records" [ "$(wc -l <run1.jsonl)" -eq 6 ]

tps --json run1.jsonl >s1.json 2>s1.err
RC=$?
check "failures in the records: exit 1" [ "$RC" -eq 1 ]
check "well-formed records: nothing on stderr" [ ! -s s1.err ]
# expect_py NAME FILE EXPR: a Python check over the document d
expect_py() {
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); codes=d.get("codes", {}); assert eval(sys.argv[2]), sys.argv[2]' \
		"$2" "$3" 2>"$T/py.err"; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/#   /' "$T/py.err"
	fi
}
expect_py "the counts: 6 records, 2 pass, 3 fail, 1 error" s1.json \
	"d['command'] == 'summary' and d['records'] == 6 and d['verdicts'] == {'pass': 2, 'warn': 0, 'fail': 3, 'error': 1}"
expect_py "the codes, each once" s1.json \
	"codes == {'CERT_EXPIRED': 1, 'UNKNOWN_CA': 1, 'TCP_REFUSED': 1}"
expect_py "each code names its endpoint" s1.json \
	"d['code_targets']['UNKNOWN_CA'] == ['127.0.8.4:$PORT@127.0.8.4'] and d['code_targets']['TCP_REFUSED'] == ['127.0.8.5:$PORT@127.0.8.5']"
expect_py "the error record, with its line" s1.json \
	"[(e['line'], e['text']) for e in d['errors']] == [(6, 'not a target!!')]"
expect_py "expiring: the expired certificate, and only it" s1.json \
	"[(e['sha256'], e['expired'], e['endpoints']) for e in d['expiring']] == [('$SHA_OLD', True, ['127.0.8.3:$PORT@127.0.8.3'])]"
expect_py "the same certificate on two endpoints" s1.json \
	"[(c['sha256'], c['endpoints']) for c in d['shared_certificates']] == [('$SHA_EC', ['127.0.8.1:$PORT@127.0.8.1', '127.0.8.2:$PORT@127.0.8.2'])]"
expect_py "the same key on two endpoints, under one certificate" s1.json \
	"[(k['key_sha256'], k['certificates'], k['endpoints']) for k in d['shared_keys']] == [('$KEY_EC', ['$SHA_EC'], ['127.0.8.1:$PORT@127.0.8.1', '127.0.8.2:$PORT@127.0.8.2'])]"
expect_py "addresses are no names: an empty routing map" s1.json \
	"d['names'] == [] and d['findings'] == []"

tps --no-color run1.jsonl >s1.txt 2>/dev/null
check "text: the totals line" \
	grep -q '^6 records: 2 pass, 0 warn, 3 fail, 1 error$' s1.txt
check "text: a code with its endpoint" \
	grep -Eq "^  UNKNOWN_CA +1  127\.0\.8\.4:$PORT@127\.0\.8\.4$" s1.txt
check "text: no colour when not a terminal" sh -c "! grep -q '$(printf '\033')' s1.txt"

# ---- stdin, shards, several files ----
tps --json - <run1.jsonl >stdin.json 2>/dev/null
check "stdin: the same summary" cmp -s s1.json stdin.json
tpc --targets list1 $C --json --shard 1/2 >shard1.jsonl 2>/dev/null
tpc --targets list1 $C --json --shard 2/2 >shard2.jsonl 2>/dev/null
tps --json shard1.jsonl shard2.jsonl >shards.json 2>/dev/null
expect_py "two shards summed: the counts of the whole" shards.json \
	"d['records'] == 6 and d['verdicts'] == {'pass': 2, 'warn': 0, 'fail': 3, 'error': 1} and len(d['endpoints']) == 5"

# ---- malformed lines, a torn last line, a flood, a missing file ----
{
	head -n 2 run1.jsonl
	echo "garbage"
	echo '[1, 2]'
	echo '{"tool": "other"}'
	printf '{"tool":"tlsprobe","command":"client","target":{"ho'
} >bad.jsonl
tps --json bad.jsonl >bad.json 2>bad.err
RC=$?
check "malformed lines: exit 1" [ "$RC" -eq 1 ]
check "... each on stderr as FILE:LINE with the reason" sh -c "
	grep -q '^tlsprobe summary: bad.jsonl:3: not JSON' bad.err &&
	grep -q '^tlsprobe summary: bad.jsonl:4: not a JSON object' bad.err &&
	grep -q '^tlsprobe summary: bad.jsonl:5: not a tlsprobe record' bad.err &&
	grep -q '^tlsprobe summary: bad.jsonl:6: the last line is cut short' bad.err &&
	[ \$(wc -l <bad.err) -eq 4 ]"
expect_py "... counted, and the good records summarised" bad.json \
	"d['malformed'] == 4 and d['records'] == 2"
i=0
while [ $i -lt 40 ]; do echo "junk $i"; i=$((i + 1)); done >flood.jsonl
tps flood.jsonl >/dev/null 2>flood.err
check "a flood: the first 10 lines, then a count" sh -c "
	[ \$(wc -l <flood.err) -eq 11 ] &&
	tail -n 1 flood.err | grep -q 'and 30 more malformed lines'"
tps run1.jsonl "$T/no-such.jsonl" >missing.out 2>missing.err
RC=$?
check "a missing file: exit 2, one line naming it, nothing else" sh -c "
	[ $RC -eq 2 ] && [ ! -s missing.out ] && [ \$(wc -l <missing.err) -eq 1 ] &&
	grep -q 'no-such.jsonl' missing.err"
tps --days x run1.jsonl >/dev/null 2>&1
check "--days x: exit 2" [ $? -eq 2 ]

# ---- the second run: one certificate changed, one endpoint gone, one
# new; the same port, so that the endpoints are the same ----
kill "$FLEET_PID" 2>/dev/null
wait "$FLEET_PID" 2>/dev/null
start_ready fleet2 python3 "$FLEET_SERVER" --log "$T/conns.log" --port "$PORT" \
	"$(endpoint 127.0.8.1 server-ec)" "$(endpoint 127.0.8.2 server)" \
	"$(endpoint 127.0.8.3 server-ec)" "$(endpoint 127.0.8.6 server-ec)" ||
	exit 1
{
	for i in 1 2 3 6; do echo "127.0.8.$i:$PORT sni=server.test"; done
	echo "127.0.8.5:$PORT"
	echo "not a target!!"
} >list2
tpc --targets list2 $C --json >run2.jsonl 2>/dev/null
tps --json --baseline run1.jsonl run2.jsonl >s2.json 2>s2.err
RC=$?
check "the second run still has failures: exit 1" [ "$RC" -eq 1 ]
E1="127.0.8.1:$PORT@127.0.8.1" E2="127.0.8.2:$PORT@127.0.8.2"
E3="127.0.8.3:$PORT@127.0.8.3" E4="127.0.8.4:$PORT@127.0.8.4"
E6="127.0.8.6:$PORT@127.0.8.6"
expect_py "baseline: the endpoint added and the one gone" s2.json \
	"d['changes']['added'] == ['$E6'] and d['changes']['gone'] == ['$E4']"
expect_py "baseline: two certificates rotated, from and to" s2.json \
	"d['changes']['rotated'] == [{'endpoint': '$E2', 'from': '$SHA_EC', 'to': '$SHA_RSA'}, {'endpoint': '$E3', 'from': '$SHA_OLD', 'to': '$SHA_EC'}]"
expect_py "baseline: the expired one now passes, its finding cleared" s2.json \
	"d['changes']['verdicts'] == [{'endpoint': '$E3', 'from': 'fail', 'to': 'pass'}] and d['changes']['cleared_findings'] == [{'endpoint': '$E3', 'code': 'CERT_EXPIRED'}] and d['changes']['new_findings'] == []"
# a ciphers record among the client ones: its grade counted, its
# accepted suites its configuration
timeout -k 2 60 "$TP" ciphers --json --sni server.test "127.0.8.1:$PORT" \
	>ciphers.json 2>/dev/null
python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' \
	ciphers.json >ciphers.jsonl
tps --json --baseline run1.jsonl --html page.html run2.jsonl ciphers.jsonl \
	>s3.json 2>/dev/null
expect_py "a ciphers record: one grade counted, its suites kept" s3.json \
	"d['records'] == 7 and sum(d['grades'].values()) == 1 and [e['config'].startswith('TLS1.') for e in d['endpoints'] if e['command'] == 'ciphers'] == [True] and d['changes']['added'] == ['$E6', 'ciphers 127.0.8.1:$PORT@127.0.8.1']"
tps --no-color --baseline run1.jsonl run2.jsonl >s2.txt 2>/dev/null
check "text: the rotation, from and to" \
	grep -q "^  rotated  *$E2  $SHA_EC -> $SHA_RSA$" s2.txt

# ---- the page ----
check "--html wrote the page, and no temporary file is left" sh -c "
	[ -s page.html ] && [ -z \"\$(ls page.html.tmp* 2>/dev/null)\" ]"
check "the page fetches nothing (no src, href or url())" sh -c "
	! grep -Eqi '(src|href)=|url\(' page.html"
# page_numbers PAGE OUT: chromium loads a copy of PAGE with a script that
# reads the numbers back from the rendered page (the SVG bars and marks,
# the tables), clicks a header twice to sort, and writes what it read
# into the DOM; OUT gets that JSON, OUT.err the browser's log.
page_numbers() {
	sed 's|</body>|<script>\
(function(){\
 var q=function(s){return Array.prototype.slice.call(document.querySelectorAll(s));};\
 var out={records:+document.getElementById("records").textContent,verdicts:{},grades:{},codes:{}};\
 q("[data-verdict]").forEach(function(e){out.verdicts[e.getAttribute("data-verdict")]=+e.textContent;});\
 q("#grades rect.bar").forEach(function(r){out.grades[r.getAttribute("data-grade")]=+r.getAttribute("data-count");});\
 out.expiring=q("#expiry circle.cert").map(function(c){return c.getAttribute("data-sha256");});\
 q("#codes tbody tr").forEach(function(tr){out.codes[tr.cells[0].textContent]=+tr.cells[1].textContent;});\
 out.endpoints=q("#endpoints tbody tr").map(function(r){return r.cells[0].textContent;});\
 out.differ=q("#names tr[data-differ=true]").length;\
 var th=document.querySelector("#endpoints th");\
 th.click(); out.asc=q("#endpoints tbody tr").map(function(r){return r.cells[0].textContent;});\
 th.click(); out.desc=q("#endpoints tbody tr").map(function(r){return r.cells[0].textContent;});\
 var pre=document.createElement("pre"); pre.id="numbers"; pre.textContent=JSON.stringify(out);\
 document.body.appendChild(pre);\
})();\
</script></body>|' "$1" >"$T/check.html"
	timeout -k 2 30 chromium --headless --no-sandbox --disable-gpu \
		--user-data-dir="$T/chromium" --enable-logging=stderr --v=0 \
		--dump-dom "file://$T/check.html" >"$T/dom.html" 2>"$2.err"
	python3 - "$T/dom.html" >"$2" <<'EOF'
import html, re, sys
m = re.search(r'<pre id="numbers">(.*?)</pre>', open(sys.argv[1]).read(), re.S)
print(html.unescape(m.group(1)) if m else "{}")
EOF
}
# same_numbers NAME SUMMARY.json PAGE-NUMBERS: the page shows the JSON's
same_numbers() {
	if python3 - "$2" "$3" >"$T/same.out" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
p = json.load(open(sys.argv[2]))
assert p, "the page's script wrote nothing"
assert p["records"] == d["records"], (p["records"], d["records"])
assert p["verdicts"] == d["verdicts"], (p["verdicts"], d["verdicts"])
grades = {g: d["grades"].get(g, 0) for g in "ABCDEF"}
grades.update(d["grades"])
assert p["grades"] == grades, (p["grades"], grades)
assert p["codes"] == d["codes"], (p["codes"], d["codes"])
assert p["expiring"] == [e["sha256"] for e in d["expiring"]], p["expiring"]
assert p["endpoints"] == [e["endpoint"] for e in d["endpoints"]], p["endpoints"]
assert p["differ"] == sum(len(n["addresses"]) for n in d["names"] if n["differ"])
assert p["asc"] == sorted(p["endpoints"]), p["asc"]
assert p["desc"] == sorted(p["endpoints"], reverse=True), p["desc"]
EOF
	then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/#   /' "$T/same.out"
	fi
}
if ! command -v chromium >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		not_ok "the page in a browser: chromium is missing (scripts/install-deps.sh)"
	else
		skip "the page in a browser" "chromium is not installed"
	fi
else
	# the check itself: a page with an error in its script is caught
	printf '<!DOCTYPE html><html><body><script>no_such_function();</script></body></html>\n' >broken.html
	page_numbers broken.html broken.num
	check "the browser check sees a page's console error" \
		grep -q 'CONSOLE.*no_such_function' broken.num.err
	page_numbers page.html page.num
	check "chromium loads the page without a console error" \
		sh -c "! grep -q 'CONSOLE' page.num.err"
	same_numbers "the page's numbers (SVG bars and marks, tables) equal the JSON's, and its table sorts" \
		s3.json page.num
fi

# ---- names: the routing map, inside a namespace of our own ----
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
	need_root "the routing map of names resolved in a namespace"
fi
NS="tpsum$$"
if ! own_netns "$NS"; then
	skip "the routing map" "$NETNS_ERR"
	exit 0
fi
printf '%s\n' "127.0.7.1 same.test" "127.0.7.2 same.test" \
	"127.0.7.3 split.test" "127.0.7.4 split.test" "127.0.7.5 paired.test" \
	>"/etc/netns/$NS/hosts"
start_ready fleetns ip netns exec "$NS" python3 "$FLEET_SERVER" \
	--log "$T/ns.log" "$(endpoint 127.0.7.1 server-ec)" \
	"$(endpoint 127.0.7.2 server-ec)" "$(endpoint 127.0.7.3 server-ec)" \
	"$(endpoint 127.0.7.4 server)" || exit 1
NPORT=$READY_PORT
: >"$T/probe.err"
ip netns exec "$NS" "$TP" server --listen 127.0.7.5:0 --json \
	--cert "$PKI/server-ec.pem" --key "$PKI/server-ec.key" \
	>"$T/probe.out" 2>"$T/probe.err" </dev/null &
srv_track $! "$T/probe.err"
i=0
while [ $i -lt 100 ] && ! grep -q 'listening on 127\.0\.7\.5:' "$T/probe.err"; do
	sleep 0.05
	i=$((i + 1))
done
SPORT=$(sed -n 's/.*listening on 127\.0\.7\.5:\([0-9][0-9]*\).*/\1/p' "$T/probe.err")
printf '%s\n' "same.test:$NPORT sni=server.test" \
	"split.test:$NPORT sni=server.test" "paired.test:$SPORT sni=server.test" \
	>names
ip netns exec "$NS" "$TP" client --targets names $C --json >names.jsonl \
	2>/dev/null
check "a record for each of the five addresses" [ "$(wc -l <names.jsonl)" -eq 5 ]
tps --json names.jsonl >names.json 2>/dev/null
RC=$?
check "every record passed (ADDRESSES_DIFFER is a warning): exit 0" [ "$RC" -eq 0 ]
SERVER_ID=$("$TP" id)
expect_py "the routing map: three names, the addresses of each" names.json \
	"[(n['name'], n['port'], [a['address'] for a in n['addresses']]) for n in d['names']] == [('paired.test', $SPORT, ['127.0.7.5']), ('same.test', $NPORT, ['127.0.7.1', '127.0.7.2']), ('split.test', $NPORT, ['127.0.7.3', '127.0.7.4'])]"
expect_py "the routing map: the certificate each address reached" names.json \
	"[[a['sha256'] for a in n['addresses']] for n in d['names']] == [['$SHA_EC'], ['$SHA_EC', '$SHA_EC'], ['$SHA_EC', '$SHA_RSA']]"
expect_py "the routing map: the paired server's ID and where it saw us from" names.json \
	"d['names'][0]['addresses'][0]['unique_id'] == '$SERVER_ID' and d['names'][0]['addresses'][0]['seen_from'].startswith('127.') and d['names'][1]['addresses'][0]['unique_id'] is None"
expect_py "ADDRESSES_DIFFER for split.test, once" names.json \
	"'ADDRESSES_DIFFER' in codes and codes['ADDRESSES_DIFFER'] == 1 and [n['name'] for n in d['names'] if n['differ']] == ['split.test']"
expect_py "... its detail names both certificates and their addresses" names.json \
	"[(f['code'], f['target'], f['severity']) for f in d['findings']] == [('ADDRESSES_DIFFER', 'split.test:$NPORT', 'warning')] and '$SHA_EC at 127.0.7.3' in d['findings'][0]['detail'] and '$SHA_RSA at 127.0.7.4' in d['findings'][0]['detail']"
tps --no-color names.jsonl >names.txt 2>/dev/null
check "text: the finding and the name whose addresses differ" sh -c "
	grep -q '^ADDRESSES_DIFFER  the 2 addresses of split.test:$NPORT reach different certificates$' names.txt &&
	grep -q '^  split.test:$NPORT (client)  addresses differ$' names.txt"
