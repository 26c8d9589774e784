package jptext

// E-mail addresses, Japanese telephone numbers and postal codes.

import (
	"errors"
	"net/mail"
	"strings"
)

var (
	// ErrEmailFormat: not a practical e-mail address.
	ErrEmailFormat = errors.New("メールアドレスの形式が正しくありません（例: taro@example.jp）")
	// ErrEmailTooLong: longer than 254 characters.
	ErrEmailTooLong = errors.New("メールアドレスは254文字以内で入力してください")
	// ErrPhoneFormat: not a 10- or 11-digit Japanese number.
	ErrPhoneFormat = errors.New("電話番号は 03-1234-5678 のように入力してください")
	// ErrPostalFormat: not 7 digits.
	ErrPostalFormat = errors.New("郵便番号は 123-4567 のように7桁で入力してください")
)

// EmailMaxLength is the longest address a mail server must accept (RFC 5321
// path limit less the angle brackets).
const EmailMaxLength = 254

// NormalizeEmail checks a practical e-mail address and returns it trimmed,
// with the domain in lower case (the local part keeps its case).
//
// Full-width input (ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ, typed with the IME on) is
// folded to ASCII first. Accepted: one '@'; a local part of 1–64 ASCII
// characters from RFC 5322's atext and '.'; a domain of two or more
// dot-separated labels of ASCII letters, digits and inner hyphens (IDNs in
// their xn-- form), whose last label is not all digits. Rejected: display
// names (Taro <taro@example.jp>), quoted local parts, comments, address
// literals ([192.0.2.1]), non-ASCII addresses. Dots the RFC does not allow
// in the local part (taro..x@, taro.@) are accepted, since Japanese mobile
// carriers issued such addresses for years and they still receive mail;
// every other address is also checked with net/mail.
// Errors: ErrControlCharacter, ErrEmailFormat, ErrEmailTooLong. Empty
// input returns "" and nil.
func NormalizeEmail(s string) (string, error) {
	if InvalidText(s) {
		return "", ErrControlCharacter
	}
	if len(s) > 4*EmailMaxLength {
		return "", ErrEmailTooLong
	}
	s = strings.TrimSpace(NormalizeWidth(s))
	if s == "" {
		return "", nil
	}
	if len(s) > EmailMaxLength {
		return "", ErrEmailTooLong
	}
	at := strings.IndexByte(s, '@')
	if at < 0 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return "", ErrEmailFormat
	}
	local, domain := s[:at], emailASCIILower(s[at+1:])
	if !validEmailLocal(local) || !validEmailDomain(domain) {
		return "", ErrEmailFormat
	}
	addr := local + "@" + domain
	if !strings.HasPrefix(local, ".") && !strings.HasSuffix(local, ".") &&
		!strings.Contains(local, "..") {
		parsed, err := mail.ParseAddress(addr)
		if err != nil || parsed.Name != "" || parsed.Address != addr {
			return "", ErrEmailFormat
		}
	}
	return addr, nil
}

// emailASCIILower lowers A–Z only, so that no non-ASCII letter turns into an
// ASCII one (strings.ToLower maps the Kelvin sign to k).
func emailASCIILower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func validEmailLocal(local string) bool {
	if local == "" || len(local) > 64 || strings.Trim(local, ".") == "" {
		return false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~.", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func validEmailDomain(domain string) bool {
	if len(domain) > 253 {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	return strings.Trim(tld, "0123456789") != ""
}

// NormalizePhone checks a Japanese telephone number and returns it in
// ASCII with hyphens.
//
// Input may use full-width digits, any hyphen or dash (also ー between
// digits), parentheses and spaces as separators, and +81 for the leading 0
// (+81 3-1234-5678, +81 (0)3 1234 5678). The number must have 10 digits,
// or 11 digits starting with 020, 050, 060, 070, 080 or 090, and start with
// a single 0.
//
// Output keeps the user's grouping, each group of digits joined by one
// ASCII '-': (03)1234-5678 and 03 1234 5678 give 03-1234-5678. The area
// code's length cannot be known without the numbering plan, so digits typed
// without separators stay as they are (0312345678), except where the
// grouping is fixed: 090-1234-5678 for 11-digit 0X0 numbers, 0800-123-4567,
// 0120-123-456 / 0570-… / 0990-…. At most 4 groups. Compare numbers by
// their digits only (strip '-'). Errors: ErrControlCharacter,
// ErrPhoneFormat. Empty input returns "" and nil.
func NormalizePhone(s string) (string, error) {
	if InvalidText(s) {
		return "", ErrControlCharacter
	}
	if len(s) > 80 {
		return "", ErrPhoneFormat
	}
	s = strings.TrimSpace(NormalizeWidth(NormalizeDigits(s)))
	if s == "" {
		return "", nil
	}
	if rest, ok := strings.CutPrefix(s, "+81"); ok {
		rest = strings.TrimLeft(rest, " -")
		rest = strings.TrimPrefix(rest, "(0)")
		rest = strings.TrimLeft(rest, " -")
		if strings.HasPrefix(rest, "0") {
			return "", ErrPhoneFormat
		}
		s = "0" + rest
	}
	var groups []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			groups = append(groups, s[start:i])
			start = -1
		}
		if i < len(s) && !strings.ContainsRune(" -()", rune(s[i])) {
			return "", ErrPhoneFormat
		}
	}
	digits := strings.Join(groups, "")
	if !validPhoneDigits(digits) || len(groups) > 4 {
		return "", ErrPhoneFormat
	}
	if len(groups) > 1 {
		return strings.Join(groups, "-"), nil
	}
	switch {
	case len(digits) == 11 && strings.HasPrefix(digits, "0800"):
		return digits[:4] + "-" + digits[4:7] + "-" + digits[7:], nil
	case len(digits) == 11:
		return digits[:3] + "-" + digits[3:7] + "-" + digits[7:], nil
	case strings.HasPrefix(digits, "0120") || strings.HasPrefix(digits, "0570") ||
		strings.HasPrefix(digits, "0990"):
		return digits[:4] + "-" + digits[4:7] + "-" + digits[7:], nil
	}
	return digits, nil
}

func validPhoneDigits(d string) bool {
	switch len(d) {
	case 10:
		return d[0] == '0' && d[1] != '0'
	case 11:
		return d[0] == '0' && d[1] >= '2' && d[1] <= '9' && d[2] == '0'
	}
	return false
}

// NormalizePostal checks a 7-digit 郵便番号 and returns it as 123-4567.
// Accepted: a leading 〒, full-width digits, any hyphen or dash, spaces,
// or no hyphen at all (1234567). Errors: ErrControlCharacter,
// ErrPostalFormat. Empty input returns "" and nil.
func NormalizePostal(s string) (string, error) {
	if InvalidText(s) {
		return "", ErrControlCharacter
	}
	if len(s) > 64 {
		return "", ErrPostalFormat
	}
	s = strings.TrimSpace(NormalizeWidth(NormalizeDigits(s)))
	if s == "" {
		return "", nil
	}
	s = strings.TrimSpace(strings.TrimPrefix(s, "〒"))
	s = strings.ReplaceAll(s, " ", "")
	var d string
	switch {
	case len(s) == 7:
		d = s
	case len(s) == 8 && s[3] == '-':
		d = s[:3] + s[4:]
	default:
		return "", ErrPostalFormat
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return "", ErrPostalFormat
		}
	}
	return d[:3] + "-" + d[3:], nil
}
