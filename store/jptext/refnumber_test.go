package jptext

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNormalizeReferenceNumber(t *testing.T) {
	for _, c := range []struct {
		in, want string
		err      error
	}{
		{"", "", nil},
		{" - ", "", nil},
		{"ABCD-EFGH-2345", "ABCDEFGH2345", nil},
		{"abcd efgh 2345", "ABCDEFGH2345", nil},
		{"ＡＢＣＤ－ＥＦＧＨ－２３４５", "ABCDEFGH2345", nil},
		{"ａｂｃｄ　ｅｆｇｈ　２３４５", "ABCDEFGH2345", nil},
		{"ABCDーEFGHｰ2345", "ABCDEFGH2345", nil},
		{"ABCD・EFGH・2345", "ABCDEFGH2345", nil},
		{"ABCD‐EFGH―2345", "ABCDEFGH2345", nil},
		{"1234-5678-9012", "123456789012", nil},
		{"ABCD/EFGH", "", ErrReferenceNumberFormat},
		{"山田", "", ErrReferenceNumberFormat},
		{"AB\x00CD", "", ErrReferenceNumberFormat},
		{"AB\xffCD", "", ErrReferenceNumberFormat},
		{strings.Repeat("A", 65), "", ErrReferenceNumberFormat},
		{strings.Repeat("A-", 64), strings.Repeat("A", 64), nil},
		{strings.Repeat("-", 1000), "", ErrReferenceNumberFormat},
	} {
		got, err := NormalizeReferenceNumber(c.in)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("%q: %q %v, want %q %v", c.in, got, err, c.want, c.err)
		}
	}
}

// The birth date as a pharmacist reads it off the form: the 和暦 printed
// there, or the Western date, in any width.
func TestBirthDateAsPrinted(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	want := time.Date(1970, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range []string{"1970-04-01", "１９７０－０４－０１", "1970/4/1", "19700401", "昭和45年4月1日", "昭和４５年　４月　１日", "S45.4.1", "Ｓ４５．４．１", "s45-4-1", "㍼45年4月1日", FormatWareki(want)} {
		got, err := ParseBirthDate(s, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v", s, got, err)
		}
	}
}

func FuzzNormalizeReferenceNumber(f *testing.F) {
	for _, s := range []string{"", "ABCD-EFGH-2345", "ａｂｃ－１２３", "A\xffB", "ーーー", strings.Repeat("9", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeReferenceNumber(s)
		if err != nil {
			if got != "" {
				t.Fatalf("%q: error with output %q", s, got)
			}
			return
		}
		if len(got) > referenceNumberMax {
			t.Fatalf("%q: %d characters", s, len(got))
		}
		for _, r := range got {
			if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
				t.Fatalf("%q → %q holds %q", s, got, r)
			}
		}
		if again, err := NormalizeReferenceNumber(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q → %q %v", s, got, again, err)
		}
	})
}
