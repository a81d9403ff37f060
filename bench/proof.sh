#!/bin/sh
# proof.sh: every comparison of the library against the programs a user
# would write instead, in one run, printed as one Markdown table (see
# cmd/proof). Flags go to cmd/proof; -h lists them.
#
#   ./proof.sh                                   # default sizes, about 10 minutes on 2 idle cores
#   CRM_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' ./proof.sh
#   ./proof.sh -import 1000000 -kpi-customers 100000 -kpi-orders 1000000
set -eu
cd "$(dirname "$0")"

# pandas is the RFM peer and scipy the BG/NBD peer: Debian's packages,
# for Debian's python3 (a python3 earlier on PATH may lack them).
pick_python() {
	for p in ${PYTHON:-} python3 /usr/bin/python3; do
		if "$p" -c 'import pandas, scipy' 2>/dev/null; then
			PYTHON=$p
			return 0
		fi
	done
	return 1
}
if ! pick_python; then
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	for i in 1 2 3; do
		$sudo apt-get update -q && break
		echo "proof.sh: apt-get update failed, retrying" >&2
		sleep $((i * 5))
	done
	$sudo apt-get install -y -q --no-install-recommends python3-pandas python3-scipy ||
		echo "proof.sh: python3-pandas/python3-scipy not installed: their rows will say so" >&2
	pick_python || PYTHON=python3
fi

mkdir -p bin
CGO_ENABLED=0 go build -o bin/ ./cmd/...
exec bin/proof -python "$PYTHON" -command "cd bench && ./proof.sh${*:+ $*}" "$@"
