#!/bin/sh
# tlsprobe client ends by its documented deadline (tlsprobe-client(1),
# "DEADLINES"): each network stage it reaches lasts at most --timeout,
# its retries, second looks and the side channel included, and nothing
# but a little local work runs outside the stages.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"

make_pki ca1.pem server.pem server.key
TO=2
# local work outside the stages (loading, checking, writing): 0.5 s;
# the stage times are rounded, the process start is not in them
SLACK=500

# within NAME: the last run kept the bound. Every stage that ran took
# at most --timeout (tcp's with the side channel's hello, tls's with its
# retries); and the whole run took no longer than its stages plus SLACK.
within() {
	_why=$(python3 - "$OUT" "$MS" "$TO" "$SLACK" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
wall, budget, slack = int(sys.argv[2]), float(sys.argv[3]) * 1000, int(sys.argv[4])
st = {s["name"]: s.get("ms") or 0 for s in d["stages"]}
why = []
for name in ("dns", "tcp", "starttls", "tls"):
    if st.get(name, 0) > budget + 50:
        why.append("stage %s took %.0f ms > %.0f" % (name, st[name], budget))
# the side channel's hello is in tcp's time, the retries in tls's
used = sum(st.get(n, 0) for n in ("dns", "tcp", "starttls", "tls"))
if wall > used + slack:
    why.append("wall %d ms > stages %.0f ms + %d" % (wall, used, slack))
n = len([x for x in ("dns", "tcp", "starttls", "tls") if x in st])
if wall > n * budget + slack:
    why.append("wall %d ms > %d stages x %.0f ms + %d" % (wall, n, budget, slack))
print("; ".join(why))
PY
)
	if [ -z "$_why" ]; then
		ok "$1: ends within its stages' budgets ($MS ms, --timeout $TO)"
	else
		not_ok "$1: ends within its stages' budgets: $_why"
		fail_context
	fi
}

# (a) TCP is accepted, nothing ever comes back
start_fake stall
run_client accept-silent "127.0.0.1:$FAKE_PORT" --timeout $TO
expect "accepts and never answers: HANDSHAKE_TIMEOUT" 1 HANDSHAKE_TIMEOUT \
	'!TCP_TIMEOUT' '!PMTU_BLACKHOLE'
within "accepts and never answers"
stop_servers

# the same asked with --paired: the side channel's hello meets the same
# silence before the handshake, within tcp's budget (unasked, the client
# says nothing but TLS to a server that does not answer the mark)
start_fake stall
run_client accept-silent-paired "127.0.0.1:$FAKE_PORT" --timeout $TO \
	--paired
expect "accepts and never answers, --paired: HANDSHAKE_TIMEOUT" 1 \
	HANDSHAKE_TIMEOUT '!TCP_TIMEOUT' '!PMTU_BLACKHOLE'
expect_py "accepts and never answers, --paired: the hello met silence" \
	"'silence' in [s for s in d['stages'] if s['name'] == 'sideband'][0]['detail']"
within "accepts and never answers, --paired"
stop_servers

# the same with a name, so that the no-SNI retry runs too
start_fake stall
run_client accept-silent-sni "localhost:$FAKE_PORT" -4 --timeout $TO
expect "accepts and never answers (SNI localhost): HANDSHAKE_TIMEOUT" 1 \
	HANDSHAKE_TIMEOUT '!SNI_FILTERED'
within "accepts and never answers (SNI localhost)"
stop_servers

# (b) a ServerHello, then silence
start_fake sh-silence
run_client hello-silent "127.0.0.1:$FAKE_PORT" --timeout $TO
expect "ServerHello then silence: HANDSHAKE_TIMEOUT" 1 HANDSHAKE_TIMEOUT
expect_py "ServerHello then silence: the finding says a ServerHello came" \
	"[f for f in d['findings'] if f['code'] == 'HANDSHAKE_TIMEOUT' and 'last received: ServerHello' in f['detail']]"
within "ServerHello then silence"
stop_servers

# (c) one byte a second: never silent for long, never done
start_fake sh-trickle
run_client trickle "127.0.0.1:$FAKE_PORT" --timeout $TO
expect "one byte a second: HANDSHAKE_TIMEOUT" 1 HANDSHAKE_TIMEOUT
within "one byte a second"
stop_servers

# (d) STARTTLS: the greeting, then silence in the prelude
start_starttls smtp stall "$PKI/server.pem" "$PKI/server.key"
run_client starttls-stall "127.0.0.1:$STLS_PORT" --starttls smtp \
	--timeout $TO
expect "STARTTLS prelude stalls: STARTTLS_FAILED" 1 STARTTLS_FAILED \
	'!HANDSHAKE_TIMEOUT'
within "STARTTLS prelude stalls"
stop_servers

# (e) STARTTLS: the prelude, then silence where the ServerHello belongs;
# each retry runs the prelude again, inside the tls stage's budget
start_starttls smtp tls-stall "$PKI/server.pem" "$PKI/server.key"
run_client starttls-tls-stall "localhost:$STLS_PORT" -4 --starttls smtp \
	--timeout $TO --ca "$PKI/ca1.pem"
expect "STARTTLS, then TLS stalls: HANDSHAKE_TIMEOUT" 1 HANDSHAKE_TIMEOUT
within "STARTTLS, then TLS stalls"
stop_servers


# (f) our versions refused with protocol_version, then silence: the raw
# hellos that look for the versions the server speaks wait inside the
# tls stage's budget, and the finding falls back to what we offered
start_fake version-then-stall
run_client version-then-stall "127.0.0.1:$FAKE_PORT" --timeout $TO \
	--no-sideband
expect "protocol_version, then silence: PROTOCOL_VERSION_MISMATCH" 1 \
	PROTOCOL_VERSION_MISMATCH '!HANDSHAKE_TIMEOUT'
within "protocol_version, then silence"
stop_servers
