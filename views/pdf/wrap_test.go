package pdf

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// em10 is one em at 10 pt in millimetres: every kana and kanji of IPAex
// Gothic is exactly this wide.
const em10 = 10 * ptToMM

// ems returns a width of n full-width characters at 10 pt, with a hair to
// spare against rounding.
func ems(n float64) float64 { return n*em10 + 1e-6 }

func textWidth(t *testing.T, s string, size float64) float64 {
	t.Helper()
	fi, err := ipaex()
	if err != nil {
		t.Fatal(err)
	}
	return fi.width(s, size)
}

func TestWrapTextKinsoku(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		width float64
		want  []string
	}{
		{"plain kana", "あいうえおかきくけこさ", ems(5), []string{"あいうえお", "かきくけこ", "さ"}},
		{"exact fit", "あいうえお", ems(5), []string{"あいうえお"}},
		{"one short", "あいうえお", ems(4.99), []string{"あいうえ", "お"}},
		{"句点 not at line start", "あいうえ。かきく", ems(4), []string{"あいう", "え。かき", "く"}},
		{"読点 not at line start", "東京都、千代田区", ems(3), []string{"東京", "都、千", "代田区"}},
		{"small kana", "あいうえっか", ems(4), []string{"あいう", "えっか"}},
		{"small katakana", "クリニックです", ems(3), []string{"クリ", "ニック", "です"}},
		{"small katakana at the end is fine", "クリニックです", ems(4), []string{"クリニッ", "クです"}},
		{"long vowel mark", "コーヒーカップ", ems(3), []string{"コー", "ヒー", "カップ"}},
		{"closing bracket", "あいうえ）かき", ems(4), []string{"あいう", "え）かき"}},
		{"closing bracket and 句点", "あいうえ」。か", ems(4), []string{"あいう", "え」。か"}},
		{"中黒", "内科小児科・皮膚科", ems(5), []string{"内科小児", "科・皮膚科"}},
		{"opening bracket not at line end", "あいう「えお」", ems(4), []string{"あいう", "「えお」"}},
		{"opening full-width parenthesis", "あいう（注）", ems(4), []string{"あいう", "（注）"}},
		{"question and exclamation", "ほんとうですか？！はい", ems(7), []string{"ほんとうです", "か？！はい"}},
		{"impossible on a one-character line", "あ。い", ems(1), []string{"あ", "。", "い"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := WrapText(tc.in, 10, tc.width)
			if !slices.Equal(got, tc.want) {
				t.Errorf("WrapText(%q, 10, %.2f em) = %q, want %q", tc.in, tc.width/em10, got, tc.want)
			}
		})
	}
}

func TestWrapTextASCIIWords(t *testing.T) {
	t.Run("break at the space, spaces dropped", func(t *testing.T) {
		w := textWidth(t, "hello world", 10) - 0.1
		got := WrapText("hello world", 10, w)
		if want := []string{"hello", "world"}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("word moved whole to the next line", func(t *testing.T) {
		mail := "takasaki@example.jp"
		w := textWidth(t, mail, 10) + 1.5*em10
		got := WrapText("連絡先は"+mail+"です", 10, w)
		if want := []string{"連絡先は", mail + "で", "す"}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("word longer than a line is broken between characters", func(t *testing.T) {
		url := "https://hotline.example.jp/patient/login?next=%2Fpatient%2Faccess"
		w := textWidth(t, url, 10) / 3
		got := WrapText(url, 10, w)
		if len(got) < 3 {
			t.Fatalf("got %q, want at least 3 lines", got)
		}
		if strings.Join(got, "") != url {
			t.Errorf("lines %q do not join to %q", got, url)
		}
		for _, l := range got {
			if lw := textWidth(t, l, 10); lw > w {
				t.Errorf("line %q is %.2f mm wide, more than %.2f", l, lw, w)
			}
		}
	})
	t.Run("numbers stay whole", func(t *testing.T) {
		in := "電話番号は03-1234-5678です"
		w := textWidth(t, "電話番号は03-12", 10)
		got := WrapText(in, 10, w)
		if !slices.Contains(got, "03-1234-5678です") && !slices.Contains(got, "03-1234-5678") {
			t.Errorf("number broken: %q", got)
		}
	})
	t.Run("spaces between words are kept inside a line", func(t *testing.T) {
		got := WrapText("ID  H000123", 10, 100)
		if want := []string{"ID  H000123"}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestWrapTextHardBreaks(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", []string{""}},
		{"あ\nい", []string{"あ", "い"}},
		{"あ\r\nい", []string{"あ", "い"}},
		{"あ\rい", []string{"あ", "い"}},
		{"あ\n\nい", []string{"あ", "", "い"}},
		{"あ\n", []string{"あ", ""}},
		{"〒101-8328\n東京都千代田区", []string{"〒101-8328", "東京都千代田区"}},
	} {
		if got := WrapText(tc.in, 10, 100); !slices.Equal(got, tc.want) {
			t.Errorf("WrapText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWrapTextCleansInput(t *testing.T) {
	got := WrapText("あ\tい\x00う\u200bえ𠮷", 10, 100)
	if want := []string{"あ い" + "うえ〓"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestWrapTextWidths(t *testing.T) {
	text := strings.Repeat("東京都千代田区神田駿河台二丁目五番地（ほっとライン医療連携センター）、「受付」は一階です。"+
		"Tel 03-3294-8821 / https://hotline.example.jp/ ", 4)
	for _, size := range []float64{7, 10, 13} {
		for _, width := range []float64{20, 37.3, 64, 144.5} {
			lines := WrapText(text, size, width)
			for i, l := range lines {
				if lw := textWidth(t, l, size); lw > width+1e-9 {
					t.Errorf("size %v width %v: line %d %q is %.3f mm wide", size, width, i, l, lw)
				}
				if i > 0 && l != "" {
					if r, _ := utf8.DecodeRuneInString(l); noLineStart(r) {
						t.Errorf("size %v width %v: line %d starts with %q", size, width, i, r)
					}
					if strings.HasPrefix(l, " ") {
						t.Errorf("size %v width %v: line %d starts with a space", size, width, i)
					}
				}
				if r, _ := utf8.DecodeLastRuneInString(l); i < len(lines)-1 && noLineEnd(r) {
					t.Errorf("size %v width %v: line %d ends with %q", size, width, i, r)
				}
			}
			// Nothing but spaces is lost.
			strip := func(s string) string { return strings.ReplaceAll(s, " ", "") }
			if strip(strings.Join(lines, "")) != strip(text) {
				t.Errorf("size %v width %v: text changed", size, width)
			}
		}
	}
}

func TestWrapTextNarrow(t *testing.T) {
	// Narrower than any character: one character a line, and no endless loop.
	got := WrapText("あいabc", 10, 0.1)
	if want := []string{"あ", "い", "a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
