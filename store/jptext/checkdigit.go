package jptext

// Check digits of the 医療機関コード (10 digits) and the 保険者番号 (8 or 6
// digits).
//
// Both use 「モジュラス10 ウェイト2・1分割方式」 (the Luhn scheme): from the
// rightmost digit leftwards multiply by 2, 1, 2, 1, …; add up the digits of
// the products (12 counts as 1+2); the check digit is 10 minus the last
// digit of the sum, or 0 when that digit is 0 (保険者番号設定要領).
//
// Which digits the 医療機関コード check digit covers depends on the
// prefecture. The 10-digit code is 都道府県番号 (2) + 点数表番号 (1) +
// 郡市区番号 (2) + 医療機関等番号 (4) + 検証番号 (1). In the lists of
// hospitals and clinics that the regional bureaux of health and welfare
// publish (コード内容別医療機関一覧表, 2025-08, about 97,000 codes), every code
// of 埼玉 (11), 千葉 (12), 東京 (13) and 神奈川 (14) has its check digit
// computed over the 6 digits 郡市区番号 + 医療機関等番号 only, and every code
// of every other prefecture over all 9 digits before it, prefecture and
// 点数表 included (0110113719; the few 歯科 codes in those lists with their
// 点数表 3). The nine-digit rule is the one the specification gives and is
// accepted everywhere; in 埼玉・千葉・東京・神奈川 the six-digit rule is
// accepted as well, so no real code there is refused.

import (
	"errors"
	"strings"
)

var (
	// ErrMedicalCodeFormat: not 10 digits.
	ErrMedicalCodeFormat = errors.New("医療機関コードは10桁の数字で入力してください")
	// ErrMedicalCodePrefecture: the first two digits are not 01–47.
	ErrMedicalCodePrefecture = errors.New("医療機関コードの先頭2桁（都道府県番号）は01〜47です")
	// ErrMedicalCodeKind: the third digit (点数表番号) is not 1, 3, 4 or 6.
	ErrMedicalCodeKind = errors.New("医療機関コードの3桁目（点数表番号）は 1（医科）、3（歯科）、4（調剤）、6（訪問看護）のいずれかです")
	// ErrMedicalCodeCheckDigit: the last digit does not match.
	ErrMedicalCodeCheckDigit = errors.New("医療機関コードの最後の桁（検証番号）が合いません。番号を確かめてください")

	// ErrInsurerNumberFormat: not 8 (or 6) digits.
	ErrInsurerNumberFormat = errors.New("保険者番号は8桁（国民健康保険は6桁）の数字で入力してください")
	// ErrInsurerNumberPrefecture: the 都道府県番号 is not 01–47.
	ErrInsurerNumberPrefecture = errors.New("保険者番号の都道府県番号（8桁なら3〜4桁目、6桁なら先頭2桁）は01〜47です")
	// ErrInsurerNumberCheckDigit: the last digit does not match.
	ErrInsurerNumberCheckDigit = errors.New("保険者番号の最後の桁（検証番号）が合いません。保険証の番号を確かめてください")
)

// LuhnCheckDigit returns the check digit for digits by modulus 10 with
// weights 2, 1 from the right, adding the digits of each product. It
// returns -1 if digits is empty or holds anything but ASCII digits.
func LuhnCheckDigit(digits string) int {
	if digits == "" {
		return -1
	}
	sum := 0
	for i := 0; i < len(digits); i++ {
		c := digits[len(digits)-1-i]
		if c < '0' || c > '9' {
			return -1
		}
		p := int(c - '0')
		if i%2 == 0 {
			p *= 2
		}
		sum += p/10 + p%10
	}
	return (10 - sum%10) % 10
}

// typedCodeDigits prepares a typed number: full-width digits and dashes become
// ASCII, and spaces and hyphens are dropped. ok is false if anything but
// digits remains.
func typedCodeDigits(s string, maxLen int) (digits string, ok bool) {
	// Typed codes are short: refuse huge input before copying it.
	if len(s) > 4*maxLen+16 {
		return "", false
	}
	s = NormalizeWidth(NormalizeDigits(s))
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == ' ' || c == '-':
		default:
			return "", false
		}
	}
	return b.String(), true
}

func validPrefectureNumber(two string) bool {
	if len(two) != 2 || two[0] < '0' || two[0] > '9' || two[1] < '0' || two[1] > '9' {
		return false
	}
	n := int(two[0]-'0')*10 + int(two[1]-'0')
	return n >= 1 && n <= 47
}

// southKanto reports whether the 医療機関コード's prefecture computes its
// check digits over 郡市区番号 + 医療機関等番号 only (see the file comment).
func southKanto(code string) bool {
	switch code[:2] {
	case "11", "12", "13", "14":
		return true
	}
	return false
}

// medicalCodeCheckDigit returns the check digit of a 10-digit 医療機関コード
// (of which the last digit is ignored), by the rule of its prefecture.
func medicalCodeCheckDigit(code string) int {
	if southKanto(code) {
		return LuhnCheckDigit(code[3:9])
	}
	return LuhnCheckDigit(code[:9])
}

// medicalCodeCheckDigitOK checks the last digit of a 10-digit 医療機関コード:
// the nine-digit rule holds everywhere; 埼玉・千葉・東京・神奈川 codes in the
// published lists use the six-digit rule, so there either is accepted.
func medicalCodeCheckDigitOK(code string) bool {
	cd := int(code[9] - '0')
	if LuhnCheckDigit(code[:9]) == cd {
		return true
	}
	return southKanto(code) && LuhnCheckDigit(code[3:9]) == cd
}

// NormalizeMedicalInstitutionCode checks a 10-digit 医療機関コード (保険医療機関
// / 保険薬局 / 訪問看護ステーション) and returns it as 10 ASCII digits.
// Full-width digits, spaces and hyphens in the input are accepted
// (１３１ ０１１ ００４９ → 1310110049). Errors: ErrControlCharacter,
// ErrMedicalCodeFormat, ErrMedicalCodePrefecture, ErrMedicalCodeKind,
// ErrMedicalCodeCheckDigit. Empty input returns "" and nil.
func NormalizeMedicalInstitutionCode(s string) (string, error) {
	if InvalidText(s) {
		return "", ErrControlCharacter
	}
	code, ok := typedCodeDigits(s, 10)
	if !ok {
		return "", ErrMedicalCodeFormat
	}
	if code == "" && strings.TrimSpace(NormalizeWidth(s)) == "" {
		return "", nil
	}
	if len(code) != 10 {
		return "", ErrMedicalCodeFormat
	}
	if !validPrefectureNumber(code[:2]) {
		return "", ErrMedicalCodePrefecture
	}
	switch code[2] {
	case '1', '3', '4', '6':
	default:
		return "", ErrMedicalCodeKind
	}
	if !medicalCodeCheckDigitOK(code) {
		return "", ErrMedicalCodeCheckDigit
	}
	return code, nil
}

// ValidMedicalInstitutionCode reports why code is not a valid 医療機関コード,
// or nil if it is (empty included). See NormalizeMedicalInstitutionCode.
func ValidMedicalInstitutionCode(code string) error {
	_, err := NormalizeMedicalInstitutionCode(code)
	return err
}

// NormalizeInsurerNumber checks a 保険者番号 and returns it as ASCII digits:
// 8 digits (法別番号 2 + 都道府県番号 2 + 保険者別番号 3 + 検証番号 1) or 6
// digits for 国民健康保険 (都道府県番号 2 + 保険者別番号 3 + 検証番号 1). An
// 8-digit number starting with 00 is a 国民健康保険 number padded to 8
// digits (as some systems print it) and is returned as its 6 digits. Both
// lengths carry the modulus-10 2-1 check digit; the prefecture must be
// 01–47. Full-width digits, spaces and hyphens are accepted. Errors:
// ErrControlCharacter, ErrInsurerNumberFormat, ErrInsurerNumberPrefecture,
// ErrInsurerNumberCheckDigit. Empty input returns "" and nil.
func NormalizeInsurerNumber(s string) (string, error) {
	if InvalidText(s) {
		return "", ErrControlCharacter
	}
	n, ok := typedCodeDigits(s, 8)
	if !ok {
		return "", ErrInsurerNumberFormat
	}
	if n == "" && strings.TrimSpace(NormalizeWidth(s)) == "" {
		return "", nil
	}
	if len(n) == 8 && strings.HasPrefix(n, "00") {
		n = n[2:]
	}
	var pref string
	switch len(n) {
	case 8:
		pref = n[2:4]
	case 6:
		pref = n[0:2]
	default:
		return "", ErrInsurerNumberFormat
	}
	if !validPrefectureNumber(pref) {
		return "", ErrInsurerNumberPrefecture
	}
	if LuhnCheckDigit(n[:len(n)-1]) != int(n[len(n)-1]-'0') {
		return "", ErrInsurerNumberCheckDigit
	}
	return n, nil
}

var (
	// ErrPublicPayerFormat: not 8 digits.
	ErrPublicPayerFormat = errors.New("公費負担者番号は8桁の数字で入力してください")
	// ErrPublicPayerPrefecture: the 都道府県番号 (3rd–4th digits) is not 01–47.
	ErrPublicPayerPrefecture = errors.New("公費負担者番号の3〜4桁目（都道府県番号）は01〜47です")
	// ErrPublicPayerCheckDigit: the last digit does not match.
	ErrPublicPayerCheckDigit = errors.New("公費負担者番号の最後の桁（検証番号）が合いません。受給者証の番号を確かめてください")
	// ErrPublicRecipientFormat: not 7 digits.
	ErrPublicRecipientFormat = errors.New("公費負担医療の受給者番号は7桁の数字で入力してください")
	// ErrPublicRecipientCheckDigit: the last digit does not match.
	ErrPublicRecipientCheckDigit = errors.New("公費負担医療の受給者番号の最後の桁（検証番号）が合いません。受給者証の番号を確かめてください")
)

// NormalizePublicPayerNumber checks a 公費負担者番号: 8 digits (法別番号 2 +
// 都道府県番号 2 + 実施機関番号 3 + 検証番号 1) with the same modulus-10 2-1
// check digit as the 保険者番号. Full-width digits, spaces and hyphens are
// accepted; empty input returns "" and nil.
func NormalizePublicPayerNumber(s string) (string, error) {
	if InvalidText(s) {
		return "", ErrControlCharacter
	}
	n, ok := typedCodeDigits(s, 8)
	if !ok || (n != "" && len(n) != 8) {
		return "", ErrPublicPayerFormat
	}
	if n == "" {
		if strings.TrimSpace(NormalizeWidth(s)) != "" {
			return "", ErrPublicPayerFormat
		}
		return "", nil
	}
	if !validPrefectureNumber(n[2:4]) {
		return "", ErrPublicPayerPrefecture
	}
	if LuhnCheckDigit(n[:7]) != int(n[7]-'0') {
		return "", ErrPublicPayerCheckDigit
	}
	return n, nil
}

// NormalizePublicRecipientNumber checks a 公費負担医療の受給者番号: 7 digits
// (受給者区分 6 + 検証番号 1, modulus 10 2-1 as above). Empty input returns
// "" and nil.
func NormalizePublicRecipientNumber(s string) (string, error) {
	if InvalidText(s) {
		return "", ErrControlCharacter
	}
	n, ok := typedCodeDigits(s, 7)
	if !ok || (n != "" && len(n) != 7) {
		return "", ErrPublicRecipientFormat
	}
	if n == "" {
		if strings.TrimSpace(NormalizeWidth(s)) != "" {
			return "", ErrPublicRecipientFormat
		}
		return "", nil
	}
	if LuhnCheckDigit(n[:6]) != int(n[6]-'0') {
		return "", ErrPublicRecipientCheckDigit
	}
	return n, nil
}
