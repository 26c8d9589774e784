package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Salvage (破損したファイルからの救出). When the offline backup of a file
// fails its check, hotline backup still writes what can be read, into a
// new file: bucket by bucket, key by key, leaving out the pages it cannot
// read and naming them. The source is read page by page straight from the
// file, not through bbolt: bbolt trusts its pages (a damaged one makes it
// panic, or read through a pointer into nowhere, which no recover
// catches), while here every page is checked (its number, its type, every
// key and value inside it) before anything on it is used, and a page that
// fails is skipped with the range of keys it held, so the walk goes on
// with the next. The copy is a plain bbolt file: it opens, and hotline
// check says what is missing from it.

// SalvageReport says what a salvage read and what it left out.
type SalvageReport struct {
	// File is the copy written (…-unverified.db).
	File string
	// SourceProblems are why the source failed its check.
	SourceProblems []string
	// Skipped names every part that could not be read.
	Skipped []string
	Buckets int // buckets written, nested ones included
	Keys    int // keys written
	// CopyProblems is what hotline check finds in the copy.
	CopyProblems []string
}

// bbolt's file format (go.etcd.io/bbolt, internal/common): every page
// starts with a 16-byte header; branch and leaf elements are 16 bytes,
// their pos counted from the element itself.
const (
	rawPageHeader  = 16
	rawElementSize = 16
	rawBranchPage  = 0x01
	rawLeafPage    = 0x02
	rawMetaPage    = 0x04
	rawBucketLeaf  = 0x01
	rawBucketHdr   = 16
	rawMagic       = 0xED0CDAED
	rawVersion     = 2
	rawMaxDepth    = 64
)

// rawFile reads the pages of a bbolt file without bbolt.
type rawFile struct {
	f        *os.File
	size     int64
	pageSize int
	hwm      uint64 // pages in use (the meta's high water mark)
	root     uint64 // page of the bucket of buckets
}

// openRawFile picks the newer valid meta page, as bbolt does.
func openRawFile(path string) (*rawFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	r := &rawFile{f: f, size: fi.Size()}
	type meta struct {
		pageSize    int
		root, hwm   uint64
		txid        uint64
		ok          bool
		description string
	}
	read := func(off int64) meta {
		buf := make([]byte, rawPageHeader+64)
		if _, err := f.ReadAt(buf, off); err != nil {
			return meta{description: err.Error()}
		}
		if binary.LittleEndian.Uint16(buf[8:]) != rawMetaPage {
			return meta{description: "メタページではありません"}
		}
		m := buf[rawPageHeader:]
		h := fnv.New64a()
		h.Write(m[:56])
		switch {
		case binary.LittleEndian.Uint32(m[0:]) != rawMagic:
			return meta{description: "bbolt のファイルではありません"}
		case binary.LittleEndian.Uint32(m[4:]) != rawVersion:
			return meta{description: "形式のバージョンが違います"}
		case binary.LittleEndian.Uint64(m[56:]) != h.Sum64():
			return meta{description: "チェックサムが一致しません"}
		}
		ps := int(binary.LittleEndian.Uint32(m[8:]))
		if ps < 512 || ps > 1<<20 || ps&(ps-1) != 0 {
			return meta{description: "ページの大きさが不正です"}
		}
		return meta{ok: true, pageSize: ps, root: binary.LittleEndian.Uint64(m[16:]), hwm: binary.LittleEndian.Uint64(m[40:]),
			txid: binary.LittleEndian.Uint64(m[48:])}
	}
	m0 := read(0)
	candidates := []meta{m0}
	if m0.ok {
		candidates = append(candidates, read(int64(m0.pageSize)))
	} else {
		// The first meta tells the page size; without it try the usual ones.
		for _, ps := range []int64{4096, 8192, 16384, 32768, 65536, 1024, 2048} {
			if m := read(ps); m.ok && int64(m.pageSize) == ps {
				candidates = append(candidates, m)
				break
			}
		}
	}
	var best meta
	for _, m := range candidates {
		if m.ok && (!best.ok || m.txid > best.txid) {
			best = m
		}
	}
	if !best.ok {
		f.Close()
		return nil, fmt.Errorf("メタページを 2 つとも読み取れません（%s）", m0.description)
	}
	r.pageSize, r.root, r.hwm = best.pageSize, best.root, best.hwm
	return r, nil
}

func (r *rawFile) Close() error { return r.f.Close() }

// page reads page id with its overflow pages, checking that it is what it
// says it is.
func (r *rawFile) page(id uint64) ([]byte, error) {
	if id < 2 || id >= r.hwm {
		return nil, fmt.Errorf("ページ番号 %d が範囲外です", id)
	}
	off := int64(id) * int64(r.pageSize)
	hdr := make([]byte, rawPageHeader)
	if _, err := r.f.ReadAt(hdr, off); err != nil {
		return nil, fmt.Errorf("読み込めません: %v", err)
	}
	if got := binary.LittleEndian.Uint64(hdr); got != id {
		return nil, fmt.Errorf("ページ番号が一致しません（%d と記録されています）", got)
	}
	overflow := uint64(binary.LittleEndian.Uint32(hdr[12:]))
	if id+1+overflow > r.hwm || off+int64(1+overflow)*int64(r.pageSize) > r.size {
		return nil, errors.New("ファイルの終わりを越えています")
	}
	buf := make([]byte, int(1+overflow)*r.pageSize)
	if _, err := r.f.ReadAt(buf, off); err != nil {
		return nil, fmt.Errorf("読み込めません: %v", err)
	}
	return buf, nil
}

// rawElement is one element of a branch or leaf page.
type rawElement struct {
	flags uint32
	key   []byte
	value []byte // leaf
	child uint64 // branch
}

// parsePage checks and reads every element of a branch or leaf page
// (inline: a bucket's page kept in its parent's value, which has no page
// number of its own). Keys must be inside [from, to) and ascending.
func parsePage(data []byte, from, to []byte) (leaf bool, elems []rawElement, err error) {
	if len(data) < rawPageHeader {
		return false, nil, errors.New("ページが短すぎます")
	}
	flags := binary.LittleEndian.Uint16(data[8:])
	count := int(binary.LittleEndian.Uint16(data[10:]))
	switch flags {
	case rawLeafPage:
		leaf = true
	case rawBranchPage:
	default:
		return false, nil, fmt.Errorf("ページの種類 %#x は枝でも葉でもありません", flags)
	}
	if count == 0 && !leaf {
		return false, nil, errors.New("空の枝ページです")
	}
	if rawPageHeader+count*rawElementSize > len(data) {
		return false, nil, fmt.Errorf("要素の数 %d がページに収まりません", count)
	}
	var prev []byte
	for i := 0; i < count; i++ {
		at := rawPageHeader + i*rawElementSize
		e := data[at : at+rawElementSize]
		var el rawElement
		var pos, ksize, vsize int
		if leaf {
			el.flags = binary.LittleEndian.Uint32(e[0:])
			pos, ksize, vsize = int(binary.LittleEndian.Uint32(e[4:])), int(binary.LittleEndian.Uint32(e[8:])), int(binary.LittleEndian.Uint32(e[12:]))
			if el.flags&^rawBucketLeaf != 0 {
				return leaf, nil, fmt.Errorf("要素 %d の種類 %#x が不正です", i, el.flags)
			}
		} else {
			pos, ksize = int(binary.LittleEndian.Uint32(e[0:])), int(binary.LittleEndian.Uint32(e[4:]))
			el.child = binary.LittleEndian.Uint64(e[8:])
		}
		start := at + pos
		if pos < 0 || ksize <= 0 || vsize < 0 || start < rawPageHeader+count*rawElementSize || start+ksize+vsize > len(data) || start+ksize+vsize < start {
			return leaf, nil, fmt.Errorf("要素 %d がページの外を指しています", i)
		}
		el.key = data[start : start+ksize]
		if leaf {
			el.value = data[start+ksize : start+ksize+vsize]
		}
		if prev != nil && bytes.Compare(el.key, prev) <= 0 {
			return leaf, nil, fmt.Errorf("要素 %d のキーが順に並んでいません", i)
		}
		// A branch's first key may sort before the range its parent
		// gives (bbolt keeps the first key it was split at).
		if (leaf || i > 0) && from != nil && bytes.Compare(el.key, from) < 0 || to != nil && bytes.Compare(el.key, to) >= 0 {
			return leaf, nil, fmt.Errorf("要素 %d のキーがこのページの範囲の外です", i)
		}
		prev = el.key
		elems = append(elems, el)
	}
	return leaf, elems, nil
}

// salvager walks the source and writes the copy.
type salvager struct {
	src     *rawFile
	dst     *salvageWriter
	report  *SalvageReport
	visited map[uint64]bool
}

// skip notes a part that could not be read.
func (s *salvager) skip(format string, args ...any) {
	s.report.Skipped = append(s.report.Skipped, fmt.Sprintf(format, args...))
}

// bucketName names the bucket at path in a report; "" is the bucket of
// buckets, whose keys are the bucket names.
func bucketName(path string) string {
	if path == "" {
		return "バケットの一覧"
	}
	return "バケット " + path
}

// keyRange describes the keys a skipped page held.
func keyRange(from, to []byte) string {
	switch {
	case from == nil && to == nil:
		return "すべてのキー"
	case from == nil:
		return "キー " + salvageKey(to) + " より前"
	case to == nil:
		return "キー " + salvageKey(from) + " 以降"
	}
	return "キー " + salvageKey(from) + " から " + salvageKey(to) + " の手前まで"
}

// salvageKey shows a key: a sequence number (8 bytes, big-endian, as the
// audit log and other numbered buckets use) as a number too.
func salvageKey(k []byte) string {
	if len(k) == 8 && k[0] == 0 {
		return fmt.Sprintf("0x%x（%d）", k, binary.BigEndian.Uint64(k))
	}
	return printable(k)
}

// walk visits the tree of page id (or the inline page) of the bucket at
// path, calling s.entry for every element of its leaves in key order.
func (s *salvager) walk(path string, id uint64, inline []byte, from, to []byte, depth int) {
	defer func() {
		// parsePage checks every bound, so this is a last resort: one bad
		// page must not end the salvage of the rest.
		if p := recover(); p != nil {
			s.skip("%s: ページ %d（%s）の読み取り中に異常が発生しました: %v", bucketName(path), id, keyRange(from, to), p)
		}
	}()
	data := inline
	where := "埋め込みページ"
	if inline == nil {
		where = fmt.Sprintf("ページ %d", id)
		if depth > rawMaxDepth || s.visited[id] {
			s.skip("%s: %s（%s）はすでに読んだページを指しています（循環）", bucketName(path), where, keyRange(from, to))
			return
		}
		s.visited[id] = true
		var err error
		if data, err = s.src.page(id); err != nil {
			s.skip("%s: %s（%s）を読み取れません（%v）", bucketName(path), where, keyRange(from, to), err)
			return
		}
	}
	leaf, elems, err := parsePage(data, from, to)
	if err != nil {
		s.skip("%s: %s（%s）を読み取れません（%v）", bucketName(path), where, keyRange(from, to), err)
		return
	}
	if !leaf {
		for i, el := range elems {
			childFrom, childTo := el.key, to
			if i == 0 {
				childFrom = from
			}
			if i+1 < len(elems) {
				childTo = elems[i+1].key
			}
			s.walk(path, el.child, nil, childFrom, childTo, depth+1)
		}
		return
	}
	for _, el := range elems {
		s.entry(path, el, depth)
	}
}

// entry copies one leaf element: a key and value, or a nested bucket.
func (s *salvager) entry(path string, el rawElement, depth int) {
	if el.flags&rawBucketLeaf == 0 {
		if path == "" {
			s.skip("バケットの一覧にバケットでないキー %s があります（読み飛ばしました）", printable(el.key))
			return
		}
		s.dst.put(el.key, el.value)
		s.report.Keys++
		return
	}
	name := printable(el.key)
	if path != "" {
		name = path + "/" + name
	}
	if len(el.value) < rawBucketHdr {
		s.skip("バケット %s: 見出しが短すぎるため読み取れません", name)
		return
	}
	root := binary.LittleEndian.Uint64(el.value[0:])
	seq := binary.LittleEndian.Uint64(el.value[8:])
	if err := s.dst.enter(el.key, seq); err != nil {
		s.skip("バケット %s: コピーに作れません（%v）", name, err)
		return
	}
	s.report.Buckets++
	if root == 0 {
		s.walk(name, 0, el.value[rawBucketHdr:], nil, nil, depth+1)
	} else {
		s.walk(name, root, nil, nil, nil, depth+1)
	}
	s.dst.leave()
}

// salvageWriter writes the copy in transactions of a few thousand keys.
type salvageWriter struct {
	db   *bolt.DB
	tx   *bolt.Tx
	path [][]byte
	n    int
	err  error
}

const salvageBatch = 5000

func (w *salvageWriter) begin() {
	if w.err != nil || w.tx != nil {
		return
	}
	w.tx, w.err = w.db.Begin(true)
}

func (w *salvageWriter) commit() {
	if w.tx == nil {
		return
	}
	if err := w.tx.Commit(); err != nil && w.err == nil {
		w.err = err
	}
	w.tx, w.n = nil, 0
}

// bucket is the bucket of the current path in the current transaction.
func (w *salvageWriter) bucket() *bolt.Bucket {
	w.begin()
	if w.err != nil || len(w.path) == 0 {
		return nil
	}
	b := w.tx.Bucket(w.path[0])
	for _, name := range w.path[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket(name)
	}
	return b
}

func (w *salvageWriter) enter(name []byte, seq uint64) error {
	w.begin()
	if w.err != nil {
		return w.err
	}
	var b *bolt.Bucket
	var err error
	if len(w.path) == 0 {
		b, err = w.tx.CreateBucketIfNotExists(name)
	} else if parent := w.bucket(); parent != nil {
		b, err = parent.CreateBucketIfNotExists(name)
	} else {
		err = errors.New("親のバケットがありません")
	}
	if err == nil {
		err = b.SetSequence(seq)
	}
	if err != nil {
		return err
	}
	w.path = append(w.path, append([]byte(nil), name...))
	return nil
}

func (w *salvageWriter) leave() {
	if len(w.path) > 0 {
		w.path = w.path[:len(w.path)-1]
	}
}

func (w *salvageWriter) put(k, v []byte) {
	b := w.bucket()
	if b == nil {
		if w.err == nil {
			w.err = errors.New("書き込み先のバケットがありません")
		}
		return
	}
	if err := b.Put(k, v); err != nil {
		if w.err == nil {
			w.err = err
		}
		return
	}
	if w.n++; w.n >= salvageBatch {
		w.commit()
	}
}

// salvageFile copies what can be read of src into a new file at dst
// (0600), written under a temporary name, synced and then renamed.
func salvageFile(src, dst string, report *SalvageReport) error {
	raw, err := openRawFile(src)
	if err != nil {
		return fmt.Errorf("%s から読み取れる部分がありません: %w", src, err)
	}
	defer raw.Close()
	dir := filepath.Dir(dst)
	tmp, err := os.CreateTemp(dir, tempPrefix+"*"+tempSuffix)
	if err != nil {
		return fmt.Errorf("一時ファイルを作成できません: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName) // a no-op after the rename
	if err := os.Chmod(tmpName, 0o600); err != nil {
		return err
	}
	out, err := bolt.Open(tmpName, 0o600, &bolt.Options{NoSync: true, NoFreelistSync: false})
	if err != nil {
		return err
	}
	w := &salvageWriter{db: out}
	s := &salvager{src: raw, dst: w, report: report, visited: map[uint64]bool{}}
	s.walk("", raw.root, nil, nil, nil, 0)
	w.commit()
	if w.err == nil {
		w.err = out.Sync()
	}
	if cerr := out.Close(); w.err == nil {
		w.err = cerr
	}
	if w.err != nil {
		return fmt.Errorf("コピーに書き込めません: %w", w.err)
	}
	if err := os.Rename(tmpName, dst); err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	report.File = dst
	return nil
}

// WriteText writes the salvage for a person reading a terminal.
func (r SalvageReport) WriteText(w io.Writer) {
	fmt.Fprintln(w, "元のファイルは検査に合格しませんでした:")
	for _, p := range r.SourceProblems {
		fmt.Fprintln(w, "  - "+p)
	}
	if r.File == "" {
		return
	}
	fmt.Fprintf(w, "読み取れた部分を %s に書き出しました（バケット %d、キー %d。検証していません）\n", r.File, r.Buckets, r.Keys)
	if len(r.Skipped) == 0 {
		fmt.Fprintln(w, "読み飛ばしたページはありません")
	} else {
		fmt.Fprintf(w, "読み取れずに飛ばした部分（%d 件）:\n", len(r.Skipped))
		for _, p := range r.Skipped {
			fmt.Fprintln(w, "  - "+p)
		}
	}
	if len(r.CopyProblems) > 0 {
		fmt.Fprintf(w, "コピーの検査で見つかった問題（%d 件）:\n", len(r.CopyProblems))
		for _, p := range r.CopyProblems {
			fmt.Fprintln(w, "  - "+p)
		}
	}
}

// salvageSummary is the error of a salvaged backup.
func (r SalvageReport) summary() string {
	if r.File == "" {
		return "バックアップは検査に合格せず、読み取れる部分もありませんでした"
	}
	return fmt.Sprintf("バックアップは検査に合格しませんでした。読み取れた部分を %s として書き出しました（読み飛ばし %d 件）",
		filepath.Base(r.File), len(r.Skipped))
}

// problemsOf lists an error or a report's problems.
func problemsOf(err error, rep CheckReport) []string {
	if err != nil {
		return []string{err.Error()}
	}
	return append([]string(nil), rep.Problems...)
}

// limitLines keeps a long list readable.
func limitLines(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	return append(lines[:n:n], fmt.Sprintf("ほか %d 件", len(lines)-n))
}
