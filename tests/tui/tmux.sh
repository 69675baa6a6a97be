# Helpers for the TUI tests: a private tmux server whose panes run
# tlsprobe tui, and waits on what a pane shows. Source it after lib.sh;
# it ends the test (a skip, or a failure in CI) when tmux is missing.

if ! command -v tmux >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		not_ok "tmux is installed (CI must run the TUI tests)"
		exit 1
	fi
	skip "tlsprobe tui in tmux" "tmux is not installed"
	exit 0
fi

# A private tmux server, so that the user's sessions are never touched.
TMUX_SOCK="$T/tmux.sock"
tm() { tmux -S "$TMUX_SOCK" "$@"; }
at_exit 'tmux -S "$TMUX_SOCK" kill-server 2>/dev/null'
export LANG=C.UTF-8
unset TMUX

# start NAME COMMAND [COLUMNS LINES]: a session (100x30 unless told)
# running COMMAND in sh.
start() {
	tm new-session -d -s "$1" -x "${3:-100}" -y "${4:-30}" "$2"
}
screen() { tm capture-pane -p -t "$1" 2>/dev/null; }
# wait_for NAME TEXT [SECONDS]: the pane shows TEXT (fixed string) within
# SECONDS (default 8); on failure the pane is printed as comments.
wait_for() {
	_end=$(( $(date +%s) + ${3:-8} ))
	while [ "$(date +%s)" -le "$_end" ]; do
		screen "$1" | grep -qF -- "$2" && return 0
		sleep 0.1
	done
	echo "# waited for '$2' on $1; the pane shows:"
	screen "$1" | sed 's/^/#   | /'
	return 1
}
# expect_screen NAME DESCRIPTION TEXT [SECONDS]: one TAP line.
expect_screen() {
	if wait_for "$1" "$3" "$4"; then ok "$2"; else not_ok "$2"; fi
}
keys() { _s=$1; shift; tm send-keys -t "$_s" "$@"; sleep 0.15; }
