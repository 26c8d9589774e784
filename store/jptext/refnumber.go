package jptext

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// ErrReferenceNumberFormat: a 照会番号 typed with characters it cannot hold.
var ErrReferenceNumberFormat = errors.New("照会番号は処方箋に印刷されている英数字で入力してください（ハイフンや空白はあってもなくてもかまいません）")

// referenceNumberMax bounds the input a 照会番号 is read from: a number
// grouped for reading aloud is far shorter, and a long paste is not one.
const referenceNumberMax = 64

// NormalizeReferenceNumber reads a 照会番号 as a pharmacist types it from the
// printed form: full- or half-width letters and digits, with or without
// the hyphens, spaces or middle dots that group it, in either case. It
// returns the ASCII letters (upper case) and digits alone. Any other
// character, or input longer than a number could be, is
// ErrReferenceNumberFormat; empty input (or only separators) returns "" and
// nil.
func NormalizeReferenceNumber(s string) (string, error) {
	if len(s) > referenceNumberMax*3 || !utf8.ValidString(s) {
		return "", ErrReferenceNumberFormat
	}
	s = NormalizeWidth(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r == ' ' || r == '\u00a0' || r == '\t' || r == '・' || r == '･' || r == '_' || IsHyphenLike(r):
			// grouping
		default:
			return "", ErrReferenceNumberFormat
		}
		if b.Len() > referenceNumberMax {
			return "", ErrReferenceNumberFormat
		}
	}
	return b.String(), nil
}
