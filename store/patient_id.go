package store

import (
	"errors"
	"hotline/store/jptext"
	"strings"
)

// Patient IDs (患者ID) name a patient across the whole network: in every
// URL and form, and on the access card the patient takes home. They are
// "P" followed by 12 characters of the access-code alphabet (upper-case
// letters and digits without the look-alikes 0 O 1 I): 11 random characters
// (55 bits from crypto/rand, so IDs are neither sequential nor guessable)
// and a Luhn mod 32 check character, which catches every single mistyped
// character and most swapped neighbours before the ID is even looked up.
// Printed grouped as P-XXXX-XXXX-XXXX; stored and used in URLs without
// hyphens.

// PatientIDLength is the length of a patient ID: "P" + 12 characters.
const PatientIDLength = 13

// ErrPatientIDFormat: not a patient ID (wrong length, characters or check
// character).
var ErrPatientIDFormat = errors.New("患者IDは「P」と12文字の英数字です（例：P-7KQM-3XA9-HT2C）。カードの記載をご確認ください")

// NewPatientID returns a fresh random patient ID.
func NewPatientID() string {
	body := randomFromAlphabet(accessCodeAlphabet, PatientIDLength-2)
	return "P" + body + string(luhn32Check(body))
}

// luhn32Check is the Luhn mod N check character of s over the access-code
// alphabet (N = 32).
func luhn32Check(s string) byte {
	n := len(accessCodeAlphabet)
	factor, sum := 2, 0
	for i := len(s) - 1; i >= 0; i-- {
		a := factor * strings.IndexByte(accessCodeAlphabet, s[i])
		sum += a/n + a%n
		factor = 3 - factor
	}
	return accessCodeAlphabet[(n-sum%n)%n]
}

// ValidPatientID reports whether id is a patient ID in its stored form.
func ValidPatientID(id string) bool {
	if len(id) != PatientIDLength || id[0] != 'P' {
		return false
	}
	for i := 1; i < len(id); i++ {
		if strings.IndexByte(accessCodeAlphabet, id[i]) < 0 {
			return false
		}
	}
	return luhn32Check(id[1:len(id)-1]) == id[len(id)-1]
}

// NormalizePatientID turns what a person types (lower case, full-width,
// with hyphens or spaces, as printed on the card) into the stored form.
// Errors: jptext.ErrControlCharacter, ErrPatientIDFormat. Empty input returns ""
// and nil.
func NormalizePatientID(s string) (string, error) {
	if jptext.InvalidText(s) {
		return "", jptext.ErrControlCharacter
	}
	id, ok := foldTypedCode(s)
	if !ok {
		return "", ErrPatientIDFormat
	}
	if id == "" {
		return "", nil
	}
	if !ValidPatientID(id) {
		return "", ErrPatientIDFormat
	}
	return id, nil
}

// FormatPatientID groups an ID for print and reading aloud:
// P-XXXX-XXXX-XXXX.
func FormatPatientID(id string) string {
	if len(id) != PatientIDLength {
		return id
	}
	return id[:1] + "-" + id[1:5] + "-" + id[5:9] + "-" + id[9:]
}
