package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CheckReport is what a consistency check found in a database file
// (hotline check, and the verification of every backup).
type CheckReport struct {
	Path           string
	Size           int64
	SchemaVersion  int // recorded in the file
	ProgramVersion int // what this program writes
	// PagesChecked says whether bbolt's page consistency check ran (only on
	// a file no one writes to).
	PagesChecked bool
	Audit        AuditVerification
	// Anchors is the check against an anchor file (nil: none was given).
	Anchors     *AnchorVerification
	Indexes     []IndexReport
	Attachments AttachmentReport
	Buckets     []BucketCount
	// Problems lists everything that is wrong; empty means the file is good.
	Problems []string
	// Notes are facts worth knowing that are not faults.
	Notes []string
}

// OK reports whether the check found nothing wrong.
func (r CheckReport) OK() bool { return len(r.Problems) == 0 }

// IndexReport is the agreement of one index bucket with its records.
type IndexReport struct {
	Index    string
	Records  string
	Entries  int // entries found in the index
	Expected int // entries the records call for
	Problems []string
}

// BucketCount is the number of keys in a top-level bucket.
type BucketCount struct {
	Name string
	Keys int
}

// CheckOptions choose the checks that need a quiet file.
type CheckOptions struct {
	// Pages runs bbolt's page consistency check (tx.Check). It is only safe
	// while no transaction writes: CheckFile uses it on a file opened
	// read-only.
	Pages bool
	// AnchorFile, when set, is an anchor file (see StartAuditAnchors):
	// the audit chain must pass through every anchor in it.
	AnchorFile string
}

// maxListed bounds how many problems of one kind a report names.
const maxListed = 20

// problemList names the first maxListed problems of one kind in out and
// counts the rest; done adds the count.
type problemList struct {
	out *[]string
	n   int
}

func (p *problemList) add(format string, args ...any) {
	if p.n < maxListed {
		*p.out = append(*p.out, fmt.Sprintf(format, args...))
	}
	p.n++
}

func (p *problemList) done() {
	if p.n > maxListed {
		*p.out = append(*p.out, fmt.Sprintf("ほか %d 件", p.n-maxListed))
	}
}

// CheckFile opens path read-only, without migrating, and checks it.
func CheckFile(path string) (CheckReport, error) {
	return CheckFileWith(path, CheckOptions{Pages: true})
}

// CheckFileWith is CheckFile with options (hotline check --anchor).
func CheckFileWith(path string, opt CheckOptions) (CheckReport, error) {
	if _, err := os.Stat(path); err != nil {
		return CheckReport{Path: path}, fmt.Errorf("%s を開けません: %w", path, err)
	}
	var anchors AnchorFile
	if opt.AnchorFile != "" {
		var err error
		if anchors, err = ReadAnchorFile(opt.AnchorFile); err != nil {
			return CheckReport{Path: path}, fmt.Errorf("アンカーファイル %s を読めません: %w", opt.AnchorFile, err)
		}
	}
	db, err := Open(path, Options{ReadOnly: true, NoMigrate: true, Timeout: time.Second})
	if err != nil {
		return CheckReport{Path: path}, err
	}
	defer db.Close()
	return db.check(opt, anchors)
}

// Check verifies the database in one read transaction: bbolt pages (when
// asked), the schema version, the audit hash chain, that every registered
// index agrees with its records, and every attachment's content (all of
// it is read and hashed).
func (db *DB) Check(opt CheckOptions) (CheckReport, error) {
	var anchors AnchorFile
	if opt.AnchorFile != "" {
		var err error
		if anchors, err = ReadAnchorFile(opt.AnchorFile); err != nil {
			return CheckReport{Path: db.path}, fmt.Errorf("アンカーファイル %s を読めません: %w", opt.AnchorFile, err)
		}
	}
	return db.check(opt, anchors)
}

func (db *DB) check(opt CheckOptions, anchors AnchorFile) (CheckReport, error) {
	r := CheckReport{Path: db.path, Size: db.FileSize(), ProgramVersion: SchemaVersion()}
	err := db.View(func(tx *Tx) error {
		// A damaged page can make bbolt panic while reading, or read
		// through a pointer into nowhere: report it instead of dying.
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if p := recover(); p != nil {
				r.Problems = append(r.Problems, fmt.Sprintf("読み取り中に異常が発生しました（ファイルが壊れています）: %v", p))
			}
		}()
		if opt.Pages {
			r.PagesChecked = true
			n := 0
			for err := range tx.Check() {
				if n < maxListed {
					r.Problems = append(r.Problems, "ページ構造: "+err.Error())
				}
				n++
			}
			if n > maxListed {
				r.Problems = append(r.Problems, fmt.Sprintf("ページ構造: ほか %d 件", n-maxListed))
			}
		}
		r.checkSchema(tx)
		r.Buckets = bucketCounts(tx)
		if tx.Bucket(bucketAudit) == nil || tx.Bucket(bucketMeta) == nil {
			r.Problems = append(r.Problems, "監査ログ: バケットがありません")
		} else {
			r.Audit = verifyAuditTx(tx)
			if !r.Audit.OK {
				r.Problems = append(r.Problems, fmt.Sprintf("監査ログ: 連番 %d で検証に失敗しました（%s）", r.Audit.BrokenAt, r.Audit.Problem))
			}
			if opt.AnchorFile != "" {
				av := verifyAnchorsTx(tx, anchors, r.Audit)
				av.File = opt.AnchorFile
				r.Anchors = &av
				r.Problems = append(r.Problems, av.problems()...)
			}
		}
		for _, spec := range indexSpecs {
			ir := spec.check(tx, r.SchemaVersion == r.ProgramVersion)
			for _, p := range ir.Problems {
				r.Problems = append(r.Problems, "索引 "+ir.Index+": "+p)
			}
			r.Indexes = append(r.Indexes, ir)
		}
		r.Attachments = checkAttachments(tx, r.SchemaVersion == r.ProgramVersion)
		for _, p := range r.Attachments.Problems {
			r.Problems = append(r.Problems, "添付ファイル: "+p)
		}
		r.checkDrugMaster(tx, r.SchemaVersion == r.ProgramVersion)
		return nil
	})
	return r, err
}

func (r *CheckReport) checkSchema(tx *Tx) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		r.Problems = append(r.Problems, "スキーマ: meta バケットがありません（hotline のデータベースではないか、初期化されていません）")
		return
	}
	if v := meta.Get(keySchema); len(v) == 8 {
		r.SchemaVersion = int(btoi(v))
	}
	switch {
	case r.SchemaVersion == 0:
		r.Problems = append(r.Problems, "スキーマ: バージョンが記録されていません")
	case r.SchemaVersion > r.ProgramVersion:
		r.Problems = append(r.Problems, fmt.Sprintf("スキーマ: バージョン %d はこのプログラム（%d）より新しい形式です。新しい hotline で確認してください", r.SchemaVersion, r.ProgramVersion))
	case r.SchemaVersion < r.ProgramVersion:
		r.Notes = append(r.Notes, fmt.Sprintf("スキーマ: バージョン %d（このプログラムは %d）。サーバーを起動すると移行されます", r.SchemaVersion, r.ProgramVersion))
	}
}

func bucketCounts(tx *Tx) []BucketCount {
	var out []BucketCount
	_ = tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		n := 0
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			n++
		}
		out = append(out, BucketCount{Name: string(name), Keys: n})
		return nil
	})
	return out
}

// WriteText writes the report for a person reading a terminal.
func (r CheckReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "ファイル: %s（%s）\n", r.Path, FormatBytes(r.Size))
	fmt.Fprintf(w, "スキーマ: バージョン %d（このプログラム %d）\n", r.SchemaVersion, r.ProgramVersion)
	if r.PagesChecked {
		fmt.Fprintln(w, "ページ構造: 検査済み")
	}
	fmt.Fprintf(w, "監査ログ: %d 件", r.Audit.Entries)
	if r.Audit.OK {
		fmt.Fprintln(w, "、ハッシュチェーン正常")
	} else {
		fmt.Fprintln(w, "、ハッシュチェーン異常")
	}
	if a := r.Anchors; a != nil {
		fmt.Fprintf(w, "アンカー: %s の %d 件", a.File, a.Anchors)
		switch {
		case a.Broken != nil:
			fmt.Fprintf(w, "、%d 件目（%d 行目、連番 %d）でチェーンが一致しません\n", a.Verified+1, a.Broken.Line, a.Broken.Seq)
		case a.Anchors == 0:
			fmt.Fprintln(w, "（確認できるアンカーがありません）")
		default:
			fmt.Fprintln(w, "すべてをチェーンが通過しています")
		}
	}
	for _, ir := range r.Indexes {
		state := "一致"
		if len(ir.Problems) > 0 {
			state = "不一致"
		}
		fmt.Fprintf(w, "索引 %s ↔ %s: %d 件（期待 %d 件）%s\n", ir.Index, ir.Records, ir.Entries, ir.Expected, state)
	}
	a := r.Attachments
	state := "正常"
	if len(a.Problems) > 0 {
		state = "異常"
	}
	fmt.Fprintf(w, "添付ファイル: %d 件、内容 %d 件（%s、チャンク %d 個を照合）%s\n", a.Attachments, a.Blobs, FormatBytes(a.Bytes), a.Chunks, state)
	for _, b := range r.Buckets {
		fmt.Fprintf(w, "  %-24s %8d\n", b.Name, b.Keys)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "注意: "+n)
	}
	if r.OK() {
		fmt.Fprintln(w, "結果: 問題は見つかりませんでした")
		return
	}
	fmt.Fprintf(w, "結果: %d 件の問題があります\n", len(r.Problems))
	for _, p := range r.Problems {
		fmt.Fprintln(w, "  - "+p)
	}
}

// FormatBytes is a size for people (KB, MB, GB with one decimal).
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "KMGTPE"[exp])
}

// BucketDigests returns a SHA-256 over every key and value of each
// top-level bucket, nested buckets included. Tests compare them before and
// after requests that must change nothing.
func (db *DB) BucketDigests() (map[string]string, error) {
	out := map[string]string{}
	err := db.View(func(tx *Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			h := sha256.New()
			digestBucket(h, b)
			out[string(name)] = hex.EncodeToString(h.Sum(nil))
			return nil
		})
	})
	return out, err
}

func digestBucket(h io.Writer, b *bolt.Bucket) {
	var n [8]byte
	write := func(p []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		write(k)
		if v == nil {
			h.Write([]byte{1})
			digestBucket(h, b.Bucket(k))
			continue
		}
		h.Write([]byte{0})
		write(v)
	}
}

// Index checks. Every index bucket the store keeps in step with a record
// bucket registers how a record maps to its index entries, next to the
// code that writes them (see indexes.go for the first ones):
//
//	var _ = registerIndex(indexOf("patients_by_kana", "patients",
//		func(key []byte, p *Patient, add func(k, v []byte)) {
//			add(indexKey(p.FacilityOID, jptext.KanaSearchKey(p.NameKana), p.ID), nil)
//		}))
//
// hotline check then reports index entries that no record calls for
// (dangling), entries a record calls for that are missing, and entries whose
// value differs.

// indexSpec describes one index bucket.
type indexSpec struct {
	Index   string
	Records string
	// Entries calls add for every index entry the record at key must have;
	// a nil value means an empty one.
	Entries func(key, value []byte, add func(k, v []byte)) error
	// Derived, when set, adds the entries no single record calls for
	// (totals such as a facility's patient count), in the same transaction.
	Derived func(tx *Tx, add func(k, v []byte)) error
	// ByValue marks an index whose keys cannot be derived from the record
	// (hashes of secrets the file never holds): Entries then adds the
	// value (as k) that exactly one entry must hold, and keys are not
	// compared.
	ByValue bool
}

var indexSpecs []indexSpec

// registerIndex adds an index to hotline check; it returns true so it can
// initialise a package-level blank variable.
func registerIndex(s indexSpec) bool {
	indexSpecs = append(indexSpecs, s)
	return true
}

// indexOf builds an indexSpec for records stored as JSON of type T.
func indexOf[T any](index, records string, entries func(key []byte, rec *T, add func(k, v []byte))) indexSpec {
	return indexSpec{Index: index, Records: records, Entries: func(key, value []byte, add func(k, v []byte)) error {
		var rec T
		if err := json.Unmarshal(value, &rec); err != nil {
			return err
		}
		entries(key, &rec, add)
		return nil
	}}
}

// check compares the index with its records in two streaming passes. The
// counts alone would miss an index that lost one entry and holds a stray
// one (or two records that call for one entry and a stray one), so the
// keys are also compared as multisets by a sum of their hashes; only when
// the counts or the sums differ does it hold the expected keys in memory
// to name the extra entries.
func (s indexSpec) check(tx *Tx, bucketsDue bool) IndexReport {
	ir := IndexReport{Index: s.Index, Records: s.Records}
	idx, recs := tx.Bucket([]byte(s.Index)), tx.Bucket([]byte(s.Records))
	if idx == nil || recs == nil {
		if bucketsDue {
			ir.Problems = append(ir.Problems, "バケットがありません")
		}
		return ir
	}
	pl := problemList{out: &ir.Problems}
	problem := pl.add
	defer pl.done()
	each := func(fn func(recKey, k, v []byte)) {
		c := recs.Cursor()
		for rk, rv := c.First(); rk != nil; rk, rv = c.Next() {
			if rv == nil {
				continue // a nested bucket is not a record
			}
			if err := s.Entries(rk, rv, func(k, v []byte) { fn(rk, k, v) }); err != nil {
				problem("記録 %s を読み取れません: %v", printable(rk), err)
			}
		}
		if s.Derived != nil {
			if err := s.Derived(tx, func(k, v []byte) { fn([]byte("（集計）"), k, v) }); err != nil {
				problem("集計を読み取れません: %v", err)
			}
		}
	}
	if s.ByValue {
		s.checkByValue(idx, &ir, each, problem)
		return ir
	}
	seed := maphash.MakeSeed()
	var wantSum, gotSum uint64
	ic := idx.Cursor()
	each(func(recKey, k, v []byte) {
		ir.Expected++
		wantSum += maphash.Bytes(seed, k)
		got, gv := ic.Seek(k)
		switch {
		case !bytes.Equal(got, k):
			problem("記録 %s の索引 %s がありません", printable(recKey), printable(k))
		case !bytes.Equal(gv, v):
			problem("索引 %s の値 %s が記録 %s と一致しません（期待値 %s）", printable(k), printable(gv), printable(recKey), printable(v))
		}
	})
	for k, _ := ic.First(); k != nil; k, _ = ic.Next() {
		ir.Entries++
		gotSum += maphash.Bytes(seed, k)
	}
	if ir.Entries != ir.Expected || gotSum != wantSum {
		want := make(map[string]bool, ir.Expected)
		each(func(_, k, _ []byte) { want[string(k)] = true })
		for k, _ := ic.First(); k != nil; k, _ = ic.Next() {
			if !want[string(k)] {
				problem("索引 %s に対応する記録がありません", printable(k))
			}
		}
		if len(want) != ir.Expected {
			problem("複数の記録が同じ索引を求めています（%d 件中 %d 種類）", ir.Expected, len(want))
		}
	}
	return ir
}

// checkByValue checks an index whose keys the records cannot give (see
// indexSpec.ByValue): every value the records call for is held by exactly
// one entry, and no entry holds another value. Such indexes have one entry
// per record of a small bucket, so their values are held in memory.
func (s indexSpec) checkByValue(idx *bolt.Bucket, ir *IndexReport, each func(func(recKey, k, v []byte)), problem func(string, ...any)) {
	need := map[string]int{} // value → entries still to find
	each(func(_, v, _ []byte) {
		ir.Expected++
		need[string(v)]++
	})
	c := idx.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		ir.Entries++
		if need[string(v)] > 0 {
			need[string(v)]--
			continue
		}
		problem("索引 %s の値 %s は記録と一致しません（対応する記録がありません）", printable(k), printable(v))
	}
	each(func(recKey, v, _ []byte) {
		if need[string(v)] > 0 {
			need[string(v)]--
			problem("記録 %s の索引（値 %s）がありません", printable(recKey), printable(v))
		}
	})
}

// printable shows a key in a report: text parts as text, the 0x00
// separator as "|", other bytes in hex.
func printable(b []byte) string {
	var sb bytes.Buffer
	for _, part := range bytes.Split(b, []byte{0}) {
		if sb.Len() > 0 {
			sb.WriteByte('|')
		}
		if isPrintableText(part) {
			sb.Write(part)
		} else {
			sb.WriteString("0x" + hex.EncodeToString(part))
		}
	}
	if sb.Len() > 120 {
		return clip(sb.String(), 120) + "…"
	}
	return sb.String()
}

func isPrintableText(b []byte) bool {
	for _, r := range string(b) {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return false
		}
	}
	return true
}
