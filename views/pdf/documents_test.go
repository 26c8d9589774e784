package pdf

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// tool returns the path of a command-line tool the test needs. When it is
// missing the test is skipped, saying why, unless CI is set: then it fails.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (CI is set, so this check may not be skipped)", name)
		}
		t.Skipf("%s is not installed: the PDF cannot be checked with it", name)
	}
	return p
}

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(tool(t, name), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// squeeze removes all white space, so that text can be compared across
// the line breaks of the layout.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

type docCase struct {
	name   string
	doc    interface{ Render() ([]byte, error) }
	values []string         // must appear whole, white space aside
	lines  []*regexp.Regexp // must each match one line of pdftotext -layout
	qr     string           // a QR code holding this must be on the page
	mono   bool             // the fixed-width face is embedded beside IPAex
}

func documentCases() []docCase {
	op := sampleOperator()
	opValues := []string{op.SiteName, op.Organisation, op.Department, op.Postal, op.Address}
	m := sampleMemberForm()
	f := sampleFacilityForm()
	g := sampleStartGuide()
	i := sampleFacilityInfo()
	c := sampleAccessCard()
	line := func(label, value string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(label) + `\s+` + regexp.QuoteMeta(value) + `\s*$`)
	}
	return []docCase{
		{
			name: "ApplicationMemberForm", doc: m,
			values: append([]string{
				"加入申込書（医療関係者用）", "受付番号", m.Number, "申込日", m.AppliedOn,
				"氏名", m.Name, "フリガナ", m.NameKana, "資格", m.Qualification, "免許番号", m.LicenseNumber,
				"メールアドレス", m.Email, "電話番号", m.Phone, "所属施設", "【新規】" + m.FacilityName,
				"署名", "㊞", "記入日", "令和年月日", "送付先", "郵送", op.Phone, op.Email,
			}, opValues...),
		},
		{
			name: "ApplicationFacilityForm", doc: f,
			values: append([]string{
				"加入申込書（施設用）", f.Number, f.AppliedOn, "施設名", f.FacilityName,
				"施設区分", f.FacilityKind, "医療機関コード", f.FacilityCode, "〒" + f.Postal, f.Address,
				f.Phone, "申込者", f.ApplicantName, "施設管理者", "署名", "㊞", "令和年月日", "送付先",
			}, opValues...),
		},
		{
			name: "StartGuide", doc: g,
			values: []string{
				"利用開始案内", g.IssuedOn, g.Name + "様", g.FacilityName, "〒" + g.Postal, op.PortalURL,
				"「ログイン」", "「ほっとライン ログイン認証」画面", "「パスワード変更」画面", "「変更する」",
				"「証明書の発行」画面", "「証明書を発行してダウンロード」", "証明書ファイル（.p12）", "「ほっとライン - メニュー」",
				"ハイフンも含めて", "証明書のインストールは、1PCにつき1つのみ", "申請フォーム", "再発行申請", "大切に保管",
				"問合せ先", op.Organisation, op.Department, op.Address, op.Phone, op.Email,
			},
			lines: []*regexp.Regexp{line("ID", g.MemberID), line("PW", g.Password)},
			mono:  true,
		},
		{
			name: "FacilityInfo", doc: i,
			values: []string{
				"施設登録情報", i.IssuedOn, i.FacilityName, "〒" + i.Postal,
				"「施設認証」", "『利用開始案内』のID/パスワードではありません。", "ハイフンも含めて",
				"「施設情報修正」画面", "問合せ先", op.Organisation, op.Phone, op.Email,
			},
			lines: []*regexp.Regexp{line("OID", i.FacilityID), line("PW", i.Password)},
			mono:  true,
		},
		{
			name: "PatientAccessCardPageNotOpen", doc: func() PatientAccessCard { c := c; c.PageNotOpen = true; return c }(),
			values: []string{
				"患者様アクセスカード", c.PatientName + "様", c.FacilityName, "患者様ページは準備中です", "公開の時期とアドレスは",
			},
			lines: []*regexp.Regexp{line("患者ID", c.PatientID), line("アクセスコード", c.AccessCode)},
		},
		{
			name: "PatientAccessCard", doc: c,
			values: []string{
				"患者様アクセスカード", c.PatientName + "様", c.FacilityName, c.FacilityPhone, c.IssuedOn,
				c.PatientURL, "切り取", "以前のカード", "大切に保管", "再発行",
			},
			lines: []*regexp.Regexp{line("患者ID", c.PatientID), line("アクセスコード", c.AccessCode)},
			qr:    c.PatientURL,
		},
	}
}

// TestDocuments renders every document with long values and checks what a
// reader would see, with the poppler tools, qpdf and zbar.
func TestDocuments(t *testing.T) {
	for _, tc := range documentCases() {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.doc.Render()
			if err != nil {
				t.Fatal(err)
			}
			if len(out) >= 150*1024 {
				t.Errorf("PDF is %d KB, want < 150 KB", len(out)/1024)
			}
			dir := t.TempDir()
			file := filepath.Join(dir, "doc.pdf")
			if err := os.WriteFile(file, out, 0o600); err != nil {
				t.Fatal(err)
			}

			t.Run("text", func(t *testing.T) {
				// -raw keeps the text in the order it was drawn, so the
				// lines of one cell follow each other.
				raw := squeeze(runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-"))
				for _, v := range tc.values {
					if !strings.Contains(raw, squeeze(v)) {
						t.Errorf("text lacks %q", v)
					}
				}
				layout := runTool(t, "pdftotext", "-layout", "-enc", "UTF-8", file, "-")
				for _, re := range tc.lines {
					if !re.MatchString(layout) {
						t.Errorf("no line of pdftotext -layout matches %s:\n%s", re, layout)
					}
				}
				if strings.Contains(layout, "〓") {
					t.Error("a character was printed as 〓")
				}
			})
			t.Run("font", func(t *testing.T) {
				fonts := strings.Split(strings.TrimSpace(runTool(t, "pdffonts", file)), "\n")
				want := 3
				if tc.mono {
					want = 4
				}
				if len(fonts) != want {
					t.Fatalf("want exactly %d fonts:\n%s", want-2, strings.Join(fonts, "\n"))
				}
				re := regexp.MustCompile(`^[A-Z]{6}\+IPAexGothic\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\s`)
				if !slices.ContainsFunc(fonts[2:], re.MatchString) {
					t.Errorf("font not embedded as an IPAex subset (emb, sub, uni):\n%s", strings.Join(fonts, "\n"))
				}
				mono := regexp.MustCompile(`^[A-Z]{6}\+DejaVuSansMono\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\s`)
				if tc.mono && !slices.ContainsFunc(fonts[2:], mono.MatchString) {
					t.Errorf("fixed-width face not embedded as a subset (emb, sub, uni):\n%s", strings.Join(fonts, "\n"))
				}
			})
			t.Run("structure", func(t *testing.T) {
				if s := runTool(t, "qpdf", "--check", file); !strings.Contains(s, "No syntax or stream encoding errors") {
					t.Errorf("qpdf --check:\n%s", s)
				}
			})
			t.Run("page", func(t *testing.T) {
				runTool(t, "pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", "-singlefile", file, filepath.Join(dir, "page"))
				checkInk(t, filepath.Join(dir, "page.png"))
			})
			if tc.qr != "" {
				t.Run("qr", func(t *testing.T) {
					zbar := tool(t, "zbarimg")
					// The upper half of the page, which holds the card, at 200 dpi.
					runTool(t, "pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", "-x", "0", "-y", "0", "-W", "1654", "-H", "1170", "-singlefile", file, filepath.Join(dir, "hires"))
					got, err := exec.Command(zbar, "--raw", "-q", filepath.Join(dir, "hires.png")).Output()
					if err != nil || strings.TrimSpace(string(got)) != tc.qr {
						t.Errorf("QR code reads %q (%v), want %q", got, err, tc.qr)
					}
				})
			}
		})
	}
}

// checkInk fails unless the page image has some ink, and not too much.
func checkInk(t *testing.T, file string) {
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
	if b.Dx() < 350 || b.Dy() < 500 {
		t.Errorf("page image is %dx%d: not A4 at 50 dpi", b.Dx(), b.Dy())
	}
	dark, top := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (r+g+bl)/3 < 0x8000 {
				dark++
				if y < b.Min.Y+b.Dy()/5 {
					top++
				}
			}
		}
	}
	ratio := float64(dark) / float64(b.Dx()*b.Dy())
	if ratio < 0.005 || ratio > 0.5 {
		t.Errorf("page has %.2f %% dark pixels: blank or black", 100*ratio)
	}
	if top == 0 {
		t.Error("nothing printed at the top of the page (title)")
	}
}

func TestRenderRejectsUnprintableCredentials(t *testing.T) {
	g := sampleStartGuide()
	i := sampleFacilityInfo()
	c := sampleAccessCard()
	for name, doc := range map[string]interface{ Render() ([]byte, error) }{
		"guide without password":  func() StartGuide { g := g; g.Password = ""; return g }(),
		"guide without ID":        func() StartGuide { g := g; g.MemberID = ""; return g }(),
		"guide, password with 全角": func() StartGuide { g := g; g.Password = "ｐａｓｓ"; return g }(),
		"guide, password with space": func() StartGuide {
			g := g
			g.Password = "abc def"
			return g
		}(),
		"guide, password too long": func() StartGuide { g := g; g.Password = strings.Repeat("W", 300); return g }(),
		"info without OID":         func() FacilityInfo { i := i; i.FacilityID = ""; return i }(),
		"info without password":    func() FacilityInfo { i := i; i.Password = ""; return i }(),
		"card without access code": func() PatientAccessCard { c := c; c.AccessCode = ""; return c }(),
		"card, patient ID too long": func() PatientAccessCard {
			c := c
			c.PatientID = strings.Repeat("W", 120)
			return c
		}(),
		"card, URL too long for a QR code": func() PatientAccessCard {
			c := c
			c.PatientURL = "https://example.jp/" + strings.Repeat("a", 2400)
			return c
		}(),
	} {
		if out, err := doc.Render(); err == nil {
			t.Errorf("%s: rendered %d bytes, want an error", name, len(out))
		}
	}
}

func TestRenderOddInput(t *testing.T) {
	m := sampleMemberForm()
	m.Name = "吉田\t𠮷子\x07"
	m.FacilityOID = "F000045"
	m.FacilityName = "よしだ医院\r\n（本院）"
	m.Operator = Operator{} // settings not filled in yet
	out, err := m.Render()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "odd.pdf")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	raw := squeeze(runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-"))
	for _, want := range []string{"吉田〓子", "OIDF000045", "よしだ医院（本院）"} {
		if !strings.Contains(raw, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if strings.Contains(raw, "【新規】") {
		t.Error("a registered facility is marked 新規")
	}
}

// TestConcurrentRender renders documents from several goroutines at once:
// the parsed font is shared, everything else belongs to one document.
func TestConcurrentRender(t *testing.T) {
	cases := documentCases()
	want := make([]int, len(cases))
	for i, tc := range cases {
		out, err := tc.doc.Render()
		if err != nil {
			t.Fatal(err)
		}
		want[i] = len(out)
	}
	var wg sync.WaitGroup
	for range 4 {
		for i, tc := range cases {
			wg.Go(func() {
				out, err := tc.doc.Render()
				if err != nil {
					t.Errorf("%s: %v", tc.name, err)
				} else if len(out) != want[i] {
					t.Errorf("%s: %d bytes concurrently, %d alone", tc.name, len(out), want[i])
				}
			})
		}
	}
	wg.Wait()
}

// TestRenderOverlongValues: a value taller than a page continues on the
// next page instead of running off the paper.
func TestRenderOverlongValues(t *testing.T) {
	m := sampleMemberForm()
	m.FacilityName = strings.Repeat("長い施設名、", 800)
	out, err := m.Render()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "long.pdf")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	info := runTool(t, "pdfinfo", file)
	if !regexp.MustCompile(`(?m)^Pages:\s+[2-9]$`).MatchString(info) {
		t.Errorf("want several pages:\n%s", info)
	}
	raw := runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-")
	// Leave out the page footers and headers between the pages, and the
	// label repeated where the row goes on.
	raw = regexp.MustCompile(`(?m)^ほっとライン 〇〇区医師会 \d+ / \d+\n\f?(ほっとライン 加入申込書（医療関係者用）\n)?(所属施設（続き） )?`).ReplaceAllString(raw, "")
	if n := strings.Count(raw, "所属施設"); n != 1 {
		t.Errorf("the label 所属施設 is in the text %d times after the continuations were taken out", n)
	}
	if !strings.Contains(squeeze(raw), squeeze(m.FacilityName)) {
		t.Error("the facility name was cut")
	}
	if !strings.Contains(raw, "センター記入欄") {
		t.Error("the end of the form is missing")
	}
}

// TestFinishPDFRejectsBrokenOutput: output that is not the expected PDF
// is an error, not a file.
func TestFinishPDFRejectsBrokenOutput(t *testing.T) {
	b, err := sampleMemberForm().Render()
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`[A-Z]{6}\+IPAexGothic`).Find(b)
	if name == nil || bytes.Contains(b, []byte(fontPDFName)) {
		t.Fatal("font not renamed as a subset")
	}
	// gofpdf's output, as it was before finishPDF renamed the font.
	raw := bytes.ReplaceAll(b, name, []byte(fontPDFName))
	ipaex := subsetFont{pdfName: fontPDFName, subsetName: "ABCDEF+IPAexGothic"}
	if _, err := finishPDF(slices.Clone(raw), ipaex); err != nil {
		t.Fatalf("good output rejected: %v", err)
	}
	mono := subsetFont{pdfName: monoPDFName, subsetName: "ABCDEF+DejaVuSansMono"}
	if _, err := finishPDF(slices.Clone(raw), ipaex, mono); !errors.Is(err, ErrBroken) {
		t.Errorf("a font that is not there: err = %v, want ErrBroken", err)
	}
	for what, broken := range map[string][]byte{
		"empty":       nil,
		"truncated":   raw[:len(raw)/2],
		"not a PDF":   []byte("<html>error</html>"),
		"second font": bytes.Replace(raw, []byte("/Type /Catalog"), []byte("/Type /Catalog /X <</BaseFont /Helvetica>>"), 1),
	} {
		if _, err := finishPDF(broken, ipaex); !errors.Is(err, ErrBroken) {
			t.Errorf("%s: err = %v, want ErrBroken", what, err)
		}
	}
}

// TestRenderLongOperatorSettings: the operator's address and names wrap
// in every document too.
func TestRenderLongOperatorSettings(t *testing.T) {
	op := sampleOperator()
	op.Address = longAddress
	op.Organisation = "一般社団法人" + strings.Repeat("ほっとライン地域医療連携推進協議会", 3)
	op.Department = strings.Repeat("広報・医療情報課", 4) + "ほっとライン係"
	m, f, g, i, c := sampleMemberForm(), sampleFacilityForm(), sampleStartGuide(), sampleFacilityInfo(), sampleAccessCard()
	m.Operator, f.Operator, g.Operator, i.Operator, c.Operator = op, op, op, op, op
	for name, doc := range map[string]interface{ Render() ([]byte, error) }{
		"member": m, "facility": f, "guide": g, "info": i, "card": c,
	} {
		out, err := doc.Render()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		file := filepath.Join(t.TempDir(), name+".pdf")
		if err := os.WriteFile(file, out, 0o600); err != nil {
			t.Fatal(err)
		}
		raw := squeeze(runTool(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-"))
		want := []string{op.Organisation, op.Address, op.Department}
		if name == "card" {
			// The card sheet names the issuing facility; the operator is
			// only in the one-line footer.
			want = []string{op.SiteName}
		}
		for _, w := range want {
			if !strings.Contains(raw, squeeze(w)) {
				t.Errorf("%s: text lacks %q", name, w)
			}
		}
	}
}
