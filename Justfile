# hotline — conveniences. Neither `go run .` nor `go test ./...` needs just.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Start the portal on the defaults (https://localhost:8443, hotline.db here).
run *ARGS:
    go run . {{ARGS}}

# The test command of the README (what CI runs, with CI=true).
test:
    go test -timeout 30m ./...

# Regenerate templ code (from the repository root).
gen:
    go tool templ generate

# Formatting, vet and generated-code freshness.
lint:
    test -z "$(gofmt -l $(git ls-files '*.go'))"
    go vet ./...
    go tool templ generate >/dev/null && test -z "$(git status --porcelain -- '*_templ.go')"

# Browser tests only (real headless Chromium): the handler tests that drive
# it, and the harness's own tests in ./handlers/browsertest (none of whose
# names say Browser). The main package has none.
e2e:
    CI=true go test -run 'Browser' -v ./handlers
    CI=true go test -v ./handlers/browsertest

# Go benchmarks: portal top, certificate check, PDFs, logins while browsing,
# start-up (figures in BENCHMARKS.md).
bench:
    go test ./handlers -run '^$' -bench 'BenchmarkPortalTop|BenchmarkCertificateCheck|ApplicationPDF' -benchmem
    go test ./handlers -run '^$' -bench BenchmarkLoginWhileBrowsing -benchtime 300x
    go test ./views/pdf -run '^$' -bench . -benchtime 50x -count 3
    go test ./store -run '^$' -bench 'BenchmarkVerifyClientCert|BenchmarkCheck|BenchmarkBackupToFile|BenchmarkVerifyAudit' -benchtime 3x
    go test -run '^$' -bench StartToFirstAnswer -benchtime 10x .

# PRS with 100,000 patients: generate the data set once, then the store
# benchmarks and the load test against the real binary.
prs-bench DB="/tmp/prs-100k.db" DURATION="15s":
    test -f {{DB}} || go test ./store -run '^TestGeneratePRSDataset$' -timeout 60m -prs.gen=100000 -prs.db={{DB}}
    go test ./store -run '^$' -bench PRS -benchtime 3000x -benchmem -prs.db={{DB}}
    go test ./handlers -run '^TestPRSLoad$' -v -timeout 30m -prs.load={{DB}} -prs.load.duration={{DURATION}}

# Drug master: the store's search, import and index benchmarks on the real
# list, then the live search fragment over TLS at 20 connections (wrk).
drugs-bench DURATION="15s":
    go test ./store -run '^$' -bench 'BenchmarkDrugSearch|BenchmarkDrugImport|BenchmarkDrugIndex' -benchtime 5x -benchmem
    go test ./handlers/drugs -run '^TestDrugFragmentLoad$' -v -count=1 -drugs.load={{DURATION}}

# The clinical functions' figures of BENCHMARKS.md (last section): the
# referral inbox, /dms, issuing a prescription, the 5 MB upload and the
# two printed documents. The list phases need wrk (Debian package).
clinical-bench DURATION="8s":
    go test ./handlers/referral -run '^TestReferralInboxLoad$' -v -count=1 -referral.load -referral.load.duration {{DURATION}} -timeout 20m
    go test ./store -run '^$' -bench 'ReferralInbox|UnreadReferrals' -benchtime 2s
    go test ./handlers/dms -run '^$' -bench 'DMSList|DMSAttachment' -benchtime 1x -timeout 30m
    go test ./store -run '^$' -bench RxIssueParallel20 -benchtime 2000x -count 3
    go test ./views/pdf -run '^$' -bench 'ReferralLetterTwoPages|Prescription$' -benchtime 50x -count 3 -benchmem

# Release build: one stripped binary.
build:
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)" -o hotline .
    ls -l hotline

# Every fuzz target for a while (default 200,000 inputs each; a duration
# such as 30s works too).
fuzz BUDGET="200000x":
    .ci/fuzz {{BUDGET}}

# Load test of the portal top over TLS with keep-alive (wrk, 50 connections),
# beside a hello-world Fiber handler in the same run; RSS idle and under load;
# stripped binary size. Needs wrk (Debian package).
bench-http SECONDS="20":
    #!/usr/bin/env bash
    set -euo pipefail
    dir=$(mktemp -d)
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$dir/hotline" .
    go build -o "$dir/hello" ./handlers/internal/hello
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3)"
    echo "stripped binary: $(stat -c %s "$dir/hotline") bytes"
    HOTLINE_OPERATOR_PASSWORD=bench-operator-pass-1 "$dir/hotline" --db "$dir/hotline.db" --addr :18443 --http-addr "" >/dev/null 2>&1 &
    pid=$!
    "$dir/hello" --addr :18444 >/dev/null 2>&1 &
    hello=$!
    trap 'kill $pid $hello 2>/dev/null || true; rm -rf "$dir"' EXIT
    for i in $(seq 100); do curl -ksf -o /dev/null https://localhost:18443/ && curl -ksf -o /dev/null https://localhost:18444/ && break; sleep 0.1; done
    sleep 2
    echo "hotline RSS idle: $(awk '/VmRSS/{print $2}' /proc/$pid/status) kB"
    echo "== hello-world Fiber handler"
    wrk -t1 -c50 -d{{SECONDS}}s --latency https://localhost:18444/ | grep -E 'Requests/sec|99%|Latency  '
    echo "== hotline portal top"
    wrk -t1 -c50 -d{{SECONDS}}s --latency https://localhost:18443/ | grep -E 'Requests/sec|99%|Latency  '
    echo "hotline RSS after load: $(awk '/VmRSS/{print $2}' /proc/$pid/status) kB, peak $(awk '/VmHWM/{print $2}' /proc/$pid/status) kB"

# --- Operations and proof ---

# Crash safety, long run: kill -9 during writes ROUNDS times (CI runs 20).
crash ROUNDS="200":
    HOTLINE_CRASH_ROUNDS={{ROUNDS}} go test -run TestCrashSafety -count=1 -v -timeout 3h .

# Soak: mixed load against the real binary; prints goroutines, threads and
# RSS over time (REPORT=file also writes the figures there).
soak DURATION="5m" REPORT="":
    HOTLINE_SOAK_REPORT={{REPORT}} go test -run TestSoak -count=1 -v -timeout 3h . -soak={{DURATION}}

# Consistency check of a database file (server stopped).
check DB="hotline.db":
    go run . check --db {{DB}}

# Verified offline backup (server stopped); OUT may be a directory.
backup OUT DB="hotline.db":
    go run . backup --db {{DB}} {{OUT}}
