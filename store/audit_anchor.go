package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Anchors of the audit chain (監査ログのアンカー). The hash chain shows any
// line changed or removed — unless someone who can rewrite the whole file
// changes a line and recomputes every later hash. So the chain head
// (sequence, time, hash) is also published outside the file: to the server
// log and to an append-only anchor file, one line per anchor, every
// AnchorEvery entries and at least daily (AnchorMaxAge), and when the
// server starts and stops. hotline check --anchor verifies that the chain
// still passes through every published head; the operator's 監査ログ page
// shows the latest one to print or copy. A rebuilt chain can hide only what
// came after the last anchor.

// AnchorEvery is how many entries may follow the last anchor before the
// next is written. A rewrite can go unnoticed only for the entries after
// the last anchor: 1,000 is a few hours of a busy day (every patient list,
// search and view is an entry) while an anchor costs one ~170-byte line and
// one fsync, so the file grows by a few kilobytes a day (about 1 MB a year
// at 10,000 entries a day) and hotline check reads it in milliseconds.
const AnchorEvery = 1000

// AnchorMaxAge is the longest an entry waits for an anchor on a quiet day.
const AnchorMaxAge = 24 * time.Hour

// AnchorFileName is the anchor file's name in the backup directory (the
// default of serve --audit-anchor when --backup-dir is set).
const AnchorFileName = "hotline-audit-anchor.txt"

// Why an anchor was written.
const (
	AnchorReasonEntries = "entries" // AnchorEvery entries since the last one
	AnchorReasonDaily   = "daily"   // AnchorMaxAge since the last one
	AnchorReasonStart   = "start"   // the server started
	AnchorReasonStop    = "stop"    // the server stopped
	AnchorReasonFirst   = "first"   // the first entries of a log never anchored
)

// AuditAnchor is one published chain head: the sequence number, time and
// hash of the newest audit event when it was written.
type AuditAnchor struct {
	Seq    uint64
	Time   time.Time // the event's time, UTC
	Hash   string
	Reason string
	// Line is the line of the anchor file it was read from (0: not read).
	Line int
}

// anchorHeader starts a new anchor file: what its fields mean.
const anchorHeader = "# hotline 監査ログのアンカー（1 行 1 件、追記のみ）: seq=連番 time=その記録の日時（UTC） jst=同じ日時（日本時間） hash=その記録のハッシュ（SHA-256） reason=entries|daily|start|stop|first\n"

// String is the anchor's line in the file (without the newline): fields
// key=value separated by one space, times in RFC 3339.
func (a AuditAnchor) String() string {
	s := fmt.Sprintf("seq=%d time=%s jst=%s hash=%s", a.Seq, a.Time.UTC().Format(time.RFC3339), a.Time.In(Tokyo).Format(time.RFC3339), a.Hash)
	if a.Reason != "" {
		s += " reason=" + a.Reason
	}
	return s
}

// ParseAuditAnchor reads one line of an anchor file. Fields it does not
// know are ignored; seq, time and hash must be there and well formed.
func ParseAuditAnchor(line string) (AuditAnchor, error) {
	var a AuditAnchor
	var haveSeq, haveTime, haveHash bool
	for _, f := range strings.Fields(line) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return a, fmt.Errorf("「%s」は key=value ではありません", clip(f, 40))
		}
		switch k {
		case "seq":
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil || n == 0 {
				return a, fmt.Errorf("seq「%s」は連番ではありません", clip(v, 40))
			}
			a.Seq, haveSeq = n, true
		case "time":
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return a, fmt.Errorf("time「%s」は日時ではありません", clip(v, 40))
			}
			a.Time, haveTime = t.UTC(), true
		case "hash":
			if !isSHA256Hex(v) {
				return a, fmt.Errorf("hash「%s」は SHA-256 の16進表記（64 文字）ではありません", clip(v, 80))
			}
			a.Hash, haveHash = v, true
		case "reason":
			a.Reason = v
		}
	}
	switch {
	case !haveSeq:
		return a, errors.New("seq がありません")
	case !haveTime:
		return a, errors.New("time がありません")
	case !haveHash:
		return a, errors.New("hash がありません")
	}
	return a, nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// AnchorFile is what an anchor file holds.
type AnchorFile struct {
	Anchors []AuditAnchor
	// Problems are the lines that could not be read (a line cut short by
	// a crash while it was written, or an edit), with their line numbers.
	Problems []string
	// Lines is the number of lines, comments and blanks included.
	Lines int
	// Unterminated: the last line has no newline (the next anchor starts
	// a line of its own).
	Unterminated bool
}

// ReadAnchorFile reads an anchor file. Lines it cannot read are reported
// in Problems, not as an error; err is for a file that cannot be read.
func ReadAnchorFile(path string) (AnchorFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return AnchorFile{}, err
	}
	defer f.Close()
	return readAnchors(f)
}

func readAnchors(r io.Reader) (AnchorFile, error) {
	var af AnchorFile
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line == "" && err == io.EOF {
			return af, nil
		}
		if err != nil && err != io.EOF {
			return af, err
		}
		af.Lines++
		af.Unterminated = !strings.HasSuffix(line, "\n")
		text := strings.TrimSpace(line)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		a, perr := ParseAuditAnchor(text)
		if perr != nil {
			why := perr.Error()
			if af.Unterminated {
				why += "。行が途中で切れています"
			}
			af.Problems = append(af.Problems, fmt.Sprintf("%d 行目を読み取れません（%s）: %s", af.Lines, why, clip(text, 120)))
			continue
		}
		a.Line = af.Lines
		af.Anchors = append(af.Anchors, a)
	}
}

// appendAnchorLine appends one line to the anchor file, creating it (0600,
// with the header) when it does not exist, and syncs it before returning.
// startLine puts a newline first, after a last line that had none.
func appendAnchorLine(path, line string, startLine bool) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	var buf bytes.Buffer
	if fi.Size() == 0 {
		buf.WriteString(anchorHeader)
	} else if startLine {
		buf.WriteByte('\n')
	}
	buf.WriteString(line)
	buf.WriteByte('\n')
	// One write: a crash leaves at most this line cut short.
	_, err = f.Write(buf.Bytes())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && fi.Size() == 0 {
		err = syncDir(filepath.Dir(path))
	}
	return err
}

// AnchorConfig says where anchors go.
type AnchorConfig struct {
	// File is the anchor file ("" : the server log only).
	File string
	// Every and MaxAge default to AnchorEvery and AnchorMaxAge (tests set
	// them smaller).
	Every  uint64
	MaxAge time.Duration
	// Log receives every anchor, and write failures.
	Log *slog.Logger
	// CheckEvery is how often a quiet server looks whether an anchor is
	// due by age (default 10 minutes).
	CheckEvery time.Duration
}

// AnchorStatus is what the operator's 監査ログ page shows.
type AnchorStatus struct {
	Enabled bool
	File    string
	Every   uint64
	MaxAge  time.Duration
	// Latest is the newest anchor written (or read from the file at
	// start); nil when there is none yet.
	Latest *AuditAnchor
	// WriteErr is why the last anchor could not be written to the file.
	WriteErr string
	// Problem: the latest anchor in the file at start is not in this
	// database's chain (the file was rewritten, or restored from an older
	// backup).
	Problem string
}

// auditAnchorer writes the anchors of a serving database.
type auditAnchorer struct {
	db  *DB
	cfg AnchorConfig

	mu          sync.Mutex
	last        AuditAnchor // the newest anchor written or read
	written     bool        // last was written by this process or read from the file
	startLine   bool        // the file's last line has no newline
	writeErr    string
	retryAt     time.Time // after a failed write, when to try again
	problem     string
	stop, done  chan struct{}
	stopOnce    sync.Once
	checkPeriod time.Duration
}

// StartAuditAnchors publishes the chain head from now on, as cfg says: it
// reads the anchor file (creating it on the first anchor), checks that the
// file's latest anchor is still in the chain (logged and shown when it is
// not), writes an anchor now when the chain moved since, and then one
// every cfg.Every entries and at least every cfg.MaxAge, and a last one in
// Close. Only a server calls it: offline commands leave the file alone.
func (db *DB) StartAuditAnchors(cfg AnchorConfig) error {
	if db.anchors.Load() != nil {
		return errors.New("anchors already started")
	}
	if cfg.Every == 0 {
		cfg.Every = AnchorEvery
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = AnchorMaxAge
	}
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = 10 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a := &auditAnchorer{db: db, cfg: cfg, stop: make(chan struct{}), done: make(chan struct{}), checkPeriod: cfg.CheckEvery}
	if cfg.File != "" {
		if fi, err := os.Stat(filepath.Dir(cfg.File)); err != nil || !fi.IsDir() {
			return fmt.Errorf("監査ログのアンカーファイル %s の置き場所 %s がありません", cfg.File, filepath.Dir(cfg.File))
		}
		af, err := ReadAnchorFile(cfg.File)
		switch {
		case errors.Is(err, os.ErrNotExist):
			// Made with the first anchor.
		case err != nil:
			return fmt.Errorf("監査ログのアンカーファイル %s を読めません: %w", cfg.File, err)
		default:
			for _, p := range af.Problems {
				cfg.Log.Warn("audit anchor file: unreadable line", "file", cfg.File, "problem", p)
			}
			if n := len(af.Anchors); n > 0 {
				a.last, a.written = af.Anchors[n-1], true
			}
			a.startLine = af.Unterminated
		}
	}
	head, err := db.auditHeadAnchor()
	if err != nil {
		return err
	}
	if a.written {
		if p := db.anchorInChain(a.last); p != "" {
			a.problem = fmt.Sprintf("アンカーファイルの最新のアンカー（%d 行目、連番 %d）: %s", a.last.Line, a.last.Seq, p)
			cfg.Log.Error("audit chain does not pass through the latest anchor", "file", cfg.File, "line", a.last.Line,
				"seq", a.last.Seq, "hash", a.last.Hash, "problem", p)
		}
	}
	db.anchors.Store(a)
	if head.Seq > 0 && (head.Seq != a.last.Seq || head.Hash != a.last.Hash) {
		head.Reason = AnchorReasonStart
		a.mu.Lock()
		a.writeLocked(head)
		a.mu.Unlock()
	}
	go a.run()
	return nil
}

// AuditHead is the chain head now, as an anchor (Seq 0: an empty log).
func (db *DB) AuditHead() (AuditAnchor, error) { return db.auditHeadAnchor() }

// auditHeadAnchor is the chain head as an anchor (Seq 0: an empty log).
func (db *DB) auditHeadAnchor() (AuditAnchor, error) {
	var a AuditAnchor
	err := db.View(func(tx *Tx) error {
		var head auditHead
		if _, err := getJSON(tx.bucket(bucketMeta), keyAuditHead, &head); err != nil {
			return err
		}
		a = AuditAnchor{Seq: head.Seq, Time: head.Time.UTC(), Hash: head.Hash}
		if head.Seq > 0 {
			// The event's own time: heads written before the clock steps
			// were recorded hold none.
			var e struct {
				Time time.Time `json:"time"`
			}
			if _, err := getJSON(tx.bucket(bucketAudit), itob(head.Seq), &e); err == nil && !e.Time.IsZero() {
				a.Time = e.Time.UTC()
			}
		}
		return nil
	})
	return a, err
}

// anchorInChain says why the event the anchor names is not the one in the
// chain ("" when it is).
func (db *DB) anchorInChain(a AuditAnchor) string {
	var problem string
	err := db.View(func(tx *Tx) error {
		problem = anchorEventProblem(tx, a)
		return nil
	})
	if err != nil {
		return err.Error()
	}
	return problem
}

// anchorEventProblem compares the event at a.Seq with the anchor.
func anchorEventProblem(tx *Tx, a AuditAnchor) string {
	data := tx.bucket(bucketAudit).Get(itob(a.Seq))
	if data == nil {
		return fmt.Sprintf("連番 %d の記録がありません（末尾が削除されたか、より古いバックアップから戻された可能性）", a.Seq)
	}
	var e struct {
		Hash string `json:"hash"`
	}
	if err := json.Unmarshal(data, &e); err != nil {
		return fmt.Sprintf("連番 %d の記録を読み取れません", a.Seq)
	}
	if e.Hash != a.Hash {
		return fmt.Sprintf("連番 %d の記録のハッシュがアンカーと一致しません（記録が書き換えられ、チェーンが作り直された可能性）", a.Seq)
	}
	return ""
}

// due says whether an event appended at seq, at now, calls for an anchor.
func (a *auditAnchorer) due(seq uint64, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.dueLocked(seq, now)
}

func (a *auditAnchorer) dueLocked(seq uint64, now time.Time) bool {
	if seq <= a.last.Seq || now.Before(a.retryAt) {
		return false
	}
	return seq >= a.last.Seq+a.cfg.Every || now.Sub(a.last.Time) >= a.cfg.MaxAge
}

// anchorIfDue writes an anchor of the current head when one is due (after
// a commit that appended, and from the timer of a quiet server).
func (a *auditAnchorer) anchorIfDue() {
	head, err := a.db.auditHeadAnchor()
	if err != nil {
		a.cfg.Log.Error("audit anchor: reading the chain head", "err", err)
		return
	}
	now := a.db.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.dueLocked(head.Seq, now) {
		return
	}
	switch {
	case head.Seq >= a.last.Seq+a.cfg.Every:
		head.Reason = AnchorReasonEntries
	case !a.written:
		head.Reason = AnchorReasonFirst
	default:
		head.Reason = AnchorReasonDaily
	}
	a.writeLocked(head)
}

// writeLocked logs the anchor and appends it to the file. A failed write
// is logged and shown, and tried again a minute later at the earliest (the
// anchor is in the log meanwhile).
func (a *auditAnchorer) writeLocked(h AuditAnchor) {
	a.cfg.Log.Info("audit chain anchor", "seq", h.Seq, "time", h.Time.UTC().Format(time.RFC3339),
		"jst", h.Time.In(Tokyo).Format(time.RFC3339), "hash", h.Hash, "reason", h.Reason, "file", a.cfg.File)
	if a.cfg.File != "" {
		if err := appendAnchorLine(a.cfg.File, h.String(), a.startLine); err != nil {
			a.writeErr = err.Error()
			a.retryAt = a.db.Now().Add(time.Minute)
			a.cfg.Log.Error("audit anchor not written to the anchor file", "file", a.cfg.File, "err", err)
			return
		}
		a.startLine, a.writeErr, a.retryAt = false, "", time.Time{}
	}
	a.last, a.written = h, true
}

// commitHook is registered on a transaction that appended an event due
// for an anchor; it runs after the commit, outside bbolt's locks.
func (a *auditAnchorer) commitHook() { a.anchorIfDue() }

func (a *auditAnchorer) run() {
	defer close(a.done)
	t := time.NewTicker(a.checkPeriod)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			a.anchorIfDue()
		}
	}
}

// close stops the timer and anchors the head when it moved since the last
// anchor (called by DB.Close once the queued audit lines are in).
func (a *auditAnchorer) close() {
	a.stopOnce.Do(func() { close(a.stop) })
	<-a.done
	head, err := a.db.auditHeadAnchor()
	if err != nil {
		a.cfg.Log.Error("audit anchor at shutdown: reading the chain head", "err", err)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if head.Seq > a.last.Seq {
		head.Reason = AnchorReasonStop
		a.writeLocked(head)
	}
}

// AuditAnchorStatus reports the anchors for the 監査ログ page.
func (db *DB) AuditAnchorStatus() AnchorStatus {
	a := db.anchors.Load()
	if a == nil {
		return AnchorStatus{}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	st := AnchorStatus{Enabled: true, File: a.cfg.File, Every: a.cfg.Every, MaxAge: a.cfg.MaxAge, WriteErr: a.writeErr, Problem: a.problem}
	if a.written {
		last := a.last
		st.Latest = &last
	}
	return st
}

// AnchorVerification is the result of checking a chain against the
// anchors of an anchor file (hotline check --anchor).
type AnchorVerification struct {
	File     string
	Anchors  int // anchors read
	Verified int // anchors the chain passes through, before the first that it does not
	// Broken is the first anchor the chain does not pass through, and
	// why; nil when it passes through all.
	Broken  *AuditAnchor
	Problem string
	// FailedAfter counts the anchors after Broken that fail too.
	FailedAfter int
	// Unreadable lists the lines that could not be read.
	Unreadable []string
}

// OK reports whether the chain passes through every anchor and every line
// was read.
func (v AnchorVerification) OK() bool { return v.Broken == nil && len(v.Unreadable) == 0 }

// verifyAnchorsTx checks each anchor in the file's order: the event at its
// sequence has its hash, and the chain verifies up to it (chain is the
// result of walking the whole chain in this transaction).
func verifyAnchorsTx(tx *Tx, af AnchorFile, chain AuditVerification) AnchorVerification {
	v := AnchorVerification{Anchors: len(af.Anchors), Unreadable: af.Problems}
	for i, a := range af.Anchors {
		problem := anchorEventProblem(tx, a)
		if problem == "" && !chain.OK && a.Seq >= chain.BrokenAt {
			problem = fmt.Sprintf("チェーンが連番 %d で検証に失敗するため、連番 %d まで検証できません（%s）", chain.BrokenAt, a.Seq, chain.Problem)
		}
		if problem == "" {
			if v.Broken == nil {
				v.Verified++
			}
			continue
		}
		if v.Broken == nil {
			broken := af.Anchors[i]
			v.Broken, v.Problem = &broken, problem
			continue
		}
		v.FailedAfter++
	}
	return v
}

// problems are the report lines of the verification: the unreadable
// lines, and the first anchor the chain does not pass through.
func (v AnchorVerification) problems() []string {
	var out []string
	for i, p := range v.Unreadable {
		if i == maxListed {
			out = append(out, fmt.Sprintf("アンカーファイル: ほか %d 行を読み取れません", len(v.Unreadable)-maxListed))
			break
		}
		out = append(out, "アンカーファイル: "+p)
	}
	if v.Anchors == 0 && len(v.Unreadable) == 0 {
		out = append(out, "アンカーファイル: アンカーが 1 件もありません")
	}
	if b := v.Broken; b != nil {
		p := fmt.Sprintf("アンカー: %d 行目のアンカー（連番 %d、%s、hash=%s）をチェーンが通過しません: %s",
			b.Line, b.Seq, b.Time.In(Tokyo).Format("2006-01-02 15:04:05 MST"), b.Hash, v.Problem)
		if v.Verified > 0 {
			p += fmt.Sprintf("。それより前の %d 件は一致しています", v.Verified)
		}
		if v.FailedAfter > 0 {
			p += fmt.Sprintf("。以降のアンカー %d 件も一致しません", v.FailedAfter)
		}
		out = append(out, p)
	}
	return out
}
