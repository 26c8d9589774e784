//go:build linux

package store

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// zoneDirs are where Go looks for the system's zone database on Linux.
var zoneDirs = []string{"/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ", "/etc/zoneinfo"}

const (
	tzOK       = "Japan time without a zone database: ok"
	cannotHide = "cannot hide the zone database"
)

// TestJapanTimeWithoutZoneDatabase: Japan time comes from the zone
// database compiled into the binary (time/tzdata), so a server without one
// still shows Japanese times. The test runs itself again in new user and
// mount namespaces, covers the system's zone directories with empty mounts
// (and GOROOT's copy with a bogus GOROOT), then starts itself once more so
// the package initialises with no zone database in sight.
func TestJapanTimeWithoutZoneDatabase(t *testing.T) {
	switch os.Getenv("HOTLINE_TZ_TEST") {
	case "hide":
		if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
			t.Skipf("%s: %v", cannotHide, err)
		}
		for _, dir := range zoneDirs {
			if _, err := os.Stat(dir); err == nil {
				if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
					t.Skipf("%s %s: %v", cannotHide, dir, err)
				}
			}
		}
		env := []string{"HOTLINE_TZ_TEST=check"}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "HOTLINE_TZ_TEST=") {
				env = append(env, kv)
			}
		}
		t.Fatal(syscall.Exec(os.Args[0], os.Args, env))
	case "check":
		for _, dir := range zoneDirs {
			if _, err := os.Stat(filepath.Join(dir, "Asia", "Tokyo")); err == nil {
				t.Fatalf("%s is not hidden", dir)
			}
		}
		if _, err := os.Stat(filepath.Join(runtime.GOROOT(), "lib", "time", "zoneinfo.zip")); err == nil {
			t.Fatalf("GOROOT %s still has a zone database", runtime.GOROOT())
		}
		at := time.Date(2026, 4, 1, 15, 4, 5, 0, time.UTC)
		if got := BackupFileName(at); got != "hotline-20260402-000405.db" {
			t.Fatalf("BackupFileName: %q", got)
		}
		if name, offset := at.In(Tokyo).Zone(); name != "JST" || offset != 9*60*60 || Tokyo.String() != "Asia/Tokyo" {
			t.Fatalf("Tokyo: %s %d (%s)", name, offset, Tokyo)
		}
		if _, err := time.LoadLocation("Europe/Berlin"); err != nil {
			t.Fatalf("the embedded database: %v", err)
		}
		t.Log(tzOK)
		return
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestJapanTimeWithoutZoneDatabase$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "HOTLINE_TZ_TEST=hide", "ZONEINFO=/nonexistent", "TZ=UTC", "GOROOT=/nonexistent")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:                 syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		GidMappingsEnableSetgroups: false,
		Pdeathsig:                  syscall.SIGKILL,
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Skipf("cannot make user and mount namespaces here: %v", err)
	}
	if err == nil && strings.Contains(string(out), cannotHide) {
		t.Skipf("%s", out)
	}
	if err != nil || !strings.Contains(string(out), tzOK) {
		t.Fatalf("without a zone database: %v\n%s", err, out)
	}
}
