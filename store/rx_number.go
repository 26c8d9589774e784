package store

import (
	"crypto/rand"
	"errors"
	"hotline/store/jptext"
	"math/big"
)

// The 照会番号 is what a pharmacy types (with the patient's birth date) to
// find a prescription: 16 digits, 15 of them drawn from crypto/rand (about
// 49.8 bits, so numbers can be neither guessed nor enumerated) and a
// modulus-10 2-1 check digit (as in the 保険者番号), which catches every
// single mistyped digit and most swapped neighbours before a lookup.
// Digits only, so it is read aloud over the phone without spelling; printed
// in groups of four (1234-5678-9012-3456), stored without hyphens, unique
// (bucket rx_numbers).

// RxNumberLength is the number of digits of a 照会番号.
const RxNumberLength = 16

// ErrRxNumberFormat: not a 照会番号.
var ErrRxNumberFormat = errors.New("照会番号は16桁の数字です（例：1234-5678-9012-3456）。処方箋の記載をご確認ください")

var rxNumberRange = new(big.Int).Exp(big.NewInt(10), big.NewInt(RxNumberLength-1), nil)

// NewRxNumber returns a fresh random 照会番号 (uniqueness is the caller's
// to check).
func NewRxNumber() string {
	n, err := rand.Int(rand.Reader, rxNumberRange)
	if err != nil {
		panic("store: crypto/rand failed: " + err.Error())
	}
	body := leftPad(n.String(), RxNumberLength-1)
	return body + string(rune('0'+jptext.LuhnCheckDigit(body)))
}

// ValidRxNumber reports a 照会番号 in its stored form.
func ValidRxNumber(s string) bool {
	return len(s) == RxNumberLength && isDigits(s) && jptext.LuhnCheckDigit(s[:RxNumberLength-1]) == int(s[RxNumberLength-1]-'0')
}

// NormalizeRxNumber turns a typed 照会番号 (any width, with hyphens or
// spaces or none) into its stored form. Errors: jptext.ErrControlCharacter,
// ErrRxNumberFormat. Empty input returns "" and nil.
func NormalizeRxNumber(s string) (string, error) {
	if jptext.InvalidText(s) {
		return "", jptext.ErrControlCharacter
	}
	c, ok := foldTypedCode(s)
	if !ok {
		return "", ErrRxNumberFormat
	}
	if c == "" {
		return "", nil
	}
	if !ValidRxNumber(c) {
		return "", ErrRxNumberFormat
	}
	return c, nil
}

// FormatRxNumber groups a 照会番号 in fours for print and reading aloud.
func FormatRxNumber(n string) string {
	if len(n) != RxNumberLength {
		return n
	}
	return n[:4] + "-" + n[4:8] + "-" + n[8:12] + "-" + n[12:]
}
