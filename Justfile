# hotline — conveniences. Neither `go run .` nor `go test ./...` needs just.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Start the portal on the defaults (https://localhost:8443, hotline.db here).
run *ARGS:
    go run . {{ARGS}}

# The test command of the README (what CI runs, with CI=true).
test:
    go test ./...

# Regenerate templ code (from the repository root).
gen:
    go tool templ generate

# Formatting, vet and generated-code freshness.
lint:
    test -z "$(gofmt -l $(git ls-files '*.go'))"
    go vet ./...
    go tool templ generate >/dev/null && test -z "$(git status --porcelain -- '*_templ.go')"

# Browser tests only (real headless Chromium).
e2e:
    CI=true go test -run 'Browser|Chromium|E2E' -v ./...

# Go benchmarks (PDF, certificate check, store, start-up).
bench:
    go test -run '^$' -bench . -benchmem ./store/ ./handlers/ ./views/pdf/
    go test -run '^$' -bench StartToFirstAnswer -benchtime 10x .

# Release build: one stripped binary.
build:
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)" -o hotline .
    ls -l hotline

# Every fuzz target for a while (default 30s each).
fuzz TIME="30s":
    .ci/fuzz {{TIME}}
