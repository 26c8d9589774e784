package browsertest

import (
	"os"
	"os/exec"
	"slices"
	"testing"
)

func policySnapshot(t *testing.T) []policyEntry {
	t.Helper()
	var snap []policyEntry
	if err := updatePolicy(func(e []policyEntry) []policyEntry {
		snap = slices.Clone(e)
		return e
	}); err != nil {
		t.Fatal(err)
	}
	return snap
}

func hasEntry(entries []policyEntry, f func(policyEntry) bool) bool {
	return slices.ContainsFunc(entries, f)
}

// A test process killed before its cleanup leaves its entry behind: the
// next change drops it.
func TestPolicyDropsDeadProcesses(t *testing.T) {
	if os.Geteuid() != 0 {
		skipOrFail(t, "writing %s needs root", PolicyDir)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid
	if err := updatePolicy(func(e []policyEntry) []policyEntry {
		return append(e, policyEntry{ID: "left-by-a-killed-test", PID: dead, Pattern: "https://localhost:1", IssuerCN: "gone"})
	}); err != nil {
		t.Fatal(err)
	}
	remove, err := addPolicy("https://localhost:2", "hotline Client CA test")
	if err != nil {
		t.Fatal(err)
	}
	snap := policySnapshot(t)
	if hasEntry(snap, func(e policyEntry) bool { return e.PID == dead }) {
		t.Errorf("entry of dead process %d kept: %+v", dead, snap)
	}
	if !hasEntry(snap, func(e policyEntry) bool { return e.Pattern == "https://localhost:2" && e.PID == os.Getpid() }) {
		t.Errorf("own entry missing: %+v", snap)
	}
	if other := overridingPolicy(); other != "" {
		t.Errorf("overriding policy file %s", other)
	}
	if err := remove(); err != nil {
		t.Fatal(err)
	}
	if snap := policySnapshot(t); hasEntry(snap, func(e policyEntry) bool { return e.Pattern == "https://localhost:2" }) {
		t.Errorf("entry not removed: %+v", snap)
	}
}
