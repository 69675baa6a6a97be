#!/bin/sh
# Runs one --targets list as N shards with GNU parallel, on this machine
# or on other hosts over ssh, and merges their JSON Lines into one file.
#
#   scripts/fleet.sh [-j J] [--ssh CMD] --logins FILE|--local N --
#                    TARGETS OUT.jsonl [client|ciphers|audit] [OPTION...]
#
# --logins FILE  one ssh login a line ([user@]host, as parallel's
#                --sshloginfile takes it; ":" is this machine); J shards
#                on each login, N = logins x J shards in all
# --local N      N shards on this machine
# -j J           shards at once on each login (default 1)
# --ssh CMD      the ssh command parallel uses (default: ssh), e.g.
#                'ssh -F my_config'
# TARGETS        the list (- for standard input); it is read once, here,
#                and streamed to every shard (parallel --pipe --tee):
#                nothing is copied to the hosts beforehand
# OUT.jsonl      the merged records; written whole (a temporary file
#                next to it, then renamed) only when every shard ran
# OPTION...      passed to `tlsprobe SUBCOMMAND` on each host (default
#                subcommand: client); fleet.sh adds --targets -, --json
#                and --shard K/N itself
#
# Each host needs `tlsprobe` on the PATH of its ssh sessions (or set
# TLSPROBE to its path there) and perl (parallel runs its remote side
# through perl). Each shard reads the whole list and keeps its targets
# by a stable hash, so the shards are disjoint and together complete
# whatever host runs them.
#
# Exit status: that of tlsprobe's --targets run (0 all passed or warned,
# 1 some record has an error finding or a line was bad) when every shard
# ran; 2 for bad usage; 3 when a shard could not run (tlsprobe exit 2 or
# 3, ssh failed, killed): one line on stderr per such shard, naming it
# and its login, and OUT is left as it was.
set -eu

me=fleet.sh
usage() {
	echo "usage: $me [-j J] [--ssh CMD] --logins FILE|--local N --" \
	     "TARGETS OUT.jsonl [client|ciphers|audit] [OPTION...]" >&2
	exit 2
}
bad() { echo "$me: $*" >&2; exit 2; }
count() { case "$1" in '' | *[!0-9]* | 0*) return 1 ;; esac; }

jobs=1 ssh_cmd=ssh logins="" local_n=""
while [ $# -gt 0 ]; do
	case "$1" in
	-j) [ $# -ge 2 ] || usage; jobs=$2; shift 2 ;;
	--ssh) [ $# -ge 2 ] || usage; ssh_cmd=$2; shift 2 ;;
	--logins) [ $# -ge 2 ] || usage; logins=$2; shift 2 ;;
	--local) [ $# -ge 2 ] || usage; local_n=$2; shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -ge 2 ] || usage
targets=$1 out=$2
shift 2
sub=client
case "${1:-}" in client | ciphers | audit) sub=$1; shift ;; esac
for o in "$@"; do
	case "$o" in
	--shard | --shard=* | --out | --out=* | --resume | --targets | --targets=*)
		bad "$o is fleet.sh's to give (each shard gets --targets -, --shard K/N and --json)" ;;
	esac
done
count "$jobs" || bad "-j $jobs: a count of 1 or more"
command -v parallel >/dev/null 2>&1 ||
	{ echo "$me: GNU parallel is not installed (apt-get install parallel)" >&2; exit 3; }
[ "$targets" = - ] || [ -r "$targets" ] || bad "cannot read the list $targets"

work=$(mktemp -d "${TMPDIR:-/tmp}/fleet.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE
if [ -n "$logins" ]; then
	[ -z "$local_n" ] || bad "--logins and --local: one or the other"
	[ -r "$logins" ] || bad "cannot read the logins file $logins"
	# parallel's "J/login": J job slots on that login; comments and
	# blank lines dropped so that the count of shards is right
	sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$logins" |
		grep -v '^$' | sed "s|^|$jobs/|" >"$work/logins" || true
	hosts=$(wc -l <"$work/logins")
	[ "$hosts" -gt 0 ] || bad "no login in $logins"
	n=$((hosts * jobs))
else
	count "$local_n" || bad "--local N, or --logins FILE: one is needed"
	n=$local_n
	echo "$n/:" >"$work/logins"
fi

# The list goes to every shard whole (--tee), so --tee needs a slot for
# every shard at once (--jobs 0: each login's J slots). -q quotes the
# options for the remote shell; {} is the shard's number.
tlsprobe=${TLSPROBE:-tlsprobe}
prc=0
if [ "$targets" = - ]; then
	exec 3<&0
else
	exec 3<"$targets"
fi
parallel --will-cite --pipe --tee --jobs 0 --sshloginfile "$work/logins" \
	--ssh "$ssh_cmd" --joblog "$work/joblog" -q \
	"$tlsprobe" "$sub" --targets - --json --shard "{}/$n" "$@" \
	::: $(seq 1 "$n") <&3 >"$work/merged" || prc=$?
exec 3<&-

# The job log says, per shard, where it ran and how it ended: 0 and 1
# are runs (1: some record failed), anything else is a shard lost.
# (parallel's own status counts the shards that exited 1 as failed.)
rc=0
awk -F'\t' -v n="$n" -v me="$me" '
NR == 1 { next }
{
	if (!match($9, /--shard [0-9]+\//)) next
	k = substr($9, RSTART + 8, RLENGTH - 9)
	seen[k] = 1
	if ($7 == 0 || $7 == 1) { if ($7 > worst) worst = $7; next }
	why = $7 == 255 ? "ssh failed (status 255)" : \
	      $8 != 0 ? "killed by signal " $8 : "tlsprobe exited " $7
	host = $2 == ":" ? "this machine" : $2
	printf "%s: shard %d/%d on %s: %s\n", me, k, n, host, why > "/dev/stderr"
	lost = 1
}
END {
	for (k = 1; k <= n; k++)
		if (!(k in seen)) {
			printf "%s: shard %d/%d never ran\n", me, k, n > "/dev/stderr"
			lost = 1
		}
	exit lost ? 3 : worst
}' "$work/joblog" || rc=$?
case $rc in
0 | 1) ;;
*) [ "$prc" -lt 101 ] || echo "$me: parallel failed (status $prc)" >&2
   echo "$me: $out left as it was" >&2
   exit 3 ;;
esac
tmp=$(mktemp "$out.XXXXXX")
cat "$work/merged" >"$tmp"
mv -f "$tmp" "$out"
exit "$rc"
