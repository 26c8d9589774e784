package handlertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// PDFText is a PDF's text as `pdftotext -layout` lays it out. Without
// poppler-utils the test is skipped, saying why (with CI set it fails).
func PDFText(t testing.TB, data []byte) string {
	t.Helper()
	bin := NeedTool(t, "pdftotext", "poppler-utils")
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// NeedTool is the path of a command the test needs (from the Debian
// package pkg): without it the test is skipped, saying why, or fails when
// CI is set (there it must run).
func NeedTool(t testing.TB, name, pkg string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (Debian package %s) is not installed", name, pkg)
		}
		t.Skipf("%s (Debian package %s) is not installed", name, pkg)
	}
	return bin
}

// pdftotext -layout text ("" without poppler, outside CI).
func CheckPDF(t *testing.T, name string, data []byte, want []string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(tool string, args ...string) (string, bool) {
		t.Helper()
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed", tool)
			}
			t.Logf("%s is not installed: not checked", tool)
			return "", false
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, tool, append(args, path)...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", tool, name, err, out)
		}
		return string(out), true
	}
	text := ""
	if out, ok := run("pdftotext", "-layout", "-enc", "UTF-8"); ok {
		// pdftotext with no output file writes NAME.txt.
		b, err := os.ReadFile(strings.TrimSuffix(path, ".pdf") + ".txt")
		if err != nil {
			t.Fatalf("pdftotext output: %v %s", err, out)
		}
		text = string(b)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", name, w, text)
			}
		}
	}
	if out, ok := run("pdffonts"); ok {
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) < 3 {
			t.Errorf("%s: no fonts listed:\n%s", name, out)
		}
		for _, l := range lines[2:] {
			f := strings.Fields(l)
			if len(f) < 6 || f[len(f)-5] != "yes" {
				t.Errorf("%s: font not embedded: %s", name, l)
			}
		}
	}
	run("qpdf", "--check")
	return text
}
