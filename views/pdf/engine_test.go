package pdf

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"hotline/views/pdf/qr"
)

func writePDF(t *testing.T, b []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// pageCount is what pdfinfo says.
func pageCount(t *testing.T, file string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(runTool(t, "pdfinfo", file))
	if m == nil {
		t.Fatal("pdfinfo shows no page count")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// cropText is pdftotext -raw of one column of every page, between the
// running header and footer; x and w in millimetres.
func cropText(t *testing.T, file string, p paper, x, w float64) string {
	t.Helper()
	pt := func(mm float64) string { return strconv.Itoa(int(mm * 72 / 25.4)) }
	top := p.marginTop + 11 + 0.5  // below the running header
	h := p.contentH() - 11 - 4 - 1 // above the footer
	return runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", "-x", pt(x), "-y", pt(top), "-W", pt(w), "-H", pt(h), file, "-")
}

// TestFlowingLetter: a letter with 12,000 characters in its sections runs
// over several pages with nothing lost, nothing cut off and nothing
// overlapping, the labels repeated with （続き） and every page numbered.
func TestFlowingLetter(t *testing.T) {
	sections := sampleSections(12200)
	var all strings.Builder
	for _, s := range sections {
		all.WriteString(s.body)
	}
	if n := len([]rune(squeeze(all.String()))); n < 12000 {
		t.Fatalf("sample has %d characters", n)
	}
	out, err := renderSampleLetter(sections)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) >= 150*1024 {
		t.Errorf("PDF is %d KB", len(out)/1024)
	}
	file := writePDF(t, out)

	// Every page is numbered, with the total.
	pages := pageCount(t, file)
	if pages < 5 || pages > 10 {
		t.Errorf("%d pages for 12,000 characters", pages)
	}
	text := runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-")
	for i := 1; i <= pages; i++ {
		if !strings.Contains(text, fmt.Sprintf("%d / %d", i, pages)) {
			t.Errorf("page %d is not numbered %d / %d", i, i, pages)
		}
	}

	// Every body, whole and in order, in the body column.
	x := a4.marginX + sampleLetterLabelW
	body := squeeze(cropText(t, file, a4, x+0.5, float64(a4.contentW()-sampleLetterLabelW)-1))
	if !strings.Contains(body, squeeze(all.String())) {
		want := squeeze(all.String())
		i := 0
		for i < len(want) && strings.Contains(body, want[:i+1]) {
			i++
		}
		t.Errorf("the bodies are not in the text whole and in order; the first %d bytes are, then %q", i, want[i:min(len(want), i+60)])
	}
	// The labels, in order, continued where a section runs on.
	labels := squeeze(cropText(t, file, a4, a4.marginX+0.5, sampleLetterLabelW-1))
	var seq strings.Builder
	for _, s := range sections {
		l := regexp.QuoteMeta(squeeze(s.label))
		seq.WriteString(l + "(?:" + l + "（続き）)*")
	}
	if !regexp.MustCompile(seq.String() + `$`).MatchString(labels) {
		t.Errorf("the label column is not the labels in order, each continued on its further pages:\n%s", labels)
	}
	if n := strings.Count(labels, "（続き）"); n < pages-2 {
		t.Errorf("%d continued labels on %d pages", n, pages)
	}

	// Nothing overlapping, nothing outside the printable area.
	checkWordBoxes(t, file, a4)

	t.Run("font", func(t *testing.T) {
		fonts := runTool(t, "pdffonts", file)
		if !regexp.MustCompile(`(?m)^[A-Z]{6}\+IPAexGothic\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\s`).MatchString(fonts) || strings.Count(fonts, "\n") != 3 {
			t.Errorf("want the one IPAex font, embedded:\n%s", fonts)
		}
	})
	t.Run("structure", func(t *testing.T) {
		if s := runTool(t, "qpdf", "--check", file); !strings.Contains(s, "No syntax or stream encoding errors") {
			t.Errorf("qpdf --check:\n%s", s)
		}
	})
	t.Run("pages", func(t *testing.T) {
		dir := t.TempDir()
		runTool(t, "pdftoppm", "-r", "50", "-png", file, filepath.Join(dir, "p"))
		pngs, _ := filepath.Glob(filepath.Join(dir, "p-*.png"))
		if len(pngs) != pages {
			t.Fatalf("%d pages rendered, want %d", len(pngs), pages)
		}
		for _, p := range pngs {
			checkInk(t, p)
		}
	})
}

// checkWordBoxes fails when two words of a page overlap or a word lies
// outside the printable area (pdftotext -bbox).
func checkWordBoxes(t *testing.T, file string, p paper) {
	t.Helper()
	var doc struct {
		Pages []struct {
			Words []struct {
				XMin float64 `xml:"xMin,attr"`
				YMin float64 `xml:"yMin,attr"`
				XMax float64 `xml:"xMax,attr"`
				YMax float64 `xml:"yMax,attr"`
				Text string  `xml:",chardata"`
			} `xml:"word"`
		} `xml:"body>doc>page"`
	}
	out := runTool(t, "pdftotext", "-bbox", "-enc", "UTF-8", file, "-")
	dec := xml.NewDecoder(strings.NewReader(out))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	mm := func(pt float64) float64 { return pt * 25.4 / 72 }
	const eps = 0.15 // glyph boxes of neighbouring lines touch
	if len(doc.Pages) == 0 {
		t.Fatal("pdftotext -bbox shows no page")
	}
	for n, pg := range doc.Pages {
		ws := pg.Words
		if len(ws) == 0 {
			t.Errorf("page %d: no words", n+1)
		}
		for i, a := range ws {
			if mm(a.XMin) < p.marginX-0.5 || mm(a.XMax) > p.w-p.marginX+0.5 || mm(a.YMin) < p.marginTop-0.5 || mm(a.YMax) > p.h-p.marginBottom+4 {
				t.Errorf("page %d: %q lies outside the printable area", n+1, a.Text)
			}
			for _, b := range ws[i+1:] {
				if mm(min(a.XMax, b.XMax)-max(a.XMin, b.XMin)) > eps && mm(min(a.YMax, b.YMax)-max(a.YMin, b.YMin)) > eps {
					t.Errorf("page %d: %q and %q overlap", n+1, a.Text, b.Text)
				}
			}
		}
	}
}

// TestA5Form: an A5 page of boxes, check boxes, a table of lines and a
// QR code of a 1,500-byte Shift_JIS payload split by structured append:
// the page is A5, every box's caption and value is there, and the QR code
// read from a 300 dpi render is the payload byte for byte.
func TestA5Form(t *testing.T) {
	payload := samplePayload(t, 1500)
	out, err := renderSampleForm(payload)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) >= 150*1024 {
		t.Errorf("PDF is %d KB, want < 150 KB", len(out)/1024)
	}
	file := writePDF(t, out)
	if n := pageCount(t, file); n != 1 {
		t.Errorf("%d pages, want 1", n)
	}
	if info := runTool(t, "pdfinfo", file); !strings.Contains(info, "Page size:       419.53 x 595.28 pts") {
		t.Errorf("not A5 (148 × 210 mm):\n%s", info)
	}
	layout := runTool(t, "pdftotext", "-layout", "-enc", "UTF-8", file, "-")
	for _, want := range []string{
		"公費負担者番号", "12345678", "保険者番号", "06132013", "被保険者証・被保険者手帳の記号・番号（枝番）", "12-345・6789（01）",
		"公費負担医療の受給者番号", "氏名", "髙﨑 花子", "生年月日", "□男", "■女", "□被保険者", "■被扶養者",
		"保険医療機関の所在地及び名称", "電話番号", "保険医氏名", "髙﨑 太郎", "印", "都道府県番号", "点数表番号", "医療機関コード", "2345678",
		"交付年月日", "処方箋の使用期間", "リフィル可 □", "変更不可", "患者希望", "70日分", "以下余白",
	} {
		if !strings.Contains(layout, want) {
			t.Errorf("pdftotext -layout lacks %q", want)
		}
	}
	if !regexp.MustCompile(`1\s*/\s*1`).MatchString(layout) {
		t.Error("no page number 1 / 1")
	}
	checkWordBoxes(t, file, a5)
	if s := runTool(t, "qpdf", "--check", file); !strings.Contains(s, "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check:\n%s", s)
	}

	syms, err := qr.Encode(payload, qr.Options{MaxVersion: qrMaxVersion, CharStart: qr.ShiftJISCharStart})
	if err != nil || len(syms) != 4 {
		t.Fatalf("payload in %d symbols (%v), want 4", len(syms), err)
	}
	zbar := tool(t, "zbarimg")
	dir := t.TempDir()
	runTool(t, "pdftoppm", "-r", "300", "-png", "-singlefile", file, filepath.Join(dir, "page"))
	cmd := exec.Command(zbar, "--raw", "-q", "-Sbinary", filepath.Join(dir, "page.png"))
	got, err := cmd.Output()
	if err != nil || !bytes.Equal(got, payload) {
		t.Errorf("zbarimg read %d bytes (%v), want the %d-byte payload", len(got), err, len(payload))
	}
}

// TestSectionContinues checks the flow on a small scale: both label
// layouts, the continuation label, the bottom of a part closed, and the
// least height of an empty section.
func TestSectionContinues(t *testing.T) {
	body := strings.Repeat("本文の行です。", 400)
	for _, labelW := range []int{30, 0} {
		d, err := newDoc("テスト", a5, Letterhead{Operator: sampleOperator()})
		if err != nil {
			t.Fatal(err)
		}
		d.section("症状経過及び検査結果", body, labelW, 0)
		d.section("備考", "", labelW, 20)
		pages, err := d.paginate()
		if err != nil {
			t.Fatal(err)
		}
		if len(pages) < 2 {
			t.Fatalf("labelW %d: %d pages", labelW, len(pages))
		}
		out, err := d.render()
		if err != nil {
			t.Fatal(err)
		}
		file := writePDF(t, out)
		raw := runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-")
		if n := strings.Count(squeeze(raw), "症状経過及び検査結果（続き）"); n != len(pages)-1 && !(labelW > 0 && n == 0) {
			t.Errorf("labelW %d: %d continued labels on %d pages", labelW, n, len(pages))
		}
		if labelW > 0 && strings.Count(raw, "（続き）") < len(pages)-1 {
			t.Errorf("labelW %d: the label column does not continue:\n%s", labelW, raw)
		}
		checkWordBoxes(t, file, a5)
		// The empty 備考 is still 20 mm tall.
		var h float64
		last := d.items[len(d.items)-1].flow
		for _, it := range d.part(last, 0, last.rows, true) {
			h += it.h
		}
		if h < 20-1e-9 {
			t.Errorf("labelW %d: empty section %.1f mm tall, want at least 20", labelW, h)
		}
	}
}

// TestFormBoxes: a value that does not fit its box is set smaller, and a
// form is an error, not a cut value, when even the smallest size does not
// fit.
func TestFormBoxes(t *testing.T) {
	d, err := newDoc("テスト", a5, Letterhead{Operator: sampleOperator()})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("保険医療機関の所在地", 4)
	cs, err := d.boxText(cell{caption: "所在地", text: long, st: style{size: 10}}, 64, 12, formPad)
	if err != nil {
		t.Fatalf("a long address does not shrink to fit: %v", err)
	}
	if len(cs) < 3 {
		t.Errorf("%d texts, want the caption and at least two lines", len(cs))
	}
	f := d.newForm(10)
	f.box(0, 0, 20, 6, cell{caption: "氏名", text: long, st: style{size: 10}})
	if err := d.addForm(f); err == nil || !strings.Contains(err.Error(), "氏名") {
		t.Errorf("overfull box: err = %v, want one naming the box", err)
	}
	if got := choice([]string{"被保険者", "被扶養者"}, "被扶養者"); got != "□被保険者　■被扶養者" {
		t.Errorf("choice = %q", got)
	}
}

// TestFacilityLetterhead: a facility's letterhead heads the pages with its
// name and signs with its code, doctor and seal box.
func TestFacilityLetterhead(t *testing.T) {
	d, err := newDoc("紹介状", a4, Letterhead{Operator: sampleOperator(), Facility: sampleFacility()})
	if err != nil {
		t.Fatal(err)
	}
	d.sender(d.head, d.w/2)
	out, err := d.render()
	if err != nil {
		t.Fatal(err)
	}
	raw := squeeze(runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", writePDF(t, out), "-"))
	f := sampleFacility()
	for _, want := range []string{f.Name, "〒" + f.Postal, f.Address, "電話" + f.Phone, "FAX" + f.Fax, "医療機関コード" + f.Code, "内科医師" + squeeze(f.Doctor), "印", "紹介状"} {
		if !strings.Contains(raw, squeeze(want)) {
			t.Errorf("text lacks %q", want)
		}
	}
}

// TestQRCache: a payload is encoded once; the cache stays bounded.
func TestQRCache(t *testing.T) {
	p := []byte("https://hotline.example.jp/patient/login?cache")
	a, err := qrEncode(p, false, 40)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := qrEncode(p, false, 40); b != a {
		t.Error("the same payload was encoded twice")
	}
	for i := range qrCacheSize + 5 {
		if _, err := qrEncode([]byte(fmt.Sprint("payload ", i)), false, 40); err != nil {
			t.Fatal(err)
		}
	}
	if n := qrCache.order.Len(); n != qrCacheSize || len(qrCache.byKey) != qrCacheSize {
		t.Errorf("cache holds %d (%d keys), want %d", n, len(qrCache.byKey), qrCacheSize)
	}
	if b, _ := qrEncode(p, false, 40); b == a {
		t.Error("the oldest entry was not evicted")
	}
}
