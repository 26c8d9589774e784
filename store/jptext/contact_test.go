package jptext

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeEmail(t *testing.T) {
	long64 := strings.Repeat("a", 64)
	label63 := strings.Repeat("b", 63)
	// 64 + 1 + 63+1+63+1+61 = 254
	at254 := long64 + "@" + label63 + "." + label63 + "." + strings.Repeat("c", 58) + ".jp"
	if len(at254) != 254 {
		t.Fatalf("test address has %d characters", len(at254))
	}
	tests := []struct {
		in, want string
		err      error
	}{
		{"", "", nil},
		{"   ", "", nil},
		{"taro@example.jp", "taro@example.jp", nil},
		{"  taro@example.jp  ", "taro@example.jp", nil},
		{"Taro.Yamada@Example.CO.JP", "Taro.Yamada@example.co.jp", nil}, // local part keeps its case
		{"ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro@example.jp", nil},
		{"\u3000taro@example.jp\u3000", "taro@example.jp", nil},
		{"taro+clinic@example.jp", "taro+clinic@example.jp", nil},
		{"o'brien@example.com", "o'brien@example.com", nil},
		{"a_b-c@sub-domain.example.jp", "a_b-c@sub-domain.example.jp", nil},
		{"x@xn--eckwd4c7c.xn--zckzah", "x@xn--eckwd4c7c.xn--zckzah", nil},
		{"taro..yamada@docomo.ne.jp", "taro..yamada@docomo.ne.jp", nil}, // carrier-style dots
		{"taro.@docomo.ne.jp", "taro.@docomo.ne.jp", nil},
		{".taro@ezweb.ne.jp", ".taro@ezweb.ne.jp", nil},
		{at254, at254, nil},
		{at254 + "x", "", ErrEmailTooLong},
		{strings.Repeat("a", 100000) + "@example.jp", "", ErrEmailTooLong},
		{"Taro <taro@example.jp>", "", ErrEmailFormat},
		{"<taro@example.jp>", "", ErrEmailFormat},
		{"\"taro yamada\"@example.jp", "", ErrEmailFormat},
		{"taro@example.jp (Taro)", "", ErrEmailFormat},
		{"taro", "", ErrEmailFormat},
		{"taro@", "", ErrEmailFormat},
		{"@example.jp", "", ErrEmailFormat},
		{"taro@@example.jp", "", ErrEmailFormat},
		{"taro@example@jp", "", ErrEmailFormat},
		{"taro@localhost", "", ErrEmailFormat},
		{"taro@example", "", ErrEmailFormat},
		{"taro@.example.jp", "", ErrEmailFormat},
		{"taro@example.jp.", "", ErrEmailFormat},
		{"taro@example..jp", "", ErrEmailFormat},
		{"taro@-example.jp", "", ErrEmailFormat},
		{"taro@example-.jp", "", ErrEmailFormat},
		{"taro@exa_mple.jp", "", ErrEmailFormat},
		{"taro@[192.0.2.1]", "", ErrEmailFormat},
		{"taro@192.0.2.1", "", ErrEmailFormat},
		{"taro yamada@example.jp", "", ErrEmailFormat},
		{"taro,hanako@example.jp", "", ErrEmailFormat},
		{"...@example.jp", "", ErrEmailFormat},
		{"山田@example.jp", "", ErrEmailFormat},
		{"taro@例え.jp", "", ErrEmailFormat},
		{"taro@example.\u212aom", "", ErrEmailFormat}, // Kelvin sign, not k
		{long64 + "a@example.jp", "", ErrEmailFormat},
		{"taro@" + strings.Repeat("b", 64) + ".jp", "", ErrEmailFormat},
		{"taro@example.jp\r\nBcc: x@example.jp", "", ErrControlCharacter},
		{"taro@example.jp\x00", "", ErrControlCharacter},
		{"\xfftaro@example.jp", "", ErrControlCharacter},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, %v", shortForLog(tt.in), got, err, tt.want, tt.err)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"", "", nil},
		{"  ", "", nil},
		{"03-1234-5678", "03-1234-5678", nil},
		{"０３－１２３４－５６７８", "03-1234-5678", nil},
		{"０３ー１２３４ー５６７８", "03-1234-5678", nil},
		{"03‐1234‐5678", "03-1234-5678", nil},
		{"(03)1234-5678", "03-1234-5678", nil},
		{"（０３）１２３４－５６７８", "03-1234-5678", nil},
		{"03(1234)5678", "03-1234-5678", nil},
		{"03 1234 5678", "03-1234-5678", nil},
		{"03　1234　5678", "03-1234-5678", nil},
		{" 03--1234  5678 ", "03-1234-5678", nil},
		{"042-123-4567", "042-123-4567", nil},
		{"0422-12-3456", "0422-12-3456", nil},
		{"04992-1-2345", "04992-1-2345", nil},
		{"0312345678", "0312345678", nil}, // area code unknown: digits kept
		{"09012345678", "090-1234-5678", nil},
		{"090-1234-5678", "090-1234-5678", nil},
		{"080 1234 5678", "080-1234-5678", nil},
		{"05012345678", "050-1234-5678", nil},
		{"0120123456", "0120-123-456", nil},
		{"0570123456", "0570-123-456", nil},
		{"08001234567", "0800-123-4567", nil},
		{"+81 3-1234-5678", "03-1234-5678", nil},
		{"+81-90-1234-5678", "090-1234-5678", nil},
		{"+81 (0)3 1234 5678", "03-1234-5678", nil},
		{"+819012345678", "090-1234-5678", nil},
		{"＋８１ ３ １２３４ ５６７８", "03-1234-5678", nil},
		{"03-1234-567", "", ErrPhoneFormat},
		{"03-1234-56789", "", ErrPhoneFormat},
		{"3-1234-5678", "", ErrPhoneFormat},
		{"0012345678", "", ErrPhoneFormat},
		{"03123456789", "", ErrPhoneFormat}, // 11 digits must be 0X0
		{"+81 03-1234-5678", "", ErrPhoneFormat},
		{"+1 212 555 0100", "", ErrPhoneFormat},
		{"03-1234-5678 内線12", "", ErrPhoneFormat},
		{"03-1234-5678#12", "", ErrPhoneFormat},
		{"0-3-1-2-3-4-5-6-7-8", "", ErrPhoneFormat},
		{"03.1234.5678", "", ErrPhoneFormat},
		{"tel:0312345678", "", ErrPhoneFormat},
		{"０３ー", "", ErrPhoneFormat},
		{"-", "", ErrPhoneFormat},
		{strings.Repeat("0", 1000), "", ErrPhoneFormat},
		{"03-1234-5678\n", "", ErrControlCharacter},
		{"\xff", "", ErrControlCharacter},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", shortForLog(tt.in), got, err, tt.want, tt.err)
		}
	}
}

func TestNormalizePostal(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"", "", nil},
		{" ", "", nil},
		{"123-4567", "123-4567", nil},
		{"1234567", "123-4567", nil},
		{"〒123-4567", "123-4567", nil},
		{"〒 123-4567", "123-4567", nil},
		{"〒１２３－４５６７", "123-4567", nil},
		{"１２３ー４５６７", "123-4567", nil},
		{"１２３４５６７", "123-4567", nil},
		{" 123 - 4567 ", "123-4567", nil},
		{"123 4567", "123-4567", nil},
		{"123-456", "", ErrPostalFormat},
		{"12345678", "", ErrPostalFormat},
		{"1234-567", "", ErrPostalFormat},
		{"12-34567", "", ErrPostalFormat},
		{"123--4567", "", ErrPostalFormat},
		{"abc-defg", "", ErrPostalFormat},
		{"〒", "", ErrPostalFormat},
		{"〒〒123-4567", "", ErrPostalFormat},
		{"123-4567〒", "", ErrPostalFormat},
		{"東京都123-4567", "", ErrPostalFormat},
		{strings.Repeat("1", 1000), "", ErrPostalFormat},
		{"123-4567\t", "", ErrControlCharacter},
		{"\xff", "", ErrControlCharacter},
	}
	for _, tt := range tests {
		got, err := NormalizePostal(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("NormalizePostal(%q) = %q, %v; want %q, %v", shortForLog(tt.in), got, err, tt.want, tt.err)
		}
	}
}

func TestContactMessages(t *testing.T) {
	want := map[error]string{
		ErrEmailFormat:  "メールアドレスの形式が正しくありません（例: taro@example.jp）",
		ErrEmailTooLong: "メールアドレスは254文字以内で入力してください",
		ErrPhoneFormat:  "電話番号は 03-1234-5678 のように入力してください",
		ErrPostalFormat: "郵便番号は 123-4567 のように7桁で入力してください",
	}
	for err, msg := range want {
		if err.Error() != msg {
			t.Errorf("message %q, want %q", err.Error(), msg)
		}
	}
}

// fuzzNormalizerIdempotent checks the invariants shared by the string
// normalisers.
func fuzzNormalizerIdempotent(t *testing.T, name string, normalize func(string) (string, error), s string) string {
	t.Helper()
	got, err := normalize(s)
	if err != nil {
		if got != "" {
			t.Fatalf("%s(%q): error %v with output %q", name, s, err, got)
		}
		return ""
	}
	if !utf8.ValidString(got) || InvalidText(got) {
		t.Fatalf("%s(%q) = %q: invalid text", name, s, got)
	}
	again, err := normalize(got)
	if err != nil || again != got {
		t.Fatalf("%s not idempotent: %q → %q → %q, %v", name, s, got, again, err)
	}
	return got
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		"", "taro@example.jp", "Taro.Yamada@Example.CO.JP", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ",
		"taro..yamada@docomo.ne.jp", "Taro <taro@example.jp>", "\"a b\"@example.jp", "taro@[192.0.2.1]",
		"taro@example.\u212aom", "a@b.c", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := fuzzNormalizerIdempotent(t, "NormalizeEmail", NormalizeEmail, s)
		if got == "" {
			return
		}
		if len(got) > EmailMaxLength || strings.Count(got, "@") != 1 {
			t.Fatalf("NormalizeEmail(%q) = %q", s, got)
		}
		for i := 0; i < len(got); i++ {
			if got[i] >= 0x80 || got[i] <= ' ' {
				t.Fatalf("NormalizeEmail(%q) = %q: non-ASCII or space", s, got)
			}
		}
		if domain := got[strings.IndexByte(got, '@')+1:]; domain != strings.ToLower(domain) {
			t.Fatalf("NormalizeEmail(%q) = %q: domain not lower case", s, got)
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"", "03-1234-5678", "（０３）１２３４－５６７８", "09012345678", "0120123456", "08001234567",
		"+81 (0)3 1234 5678", "0312345678", "03.1234.5678", "0-3-1-2-3-4-5-6-7-8", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := fuzzNormalizerIdempotent(t, "NormalizePhone", NormalizePhone, s)
		if got == "" {
			return
		}
		digits := strings.ReplaceAll(got, "-", "")
		if !allDigitsForTest(digits) || !validPhoneDigits(digits) ||
			strings.HasPrefix(got, "-") || strings.HasSuffix(got, "-") || strings.Contains(got, "--") {
			t.Fatalf("NormalizePhone(%q) = %q", s, got)
		}
	})
}

func FuzzNormalizePostal(f *testing.F) {
	for _, s := range []string{
		"", "123-4567", "1234567", "〒１２３－４５６７", "１２３ー４５６７", "12-34567", "〒", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := fuzzNormalizerIdempotent(t, "NormalizePostal", NormalizePostal, s)
		if got == "" {
			return
		}
		if len(got) != 8 || got[3] != '-' || !allDigitsForTest(got[:3]+got[4:]) {
			t.Fatalf("NormalizePostal(%q) = %q", s, got)
		}
	})
}
