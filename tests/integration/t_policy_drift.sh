#!/bin/sh
# --policy means what the server's own library means: openssl s_server
# and nginx configured with an OpenSSL cipher string, and gnutls-serv
# with a priority string, audited with that same string, show no drift
# (no POLICY_MISSING, no POLICY_EXTRA); what they could not negotiate
# anyway is left out with its reason. And a real difference is still
# found.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/ciphers.sh"

make_pki ca1.pem server.pem server.key
OSRV="-cert $PKI/server.pem -key $PKI/server.key"
GSRV="--x509certfile $PKI/server.pem --x509keyfile $PKI/server.key"
PROTOS="--protocols TLS1.2,TLS1.3"

# no_drift NAME STRING: the last audit's policy shows no difference
no_drift() {
	expect "$1: no drift from '$2'" 0 '!POLICY_MISSING' '!POLICY_EXTRA'
	audit "$1: the policy was read, nothing extra or missing" \
		"d['policy'] is not None and d['policy']['extra'] == [] and d['policy']['missing'] == [] and any(p['accepted'] for p in d['protocols'])"
}

# ---- openssl s_server, configured with the string itself ----
# FairCom's documented SSL_CIPHERS example and Mozilla's intermediate
# list among them
MOZ='ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305'
n=0
for s in 'HIGH:!aNULL:!MD5' 'DEFAULT' 'ALL:!aNULL' \
	'AES256-SHA256:AES256-GCM-SHA384' 'kRSA:+AES256:!CAMELLIA:!ARIA'; do
	n=$((n + 1))
	stop_servers
	start_openssl_server $OSRV -cipher "$s" || continue
	run_ciphers "os$n" "127.0.0.1:$SRV_PORT" $PROTOS --policy "$s"
	no_drift "openssl s_server #$n" "$s"
done
# what it could not negotiate is counted apart, with its reasons
stop_servers
start_openssl_server $OSRV -cipher 'HIGH:!aNULL:!MD5'
run_ciphers os-high "127.0.0.1:$SRV_PORT" $PROTOS --policy 'HIGH:!aNULL:!MD5'
audit "HIGH:!aNULL:!MD5: ECDSA and DSS suites left out for the RSA key, PSK and SRP for want of credentials" \
	"'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384' in d['policy']['left_out'] and 'TLS_PSK_WITH_AES_128_GCM_SHA256' in d['policy']['left_out'] and 'another key type than the RSA-2048' in d['policy']['left_out_why'] and 'pre-shared key' in d['policy']['left_out_why']"
audit "HIGH:!aNULL:!MD5: static ECDH, DH and GOST suites are not in the policy at all" \
	"not {'TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384', 'TLS_DH_DSS_WITH_AES_256_GCM_SHA384', 'TLS_GOSTR341112_256_WITH_28147_CNT_IMIT'} & set(d['policy']['left_out'] + d['policy']['missing'])"
# a real difference is still drift
run_ciphers os-drift "127.0.0.1:$SRV_PORT" $PROTOS --policy 'HIGH:!aNULL:!MD5:!AES256'
expect "a policy stricter than the server: POLICY_EXTRA" 0 POLICY_EXTRA '!POLICY_MISSING'
stop_servers
start_openssl_server $OSRV -cipher 'ECDHE+AESGCM'
run_ciphers os-missing "127.0.0.1:$SRV_PORT" $PROTOS --policy 'ECDHE+AESGCM:ECDHE+CHACHA20'
expect "a server stricter than the policy: POLICY_MISSING" 0 POLICY_MISSING '!POLICY_EXTRA'
audit "POLICY_MISSING names the ChaCha20 suite, not the ECDSA ones" \
	"d['policy']['missing'] == ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256']"

# ---- nginx (no ssl_dhparam: it does no finite-field DHE at all) ----
stop_servers
n=0
for s in "$MOZ" 'DEFAULT:!kRSA'; do
	n=$((n + 1))
	start_nginx "		ssl_certificate $PKI/server.pem;
		ssl_certificate_key $PKI/server.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_ciphers '$s';" || break
	run_ciphers "nginx$n" "127.0.0.1:$NGINX_PORT" $PROTOS --policy "$s"
	no_drift "nginx #$n" "$s"
	stop_servers
done
audit "nginx: DHE suites left out, the reason said once" \
	"'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256' in d['policy']['left_out'] and 'finite-field DHE' in d['policy']['left_out_why']"

# ---- gnutls-serv, configured with a priority string ----
n=0
for s in 'NORMAL' 'SECURE256:-VERS-TLS1.3' \
	'PERFORMANCE:%SERVER_PRECEDENCE:-AES-128-CBC:-AES-256-CBC'; do
	n=$((n + 1))
	stop_servers
	start_gnutls_serv $GSRV --priority "$s" || continue
	run_ciphers "gs$n" "127.0.0.1:$SRV_PORT" $PROTOS --policy "$s"
	no_drift "gnutls-serv #$n" "$s"
done
stop_servers
