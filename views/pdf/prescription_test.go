package pdf

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// rxLabels are the boxes of 様式第二号 (2024) the form must have.
var rxLabels = []string{
	"処方箋", "この処方箋は、どの保険薬局でも有効です。",
	"公費負担者番号", "公費負担医療の受給者番号", "保険者番号", "被保険者証・被保険者手帳の記号・番号（枝番）",
	"患者", "氏名", "生年月日", "男", "女", "被保険者", "被扶養者", "区分",
	"保険医療機関の所在地及び名称", "電話番号", "保険医氏名", "印",
	"都道府県番号", "点数表番号", "医療機関コード", "交付年月日", "処方箋の使用期間",
	"特に記載のある場合を除き、交付の日を含めて４日以内に保険薬局に提出すること。",
	"変更不可（医療上必要）", "患者希望", "保険医署名", "リフィル可",
	"備考", "保険薬局が調剤時に残薬を確認した場合の対応", leftoverInquire, leftoverInform,
	"調剤実施回数", "次回調剤予定日", "調剤済年月日", "保険薬局の所在地及び名称", "保険薬剤師氏名", "照会番号",
}

// printedValues lists every value of f as it stands in the PDF's text.
func printedValues(f printedForm) []string {
	vs := []string{f.PublicPayer[0], f.PublicPayer[1], f.PublicRecipient[0], f.PublicRecipient[1],
		f.Insurer, f.Insured, f.Name, f.Kana, f.Birth + "生", "■" + f.Sex, "■" + f.Relation, "負担割合" + f.Copay,
		f.Phone, f.Doctor, f.Prefecture, f.ScoreTable, f.FacilityCode, f.Issued, f.ValidUntil + "まで",
		"■（" + f.Refills + "回）", "■" + f.Leftover, f.Reference}
	vs = append(vs, f.Remarks...)
	for _, d := range f.Drugs {
		vs = append(vs, d.Name+d.Amount, d.Usage)
		if d.Quantity != "" {
			vs = append(vs, d.Usage+d.Quantity)
		}
		if d.Uneven != "" {
			vs = append(vs, "不均等"+d.Uneven)
		}
	}
	return vs
}

// decodeQR reads the QR codes of page (1-based) from a 300 dpi render.
func decodeQR(t *testing.T, file string, page int) []byte {
	t.Helper()
	zbar := tool(t, "zbarimg")
	dir := t.TempDir()
	n := strconv.Itoa(page)
	runTool(t, "pdftoppm", "-r", "300", "-png", "-f", n, "-l", n, "-singlefile", file, filepath.Join(dir, "page"))
	got, err := exec.Command(zbar, "--raw", "-q", "-Sbinary", filepath.Join(dir, "page.png")).Output()
	if err != nil {
		t.Fatalf("zbarimg page %d: %v", page, err)
	}
	return got
}

func checkPDFFile(t *testing.T, file string) {
	t.Helper()
	if info := runTool(t, "pdfinfo", file); !strings.Contains(info, "Page size:       419.53 x 595.28 pts") {
		t.Errorf("not A5 (148 × 210 mm):\n%s", info)
	}
	if s := runTool(t, "qpdf", "--check", file); !strings.Contains(s, "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check:\n%s", s)
	}
	fonts := runTool(t, "pdffonts", file)
	if !regexp.MustCompile(`(?m)^[A-Z]{6}\+IPAexGothic\s.*\byes\s+yes\s`).MatchString(fonts) {
		t.Errorf("IPAex Gothic not embedded as a subset:\n%s", fonts)
	}
	checkWordBoxes(t, file, a5)
}

// TestPrescriptionPDF: one A5 page with every box of the form and every
// value, the 照会番号 on one line with its label, and a QR code that
// reads back as the JAHIS text byte for byte.
func TestPrescriptionPDF(t *testing.T) {
	p := samplePrescription()
	out, err := RenderPrescription(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) >= 150*1024 {
		t.Errorf("PDF is %d KB, want < 150 KB", len(out)/1024)
	}
	file := writePDF(t, out)
	checkPDFFile(t, file)
	if n := pageCount(t, file); n != 1 {
		t.Errorf("%d pages, want 1", n)
	}
	layout := runTool(t, "pdftotext", "-layout", "-enc", "UTF-8", file, "-")
	raw := squeeze(runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-"))
	// A label wrapped in its narrow box is whole in the text read in
	// order (-raw); values are on one line of -layout.
	for _, l := range rxLabels {
		if !strings.Contains(raw, squeeze(l)) {
			t.Errorf("the form lacks the box 「%s」", l)
		}
	}
	lines := strings.Split(layout, "\n")
	f := p.printed()
	for _, v := range printedValues(f) {
		found := false
		for _, l := range lines {
			found = found || strings.Contains(squeeze(l), squeeze(v))
		}
		if !found {
			t.Errorf("no line of pdftotext -layout holds 「%s」", v)
		}
	}
	// The facility's block wraps in its box: whole in the text read in order.
	if !strings.Contains(raw, squeeze(f.Facility)) {
		t.Errorf("the form lacks 「%s」", f.Facility)
	}
	if !regexp.MustCompile(`(?m)照会番号\s+` + regexp.QuoteMeta(p.Reference)).MatchString(layout) {
		t.Errorf("照会番号 and %s not on one line:\n%s", p.Reference, layout)
	}
	for _, w := range []string{"以下余白", "レ"} {
		if !strings.Contains(layout, w) {
			t.Errorf("no %s", w)
		}
	}
	if strings.Contains(layout, "取消") || strings.Contains(layout, "別紙") {
		t.Error("取消 or 別紙 on a prescription that is neither")
	}

	code, _ := JAHIS(p)
	if got := decodeQR(t, file, 1); !bytes.Equal(got, code) {
		t.Errorf("the QR code reads %d bytes, not the %d of the JAHIS text:\n%q\n%q", len(got), len(code), got, code)
	}
}

// TestPrescriptionContinues: a 20-line prescription goes on to a 別紙,
// every drug whole and in order, 以下余白 after the last; its code, too
// large for the form's box, is a structured append strip at the end that
// reads back as the JAHIS text. Cancelled, every page says 取消.
func TestPrescriptionContinues(t *testing.T) {
	p := longPrescription(20)
	p.Cancelled, p.CancelReason = true, "用量の誤り"
	out, err := RenderPrescription(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) >= 150*1024 {
		t.Errorf("PDF is %d KB, want < 150 KB", len(out)/1024)
	}
	file := writePDF(t, out)
	checkPDFFile(t, file)
	pages := pageCount(t, file)
	if pages < 2 {
		t.Fatalf("%d pages, want a 別紙", pages)
	}
	layout := runTool(t, "pdftotext", "-layout", "-enc", "UTF-8", file, "-")
	for _, w := range []string{"（別紙に続く）", "別紙（院外処方箋の続き）", "以下余白", "2次元シンボルは別紙", "取消（用量の誤り）"} {
		if !strings.Contains(layout, w) {
			t.Errorf("no 「%s」", w)
		}
	}
	// Every drug on one line, in order.
	last := -1
	for _, d := range p.printed().Drugs {
		i := strings.Index(layout, d.Name)
		if i < 0 || i < last || !strings.Contains(layout[i:i+len(d.Name)+40], d.Amount) {
			t.Errorf("「%s」 missing, cut or out of order", d.Name)
		}
		last = i
	}
	if strings.Index(layout, "以下余白") < last {
		t.Error("以下余白 before the last drug")
	}
	for i := 1; i <= pages; i++ {
		n := strconv.Itoa(i)
		if pg := runTool(t, "pdftotext", "-layout", "-enc", "UTF-8", "-f", n, "-l", n, file, "-"); !strings.Contains(pg, "取消") {
			t.Errorf("page %d not marked 取消", i)
		}
	}
	code, _ := JAHIS(p)
	q, err := qrEncode(code, true, qrMaxVersion)
	if err != nil || len(q.pngs) < 2 {
		t.Fatalf("the code in %d symbols (%v), want structured append", len(q.pngs), err)
	}
	if got := decodeQR(t, file, pages); !bytes.Equal(got, code) {
		t.Errorf("the symbols read %d bytes, not the %d of the JAHIS text", len(got), len(code))
	}
}

// TestPrescriptionLongNames: a drug name longer than a line wraps under
// itself and is printed whole.
func TestPrescriptionLongNames(t *testing.T) {
	p := samplePrescription()
	long := strings.Repeat("ロサルタンカリウム・ヒドロクロロチアジド配合錠", 4) + "ＨＤ「最終」"
	p.RPs[0].Lines[0].Name = long
	out, err := RenderPrescription(p)
	if err != nil {
		t.Fatal(err)
	}
	file := writePDF(t, out)
	// The 変更不可 mark is read between the name's first lines.
	raw := strings.ReplaceAll(squeeze(runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-")), "レ", "")
	if !strings.Contains(raw, squeeze(long)) {
		t.Error("a long drug name is cut")
	}
}
