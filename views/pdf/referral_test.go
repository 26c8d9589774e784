package pdf

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// inOrder fails unless every want occurs in text, in this order (white
// space aside).
func inOrder(t *testing.T, text string, want ...string) {
	t.Helper()
	s := squeeze(text)
	at := 0
	for _, w := range want {
		i := strings.Index(s[at:], squeeze(w))
		if i < 0 {
			if strings.Contains(s, squeeze(w)) {
				t.Errorf("%q is there but out of order", w)
			} else {
				t.Errorf("text lacks %q", w)
			}
			continue
		}
		at += i + len(squeeze(w))
	}
}

// checkPrinted is what every referral document must pass: the one font
// embedded as a subset, qpdf clean, every page rendered with ink on it,
// nothing overlapping or outside the printable area, each page numbered.
func checkPrinted(t *testing.T, out []byte) string {
	t.Helper()
	if len(out) >= 150*1024 {
		t.Errorf("PDF is %d KB, want < 150 KB", len(out)/1024)
	}
	file := writePDF(t, out)
	pages := pageCount(t, file)
	fonts := runTool(t, "pdffonts", file)
	if !regexp.MustCompile(`(?m)^[A-Z]{6}\+IPAexGothic\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\s`).MatchString(fonts) || strings.Count(fonts, "\n") != 3 {
		t.Errorf("want the one IPAex font, embedded as a subset:\n%s", fonts)
	}
	if s := runTool(t, "qpdf", "--check", file); !strings.Contains(s, "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check:\n%s", s)
	}
	dir := t.TempDir()
	runTool(t, "pdftoppm", "-r", "50", "-png", file, filepath.Join(dir, "p"))
	pngs, _ := filepath.Glob(filepath.Join(dir, "p-*.png"))
	if len(pngs) != pages {
		t.Errorf("%d pages rendered, want %d", len(pngs), pages)
	}
	slices.Sort(pngs)
	for i, p := range pngs {
		if i == 0 {
			checkInk(t, p) // the title at the top, some ink and not too much
		} else if !hasInk(t, p) {
			t.Errorf("page %d is blank", i+1)
		}
	}
	checkWordBoxes(t, file, a4)
	raw := runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-")
	for i := 1; i <= pages; i++ {
		if !strings.Contains(raw, fmt.Sprintf("%d / %d", i, pages)) {
			t.Errorf("page %d is not numbered %d / %d", i, i, pages)
		}
	}
	if strings.Contains(raw, "〓") {
		t.Error("a character was printed as 〓")
	}
	return file
}

// TestReferralLetter: a letter of one or two pages shows, in the order of
// 別紙様式11, the title, the date in 和暦, 紹介先, 紹介元 with 医療機関コード,
// the doctor and the 印 box, the patient with the age on the letter's
// date, and every section label followed by its text.
func TestReferralLetter(t *testing.T) {
	l := sampleReferralLetter(1200)
	out, err := RenderReferralLetter(l)
	if err != nil {
		t.Fatal(err)
	}
	file := checkPrinted(t, out)
	raw := runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-")
	f := l.From
	want := []string{
		"診療情報提供書", "令和7年12月2日",
		"紹介先医療機関等名", l.To.Facility, l.To.Department, l.To.Doctor, "殿",
		"紹介元医療機関の所在地及び名称", "〒" + f.Postal, f.Address, f.Name, "電話" + f.Phone, "医療機関コード" + f.Code, f.Department + "医師" + f.Doctor, "印",
		"フリガナ", l.Patient.Kana, "性別", "女", "患者氏名", l.Patient.Name, "生年月日", "昭和33年4月12日生（67歳）",
		"住所", l.Patient.Address, "電話番号", l.Patient.Phone, "職業", l.Patient.Occupation,
	}
	inOrder(t, raw, append(want, "傷病名")...)
	checkSections(t, file, append(l.Sections(), [2]string{"添付資料", "・" + l.Attachments[0] + "・" + l.Attachments[1]},
		[2]string{"DMS記録", "・R000012　胸部X線（画像）　令和7年11月28日　第2版・R000015　血液検査（11月）（検査結果）　令和7年11月30日　第1版"}))
	for _, re := range []string{`DMS記録\s+・R000012\s+胸部X線（画像）\s+令和7年11月28日\s+第2版`, `・R000015\s+血液検査（11月）（検査結果）\s+令和7年11月30日\s+第1版`} {
		if !regexp.MustCompile(re).MatchString(raw) {
			t.Errorf("the referenced records: no match for %s in\n%s", re, raw)
		}
	}
	// Every page's header names the letter and the patient.
	pages := pageCount(t, file)
	if n := strings.Count(squeeze(raw), squeeze("No. R-000123　患者 髙﨑 花子 様")); n != pages {
		t.Errorf("the letter's number and patient are in %d page headers of %d", n, pages)
	}
	// Side by side as printed: each label on the line of its value.
	layout := runTool(t, "pdftotext", "-layout", "-enc", "UTF-8", file, "-")
	for _, re := range []string{`患者氏名\s+髙﨑 花子\s+生年月日\s+昭和33年4月12日生（67歳）`, `フリガナ\s+タカサキ ハナコ\s+性別\s+女`, `電話番号\s+03-9876-5432\s+職業\s+無職`, `傷病名\s+\S`} {
		if !regexp.MustCompile(`(?m)^\s*` + re).MatchString(layout) {
			t.Errorf("no line of pdftotext -layout matches %s", re)
		}
	}
}

// TestReferralLetterAge: the age is counted on the letter's date in Japan.
func TestReferralLetterAge(t *testing.T) {
	birth := time.Date(1958, 12, 3, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		day  time.Time
		want int
	}{
		{time.Date(2025, 12, 2, 14, 59, 0, 0, time.UTC), 66}, // 12月2日 23:59 in Japan
		{time.Date(2025, 12, 2, 15, 0, 0, 0, time.UTC), 67},  // 12月3日 0:00 in Japan
		{time.Date(2025, 12, 3, 0, 0, 0, 0, time.UTC), 67},   // the calendar day 12月3日
		{time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), 67},
	} {
		if got := ageOn(birth, tc.day); got != tc.want {
			t.Errorf("ageOn(%s) = %d, want %d", tc.day, got, tc.want)
		}
	}
	if got := dayOf(time.Date(2025, 12, 3, 0, 0, 0, 0, time.UTC), true); got != "令和7年12月3日" {
		t.Errorf("a calendar day prints as %s", got)
	}
}

// TestReferralLetterFlows: a letter of 12,000 characters runs over several
// pages with no text lost (the body column, white space aside, is the
// input), the labels continued 「（続き）」, no line starting with a
// character that may not begin one, no line ending with an opening bracket.
func TestReferralLetterFlows(t *testing.T) {
	l := sampleReferralLetter(12200)
	l.Attachments, l.Records = nil, nil
	var all strings.Builder
	for _, s := range l.Sections() {
		all.WriteString(s[1])
	}
	if n := utf8.RuneCountInString(squeeze(all.String())); n < 12000 {
		t.Fatalf("sample has %d characters", n)
	}
	out, err := RenderReferralLetter(l)
	if err != nil {
		t.Fatal(err)
	}
	file := checkPrinted(t, out)
	pages := pageCount(t, file)
	if pages < 5 || pages > 10 {
		t.Errorf("%d pages for 12,000 characters", pages)
	}

	body, labels := checkSections(t, file, l.Sections())
	// Nothing after the last section: the column ends with the input.
	if !strings.HasSuffix(squeeze(body), squeeze(all.String())) {
		t.Error("the body column does not end with the last section's text")
	}
	if n := strings.Count(labels, "（続き）"); n < pages-2 {
		t.Errorf("%d continued labels on %d pages", n, pages)
	}

	lines := 0
	for _, ln := range strings.Split(body, "\n") {
		ln = strings.TrimSpace(strings.ReplaceAll(ln, "\f", ""))
		if ln == "" {
			continue
		}
		lines++
		first, _ := utf8.DecodeRuneInString(ln)
		last, _ := utf8.DecodeLastRuneInString(ln)
		if noLineStart(first) {
			t.Errorf("line starts with %q: %s", first, ln)
		}
		if noLineEnd(last) {
			t.Errorf("line ends with %q: %s", last, ln)
		}
	}
	if lines < 200 {
		t.Errorf("only %d lines in the body column", lines)
	}
}

// TestReferralReply: the 返書 shows the title, its date, the referring
// doctor, the replying facility with the 印 box, the patient, the letter
// answered with its date, 受診日, then 所見, 方針 and 本文.
func TestReferralReply(t *testing.T) {
	r := sampleReferralReply()
	out, err := RenderReferralReply(r)
	if err != nil {
		t.Fatal(err)
	}
	file := checkPrinted(t, out)
	raw := runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-")
	want := []string{
		"紹介患者経過報告書", "令和7年12月9日",
		"紹介元医療機関名", r.To.Facility, r.To.Department, r.To.Doctor, "先生",
		r.From.Name, "医療機関コード" + r.From.Code, r.From.Department + "医師" + r.From.Doctor, "印",
		"令和7年12月2日付でご紹介いただきました",
		"患者氏名", r.Patient.Name, "昭和33年4月12日生（67歳）",
		"紹介日", "令和7年12月2日（No. R-000123）", "受診日", "令和7年12月5日",
	}
	inOrder(t, raw, append(want, "所見")...)
	checkSections(t, file, r.Sections())

	// A long reply continues like the letter.
	r.Body = strings.Repeat("経過は良好で、外来での加療を継続しております。「息切れ」は軽快しました。", 120)
	out, err = RenderReferralReply(r)
	if err != nil {
		t.Fatal(err)
	}
	file = checkPrinted(t, out)
	if pageCount(t, file) < 2 {
		t.Error("a long reply is one page")
	}
	checkSections(t, file, r.Sections())
	if !strings.Contains(runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-"), "本文（続き）") {
		t.Error("本文 is not continued")
	}
}

// TestReferralCorrectionAndDraft: a correction names the letter it
// corrects; a draft says so on the page and in every header.
func TestReferralCorrectionAndDraft(t *testing.T) {
	l := sampleReferralLetter(600)
	l.ID = "R-000124"
	l.Corrects = ReferralRef{ID: "R-000123", Date: time.Date(2025, 12, 1, 3, 0, 0, 0, time.UTC)}
	out, err := RenderReferralLetter(l)
	if err != nil {
		t.Fatal(err)
	}
	file := checkPrinted(t, out)
	raw := runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-")
	inOrder(t, raw, "診療情報提供書", "訂正", "この診療情報提供書は、令和7年12月1日付の診療情報提供書（No. R-000123）を訂正するものです。", "令和7年12月2日")

	l = sampleReferralLetter(600)
	l.Draft, l.ID = true, ""
	out, err = RenderReferralLetter(l)
	if err != nil {
		t.Fatal(err)
	}
	file = checkPrinted(t, out)
	raw = runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-")
	inOrder(t, raw, "診療情報提供書", "下書き（未送信）")
	if n := strings.Count(squeeze(raw), "診療情報提供書下書き患者"); n != pageCount(t, file) {
		t.Errorf("下書き in %d page headers", n)
	}
}

// TestReferralEmptyAndOverlong: a letter with nothing filled in is one
// page with room to write; one whose every value is far too long still
// prints every value whole, nothing overlapping.
func TestReferralEmptyAndOverlong(t *testing.T) {
	out, err := RenderReferralLetter(ReferralLetter{})
	if err != nil {
		t.Fatal(err)
	}
	file := checkPrinted(t, out)
	if n := pageCount(t, file); n != 1 {
		t.Errorf("an empty letter has %d pages", n)
	}
	inOrder(t, runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-"), "診療情報提供書", "令和年月日", "傷病名", "紹介目的", "既往歴及び家族歴", "症状経過及び検査結果", "治療経過", "現在の処方", "備考")
	if out, err = RenderReferralReply(ReferralReply{}); err != nil {
		t.Fatal(err)
	}
	checkPrinted(t, out)

	long := strings.Repeat("長い名称の医療法人社団", 12)
	l := sampleReferralLetter(400)
	l.To = ReferralAddressee{Facility: long, Department: long, Doctor: long}
	l.From.Name, l.From.Address, l.From.Doctor = long, long, long
	l.Patient.Name, l.Patient.Kana, l.Patient.Address, l.Patient.Occupation = long, strings.Repeat("タカサキ", 30), long, long
	l.Diagnosis = strings.Repeat("ABCDEFGHIJ", 60) // one ASCII word longer than a line
	out, err = RenderReferralLetter(l)
	if err != nil {
		t.Fatal(err)
	}
	file = checkPrinted(t, out)
	raw := squeeze(runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-"))
	// 紹介先 facility, department and doctor; 紹介元 address, name and
	// doctor; the patient's name, address and occupation.
	if n := strings.Count(raw, squeeze(long)); n != 9 {
		t.Errorf("the overlong values are whole %d times, want 9", n)
	}
	if !strings.Contains(raw, l.Diagnosis) {
		t.Error("the long word is not whole")
	}
}

// hasInk reports whether a page image has anything printed on it.
func hasInk(t *testing.T, file string) bool {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); (r+g+bl)/3 < 0x8000 {
				return true
			}
		}
	}
	return false
}

// checkSections fails unless the sections' label column holds the labels
// in order, each continued 「（続き）」 on its further pages, and the body
// column beside it holds every body whole and in order (white space
// aside). It returns the body column and the label column as extracted.
func checkSections(t *testing.T, file string, sections [][2]string) (body, labels string) {
	t.Helper()
	x := a4.marginX + referralLabelW
	body = cropText(t, file, a4, x+0.5, float64(a4.contentW()-referralLabelW)-1)
	var all strings.Builder
	for _, s := range sections {
		all.WriteString(s[1])
	}
	got, want := squeeze(body), squeeze(all.String())
	// Page 1 has the letter's head above the sections, in the same column.
	if i := strings.Index(got, want[:min(len(want), 60)]); i < 0 || !strings.HasPrefix(got[i:], want) {
		n := 0
		if i >= 0 {
			for n < len(want) && strings.HasPrefix(got[i:], want[:n+1]) {
				n++
			}
		}
		t.Errorf("the sections' text is not the input whole and in order; the first %d bytes are, then %q", n, want[n:min(len(want), n+60)])
	}
	labels = squeeze(cropText(t, file, a4, a4.marginX+0.5, referralLabelW-1))
	var seq strings.Builder
	for _, s := range sections {
		q := regexp.QuoteMeta(squeeze(s[0]))
		seq.WriteString(q + "(?:" + q + "（続き）)*")
	}
	if !regexp.MustCompile(seq.String() + `$`).MatchString(labels) {
		t.Errorf("the label column is not the labels in order, each continued on its further pages:\n%s", labels)
	}
	return body, labels
}

// TestReferralOddInput: control characters, tabs, CRLF and characters the
// font cannot show come out as the documents print them; the date is the
// day in Japan.
func TestReferralOddInput(t *testing.T) {
	l := sampleReferralLetter(300)
	l.Date = time.Date(2025, 12, 1, 15, 30, 0, 0, time.UTC) // 12月2日 0:30 in Japan
	l.Patient.Name = "吉田\t𠮷子\x07"
	l.To.Facility = "よしだ医院\r\n（本院）"
	l.Diagnosis = "高血圧症\r\n2型糖尿病\r\n\r\n脂質異常症"
	out, err := RenderReferralLetter(l)
	if err != nil {
		t.Fatal(err)
	}
	file := writePDF(t, out)
	raw := runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-")
	inOrder(t, raw, "令和7年12月2日", "よしだ医院（本院）", "吉田〓子", "傷病名", "高血圧症", "2型糖尿病", "脂質異常症")
	if strings.Contains(raw, "\x07") {
		t.Error("a control character was printed")
	}
}

// TestReferralConcurrentRender renders letters and replies from several
// goroutines at once: each output is the same as alone.
func TestReferralConcurrentRender(t *testing.T) {
	l, r := sampleReferralLetter(1500), sampleReferralReply()
	wantL, err := RenderReferralLetter(l)
	if err != nil {
		t.Fatal(err)
	}
	wantR, err := RenderReferralReply(r)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if out, err := RenderReferralLetter(l); err != nil || len(out) != len(wantL) {
				t.Errorf("letter: %d bytes (%v) concurrently, %d alone", len(out), err, len(wantL))
			}
		})
		wg.Go(func() {
			if out, err := RenderReferralReply(r); err != nil || len(out) != len(wantR) {
				t.Errorf("reply: %d bytes (%v) concurrently, %d alone", len(out), err, len(wantR))
			}
		})
	}
	wg.Wait()
}
