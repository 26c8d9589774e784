package jptext

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestLuhnCheckDigit(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"011011371", 9}, // 0110113719
		{"0113001", 2},   // 01130012
		{"3312001", 5},   // 33120015, the worked example of 保険者番号設定要領
		{"3913115", 6},   // 6×2=12 counts as 1+2
		{"13104", 5},
		{"0000000", 0},
		{"5", 9}, // 5×2=10 counts as 1, 10-1 = 9
		{"", -1},
		{"12a", -1},
		{"１２", -1},
	}
	for _, tt := range tests {
		if got := LuhnCheckDigit(tt.in); got != tt.want {
			t.Errorf("LuhnCheckDigit(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// Real 医療機関コード, taken from the lists of the regional bureaux of health
// and welfare (コード内容別医療機関一覧表, 2025-08). 11–14 have the check digit
// over 郡市区番号 + 医療機関等番号 only, the others over all nine digits.
var realMedicalCodes = []string{
	"0110113719", // 北海道, the example in most references
	"0110515558", // 北海道
	"0411210073", // 宮城
	"0811910884", // 茨城
	"0910110931", // 栃木
	"1110106922", // 埼玉
	"1214610721", // 千葉
	"1310110049", // 東京
	"1312029395", // 東京
	"1410503540", // 神奈川
	"2312502921", // 愛知
	"2710702321", // 大阪
	"2739400105", // 大阪, 歯科 (点数表 3)
	"2739900021", // 大阪, 歯科
	"4017716483", // 福岡
	"4610127708", // 鹿児島
}

func TestNormalizeMedicalInstitutionCode(t *testing.T) {
	for _, code := range realMedicalCodes {
		got, err := NormalizeMedicalInstitutionCode(code)
		if got != code || err != nil {
			t.Errorf("NormalizeMedicalInstitutionCode(%q) = %q, %v", code, got, err)
		}
		if err := ValidMedicalInstitutionCode(code); err != nil {
			t.Errorf("ValidMedicalInstitutionCode(%q) = %v", code, err)
		}
		// Every other last digit is refused (in 11–14 the nine-digit rule's
		// digit is accepted too: it is the rule the specification gives).
		for d := byte('0'); d <= '9'; d++ {
			if d == code[9] || (southKanto(code) && int(d-'0') == LuhnCheckDigit(code[:9])) {
				continue
			}
			bad := code[:9] + string(d)
			if err := ValidMedicalInstitutionCode(bad); !errors.Is(err, ErrMedicalCodeCheckDigit) {
				t.Errorf("ValidMedicalInstitutionCode(%q) = %v, want check digit error", bad, err)
			}
		}
	}
	// 調剤 (4) and 訪問看護 (6) follow the same rule.
	for _, body := range []string{"014011371", "016011371", "134011004", "136011004", "133011004"} {
		code := body + strconv.Itoa(medicalCodeCheckDigit(body+"0"))
		if err := ValidMedicalInstitutionCode(code); err != nil {
			t.Errorf("ValidMedicalInstitutionCode(%q) = %v", code, err)
		}
	}
	// In 11–14 codes may use either rule; elsewhere only the nine-digit one.
	for _, tt := range []struct {
		body string
		ok   bool
	}{
		{"134011004", true}, {"133011004", true}, {"136011004", true}, {"114011004", true},
		{"131011004", true}, {"014011371", false}, {"271011004", false},
	} {
		nine := tt.body + strconv.Itoa(LuhnCheckDigit(tt.body))
		six := tt.body + strconv.Itoa(LuhnCheckDigit(tt.body[3:]))
		if nine == six {
			t.Fatalf("%s: both rules give the same digit", tt.body)
		}
		code := nine
		if !southKanto(tt.body) {
			code = six
		}
		if err := ValidMedicalInstitutionCode(code); (err == nil) != tt.ok {
			t.Errorf("ValidMedicalInstitutionCode(%q) = %v, want ok=%v", code, err, tt.ok)
		}
	}
	tests := []struct {
		in, want string
		err      error
	}{
		{"", "", nil},
		{"  ", "", nil},
		{"\u3000", "", nil},
		{"０１１０１１３７１９", "0110113719", nil},
		{"01-1-0113719", "0110113719", nil},
		{"01 1 011371 9", "0110113719", nil},
		{" 0110113719 ", "0110113719", nil},
		{"０１ー１ー０１１３７１９", "0110113719", nil},
		{"011011371", "", ErrMedicalCodeFormat},
		{"01101137190", "", ErrMedicalCodeFormat},
		{"01a0113719", "", ErrMedicalCodeFormat},
		{"0110113719.", "", ErrMedicalCodeFormat},
		{"-", "", ErrMedicalCodeFormat},
		{"０１１０１１３７１９号", "", ErrMedicalCodeFormat},
		{strings.Repeat("0", 100000), "", ErrMedicalCodeFormat},
		{"0010113719", "", ErrMedicalCodePrefecture},
		{"4810113719", "", ErrMedicalCodePrefecture},
		{"9910113719", "", ErrMedicalCodePrefecture},
		{"0120113719", "", ErrMedicalCodeKind},
		{"0150113719", "", ErrMedicalCodeKind},
		{"0100113719", "", ErrMedicalCodeKind},
		{"0110113718", "", ErrMedicalCodeCheckDigit},
		{"0110113791", "", ErrMedicalCodeCheckDigit}, // two digits swapped
		{"1310110042", "1310110042", nil},            // 東京 by the nine-digit rule
		{"1310110043", "", ErrMedicalCodeCheckDigit},
		{"0110113719\x00", "", ErrControlCharacter},
		{"\xff0110113719", "", ErrControlCharacter},
	}
	for _, tt := range tests {
		got, err := NormalizeMedicalInstitutionCode(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("NormalizeMedicalInstitutionCode(%q) = %q, %v; want %q, %v", shortForLog(tt.in), got, err, tt.want, tt.err)
		}
		if err := ValidMedicalInstitutionCode(tt.in); !errors.Is(err, tt.err) {
			t.Errorf("ValidMedicalInstitutionCode(%q) = %v, want %v", shortForLog(tt.in), err, tt.err)
		}
	}
}

func TestNormalizeInsurerNumber(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		// Real 保険者番号 as printed on cards.
		{"01130012", "01130012", nil}, // 協会けんぽ 東京支部
		{"01040013", "01040013", nil}, // 協会けんぽ 宮城支部
		{"33120015", "33120015", nil}, // 千葉県警察 (警察共済), the 設定要領's example
		{"39131156", "39131156", nil}, // 東京都後期高齢者医療広域連合
		{"131011", "131011", nil},     // 国保 千代田区
		{"131029", "131029", nil},     // 国保 中央区
		{"131037", "131037", nil},     // 国保 港区
		{"131045", "131045", nil},     // 国保 新宿区
		{"133033", "133033", nil},     // 東京都医師国民健康保険組合
		{"010017", "010017", nil},     // 国保 札幌市
		{"270009", "270009", nil},     // 国保 大阪市
		// Input forms.
		{"", "", nil},
		{"  ", "", nil},
		{"０１１３００１２", "01130012", nil},
		{"0113 0012", "01130012", nil},
		{"01-13-001-2", "01130012", nil},
		{"１３１０１１", "131011", nil},
		{"00131011", "131011", nil}, // 国保 padded to 8 digits
		// Errors.
		{"0113001", "", ErrInsurerNumberFormat},
		{"011300120", "", ErrInsurerNumberFormat},
		{"13101", "", ErrInsurerNumberFormat},
		{"0113001X", "", ErrInsurerNumberFormat},
		{"第01130012号", "", ErrInsurerNumberFormat},
		{strings.Repeat("1", 1<<16), "", ErrInsurerNumberFormat},
		{"00000000", "", ErrInsurerNumberPrefecture}, // → 000000
		{"01480012", "", ErrInsurerNumberPrefecture},
		{"01000012", "", ErrInsurerNumberPrefecture},
		{"481011", "", ErrInsurerNumberPrefecture},
		{"01130013", "", ErrInsurerNumberCheckDigit},
		{"01310012", "", ErrInsurerNumberCheckDigit}, // digits swapped
		{"131012", "", ErrInsurerNumberCheckDigit},
		{"00131012", "", ErrInsurerNumberCheckDigit},
		{"01130012\n", "", ErrControlCharacter},
	}
	for _, tt := range tests {
		got, err := NormalizeInsurerNumber(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("NormalizeInsurerNumber(%q) = %q, %v; want %q, %v", shortForLog(tt.in), got, err, tt.want, tt.err)
		}
	}
}

func TestCheckDigitMessages(t *testing.T) {
	want := map[error]string{
		ErrMedicalCodeFormat:       "医療機関コードは10桁の数字で入力してください",
		ErrMedicalCodePrefecture:   "医療機関コードの先頭2桁（都道府県番号）は01〜47です",
		ErrMedicalCodeKind:         "医療機関コードの3桁目（点数表番号）は 1（医科）、3（歯科）、4（調剤）、6（訪問看護）のいずれかです",
		ErrMedicalCodeCheckDigit:   "医療機関コードの最後の桁（検証番号）が合いません。番号を確かめてください",
		ErrInsurerNumberFormat:     "保険者番号は8桁（国民健康保険は6桁）の数字で入力してください",
		ErrInsurerNumberPrefecture: "保険者番号の都道府県番号（8桁なら3〜4桁目、6桁なら先頭2桁）は01〜47です",
		ErrInsurerNumberCheckDigit: "保険者番号の最後の桁（検証番号）が合いません。保険証の番号を確かめてください",
	}
	for err, msg := range want {
		if err.Error() != msg {
			t.Errorf("message %q, want %q", err.Error(), msg)
		}
	}
}

func allDigitsForTest(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func FuzzMedicalInstitutionCode(f *testing.F) {
	for _, s := range append(realMedicalCodes,
		"", "０１１０１１３７１９", "01-1-0113719", "0110113718", "4810113719", "0120113719",
		"011011371", "\xff", "0110113719\x00", "１３ー１ー０１１００４９") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeMedicalInstitutionCode(s)
		if !errors.Is(ValidMedicalInstitutionCode(s), err) {
			t.Fatalf("Valid and Normalize disagree on %q", s)
		}
		if err != nil {
			if got != "" {
				t.Fatalf("error %v with output %q", err, got)
			}
			return
		}
		if got == "" {
			return
		}
		if len(got) != 10 || !allDigitsForTest(got) {
			t.Fatalf("output %q is not 10 ASCII digits", got)
		}
		again, err := NormalizeMedicalInstitutionCode(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, got, again, err)
		}
	})
}

func FuzzInsurerNumber(f *testing.F) {
	for _, s := range []string{
		"", "01130012", "131011", "00131011", "０１１３００１２", "01-13-001-2", "01130013",
		"481011", "0113001", "\xff", "01130012\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeInsurerNumber(s)
		if err != nil {
			if got != "" {
				t.Fatalf("error %v with output %q", err, got)
			}
			return
		}
		if got == "" {
			return
		}
		if (len(got) != 8 && len(got) != 6) || !allDigitsForTest(got) || (len(got) == 8 && got[:2] == "00") {
			t.Fatalf("output %q is not 8 or 6 ASCII digits", got)
		}
		again, err := NormalizeInsurerNumber(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, got, again, err)
		}
	})
}
