package browsertest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"syscall"
)

// policyEntry is one live browser's claim in the shared policy file.
type policyEntry struct {
	ID       string `json:"id"`
	PID      int    `json:"pid"`
	Pattern  string `json:"pattern"`
	IssuerCN string `json:"issuer_cn"`
}

// autoSelectRule is the JSON that Chromium expects in each string of the
// AutoSelectCertificateForUrls list.
type autoSelectRule struct {
	Pattern string `json:"pattern"`
	Filter  struct {
		Issuer struct {
			CN string `json:"CN"`
		} `json:"ISSUER"`
	} `json:"filter"`
}

// addPolicy adds a rule "present the certificate issued by issuerCN to
// pattern" to the shared policy file, and returns the func that takes it
// out again.
func addPolicy(pattern, issuerCN string) (remove func() error, err error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	id := hex.EncodeToString(b)
	err = updatePolicy(func(entries []policyEntry) []policyEntry {
		return append(entries, policyEntry{ID: id, PID: os.Getpid(), Pattern: pattern, IssuerCN: issuerCN})
	})
	if err != nil {
		return nil, err
	}
	return func() error {
		return updatePolicy(func(entries []policyEntry) []policyEntry {
			out := entries[:0]
			for _, e := range entries {
				if e.ID != id {
					out = append(out, e)
				}
			}
			return out
		})
	}, nil
}

// updatePolicy changes the list of entries under an exclusive flock of
// LockFile (which also holds the list), drops the entries of processes that
// no longer run, and rewrites the policy file from the list.
func updatePolicy(change func([]policyEntry) []policyEntry) error {
	lock, err := os.OpenFile(LockFile, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("flock %s: %w", LockFile, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)

	raw, err := io.ReadAll(lock)
	if err != nil {
		return err
	}
	var entries []policyEntry
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &entries); err != nil {
			entries = nil // a broken state file: start again
		}
	}
	live := entries[:0]
	for _, e := range entries {
		if processAlive(e.PID) {
			live = append(live, e)
		}
	}
	entries = change(live)

	if err := writePolicy(entries); err != nil {
		return err
	}
	out, err := json.Marshal(entries)
	if err != nil {
		return err
	}
	if err := lock.Truncate(0); err != nil {
		return err
	}
	if _, err := lock.WriteAt(out, 0); err != nil {
		return err
	}
	return lock.Sync()
}

// processAlive reports whether a process with that PID exists.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// writePolicy replaces the policy file by one holding the rules of the
// entries (or removes it when there are none). It writes beside the managed
// directory and renames, so Chromium never reads half a file.
func writePolicy(entries []policyEntry) error {
	path := filepath.Join(PolicyDir, PolicyFile)
	if len(entries) == 0 {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Pattern < entries[j].Pattern })
	var rules []string
	for _, e := range entries {
		var r autoSelectRule
		r.Pattern = e.Pattern
		r.Filter.Issuer.CN = e.IssuerCN
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		rules = append(rules, string(b))
	}
	doc, err := json.MarshalIndent(map[string]any{"AutoSelectCertificateForUrls": rules}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(PolicyDir, 0o755); err != nil {
		return err
	}
	// The temporary file is in the parent directory: Chromium reads every
	// file of the managed directory.
	tmp, err := os.CreateTemp(filepath.Dir(PolicyDir), "."+PolicyFile+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(doc, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// overridingPolicy returns the path of another policy file that would hide
// ours: Chromium takes a policy set by several files from the file whose
// name sorts last.
func overridingPolicy() string {
	entries, err := os.ReadDir(PolicyDir)
	if err != nil {
		return ""
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || e.Name() <= PolicyFile {
			continue
		}
		path := filepath.Join(PolicyDir, e.Name())
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte("AutoSelectCertificateForUrls")) {
			return path
		}
	}
	return ""
}
