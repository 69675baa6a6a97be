# Sourced by the benchmarks that count a tool's TCP connections to one
# local server: an iptables rule on lo counts the SYNs to its port
# (root only; "n/a" otherwise). Uses $work for the tools' outputs.
#   count_syns PORT     start counting (sets rule)
#   uncount_syns        remove the rule
#   syns                the count so far, or n/a
#   run NAME CMD...     runs CMD (stdout in $work/NAME.out) and prints
#                       "connections ms"
rule="" tag="tlsprobe-bench-$$"
count_syns() {
	rule=""
	if [ "$(id -u)" -eq 0 ] && command -v iptables >/dev/null &&
	   iptables -I OUTPUT -o lo -p tcp --dport "$1" --syn \
		-m comment --comment "$tag" 2>/dev/null; then
		rule="-o lo -p tcp --dport $1 --syn -m comment --comment $tag"
	fi
}
uncount_syns() {
	[ -n "$rule" ] && iptables -D OUTPUT $rule 2>/dev/null
	rule=""
}
syns() {
	[ -n "$rule" ] || { echo n/a; return; }
	iptables -L OUTPUT -v -x -n 2>/dev/null |
		awk -v t=" $tag " 'index($0, t) { print $1; exit }'
}
run() {
	_n=$1; shift
	_s0=$(syns); _t0=$(date +%s%N)
	"$@" >"$work/$_n.out" 2>/dev/null </dev/null
	_t1=$(date +%s%N); _s1=$(syns)
	case $_s0 in n/a) _c=n/a ;; *) _c=$((_s1 - _s0)) ;; esac
	echo "$_c $(((_t1 - _t0) / 1000000))"
}
