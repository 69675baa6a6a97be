# Loopback port helpers shared by the demo, the benchmarks and the tests.
# Source it: . "$top/scripts/ports.sh"

# free_port: a TCP port free on loopback now (the kernel picks it).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT [HOST]: until something listens there, 5 s at most;
# returns 1 with a line on stderr when nothing does.
wait_port() {
	_wp_i=0
	while [ $_wp_i -lt 100 ]; do
		if python3 -c "import socket; socket.create_connection(('${2:-127.0.0.1}',$1),0.2).close()" 2>/dev/null; then
			return 0
		fi
		sleep 0.05
		_wp_i=$((_wp_i + 1))
	done
	echo "# nothing listens on ${2:-127.0.0.1}:$1" >&2
	return 1
}
