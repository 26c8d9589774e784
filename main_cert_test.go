package main

import (
	"io"
	"path/filepath"
	"regexp"
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

// TestServeWarnsWhenClientCertificatesOff: a server started with
// --client-cert off says so in its log, as a warning; one that checks
// certificates does not.
func TestServeWarnsWhenClientCertificatesOff(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	bin := buildBinary(t)
	warning := regexp.MustCompile(`(?m)^.*level=WARN.*client certificates are OFF.*$`)
	for _, tc := range []struct {
		mode string
		warn bool
	}{{"off", true}, {"optional", false}, {"required", false}} {
		s := opsStart(t, bin, filepath.Join(t.TempDir(), "h.db"), true, "--client-cert", tc.mode)
		s.stop(t)
		out := s.out.String()
		if got := warning.MatchString(out); got != tc.warn {
			t.Errorf("--client-cert %s: warning logged %v, want %v:\n%s", tc.mode, got, tc.warn, out)
		}
		if !strings.Contains(out, "client certificates "+tc.mode) {
			t.Errorf("--client-cert %s: the start line does not name the mode:\n%s", tc.mode, out)
		}
	}
}
