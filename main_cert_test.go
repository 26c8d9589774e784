package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesBadCertValidity: a client certificate lifetime below an
// hour or beyond the CA's is refused before anything starts.
func TestServeRefusesBadCertValidity(t *testing.T) {
	for _, v := range []string{"30m", "-1h", "0s", "100000h"} {
		db := filepath.Join(t.TempDir(), "h.db")
		err := run([]string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--http-addr", "", "--cert-validity", v}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--cert-validity") {
			t.Errorf("--cert-validity %s: %v", v, err)
		}
	}
}
