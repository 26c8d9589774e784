package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backups (バックアップ). A backup is a consistent copy of the whole file
// taken in one read transaction (bbolt Tx.WriteTo), so the server keeps
// serving meanwhile. It holds the CA keys: files are written 0600.

// BackupResult describes one backup written to a file.
type BackupResult struct {
	File     string    `json:"file"` // full path
	Size     int64     `json:"size"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// AuditEntries is how many audit events the verified copy holds.
	AuditEntries uint64 `json:"audit_entries,omitempty"`
	// Err is why the backup failed; empty on success.
	Err string `json:"err,omitempty"`
	// Unverified is where the copy was kept when it was written but failed
	// its verification (see UnverifiedBackupName).
	Unverified string `json:"unverified,omitempty"`
	// Salvage is what the offline backup of a file that failed its check
	// read and left out (hotline backup only).
	Salvage *SalvageReport `json:"-"`
}

// OK reports whether the backup was written and verified.
func (r BackupResult) OK() bool { return r.Err == "" }

// Duration is how long the backup took.
func (r BackupResult) Duration() time.Duration { return r.Finished.Sub(r.Started) }

// WriteBackup writes a consistent copy of the database to w.
func (db *DB) WriteBackup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupStream returns a consistent copy of the database as a stream of
// known size, for a download. The copy is first written to an unlinked
// temporary file beside the database (so nothing is left behind, even after
// a crash), and the read transaction ends before the transfer begins: a
// read transaction held open while a slow client downloads would hold up
// every write that needs the file to grow. It needs free space the size of
// the database there. The caller must Close the stream.
func (db *DB) BackupStream() (io.ReadCloser, int64, error) {
	f, err := os.CreateTemp(filepath.Dir(db.path), tempPrefix+"*"+tempSuffix)
	if err != nil {
		return nil, 0, err
	}
	_ = os.Remove(f.Name())
	n, err := db.WriteBackup(f)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, n, nil
}

// BackupToFile writes a verified copy of the database to path: to a
// temporary name in the same directory (mode 0600), synced, checked like
// hotline check does (opened read-only: pages, schema, audit chain,
// indexes), then renamed over path. On any failure the temporary file is
// removed and path is untouched.
func (db *DB) BackupToFile(ctx context.Context, path string) (BackupResult, error) {
	return db.backupToFile(ctx, path, false)
}

// backupToFile is BackupToFile; with keepUnverified, a copy that was
// written but fails the verification is kept under
// UnverifiedBackupName(path) (res.Unverified) instead of removed: when the
// database itself is damaged, every later scheduled backup fails the same
// way, and that copy is the newest there is.
func (db *DB) backupToFile(ctx context.Context, path string, keepUnverified bool) (BackupResult, error) {
	res := BackupResult{File: path, Started: time.Now()}
	fail := func(err error) (BackupResult, error) {
		res.Finished = time.Now()
		res.Err = err.Error()
		return res, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fail(err)
	}
	if src, err := filepath.Abs(db.path); err == nil && src == abs {
		return fail(errors.New("バックアップ先がデータベースファイル自身です"))
	}
	dir := filepath.Dir(abs)
	tmp, err := os.CreateTemp(dir, tempPrefix+"*"+tempSuffix)
	if err != nil {
		return fail(fmt.Errorf("一時ファイルを作成できません: %w", err))
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // a no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fail(err)
	}
	n, err := db.WriteBackup(ctxWriter{ctx: ctx, w: tmp})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(fmt.Errorf("書き込みに失敗しました: %w", err))
	}
	res.Size = n
	report, err := CheckFile(tmpName)
	switch {
	case err != nil:
		err = &verifyError{fmt.Errorf("検証のために開けません: %w", err), []string{err.Error()}}
	case !report.OK():
		err = &verifyError{fmt.Errorf("検証に失敗しました: %s", strings.Join(report.Problems, "; ")), report.Problems}
	}
	if err != nil && keepUnverified {
		kept := UnverifiedBackupName(abs)
		if rerr := os.Rename(tmpName, kept); rerr == nil && syncDir(dir) == nil {
			res.Unverified = kept
			err = fmt.Errorf("%w（検証前のコピーを %s として残しました）", err, filepath.Base(kept))
		}
	}
	if err != nil {
		return fail(err)
	}
	res.AuditEntries = report.Audit.Entries
	if err := os.Rename(tmpName, abs); err != nil {
		return fail(err)
	}
	if err := syncDir(dir); err != nil {
		return fail(err)
	}
	res.File = abs
	res.Finished = time.Now()
	return res, nil
}

const (
	tempPrefix = ".hotline-backup-"
	tempSuffix = ".tmp"
)

// verifyError is a copy that was written but failed its check.
type verifyError struct {
	error
	problems []string
}

func (e *verifyError) Unwrap() error { return e.error }

// BackupFile is the offline backup (hotline backup, server stopped): it
// opens src read-only — refused while a server holds it — and writes a
// verified copy to out, or into out when out is a directory.
//
// A file that fails its check (or that bbolt cannot open) is salvaged
// instead: what can be read is written, bucket by bucket and key by key,
// to UnverifiedBackupName(out) (0600), res.Salvage names what was left out
// and what the copy lacks, and the error says the backup failed.
func BackupFile(src, out string) (BackupResult, error) {
	if _, err := os.Stat(src); err != nil {
		return BackupResult{}, fmt.Errorf("%s を開けません: %w", src, err)
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		out = filepath.Join(out, BackupFileName(time.Now()))
	}
	db, err := Open(src, Options{ReadOnly: true, NoMigrate: true, Timeout: time.Second})
	if err != nil {
		if errors.As(err, new(errInUse)) {
			return BackupResult{}, err
		}
		// Not even bbolt's own meta pages: the salvage reads what it can.
		return salvageBackup(src, out, []string{err.Error()})
	}
	defer db.Close() // held while salvaging: no server can start meanwhile
	res, err := db.BackupToFile(context.Background(), out)
	var ve *verifyError
	if !errors.As(err, &ve) {
		return res, err
	}
	return salvageBackup(src, out, ve.problems)
}

// salvageBackup writes what can be read of src to out's unverified name
// and returns the failure that the backup is.
func salvageBackup(src, out string, problems []string) (BackupResult, error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return BackupResult{}, err
	}
	res := BackupResult{File: abs, Started: time.Now()}
	rep := &SalvageReport{SourceProblems: limitLines(problems, maxListed)}
	res.Salvage = rep
	if err := salvageFile(src, UnverifiedBackupName(abs), rep); err != nil {
		res.Finished = time.Now()
		res.Err = err.Error()
		return res, fmt.Errorf("%s: %w", rep.summary(), err)
	}
	res.Unverified = rep.File
	if fi, err := os.Stat(rep.File); err == nil {
		res.Size = fi.Size()
	}
	check, err := CheckFile(rep.File)
	rep.CopyProblems = limitLines(problemsOf(err, check), maxListed)
	res.Finished = time.Now()
	res.Err = rep.summary()
	return res, errors.New(res.Err)
}

// ctxWriter stops a long copy when its context ends.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// BackupFileName is the name of a generation written at t (Japan time, so
// the operator reads the date they expect): hotline-20260401-030000.db.
func BackupFileName(t time.Time) string {
	return "hotline-" + t.In(Tokyo).Format("20060102-150405") + ".db"
}

var (
	generationName = regexp.MustCompile(`^hotline-[0-9]{8}-[0-9]{6}\.db$`)
	unverifiedName = regexp.MustCompile(`^hotline-[0-9]{8}-[0-9]{6}-unverified\.db$`)
)

// UnverifiedBackupName is where a copy that failed its verification is
// kept: hotline-20260401-030000-unverified.db beside
// hotline-20260401-030000.db. It is not a generation: never listed or
// pruned as one.
func UnverifiedBackupName(path string) string {
	return strings.TrimSuffix(path, ".db") + "-unverified.db"
}

// BackupGeneration is one backup file in the backup directory.
type BackupGeneration struct {
	Name    string
	Size    int64
	ModTime time.Time
}

// ListBackupGenerations lists the backup files in dir, newest first. Only
// files named like BackupFileName count; nothing else there is touched.
func ListBackupGenerations(dir string) ([]BackupGeneration, error) {
	return listBackupFiles(dir, generationName)
}

// listBackupFiles lists the files of dir whose names match, newest first.
func listBackupFiles(dir string, name *regexp.Regexp) ([]BackupGeneration, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []BackupGeneration
	for _, e := range entries {
		if !e.Type().IsRegular() || !name.MatchString(e.Name()) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, BackupGeneration{Name: e.Name(), Size: fi.Size(), ModTime: fi.ModTime()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name > out[j].Name })
	return out, nil
}

// BackupSchedule configures scheduled backups (serve --backup-dir,
// --backup-every, --backup-keep). A zero Dir means none are scheduled.
type BackupSchedule struct {
	Dir   string
	Every time.Duration
	Keep  int
}

// Enabled reports whether backups are scheduled.
func (s BackupSchedule) Enabled() bool { return s.Dir != "" }

// Backups runs the server's hot backups one at a time: the scheduled ones
// into the backup directory, keeping Keep generations, the operator's
// "back up now", and the operator's downloads. A second one while one runs
// is refused (ECONFLICT): each holds a long read transaction.
type Backups struct {
	db  *DB
	cfg BackupSchedule

	busy chan struct{} // a slot: full while a backup runs

	mu      sync.Mutex
	last    *BackupResult
	next    time.Time
	running string // what runs now, for the status page
}

// NewBackups prepares backups for db. With a schedule, the directory is
// created (0700), leftovers of an interrupted backup are removed, and the
// last result recorded before a restart is the last result again.
func NewBackups(db *DB, cfg BackupSchedule) (*Backups, error) {
	b := &Backups{db: db, cfg: cfg, busy: make(chan struct{}, 1)}
	if !cfg.Enabled() {
		return b, nil
	}
	if cfg.Every <= 0 {
		return nil, errors.New("--backup-every は正の時間で指定してください（例: 24h）")
	}
	if cfg.Keep < 1 {
		return nil, errors.New("--backup-keep は 1 以上で指定してください")
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("バックアップ先 %s を作成できません: %w", cfg.Dir, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(cfg.Dir, tempPrefix+"*"+tempSuffix))
	for _, f := range leftovers {
		_ = os.Remove(f)
	}
	last, err := db.lastBackup()
	if err != nil {
		return nil, err
	}
	b.last = last
	return b, nil
}

var keyBackupLast = []byte("backup_last")

// lastBackup is the result recordBackup kept (nil: none yet).
func (db *DB) lastBackup() (*BackupResult, error) {
	var res BackupResult
	var found bool
	err := db.View(func(tx *Tx) error {
		var err error
		found, err = getJSON(tx.bucket(bucketMeta), keyBackupLast, &res)
		return err
	})
	if err != nil || !found {
		return nil, err
	}
	return &res, nil
}

// recordBackup audits a backup into the directory and keeps its result in
// the same transaction, so the dashboard shows it after a restart too.
func (db *DB) recordBackup(res BackupResult, ev AuditEvent) error {
	return db.Update(func(tx *Tx) error {
		if err := putJSON(tx.bucket(bucketMeta), keyBackupLast, res); err != nil {
			return err
		}
		return AppendAudit(tx, ev)
	})
}

// Schedule is the configuration.
func (b *Backups) Schedule() BackupSchedule { return b.cfg }

// BackupStatus is what the operator sees about backups.
type BackupStatus struct {
	Schedule    BackupSchedule
	Running     string // "" when idle
	Last        *BackupResult
	Next        time.Time // zero when none is scheduled
	Generations []BackupGeneration
	// Unverified is the copy kept when a backup failed its verification
	// (at most one), nil when there is none.
	Unverified *BackupGeneration
	// ListErr is why the directory could not be listed.
	ListErr string
}

// Status reports the schedule, the last result and the generations kept.
func (b *Backups) Status() BackupStatus {
	b.mu.Lock()
	st := BackupStatus{Schedule: b.cfg, Running: b.running, Next: b.next}
	if b.last != nil {
		last := *b.last
		st.Last = &last
	}
	b.mu.Unlock()
	if b.cfg.Enabled() {
		gens, err := ListBackupGenerations(b.cfg.Dir)
		if err != nil {
			st.ListErr = err.Error()
		}
		st.Generations = gens
		if kept, _ := listBackupFiles(b.cfg.Dir, unverifiedName); len(kept) > 0 {
			st.Unverified = &kept[0]
		}
	}
	return st
}

// Running says what backup runs now ("" when none).
func (b *Backups) Running() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.running
}

// acquire takes the backup slot or refuses.
func (b *Backups) acquire(what string) error {
	select {
	case b.busy <- struct{}{}:
		b.mu.Lock()
		b.running = what
		b.mu.Unlock()
		return nil
	default:
		return Errorf(ECONFLICT, "別のバックアップを実行中です。終わってからもう一度お試しください。")
	}
}

func (b *Backups) release() {
	b.mu.Lock()
	b.running = ""
	b.mu.Unlock()
	<-b.busy
}

// RunNow writes a new generation into the backup directory, verifies it,
// keeps the newest Keep generations and audits the result as actor. A copy
// that fails its verification is kept beside them under its unverified
// name, replacing an older one; the generations are left as they were.
func (b *Backups) RunNow(ctx context.Context, actor, remote string) (BackupResult, error) {
	if !b.cfg.Enabled() {
		return BackupResult{}, Errorf(ECONFLICT, "バックアップ先が設定されていません（serve --backup-dir）。")
	}
	if err := b.acquire("scheduled"); err != nil {
		return BackupResult{}, err
	}
	defer b.release()
	res, err := b.db.backupToFile(ctx, filepath.Join(b.cfg.Dir, BackupFileName(b.db.Now())), true)
	if err == nil {
		err = b.prune()
		if err != nil {
			res.Err = "古い世代を削除できません: " + err.Error()
		}
	}
	if res.Unverified != "" {
		b.removeUnverified(filepath.Base(res.Unverified))
	}
	b.mu.Lock()
	b.last = &res
	b.mu.Unlock()
	ev := AuditEvent{Actor: actor, Action: AuditBackupCreate, Object: "backup:" + filepath.Base(res.File), Remote: remote,
		Detail: fmt.Sprintf("%d bytes, %s", res.Size, res.Duration().Round(time.Millisecond))}
	if err != nil {
		ev.Result, ev.Detail = ResultFailed, res.Err
	}
	if aerr := b.db.recordBackup(res, ev); aerr != nil && err == nil {
		err = aerr
	}
	return res, err
}

// removeUnverified removes the unverified copies but keep: one is enough.
func (b *Backups) removeUnverified(keep string) {
	kept, _ := listBackupFiles(b.cfg.Dir, unverifiedName)
	for _, f := range kept {
		if f.Name != keep {
			_ = os.Remove(filepath.Join(b.cfg.Dir, f.Name))
		}
	}
}

// prune removes generations beyond the newest Keep.
func (b *Backups) prune() error {
	gens, err := ListBackupGenerations(b.cfg.Dir)
	if err != nil {
		return err
	}
	for i := b.cfg.Keep; i < len(gens); i++ {
		if err := os.Remove(filepath.Join(b.cfg.Dir, gens[i].Name)); err != nil {
			return err
		}
	}
	return nil
}

// Download streams a consistent copy for the operator, audited as actor.
// It holds the backup slot until the stream is closed.
func (b *Backups) Download(actor, remote string) (io.ReadCloser, int64, error) {
	if err := b.acquire("download"); err != nil {
		return nil, 0, err
	}
	// Audited before the copy starts, so the copy holds its own record.
	if err := b.db.Audit(AuditEvent{Actor: actor, Action: AuditBackupDownload, Object: "backup:download", Remote: remote}); err != nil {
		b.release()
		return nil, 0, err
	}
	r, size, err := b.db.BackupStream()
	if err != nil {
		b.release()
		return nil, 0, err
	}
	return &releasingReader{ReadCloser: r, release: b.release}, size, nil
}

type releasingReader struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (r *releasingReader) Close() error {
	err := r.ReadCloser.Close()
	r.once.Do(r.release)
	return err
}

// Run backs up every Every until ctx ends. The first run is due Every after
// the newest generation in the directory (at once when there is none or it
// is older), so restarts neither skip nor repeat backups.
func (b *Backups) Run(ctx context.Context, log *slog.Logger) {
	if !b.cfg.Enabled() {
		return
	}
	next := time.Now()
	if gens, err := ListBackupGenerations(b.cfg.Dir); err == nil && len(gens) > 0 {
		next = gens[0].ModTime.Add(b.cfg.Every)
	}
	for {
		b.mu.Lock()
		b.next = next
		b.mu.Unlock()
		wait := time.Until(next)
		if wait < 0 {
			wait = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		res, err := b.RunNow(ctx, "system", "")
		switch {
		case ctx.Err() != nil:
			return
		case ErrorCode(err) == ECONFLICT:
			// Someone else is backing up: try again shortly.
			next = time.Now().Add(time.Minute)
			continue
		case err != nil:
			// Retried within the hour (sooner when scheduled more often).
			log.Error("scheduled backup failed", "err", err, "unverified_copy", res.Unverified)
			next = time.Now().Add(min(b.cfg.Every, time.Hour))
			continue
		default:
			log.Info("scheduled backup written", "file", res.File, "size", res.Size, "duration", res.Duration())
		}
		next = time.Now().Add(b.cfg.Every)
	}
}
