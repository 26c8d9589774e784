package store

// Import of the 薬価基準収載品目リスト: the ministry's .xlsx files (one per
// 区分, taken together as one list) or CSV in UTF-8 (with or without BOM)
// or Shift_JIS (CP932). The header row is found by its column names
// anywhere in the first rows, so title rows above it, reordered columns
// and extra columns do not matter. Rows are validated one by one; the
// import fails, changing nothing, when more than 1 % of them are bad, when
// a file is of another kind, or cut short.

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"hotline/store/jptext"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	berrors "go.etcd.io/bbolt/errors"
	"golang.org/x/text/encoding/japanese"
)

// Limits of an import.
const (
	MaxDrugFileBytes = 64 << 20 // one file
	MaxDrugFiles     = 10       // files at once
	maxDrugRows      = 200_000  // rows in all files
	headerSearchRows = 50       // rows a header may be preceded by
	// maxBadRowsPercent: more rejected rows than this share of the data
	// rows fail the whole import.
	maxBadRowsPercent = 1
	maxListedChanges  = 100 // changes of each kind listed in a summary
)

// DrugImportSpec is the operator's upload form: field file, repeatable.
var DrugImportSpec = Fields{
	{Name: "file", Label: "薬価基準収載品目リスト", Required: true},
}

// DrugFile is one file of the list.
type DrugFile struct {
	// Name is the file's name (as uploaded or given); a date in it
	// (mhlw-yakka-20250716.csv, tp20250716-01_01.xlsx) is the list's date.
	Name string
	R    io.Reader
}

// DrugImportOptions are the who and the progress report of an import.
type DrugImportOptions struct {
	Actor  string // who imports: the operator's ID, "system" for the command
	Remote string
	// Progress, when set, is called as rows are read (from the importing
	// goroutine).
	Progress func(DrugImportProgress)
}

// DrugImportProgress is how far an import has read.
type DrugImportProgress struct {
	File  string
	Rows  int // rows read so far, in all files
	Total int // rows in all files (from the sheets' dimensions and the CSV lines)
	// Writing is set once every row is read and the new master is being
	// stored.
	Writing bool
}

// DrugRejectedRow is a row the import left out, and why.
type DrugRejectedRow struct {
	File   string
	Sheet  string // the xlsx sheet ("" for CSV)
	Row    int    // row number in the sheet or line in the CSV, from 1
	Code   string // the code as read, if any
	Reason string
}

// DrugChangeKind is how a drug differs from the master before.
type DrugChangeKind string

const (
	DrugAdded        DrugChangeKind = "added"
	DrugRemoved      DrugChangeKind = "removed"
	DrugPriceChanged DrugChangeKind = "price"
	DrugOtherChanged DrugChangeKind = "other" // a field other than the price
)

// DrugChange is one drug added, removed or changed by an import.
type DrugChange struct {
	Kind               DrugChangeKind
	Code, Name         string
	OldPrice, NewPrice DrugPrice // for price changes
}

// DrugImportSummary is what an import did.
type DrugImportSummary struct {
	// Master is the list in force after the import (on failure: the one
	// still in force, Version 0 when none).
	Master DrugMaster
	Files  []string
	Rows   int // data rows read (accepted and rejected)
	// Rejected lists every row left out, in file and row order.
	Rejected                                   []DrugRejectedRow
	Added, Removed, PriceChanged, OtherChanged int
	// Changes lists up to 100 changes of each kind.
	Changes []DrugChange
	// Unchanged is set when the list equals the master in force: nothing
	// but the audit line was written (the previous version is kept).
	Unchanged bool
}

// ImportDrugs replaces the drug master with the list in files, in one
// transaction: searches see the old list until the new one is committed and
// swapped in; on any error nothing changes. The master it replaces stays as
// the previous version (the one before that is dropped). A list equal to
// the master in force writes nothing new.
//
// Errors: EINVALID with a Japanese message for a file that is not the list,
// is cut short, or has more than 1 % bad rows (the summary then lists them
// in Rejected); ECONFLICT while another import runs.
func (db *DB) ImportDrugs(files []DrugFile, opt DrugImportOptions) (DrugImportSummary, error) {
	var sum DrugImportSummary
	if !db.drugs.importing.TryLock() {
		return sum, Errorf(ECONFLICT, "別の薬価基準マスタの取り込みが実行中です。終わってからもう一度お試しください")
	}
	defer db.drugs.importing.Unlock()
	cur, err := db.drugIndex()
	if err != nil {
		return sum, err
	}
	sum.Master = cur.master
	for _, f := range files {
		sum.Files = append(sum.Files, filepath.Base(f.Name))
	}
	err = db.importDrugs(files, opt, cur, &sum)
	if err != nil && ErrorCode(err) == EINVALID {
		// A refused import is worth a line in the log: who tried what.
		_ = db.Audit(AuditEvent{Actor: opt.Actor, Action: AuditDrugsImport, Object: "drug_master", Remote: opt.Remote,
			Result: ResultFailed, Detail: ErrorMessage(err) + " ファイル: " + strings.Join(sum.Files, ", ")})
	}
	return sum, err
}

func (db *DB) importDrugs(files []DrugFile, opt DrugImportOptions, cur *drugIndex, sum *DrugImportSummary) error {
	switch {
	case len(files) == 0:
		return Errorf(EINVALID, "取り込むファイルを選んでください")
	case len(files) > MaxDrugFiles:
		return Errorf(EINVALID, "一度に取り込めるファイルは%d個までです", MaxDrugFiles)
	}
	// Open every file first: a file of another kind fails before any row
	// is read, and the progress knows the total.
	tables := make([]*drugTable, 0, len(files))
	defer func() {
		for _, t := range tables {
			t.close()
		}
	}()
	total := 0
	for _, f := range files {
		t, err := openDrugTable(f)
		if err != nil {
			return err
		}
		tables = append(tables, t)
		total += t.estimate
	}
	r := drugListReader{seen: map[string]string{}, total: total, progress: opt.Progress, in: interner{}}
	for _, t := range tables {
		if err := r.read(t); err != nil {
			return err
		}
	}
	sum.Rows, sum.Rejected = r.rows, r.rejected
	if len(r.drugs) == 0 {
		return Errorf(EINVALID, "取り込める行がありません（%d 行を読み、すべて除外しました）", r.rows)
	}
	if bad := len(r.rejected); bad*100 > r.rows*maxBadRowsPercent {
		first := r.rejected[0]
		return Errorf(EINVALID, "%d 行中 %d 行（%.1f %%）に誤りがあり、%d %% を超えるため取り込みませんでした（最初の誤り: %s）",
			r.rows, bad, float64(bad)*100/float64(r.rows), maxBadRowsPercent, first.describe())
	}
	slices.SortFunc(r.drugs, func(a, b Drug) int { return strings.Compare(a.Code, b.Code) })
	if missing := missingCategories(cur, r.drugs); len(missing) > 0 {
		return Errorf(EINVALID, "現在のマスタにある区分（%s）の行がありません。区分ごとのファイルをまとめて取り込んでください", strings.Join(missing, "・"))
	}
	diffDrugs(cur.drugs, r.drugs, sum)
	if opt.Progress != nil {
		opt.Progress(DrugImportProgress{Rows: r.rows, Total: r.rows, Writing: true})
	}

	date, source := r.listDate()
	master := DrugMaster{ListDate: date, ListDateSource: source, Actor: opt.Actor, Files: sum.Files, Previous: cur.master.Version}
	master.Counts, master.Total = countDrugs(r.drugs)
	same := sum.Added+sum.Removed+sum.PriceChanged+sum.OtherChanged == 0 && cur.master.Version != 0
	// Built before the commit, so the swap right after it is immediate.
	var next *drugIndex
	if !same {
		next = newDrugIndex(master, r.drugs)
	}
	err := db.Update(func(tx *Tx) error {
		c, _ := drugVersionsTx(tx)
		if c != cur.master.Version {
			return Errorf(ECONFLICT, "取り込み中に薬価基準マスタが変わりました。もう一度取り込んでください")
		}
		if master.ListDateSource == DrugDateFromImport {
			master.ListDate = dateOnly(tx.Now)
		}
		master.ImportedAt = tx.Now
		if same {
			return sameDrugMasterTx(tx, cur.master, &master, opt, sum)
		}
		return putDrugMasterTx(tx, &master, r.drugs, opt, sum)
	})
	if err != nil {
		return err
	}
	sum.Master = master
	if same {
		sum.Unchanged = true
		if master.Version != cur.master.Version || !master.ListDate.Equal(cur.master.ListDate) {
			db.publishDrugIndex(cur.withMaster(master))
		}
		return nil
	}
	next.master = master
	db.publishDrugIndex(next)
	return nil
}

// withMaster is the same index under an updated description.
func (x *drugIndex) withMaster(m DrugMaster) *drugIndex {
	y := *x
	y.master = m
	return &y
}

// sameDrugMasterTx records an import of the list already in force: only its
// date may be news (then the description is updated in place, so the
// previous version stays what it was).
func sameDrugMasterTx(tx *Tx, cur DrugMaster, m *DrugMaster, opt DrugImportOptions, sum *DrugImportSummary) error {
	updated := cur
	if !m.ListDate.Equal(cur.ListDate) {
		updated.ListDate, updated.ListDateSource, updated.Files = m.ListDate, m.ListDateSource, m.Files
		if err := putJSON(tx.bucket(bucketDrugMasters), itob(cur.Version), updated); err != nil {
			return err
		}
	}
	*m = updated
	return AppendAudit(tx, AuditEvent{Actor: opt.Actor, Action: AuditDrugsImport, Object: fmt.Sprintf("drug_master:%d", cur.Version),
		Remote: opt.Remote, Detail: "変更なし（現在のマスタと同じ内容）。" + sum.auditDetail(updated)})
}

// putDrugMasterTx stores the list as a new version and makes it current.
func putDrugMasterTx(tx *Tx, m *DrugMaster, drugs []Drug, opt DrugImportOptions, sum *DrugImportSummary) error {
	meta, masters, all := tx.bucket(bucketMeta), tx.bucket(bucketDrugMasters), tx.bucket(bucketDrugs)
	cur, prev := drugVersionsTx(tx)
	v, err := masters.NextSequence()
	if err != nil {
		return err
	}
	m.Version, m.Previous = v, cur
	vb, err := all.CreateBucket(itob(v))
	if err != nil {
		return Errorf(EINTERNAL, "drug master %d: %v", v, err)
	}
	vb.FillPercent = 1 // written once, in key order, never updated
	for i := range drugs {
		if err := putJSON(vb, []byte(drugs[i].Code), &drugs[i]); err != nil {
			return err
		}
	}
	// Keep one earlier version: the one before it goes.
	if prev != 0 {
		if err := all.DeleteBucket(itob(prev)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return Errorf(EINTERNAL, "drop drug master %d: %v", prev, err)
		}
	}
	if err := meta.Put(keyDrugsCurrent, itob(v)); err != nil {
		return err
	}
	if cur != 0 {
		if err := meta.Put(keyDrugsPrevious, itob(cur)); err != nil {
			return err
		}
	}
	if err := putJSON(masters, itob(v), m); err != nil {
		return err
	}
	return AppendAudit(tx, AuditEvent{Actor: opt.Actor, Action: AuditDrugsImport, Object: fmt.Sprintf("drug_master:%d", v),
		Remote: opt.Remote, Detail: sum.auditDetail(*m)})
}

func (s *DrugImportSummary) auditDetail(m DrugMaster) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s 付（%s）", m.ListDate.Format("2006-01-02"), m.ListDateSource.Label())
	for _, c := range m.Counts {
		fmt.Fprintf(&b, " %s %d", c.Category, c.Count)
	}
	fmt.Fprintf(&b, " 計 %d。追加 %d・削除 %d・薬価変更 %d・その他の変更 %d・除外 %d 行。ファイル: %s",
		m.Total, s.Added, s.Removed, s.PriceChanged, s.OtherChanged, len(s.Rejected), strings.Join(s.Files, ", "))
	return b.String()
}

// missingCategories names the 区分 the current master has and the new list
// lacks: a list imported without one of its files would silently drop a
// whole 区分.
func missingCategories(cur *drugIndex, drugs []Drug) []string {
	var out []string
	for _, c := range DrugCategories {
		if cur.master.Count(c) == 0 {
			continue
		}
		if !slices.ContainsFunc(drugs, func(d Drug) bool { return d.Category == c }) {
			out = append(out, string(c))
		}
	}
	return out
}

// diffDrugs counts (and lists the first of) the drugs added, removed and
// changed between two lists sorted by code.
func diffDrugs(old, new []Drug, sum *DrugImportSummary) {
	listed := map[DrugChangeKind]int{}
	note := func(c DrugChange) {
		if listed[c.Kind] < maxListedChanges {
			listed[c.Kind]++
			sum.Changes = append(sum.Changes, c)
		}
	}
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		switch {
		case j == len(new) || (i < len(old) && old[i].Code < new[j].Code):
			sum.Removed++
			note(DrugChange{Kind: DrugRemoved, Code: old[i].Code, Name: old[i].Name, OldPrice: old[i].Price})
			i++
		case i == len(old) || new[j].Code < old[i].Code:
			sum.Added++
			note(DrugChange{Kind: DrugAdded, Code: new[j].Code, Name: new[j].Name, NewPrice: new[j].Price})
			j++
		default:
			o, n := old[i], new[j]
			switch {
			case o.Price != n.Price:
				sum.PriceChanged++
				note(DrugChange{Kind: DrugPriceChanged, Code: n.Code, Name: n.Name, OldPrice: o.Price, NewPrice: n.Price})
				o.Price = n.Price
				if !o.same(n) {
					sum.OtherChanged++
					note(DrugChange{Kind: DrugOtherChanged, Code: n.Code, Name: n.Name, OldPrice: o.Price, NewPrice: n.Price})
				}
			case !o.same(n):
				sum.OtherChanged++
				note(DrugChange{Kind: DrugOtherChanged, Code: n.Code, Name: n.Name, OldPrice: o.Price, NewPrice: n.Price})
			}
			i++
			j++
		}
	}
}

func (r DrugRejectedRow) describe() string {
	where := r.File
	if r.Sheet != "" {
		where += " シート「" + r.Sheet + "」"
	}
	s := fmt.Sprintf("%s %d 行目", where, r.Row)
	if r.Code != "" {
		s += "（" + r.Code + "）"
	}
	return s + ": " + r.Reason
}

// drugColumn is a column of the list.
type drugColumn int

const (
	colCategory drugColumn = iota
	colCode
	colIngredient
	colSpec
	colPharmacopoeia
	colNarcotic
	colMakerNote
	colName
	colMaker
	colGeneric
	colBrand
	colBrandWithGeneric
	colPrice
	colTransitional
	colRemarks
	drugColumns
)

// drugHeaders maps a header cell (normalizeHeader'ed) to its column: the
// ministry's names, and the short ones people use.
var drugHeaders = map[string]drugColumn{
	"区分":           colCategory,
	"薬価基準収載医薬品コード": colCode,
	"医薬品コード":       colCode,
	"薬価基準コード":      colCode,
	"成分名":          colIngredient,
	"規格":           colSpec,
	"規格単位":         colSpec,
	"日本薬局方":        colPharmacopoeia,
	"局方":           colPharmacopoeia,
	"麻薬":           colNarcotic,
	"麻薬・毒薬":        colNarcotic,
	"麻毒":           colNarcotic,
	"業者名追記":        colMakerNote,
	"品名":           colName,
	"メーカー名":        colMaker,
	"メーカー":         colMaker,
	"診療報酬において加算等の算定対象となる後発医薬品": colGeneric,
	"後発医薬品": colGeneric,
	"後発品":   colGeneric,
	"先発医薬品": colBrand,
	"先発品":   colBrand,
	"同一剤形・規格の後発医薬品がある先発医薬品": colBrandWithGeneric,
	"薬価":          colPrice,
	"薬価(円)":       colPrice,
	"経過措置による使用期限": colTransitional,
	"経過措置":        colTransitional,
	"備考":          colRemarks,
}

// requiredColumns must all be in a header row.
var requiredColumns = []drugColumn{colCode, colIngredient, colSpec, colName, colPrice}

var headerLabels = map[drugColumn]string{colCode: "薬価基準収載医薬品コード", colIngredient: "成分名",
	colSpec: "規格", colName: "品名", colPrice: "薬価", colCategory: "区分"}

func normalizeHeader(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u3000' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, jptext.NormalizeWidth(s))
}

// headerColumns maps a row to the columns it names; ok when every
// required column is there.
func headerColumns(cells []string) (pos [drugColumns]int, ok bool) {
	for i := range pos {
		pos[i] = -1
	}
	for i, c := range cells {
		if col, found := drugHeaders[normalizeHeader(c)]; found && pos[col] < 0 {
			pos[col] = i
		}
	}
	for _, c := range requiredColumns {
		if pos[c] < 0 {
			return pos, false
		}
	}
	return pos, true
}

// drugTable is one opened file: a CSV, or an xlsx with its sheets.
type drugTable struct {
	name     string
	estimate int // rows, for the progress
	// csv is the decoded text of a CSV file; book an opened xlsx.
	csv  []byte
	book *excelize.File
	// fileDate is a date in the file's name.
	fileDate time.Time
}

func (t *drugTable) close() {
	if t.book != nil {
		_ = t.book.Close()
	}
}

var (
	utf8BOM      = []byte{0xEF, 0xBB, 0xBF}
	oleSignature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	fileNameDate = regexp.MustCompile(`(?:^|[^0-9])((?:19|20)[0-9]{6})(?:[^0-9]|$)`)
)

// notTheList is the error for a file of another kind.
func notTheList(name, what string) error {
	return Errorf(EINVALID, "%s は薬価基準収載品目リストではありません（%s）。厚生労働省の Excel ファイル（.xlsx）か、その CSV を選んでください", name, what)
}

// openDrugTable reads a file whole and recognises its kind by its content,
// not by its name.
func openDrugTable(f DrugFile) (*drugTable, error) {
	name := filepath.Base(f.Name)
	if name == "" || name == "." {
		name = "ファイル"
	}
	data, err := io.ReadAll(io.LimitReader(f.R, MaxDrugFileBytes+1))
	if err != nil {
		return nil, Errorf(EINVALID, "%s を読めません: %v", name, err)
	}
	if len(data) > MaxDrugFileBytes {
		return nil, Errorf(EINVALID, "%s が大きすぎます（%s まで）", name, FormatBytes(MaxDrugFileBytes))
	}
	t := &drugTable{name: name}
	if m := fileNameDate.FindStringSubmatch(name); m != nil {
		if d, err := jptext.ParseDate(m[1]); err == nil {
			t.fileDate = d
		}
	}
	head := data[:min(len(data), 512)]
	text := bytes.ToLower(bytes.TrimLeft(bytes.TrimPrefix(head, utf8BOM), " \t\r\n"))
	switch {
	case len(data) == 0:
		return nil, Errorf(EINVALID, "%s は空のファイルです", name)
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return t, t.openBook(data)
	case bytes.HasPrefix(data, oleSignature):
		return nil, Errorf(EINVALID, "%s は Excel 97-2003 形式（.xls）か、パスワード付きのブックです。Excel で .xlsx 形式（または CSV）に保存し直してください", name)
	case bytes.HasPrefix(data, []byte("\x89PNG")):
		return nil, notTheList(name, "PNG 画像です")
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return nil, notTheList(name, "JPEG 画像です")
	case bytes.HasPrefix(data, []byte("GIF8")):
		return nil, notTheList(name, "GIF 画像です")
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return nil, notTheList(name, "PDF です")
	case bytes.HasPrefix(text, []byte("<!doctype html")) || bytes.HasPrefix(text, []byte("<html")) ||
		bytes.HasPrefix(text, []byte("<head")) || bytes.HasPrefix(text, []byte("<body")):
		return nil, notTheList(name, "HTML のウェブページです。一覧のページではなく、そこからリンクされている Excel ファイルを保存してください")
	case bytes.HasPrefix(text, []byte("<?xml")) || bytes.HasPrefix(text, []byte("<")):
		return nil, notTheList(name, "XML などのマークアップです")
	case bytes.IndexByte(data[:min(len(data), 8192)], 0) >= 0:
		return nil, notTheList(name, "テキストでも Excel ブックでもありません")
	}
	return t, t.decodeCSV(data)
}

// openBook opens an xlsx; a zip that does not open is cut short or
// damaged.
func (t *drugTable) openBook(data []byte) error {
	book, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 256 << 20})
	if err != nil {
		return Errorf(EINVALID, "%s は Excel ファイルとして読めません。途中で切れているか壊れています（ダウンロードし直してください）", t.name)
	}
	t.book = book
	sheets := book.GetSheetList()
	if len(sheets) == 0 {
		return notTheList(t.name, "シートのない zip ファイルです")
	}
	for _, s := range sheets {
		ref, _ := book.GetSheetDimension(s)
		t.estimate += dimensionRows(ref)
	}
	return nil
}

// dimensionRows is the last row of a sheet's dimension ("A1:O6941" → 6941),
// 0 when it does not say.
func dimensionRows(ref string) int {
	_, last, _ := strings.Cut(ref, ":")
	if last == "" {
		return 0
	}
	_, row, err := excelize.CellNameToCoordinates(last)
	if err != nil {
		return 0
	}
	return row
}

// decodeCSV detects the encoding: a UTF-8 BOM, else valid UTF-8, else
// Shift_JIS (CP932).
func (t *drugTable) decodeCSV(data []byte) error {
	switch {
	case bytes.HasPrefix(data, utf8BOM):
		data = data[len(utf8BOM):]
		if !utf8.Valid(data) {
			return t.badText(data)
		}
	case utf8.Valid(data):
	default:
		if cutInRune(data) {
			return Errorf(EINVALID, "%s は途中で切れています（最後の文字が欠けています）。ファイルを保存し直してください", t.name)
		}
		dec, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
		if err != nil || bytes.ContainsRune(dec, utf8.RuneError) {
			return t.badText(data)
		}
		data = dec
	}
	t.csv = data
	t.estimate = bytes.Count(data, []byte{'\n'}) + 1 // the lines, also for lastCSVRecord
	return nil
}

// csvParseError is a CSV syntax error; atEOF when a quoted field is still
// open at the end of the file (a file cut short).
type csvParseError struct {
	line  int
	msg   string
	atEOF bool
}

func (e *csvParseError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// csvRecords reads the records of a CSV text with the line each starts on;
// io.EOF after the last.
func csvRecords(data []byte, lines int) func() ([]string, int, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1 // rows of any width: columns are found by name
	return func() ([]string, int, error) {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				msg := "引用符 \" の使い方が正しくありません"
				return nil, pe.StartLine, &csvParseError{line: pe.StartLine, msg: msg,
					atEOF: errors.Is(pe.Err, csv.ErrQuote) && pe.Line >= lines-1}
			}
			return nil, 0, err
		}
		line, _ := cr.FieldPos(0)
		return rec, line, nil
	}
}

func (t *drugTable) badText(data []byte) error {
	return Errorf(EINVALID, "%s の文字コードが UTF-8 でも Shift_JIS でもありません（テキストの CSV として読めません）", t.name)
}

// cutInRune reports UTF-8 text whose only fault is an incomplete
// character at its very end: a file cut short.
func cutInRune(data []byte) bool {
	for n := 1; n <= 3 && n < len(data); n++ {
		body, tail := data[:len(data)-n], data[len(data)-n:]
		if utf8.Valid(body) && !utf8.FullRune(tail) && utf8.RuneStart(tail[0]) && tail[0] >= 0xC0 {
			return true
		}
	}
	return false
}

// drugListReader reads the rows of every file into one list.
type drugListReader struct {
	drugs    []Drug
	rejected []DrugRejectedRow
	rows     int
	seen     map[string]string // code → where it was first read
	total    int
	progress func(DrugImportProgress)
	in       interner
	// dates found in the files: the latest wins.
	date       time.Time
	dateSource DrugListDateSource
}

func (r *drugListReader) listDate() (time.Time, DrugListDateSource) {
	if r.date.IsZero() {
		return time.Time{}, DrugDateFromImport
	}
	return r.date, r.dateSource
}

func (r *drugListReader) noteDate(d time.Time, src DrugListDateSource) {
	if !d.IsZero() && (d.After(r.date) || (d.Equal(r.date) && src == DrugDateFromFileName)) {
		r.date, r.dateSource = d, src
	}
}

// rowSource yields a table's rows: cells and the row number.
type rowSource func() (cells []string, row int, ok bool, err error)

func (r *drugListReader) read(t *drugTable) error {
	r.noteDate(t.fileDate, DrugDateFromFileName)
	if t.book == nil {
		return r.readCSV(t)
	}
	found := false
	for _, sheet := range t.book.GetSheetList() {
		rows, err := t.book.Rows(sheet)
		if err != nil {
			return Errorf(EINVALID, "%s のシート「%s」を読めません（ファイルが壊れています）", t.name, sheet)
		}
		n := 0
		next := func() ([]string, int, bool, error) {
			if !rows.Next() {
				return nil, n, false, rows.Error()
			}
			n++
			cells, err := rows.Columns(excelize.Options{RawCellValue: true})
			return cells, n, true, err
		}
		ok, err := r.readTable(t, sheet, next)
		rows.Close()
		if err != nil {
			return err
		}
		if ok {
			found = true
			// A sheet cut inside the zip's XML ends early without an
			// error; its dimension still says how far it went.
			if want := dimensionRowsOf(t.book, sheet); want > 0 && n < want {
				return Errorf(EINVALID, "%s のシート「%s」は途中で切れています（%d 行のはずが %d 行まで）", t.name, sheet, want, n)
			}
		}
	}
	if !found {
		return missingHeader(t.name)
	}
	return nil
}

func dimensionRowsOf(book *excelize.File, sheet string) int {
	ref, _ := book.GetSheetDimension(sheet)
	return dimensionRows(ref)
}

func missingHeader(name string) error {
	return Errorf(EINVALID, "%s に薬価基準収載品目リストの見出し行（薬価基準収載医薬品コード・成分名・規格・品名・薬価）が見つかりません。別の種類のファイルではありませんか", name)
}

func (r *drugListReader) readCSV(t *drugTable) error {
	lines := csvRecords(t.csv, t.estimate)
	next := func() ([]string, int, bool, error) {
		rec, line, err := lines()
		if err == io.EOF {
			return nil, line, false, nil
		}
		return rec, line, true, err
	}
	ok, err := r.readTable(t, "", next)
	if err != nil {
		return err
	}
	if !ok {
		return missingHeader(t.name)
	}
	return nil
}

// readTable finds the header row of one table (a CSV or a sheet) and reads
// the rows below it; ok is false when the table has no header row.
func (r *drugListReader) readTable(t *drugTable, sheet string, next rowSource) (ok bool, err error) {
	var title []string
	var pos [drugColumns]int
	for {
		cells, row, more, err := next()
		if err != nil {
			return false, r.tableError(t, sheet, row, err)
		}
		if !more {
			return false, nil
		}
		if pos, ok = headerColumns(cells); ok {
			break
		}
		if row >= headerSearchRows {
			return false, nil
		}
		title = append(title, strings.Join(cells, " "))
	}
	titleText := strings.Join(title, " ")
	if d := dateInText(titleText); !d.IsZero() {
		r.noteDate(d, DrugDateFromTitle)
	}
	// A table without a 区分 column takes its 区分 from the sheet's name,
	// its title or the file name.
	var category DrugCategory
	if pos[colCategory] < 0 {
		category = categoryIn(sheet + " " + titleText + " " + t.name)
		if category == "" {
			return false, Errorf(EINVALID, "%s には区分の列がなく、シート名・表題・ファイル名からも区分（内用薬・注射薬・外用薬・歯科用薬剤）が分かりません", t.name)
		}
	}
	width := 0
	for _, p := range pos {
		width = max(width, p+1)
	}
	for {
		cells, row, more, err := next()
		if err != nil {
			return true, r.tableError(t, sheet, row, err)
		}
		if !more {
			return true, nil
		}
		if r.rows >= maxDrugRows {
			return true, Errorf(EINVALID, "行が多すぎます（%d 行まで）", maxDrugRows)
		}
		if t.book == nil && !bytes.HasSuffix(t.csv, []byte{'\n'}) && len(cells) < width && r.lastCSVRecord(t, row) {
			return true, Errorf(EINVALID, "%s は途中で切れています（最後の %d 行目の列が足りません）", t.name, row)
		}
		r.row(t, sheet, row, cells, &pos, category)
		if r.progress != nil && r.rows%500 == 0 {
			r.progress(DrugImportProgress{File: t.name, Rows: r.rows, Total: max(r.total, r.rows)})
		}
	}
}

// lastCSVRecord reports whether the record at line is the file's last.
func (r *drugListReader) lastCSVRecord(t *drugTable, line int) bool {
	return t.estimate == line
}

func (r *drugListReader) tableError(t *drugTable, sheet string, row int, err error) error {
	where := t.name
	if sheet != "" {
		where += " のシート「" + sheet + "」"
	}
	var pe *csvParseError
	if errors.As(err, &pe) {
		if pe.atEOF {
			return Errorf(EINVALID, "%s は途中で切れています（%d 行目の引用符 \" が閉じていません）", where, pe.line)
		}
		return Errorf(EINVALID, "%s の %d 行目が CSV として正しくありません（%s）", where, pe.line, pe.msg)
	}
	return Errorf(EINVALID, "%s の %d 行目を読めません（ファイルが壊れています）", where, row)
}

var categoryNames = []DrugCategory{DrugOral, DrugInjection, DrugExternal, DrugDental}

// categoryIn finds the one 区分 a text names ("" for none or several).
func categoryIn(s string) DrugCategory {
	var found DrugCategory
	for _, c := range categoryNames {
		if strings.Contains(s, string(c)) || (c == DrugDental && strings.Contains(s, "歯科")) {
			if found != "" && found != c {
				return ""
			}
			found = c
		}
	}
	return found
}

var titleDate = regexp.MustCompile(`(?:令和|平成|R|H)(?:[0-9]{1,2}|元)年[0-9]{1,2}月[0-9]{1,2}日|(?:19|20)[0-9]{2}年[0-9]{1,2}月[0-9]{1,2}日|(?:19|20)[0-9]{2}[-/.][0-9]{1,2}[-/.][0-9]{1,2}`)

// dateInText finds the first date written in a title row (令和7年7月16日適用,
// 2025年7月16日, 2025/7/16).
func dateInText(s string) time.Time {
	s = strings.ReplaceAll(jptext.NormalizeWidth(jptext.NormalizeDigits(s)), " ", "")
	for _, m := range titleDate.FindAllString(s, 3) {
		if d, err := jptext.ParseDate(m); err == nil {
			return d
		}
	}
	return time.Time{}
}

var cellBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ")

// cell returns the text of a column, trimmed, line breaks as spaces.
func cell(cells []string, pos int) string {
	if pos < 0 || pos >= len(cells) {
		return ""
	}
	s := cells[pos]
	if strings.ContainsAny(s, "\r\n\t") {
		s = cellBreaks.Replace(s) // a line break typed inside a cell
	}
	return strings.TrimSpace(s)
}

// row reads one data row into the list, or into the rejected rows.
func (r *drugListReader) row(t *drugTable, sheet string, row int, cells []string, pos *[drugColumns]int, category DrugCategory) {
	get := func(c drugColumn) string { return cell(cells, pos[c]) }
	rawCode, name, price := get(colCode), get(colName), get(colPrice)
	if rawCode == "" && name == "" && price == "" {
		return // a blank row, or a note under the table
	}
	r.rows++
	reject := func(reason string) {
		r.rejected = append(r.rejected, DrugRejectedRow{File: t.name, Sheet: sheet, Row: row, Code: clipRunes(rawCode, 20), Reason: reason})
	}
	code, err := NormalizeDrugCode(rawCode)
	if err != nil {
		if rawCode == "" {
			reject("薬価基準収載医薬品コードがありません")
		} else {
			reject(err.Error())
		}
		return
	}
	d := Drug{Code: code, Category: category, Ingredient: get(colIngredient), Spec: get(colSpec),
		Pharmacopoeia: get(colPharmacopoeia), Narcotic: get(colNarcotic), MakerNote: get(colMakerNote),
		Name: name, Maker: get(colMaker), GenericMark: get(colGeneric), BrandMark: get(colBrand),
		BrandWithGeneric: get(colBrandWithGeneric), Remarks: get(colRemarks)}
	if pos[colCategory] >= 0 {
		d.Category = DrugCategory(get(colCategory))
	}
	if d.Price, err = ParseDrugPrice(excelNumber(price)); err != nil {
		reject(err.Error())
		return
	}
	if d.TransitionalUntil, err = parseTransitional(get(colTransitional)); err != nil {
		reject(err.Error())
		return
	}
	if err := d.validate(); err != nil {
		reject(err.Error())
		return
	}
	where := fmt.Sprintf("%s %d 行目", t.name, row)
	if first, dup := r.seen[code]; dup {
		reject("コードが重複しています（" + first + "と同じ）")
		return
	}
	r.seen[code] = where
	r.in.drug(&d)
	r.drugs = append(r.drugs, d)
}

// excelNumber writes a number a sheet stored in exponent form
// (1.67077222E8) as a plain decimal; other text is returned as it is.
func excelNumber(s string) string {
	if !strings.ContainsAny(s, "eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

var excelSerial = regexp.MustCompile(`^[0-9]{5}(?:\.0+)?$`)

// parseTransitional reads 経過措置による使用期限: "R8.3.31まで" as the
// ministry writes it, any date jptext.ParseDate reads, or a date cell's serial
// number.
func parseTransitional(s string) (time.Time, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "まで"))
	if s == "" {
		return time.Time{}, nil
	}
	if excelSerial.MatchString(s) {
		f, _ := strconv.ParseFloat(s, 64)
		t, err := excelize.ExcelDateToTime(f, false)
		if err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
		}
	}
	d, err := jptext.ParseDate(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("経過措置による使用期限 %q が日付として読めません", clipRunes(s, 20))
	}
	return d, nil
}
