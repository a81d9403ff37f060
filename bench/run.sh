#!/bin/sh
# Runs the import benchmark from this directory: builds cmd/importbench,
# generates the CSV files it needs (data/), and prints the Markdown
# tables to stdout (progress to stderr). Arguments go to importbench, for
# example:
#
#   ./run.sh                                   # 100,000 and 1,000,000 rows
#   ./run.sh -n 100000 -only sqlite/crm,sqlite/raw
#   ./run.sh -sizes 1000000 -cpuprofile out/prof
#
# PostgreSQL is measured when CRM_POSTGRES_DSN is set, e.g.
#   CRM_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' ./run.sh
set -eu
cd "$(dirname "$0")"
mkdir -p bin
CGO_ENABLED=0 go build -o bin/importbench ./cmd/importbench
if [ $# -eq 0 ]; then
	set -- -sizes 100000,1000000
fi
exec bin/importbench "$@"
