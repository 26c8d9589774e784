package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// anchorLine is the format of one anchor in the file.
var anchorLine = regexp.MustCompile(`^seq=[1-9][0-9]* time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z jst=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+09:00 hash=[0-9a-f]{64} reason=(entries|daily|start|stop|first)$`)

func mustAudit(t testing.TB, db *DB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := db.Audit(AuditEvent{Actor: "H000001", Action: "patient.view", Patient: fmt.Sprintf("p%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func mustReadAnchors(t testing.TB, path string) AnchorFile {
	t.Helper()
	af, err := ReadAnchorFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(af.Problems) > 0 {
		t.Fatalf("anchor file problems: %q", af.Problems)
	}
	return af
}

func headOf(t testing.TB, db *DB) AuditAnchor {
	t.Helper()
	h, err := db.auditHeadAnchor()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// The head is anchored when the server starts, after every Every entries,
// after MaxAge (by the database clock) with fewer, also for lines of the
// group commit, and when the server stops; each anchor goes to the log and
// to the file, one readable line each.
func TestAuditAnchorsEveryNEntriesAndDaily(t *testing.T) {
	db, now := mustOpen(t)
	mustAudit(t, db, 3)
	file := filepath.Join(t.TempDir(), "backups", AnchorFileName)
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	var log syncBuf
	if err := db.StartAuditAnchors(AnchorConfig{File: file, Every: 10, Log: slog.New(slog.NewTextHandler(&log, nil)), CheckEvery: time.Hour}); err != nil {
		t.Fatal(err)
	}
	want := func(what string, seqs ...uint64) AnchorFile {
		t.Helper()
		af := mustReadAnchors(t, file)
		var got []uint64
		for _, a := range af.Anchors {
			got = append(got, a.Seq)
		}
		if fmt.Sprint(got) != fmt.Sprint(seqs) {
			t.Fatalf("%s: anchors at %v, want %v", what, got, seqs)
		}
		return af
	}
	af := want("start", 3)
	if a := af.Anchors[0]; a.Reason != AnchorReasonStart || a.Hash != headOf(t, db).Hash || !a.Time.Equal(*now) {
		t.Fatalf("start anchor %+v, head %+v", a, headOf(t, db))
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("anchor file: %v %v", fi, err)
	}

	mustAudit(t, db, 9) // seq 12: 9 since the anchor
	want("9 entries", 3)
	mustAudit(t, db, 1) // seq 13
	af = want("10 entries", 3, 13)
	if a := af.Anchors[1]; a.Reason != AnchorReasonEntries || a.Hash != headOf(t, db).Hash {
		t.Fatalf("anchor after 10 entries: %+v", a)
	}

	// A quiet day: fewer entries, anchored once a day has passed.
	*now = now.Add(23 * time.Hour)
	mustAudit(t, db, 1)
	want("23 hours", 3, 13)
	*now = now.Add(time.Hour)
	mustAudit(t, db, 1) // seq 15, 24 h after seq 13
	af = want("a day", 3, 13, 15)
	if a := af.Anchors[2]; a.Reason != AnchorReasonDaily || !a.Time.Equal(*now) {
		t.Fatalf("daily anchor: %+v", a)
	}
	// The timer of a quiet server: nothing new, nothing written; an entry
	// a day old is anchored by the timer alone.
	db.anchors.Load().anchorIfDue()
	want("nothing new", 3, 13, 15)
	mustAudit(t, db, 1) // seq 16
	*now = now.Add(25 * time.Hour)
	db.anchors.Load().anchorIfDue()
	want("timer", 3, 13, 15, 16)
	// That anchor names an event a day old: the next entry is due at once.
	mustAudit(t, db, 1) // seq 17
	want("after the timer", 3, 13, 15, 16, 17)

	// Lines of the group commit count as well.
	for i := 0; i < 10; i++ {
		if err := db.AuditSoon(AuditEvent{Actor: "H000001", Action: "patient.search"}); err != nil {
			t.Fatal(err)
		}
	}
	db.FlushAudit()
	want("group commit", 3, 13, 15, 16, 17, 27)

	mustAudit(t, db, 2) // seq 29
	st := db.AuditAnchorStatus()
	if !st.Enabled || st.File != file || st.Latest == nil || st.Latest.Seq != 27 || st.Problem != "" || st.WriteErr != "" {
		t.Fatalf("status %+v", st)
	}
	db.Close()
	af = want("stop", 3, 13, 15, 16, 17, 27, 29)
	if af.Anchors[6].Reason != AnchorReasonStop {
		t.Fatalf("last anchor %+v", af.Anchors[6])
	}

	data, _ := os.ReadFile(file)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 8 || !strings.HasPrefix(lines[0], "# ") {
		t.Fatalf("file:\n%s", data)
	}
	for _, l := range lines[1:] {
		if !anchorLine.MatchString(l) {
			t.Errorf("anchor line %q", l)
		}
	}
	for _, seq := range []string{"seq=3 ", "seq=13 ", "seq=29 "} {
		if !strings.Contains(log.String(), "audit chain anchor") || !strings.Contains(log.String(), seq) {
			t.Errorf("log lacks the anchor %s:\n%s", seq, log.String())
		}
	}
}

// Without a file the anchors go to the log only; an anchor that cannot be
// written to the file is logged, shown, and written with a later one.
func TestAuditAnchorsLogOnlyAndWriteFailure(t *testing.T) {
	db, _ := mustOpen(t)
	mustAudit(t, db, 2)
	var log syncBuf
	if err := db.StartAuditAnchors(AnchorConfig{Every: 5, Log: slog.New(slog.NewTextHandler(&log, nil))}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "seq=2 ") {
		t.Fatalf("log: %s", log.String())
	}
	if st := db.AuditAnchorStatus(); !st.Enabled || st.File != "" || st.Latest == nil || st.Latest.Seq != 2 {
		t.Fatalf("status %+v", st)
	}

	db2, now := mustOpen(t)
	dir := filepath.Join(t.TempDir(), "gone")
	if err := db2.StartAuditAnchors(AnchorConfig{File: filepath.Join(dir, AnchorFileName), Every: 5}); err == nil {
		t.Fatal("anchors started into a directory that does not exist")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := db2.StartAuditAnchors(AnchorConfig{File: filepath.Join(dir, AnchorFileName), Every: 5}); err != nil {
		t.Fatal(err)
	}
	// The directory goes away (an unmounted disk): the anchor is not
	// written, and the page says so.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	mustAudit(t, db2, 5)
	st := db2.AuditAnchorStatus()
	if st.WriteErr == "" || st.Latest != nil {
		t.Fatalf("status after a failed write: %+v", st)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(2 * time.Minute)
	mustAudit(t, db2, 1)
	if st := db2.AuditAnchorStatus(); st.WriteErr != "" || st.Latest == nil || st.Latest.Seq != 6 {
		t.Fatalf("status after the retry: %+v", st)
	}
}

// rebuildChain changes the event at seq and recomputes its hash and every
// later one, and the head: what someone who can rewrite the file would do
// to hide a change.
func rebuildChain(t testing.TB, db *DB, seq uint64, change func(e *AuditEvent)) {
	t.Helper()
	mustUpdate(t, db, func(tx *Tx) error {
		b := tx.bucket(bucketAudit)
		prev := auditGenesis
		if seq > 1 {
			var p AuditEvent
			if _, err := getJSON(b, itob(seq-1), &p); err != nil {
				return err
			}
			prev = p.Hash
		}
		var events []AuditEvent
		c := b.Cursor()
		for k, v := c.Seek(itob(seq)); k != nil; k, v = c.Next() {
			var e AuditEvent
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			events = append(events, e)
		}
		change(&events[0])
		for _, e := range events {
			e.Prev = prev
			e.Hash = e.computeHash()
			if err := putJSON(b, itob(e.Seq), e); err != nil {
				return err
			}
			prev = e.Hash
		}
		meta := tx.bucket(bucketMeta)
		var head auditHead
		if _, err := getJSON(meta, keyAuditHead, &head); err != nil {
			return err
		}
		head.Hash = prev
		return putJSON(meta, keyAuditHead, head)
	})
}

// anchoredFile is a database with 35 audit events anchored every 10, and
// its anchor file.
func anchoredFile(t *testing.T) (path, anchors string) {
	t.Helper()
	dir := t.TempDir()
	path, anchors = filepath.Join(dir, "hotline.db"), filepath.Join(dir, AnchorFileName)
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.StartAuditAnchors(AnchorConfig{File: anchors, Every: 10}); err != nil {
		t.Fatal(err)
	}
	mustAudit(t, db, 35)
	db.Close()
	return path, anchors
}

// A chain rebuilt after a change passes the plain check, but not the check
// against the anchors: it names the first anchor the chain no longer
// passes through; the ones before it still match.
func TestAnchoredCheckFindsRebuiltChain(t *testing.T) {
	path, anchors := anchoredFile(t)
	af := mustReadAnchors(t, anchors)
	if r, err := CheckFileWith(path, CheckOptions{Pages: true, AnchorFile: anchors}); err != nil || !r.OK() || r.Anchors.Verified != len(af.Anchors) {
		t.Fatalf("before the change: %v %q %+v", err, r.Problems, r.Anchors)
	}

	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rebuildChain(t, db, 15, func(e *AuditEvent) { e.Result, e.Detail = ResultDenied, "閲覧を拒否" })
	db.Close()

	if r, err := CheckFile(path); err != nil || !r.OK() {
		t.Fatalf("the rebuilt chain should pass the plain check: %v %q", err, r.Problems)
	}
	r, err := CheckFileWith(path, CheckOptions{Pages: true, AnchorFile: anchors})
	if err != nil || r.OK() || r.Anchors == nil || r.Anchors.Broken == nil {
		t.Fatalf("the anchored check passed a rebuilt chain: %v %+v", err, r.Anchors)
	}
	var firstAfter AuditAnchor
	before := 0
	for _, a := range af.Anchors {
		if a.Seq >= 15 {
			firstAfter = a
			break
		}
		before++
	}
	if b := r.Anchors.Broken; b.Seq != firstAfter.Seq || b.Line != firstAfter.Line || r.Anchors.Verified != before {
		t.Fatalf("broken at %+v (after %d), want the anchor at seq %d line %d (after %d)", b, r.Anchors.Verified, firstAfter.Seq, firstAfter.Line, before)
	}
	msg := fmt.Sprintf("%d 行目のアンカー（連番 %d", firstAfter.Line, firstAfter.Seq)
	if !strings.Contains(strings.Join(r.Problems, "\n"), msg) || !strings.Contains(strings.Join(r.Problems, "\n"), "作り直された") {
		t.Fatalf("problems %q lack %q", r.Problems, msg)
	}
	var out bytes.Buffer
	r.WriteText(&out)
	if !strings.Contains(out.String(), fmt.Sprintf("%d 行目、連番 %d", firstAfter.Line, firstAfter.Seq)) {
		t.Fatalf("report:\n%s", out.String())
	}
}

// Cutting the end off the chain (and fixing the head) passes the plain
// check; the anchors after the new end show it.
func TestAnchoredCheckFindsTruncatedChain(t *testing.T) {
	path, anchors := anchoredFile(t)
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *Tx) error {
		b := tx.bucket(bucketAudit)
		for seq := uint64(33); seq <= 35; seq++ {
			var e AuditEvent
			if _, err := getJSON(b, itob(seq), &e); err != nil {
				return err
			}
			for _, err := range []error{b.Delete(itob(seq)),
				tx.bucket(bucketAuditByActor).Delete(indexKey(e.Actor, string(itob(seq)))),
				tx.bucket(bucketAuditByPatient).Delete(indexKey(e.Patient, string(itob(seq))))} {
				if err != nil {
					return err
				}
			}
		}
		var e AuditEvent
		if _, err := getJSON(b, itob(32), &e); err != nil {
			return err
		}
		meta := tx.bucket(bucketMeta)
		var head auditHead
		if _, err := getJSON(meta, keyAuditHead, &head); err != nil {
			return err
		}
		head.Seq, head.Hash, head.Time = 32, e.Hash, e.Time
		return putJSON(meta, keyAuditHead, head)
	})
	db.Close()
	if r, err := CheckFile(path); err != nil || !r.OK() {
		t.Fatalf("plain check of the cut chain: %v %q", err, r.Problems)
	}
	r, err := CheckFileWith(path, CheckOptions{AnchorFile: anchors})
	if err != nil || r.Anchors.Broken == nil || r.Anchors.Broken.Seq != 35 || !strings.Contains(r.Anchors.Problem, "ありません") {
		t.Fatalf("anchored check of the cut chain: %v %+v", err, r.Anchors)
	}
}

// A chain broken by a plain edit fails at the anchors after the break too.
func TestAnchoredCheckOfABrokenChain(t *testing.T) {
	path, anchors := anchoredFile(t)
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *Tx) error {
		b := tx.bucket(bucketAudit)
		v := b.Get(itob(5))
		return b.Put(itob(5), bytes.Replace(v, []byte(`"patient.view"`), []byte(`"patient.edit"`), 1))
	})
	db.Close()
	r, err := CheckFileWith(path, CheckOptions{AnchorFile: anchors})
	if err != nil || r.Audit.OK || r.Anchors.Broken == nil || r.Anchors.Broken.Seq < 5 || !strings.Contains(r.Anchors.Problem, "連番 5 で検証に失敗") {
		t.Fatalf("anchored check of a broken chain: %v %+v", err, r.Anchors)
	}
}

// A line cut short (a crash while it was written) or edited is reported
// with its line number, never a crash; the server goes on appending on a
// line of its own.
func TestAnchorFileWithTruncatedLine(t *testing.T) {
	path, anchors := anchoredFile(t)
	data, err := os.ReadFile(anchors)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	last := lines[len(lines)-2]
	cut := strings.Join(lines[:len(lines)-2], "") + last[:40]
	if err := os.WriteFile(anchors, []byte(cut), 0o600); err != nil {
		t.Fatal(err)
	}
	af, err := ReadAnchorFile(anchors)
	if err != nil || len(af.Problems) != 1 || !af.Unterminated {
		t.Fatalf("read: %v %+v", err, af)
	}
	lineNo := len(lines) - 1
	if p := af.Problems[0]; !strings.HasPrefix(p, fmt.Sprintf("%d 行目を読み取れません", lineNo)) || !strings.Contains(p, "途中で切れています") {
		t.Fatalf("problem %q", p)
	}
	r, err := CheckFileWith(path, CheckOptions{AnchorFile: anchors})
	if err != nil || r.OK() || r.Anchors.Broken != nil || !strings.Contains(strings.Join(r.Problems, "\n"), fmt.Sprintf("%d 行目を読み取れません", lineNo)) {
		t.Fatalf("check: %v %q", err, r.Problems)
	}

	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.StartAuditAnchors(AnchorConfig{File: anchors, Every: 10}); err != nil {
		t.Fatal(err)
	}
	mustAudit(t, db, 1)
	db.Close()
	af, err = ReadAnchorFile(anchors)
	if err != nil || len(af.Problems) != 1 || af.Unterminated || af.Anchors[len(af.Anchors)-1].Seq != 36 {
		t.Fatalf("after appending: %v %+v", err, af)
	}

	for _, line := range []string{"seq=1", "seq=x time=2026-04-01T00:00:00Z hash=" + strings.Repeat("a", 64),
		"seq=1 time=yesterday hash=" + strings.Repeat("a", 64), "seq=1 time=2026-04-01T00:00:00Z hash=ABC", "junk"} {
		if _, err := ParseAuditAnchor(line); err == nil {
			t.Errorf("%q parsed", line)
		}
	}
}

// A server that starts on a file whose latest anchor is not in the chain
// (rewritten, or restored from an older copy) says so in the log and on
// the page.
func TestAuditAnchorsStartOnARewrittenChain(t *testing.T) {
	path, anchors := anchoredFile(t)
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rebuildChain(t, db, 30, func(e *AuditEvent) { e.Detail = "書き換え" })
	var log syncBuf
	if err := db.StartAuditAnchors(AnchorConfig{File: anchors, Every: 10, Log: slog.New(slog.NewTextHandler(&log, nil))}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := db.AuditAnchorStatus()
	if !strings.Contains(st.Problem, "連番 35") || !strings.Contains(log.String(), "level=ERROR") {
		t.Fatalf("status %+v\n%s", st, log.String())
	}
}

// syncBuf is a log sink for goroutines.
type syncBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
