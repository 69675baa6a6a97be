#!/bin/sh
# scripts/fleet.sh for real: three hosts, each a network namespace with
# its own sshd on its own address (10.200.K.2, a veth to this machine's
# 10.200.K.1; nothing leaves the machine) and a key made here; GNU
# parallel runs the shards of one list there over ssh. The merged JSON
# Lines hold every (target, address) once, agree record by record with
# a one-machine run of the same list, came from three hosts (each
# record's tcp stage names its own source address, each sshd logged its
# login), and a host whose login fails makes fleet.sh fail naming it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/servers.sh"
. "$TOP/tests/integration/fleet.sh"

need_root "shards over ssh on namespace hosts"
for c in ip parallel /usr/sbin/sshd ssh ssh-keygen; do
	if ! command -v "$c" >/dev/null; then
		not_ok "$c is installed (scripts/install-deps.sh)"
		exit 1
	fi
done
make_pki ca1.pem server-ec.pem server-expired.pem server-wrongname.pem
cd "$T" || exit 1
FLEET="$TOP/scripts/fleet.sh"
HOSTS="1 2 3"
P=tpsh$$   # names: ${P}n3 (namespace), ${P}v3 (veth, this side)

# ---- the hosts ----
# tlsprobe on the PATH of each ssh session: a wrapper in a directory of
# the test's own, named by sshd's SetEnv
mkdir -p "$T/path"
printf '#!/bin/sh\nexec %s "$@"\n' "$TP" >"$T/path/tlsprobe"
chmod 755 "$T/path/tlsprobe"
ssh-keygen -q -t ed25519 -N '' -C tlsprobe-test -f "$T/id" || exit 1
cp "$T/id.pub" "$T/authorized_keys"
# sshd's privilege-separation directory (Debian's ssh.service makes it)
if [ ! -d /run/sshd ]; then
	mkdir -p /run/sshd && at_exit "rmdir /run/sshd 2>/dev/null"
fi
cat >"$T/ssh_config" <<EOF
Host *
	User root
	IdentityFile $T/id
	IdentitiesOnly yes
	UserKnownHostsFile $T/known_hosts
	StrictHostKeyChecking accept-new
	BatchMode yes
	ConnectTimeout 5
	LogLevel ERROR
EOF
: >"$T/logins"
for k in $HOSTS; do
	ns=${P}n$k v=${P}v$k
	at_exit "ip netns del $ns 2>/dev/null; ip link del $v 2>/dev/null"
	if ! ip netns add "$ns" 2>"$T/netns.err"; then
		not_ok "ip netns add $ns: $(head -n 1 "$T/netns.err")"
		exit 1
	fi
	if ! { ip link add "$v" type veth peer name eth0 netns "$ns" &&
		ip addr add "10.200.$k.1/24" dev "$v" &&
		ip link set "$v" up &&
		ip netns exec "$ns" ip link set lo up &&
		ip netns exec "$ns" ip addr add "10.200.$k.2/24" dev eth0 &&
		ip netns exec "$ns" ip link set eth0 up &&
		ip netns exec "$ns" ip route add default via "10.200.$k.1"; }
	then
		not_ok "host $k's namespace and veth"
		exit 1
	fi
	ssh-keygen -q -t ed25519 -N '' -f "$T/host$k" || exit 1
	cat >"$T/sshd$k.conf" <<EOF
ListenAddress 10.200.$k.2:22
HostKey $T/host$k
PidFile $T/sshd$k.pid
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
X11Forwarding no
AllowTcpForwarding no
SetEnv PATH=$T/path:/usr/local/bin:/usr/bin:/bin
LogLevel VERBOSE
EOF
	# -D: stays in the foreground, a child of this test; -E: its log
	ip netns exec "$ns" /usr/sbin/sshd -D -f "$T/sshd$k.conf" \
		-E "$T/sshd$k.log" &
	srv_track $! "$T/sshd$k.log"
	echo "10.200.$k.2" >>"$T/logins"
done
for k in $HOSTS; do
	i=0
	until ssh -F "$T/ssh_config" "10.200.$k.2" true 2>"$T/ssh$k.err"; do
		i=$((i + 1))
		if [ $i -ge 50 ]; then
			not_ok "host $k's sshd takes the test key"
			sed 's/^/#   /' "$T/ssh$k.err" "$T/sshd$k.log"
			exit 1
		fi
		sleep 0.1
	done
done
ok "three namespace hosts, each sshd taking the test key"

# ---- the endpoints: on this machine, reached from every host ----
# extra addresses on host 1's veth (this side); the hosts route to this
# machine by default, so all of them and the one-machine run reach the
# same endpoints
eps=""
for i in $(seq 1 16); do
	ip addr add "10.200.9.$i/32" dev "${P}v1" || exit 1
	case $i in
	13 | 14) cert=server-expired ;;
	15 | 16) cert=server-wrongname ;;
	*) cert=server-ec ;;
	esac
	eps="$eps $(endpoint "10.200.9.$i" "$cert")"
done
# shellcheck disable=SC2086
start_ready fleet python3 "$TOP/tests/integration/fleet_server.py" \
	--log "$T/conns.log" $eps || exit 1
PORT=$READY_PORT
{
	echo "# 16 endpoints, 8 names on one of them, 2 closed ports, a bad line,
	# a block of 4 (another name: other targets)"
	for i in $(seq 1 16); do echo "10.200.9.$i:$PORT sni=server.test"; done
	for i in 1 2 3 4 5 6 7 8; do echo "10.200.9.1:$PORT sni=n$i.server.test"; done
	echo "10.200.9.1:1 sni=server.test"
	echo "10.200.9.2:1"
	echo "not a target!!"
	echo "10.200.9.4/30:$PORT sni=block.server.test"
} >list
NREC=31   # 16 + 8 + 2 + 4 + 1 bad line
C="--ca $PKI/ca1.pem --timeout 5 --no-sideband"

# ---- one machine ----
# shellcheck disable=SC2086
timeout -k 2 60 "$TP" client --targets list $C --json >one.jsonl 2>one.err
RC=$?
check "the one-machine run exits 1 (faults planted)" [ "$RC" -eq 1 ]
records one.jsonl >one.rec || exit 1
check "... one record per (target, address): $NREC" \
	[ "$(cut -f1 one.rec | sort -u | wc -l)" -eq "$NREC" ]

# ---- three hosts over ssh ----
for k in $HOSTS; do : >"$T/sshd$k.log.mark"; wc -l <"$T/sshd$k.log" >"$T/sshd$k.log.mark"; done
# shellcheck disable=SC2086
timeout -k 2 120 sh "$FLEET" --ssh "ssh -F $T/ssh_config" --logins logins \
	-- list merged.jsonl client $C >fleet.out 2>fleet.err
RC=$?
check "fleet.sh over three hosts exits 1, as the one-machine run" [ "$RC" -eq 1 ]
if [ "$RC" -gt 1 ]; then sed 's/^/#   /' fleet.err; fi
each_line_json "the merged output is whole JSON Lines" \
	merged.rec records merged.jsonl merged.src
check "every (target, address) exactly once ($(wc -l <merged.jsonl) lines)" \
	[ "$(wc -l <merged.jsonl)" -eq "$NREC" -a \
	  "$(cut -f1 merged.rec | sort -u | wc -l)" -eq "$NREC" ]
if cmp -s one.rec merged.rec; then
	ok "record by record (target, address, verdict, codes) the one-machine run"
else
	not_ok "record by record (target, address, verdict, codes) the one-machine run"
	diff one.rec merged.rec | sed 's/^/#   /'
fi
check "the faults are the planted ones" sh -c "
	grep -q '^10.200.9.13:.*	CERT_EXPIRED' merged.rec &&
	grep -q '^10.200.9.15:.*	NAME_MISMATCH' merged.rec &&
	grep -q '^10.200.9.1:1 .*	TCP_REFUSED' merged.rec &&
	grep -q '^line 29	error	not a target!!' merged.rec"
check "the records came from the three hosts' addresses" \
	[ "$(cat merged.src)" = "$(printf '10.200.1.2\n10.200.2.2\n10.200.3.2')" ]
n=0
for k in $HOSTS; do
	tail -n +"$(($(cat "$T/sshd$k.log.mark") + 1))" "$T/sshd$k.log" |
		grep -q "Accepted publickey for root from 10.200.$k.1" && n=$((n + 1))
done
check "each host's sshd logged the shard's login ($n of 3)" [ "$n" -eq 3 ]
check "fleet.sh wrote nothing on stdout" [ ! -s fleet.out ]

# ---- the list on stdin, two shards a host ----
# shellcheck disable=SC2086
timeout -k 2 120 sh "$FLEET" -j 2 --ssh "ssh -F $T/ssh_config" \
	--logins logins -- - merged6.jsonl $C <list >/dev/null 2>fleet6.err
RC=$?
records merged6.jsonl >merged6.rec 2>/dev/null
check "six shards on three hosts, the list on stdin: the same records" \
	[ "$RC" -eq 1 ] && cmp -s one.rec merged6.rec

# ---- a host whose login fails ----
cp merged.jsonl before.jsonl
sed 's/^10\.200\.2\.2$/nobody@10.200.2.2/' logins >badlogins
# shellcheck disable=SC2086
timeout -k 2 120 sh "$FLEET" --ssh "ssh -F $T/ssh_config" --logins badlogins \
	-- list merged.jsonl client $C >/dev/null 2>bad.err
RC=$?
check "a login that fails: fleet.sh exits 3" [ "$RC" -eq 3 ]
check "... naming the shard and the login" \
	grep -Eq '^fleet\.sh: shard [123]/3 on nobody@10\.200\.2\.2: ssh failed' bad.err
check "... and leaving the output as it was" cmp -s before.jsonl merged.jsonl
if [ "$RC" -ne 3 ]; then sed 's/^/#   /' bad.err; fi

# ---- usage ----
sh "$FLEET" --local 2 -- list x.jsonl --shard 1/2 >/dev/null 2>usage.err
check "--shard is fleet.sh's own: exit 2, one line" \
	[ $? -eq 2 -a "$(wc -l <usage.err)" -eq 1 ]
