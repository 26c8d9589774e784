package pdf

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// bboxWord is one word of pdftotext -bbox, in points from the top left.
type bboxWord struct {
	XMin float64 `xml:"xMin,attr"`
	YMin float64 `xml:"yMin,attr"`
	XMax float64 `xml:"xMax,attr"`
	YMax float64 `xml:"yMax,attr"`
	Text string  `xml:",chardata"`
}

// wordsOnPage1 reads the words of the first page with their boxes.
func wordsOnPage1(t *testing.T, file string) []bboxWord {
	t.Helper()
	out := runTool(t, "pdftotext", "-bbox", "-f", "1", "-l", "1", "-enc", "UTF-8", file, "-")
	// The XHTML names entities that encoding/xml does not know.
	out = strings.NewReplacer("&nbsp;", " ").Replace(out)
	var doc struct {
		Words []bboxWord `xml:"body>doc>page>word"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	return doc.Words
}

const ptPerMM = 72 / 25.4

// TestLettersWindowEnvelope: 利用開始案内 and 施設登録情報 carry the
// recipient's 〒, address, facility and name inside the window of a 長形3号
// envelope (90 × 45 mm at 23 mm from the left and 13 mm from the top of
// the A4 sheet folded in three), and their login values stay one line each
// of pdftotext -layout, the password in groups of four in the fixed-width
// face.
func TestLettersWindowEnvelope(t *testing.T) {
	op := sampleOperator()
	guide := StartGuide{Operator: op, IssuedOn: "令和7年12月3日", Name: "山田 太郎", FacilityName: "山田内科クリニック",
		Postal: "100-0001", Address: "東京都千代田区千代田1-1 ほっとビル3階", MemberID: "H000123", Password: "K7MP-Q2WX-9ZRT-B3CD"}
	info := FacilityInfo{Operator: op, IssuedOn: "令和7年12月3日", FacilityName: "山田内科クリニック",
		Postal: "100-0001", Address: "東京都千代田区千代田1-1 ほっとビル3階", FacilityID: "F000045", Password: "F8VT-3NLP-5SHJ-WQ2E"}
	for _, tc := range []struct {
		name      string
		doc       interface{ Render() ([]byte, error) }
		recipient []string // the words of the window, in order
		idLabel   string
		id, pw    string
	}{
		{"StartGuide", guide, []string{"〒100-0001", "東京都千代田区千代田1-1", "ほっとビル3階", "山田内科クリニック", "山田", "太郎", "様"}, "ID", guide.MemberID, guide.Password},
		{"FacilityInfo", info, []string{"〒100-0001", "東京都千代田区千代田1-1", "ほっとビル3階", "山田内科クリニック", "御中"}, "OID", info.FacilityID, info.Password},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.doc.Render()
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "letter.pdf")
			if err := os.WriteFile(file, out, 0o600); err != nil {
				t.Fatal(err)
			}
			layout := runTool(t, "pdftotext", "-layout", "-enc", "UTF-8", file, "-")
			for _, want := range []*regexp.Regexp{
				regexp.MustCompile(`(?m)^\s*〒100-0001\s`),
				regexp.MustCompile(`(?m)^\s*東京都千代田区千代田1-1 ほっとビル3階\s*$`),
				regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(tc.idLabel) + `\s+` + regexp.QuoteMeta(tc.id) + `\s*$`),
				// PW, then the password in its groups, on one line.
				regexp.MustCompile(`(?m)^\s*PW\s+[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}\s*$`),
				regexp.MustCompile(`(?m)^\s*PW\s+` + regexp.QuoteMeta(tc.pw) + `\s*$`),
			} {
				if !want.MatchString(layout) {
					t.Errorf("no line of pdftotext -layout matches %s:\n%s", want, layout)
				}
			}

			// Every word of the recipient's block lies inside the window.
			words := wordsOnPage1(t, file)
			left, right := 23*ptPerMM, 113*ptPerMM
			top, bottom := 13*ptPerMM, 58*ptPerMM
			next := 0
			for _, w := range words {
				if next < len(tc.recipient) && strings.TrimSpace(w.Text) == tc.recipient[next] {
					if w.XMin < left || w.XMax > right || w.YMin < top || w.YMax > bottom {
						t.Errorf("%q at x %.1f–%.1f mm, y %.1f–%.1f mm: outside the window (x 23–113, y 13–58 mm)", w.Text,
							w.XMin/ptPerMM, w.XMax/ptPerMM, w.YMin/ptPerMM, w.YMax/ptPerMM)
					}
					next++
				}
			}
			if next != len(tc.recipient) {
				t.Fatalf("recipient block: found %d of %q in the page's words", next, tc.recipient)
			}
			// The password and the rest of the letter stay out of it.
			for _, w := range words {
				if w.YMin < bottom && w.YMax > top && w.XMax > left && w.XMin < right {
					inBlock := false
					for _, r := range tc.recipient {
						inBlock = inBlock || strings.TrimSpace(w.Text) == r
					}
					if !inBlock && strings.TrimSpace(w.Text) != op.SiteName {
						t.Errorf("%q shows through the window (x %.1f mm, y %.1f mm)", w.Text, w.XMin/ptPerMM, w.YMin/ptPerMM)
					}
				}
			}
		})
	}
}
