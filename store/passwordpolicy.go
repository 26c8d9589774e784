package store

// Password policy, generated initial passwords and patient access codes.

import (
	"crypto/rand"
	_ "embed"
	"errors"
	"hotline/store/jptext"
	"strings"
	"sync"
	"unicode/utf8"
)

var (
	// ErrPasswordLength: fewer than 12 or more than 128 characters.
	ErrPasswordLength = errors.New("パスワードは12文字以上128文字以下で入力してください")
	// ErrPasswordContainsID: the password contains the user's ID.
	ErrPasswordContainsID = errors.New("IDを含むパスワードは使用できません")
	// ErrPasswordCommon: a common password, a common word with digits or
	// symbols around it, a repetition or a keyboard/alphabet sequence.
	ErrPasswordCommon = errors.New("推測されやすいパスワードは使用できません")
	// ErrAccessCodeFormat: not 12 characters of the access code alphabet.
	ErrAccessCodeFormat = errors.New("アクセスコードはカードに印刷された XXXX-XXXX-XXXX の12文字を入力してください")
)

// Password length limits, in characters (runes), and the most bytes a
// password within them can take (UTF-8: at most 4 per character). Login
// refuses a longer one before hashing.
const (
	PasswordMinLength = 12
	PasswordMaxLength = 128
	PasswordMaxBytes  = 4 * PasswordMaxLength
)

// commonPasswordsText is the embedded list; its header names its sources
// and their licence (MIT, zxcvbn and @zxcvbn-ts/language-ja).
//
//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is the list as a set, built on first use (a password
// check), not at start-up.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 10000)
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[strings.ToLower(line)] = struct{}{}
	}
	return m
})

// CheckPassword reports why password may not be used by the account id, or
// nil. Rules, in this order:
//   - no control characters or invalid UTF-8 (jptext.ErrControlCharacter);
//   - 12 to 128 characters, counted as runes (ErrPasswordLength);
//   - does not contain id, ignoring case, when id has 3 or more characters
//     (ErrPasswordContainsID);
//   - not guessable (ErrPasswordCommon): ignoring case, it is not on the
//     embedded list of common passwords, nor such a word with digits or
//     symbols before or after it (password1234, 2024tanaka!), also with
//     common letter substitutions (p@ssw0rd); not a short pattern repeated
//     (aaaaaaaaaaaa, abcabcabcabc, 1212…), nor a common word repeated; not
//     a run along the alphabet, the digits or a keyboard row
//     (123456789012, abcdefghijkl, qwertyuiopas, backwards too).
func CheckPassword(id, password string) error {
	if jptext.InvalidText(password) {
		return jptext.ErrControlCharacter
	}
	if len(password) > PasswordMaxBytes {
		return ErrPasswordLength
	}
	if n := utf8.RuneCountInString(password); n < PasswordMinLength || n > PasswordMaxLength {
		return ErrPasswordLength
	}
	lower := strings.ToLower(password)
	id = strings.ToLower(strings.TrimSpace(id))
	if utf8.RuneCountInString(id) >= 3 && strings.Contains(lower, id) {
		return ErrPasswordContainsID
	}
	if passwordGuessable(lower) {
		return ErrPasswordCommon
	}
	return nil
}

// passwordGuessable reports whether the lower-cased password is common or
// trivial.
func passwordGuessable(p string) bool {
	if isCommonPassword(p) || passwordIsSequence(p) {
		return true
	}
	if unit := passwordRepeatedUnit(p); unit != "" &&
		(utf8.RuneCountInString(unit) <= 4 || isCommonPassword(unit) || passwordIsSequence(unit)) {
		return true
	}
	// A common word or a run with digits and ASCII symbols around it:
	// password1234, 2024tanaka!, !!dragon!!, abcdef123456.
	core := strings.TrimFunc(p, func(r rune) bool {
		return r < 0x80 && !(r >= 'a' && r <= 'z')
	})
	if core != p && (isCommonPassword(core) || (len(core) >= 4 && passwordIsSequence(core))) {
		return true
	}
	return false
}

// passwordLeetI and passwordLeetL undo the common letter substitutions,
// reading 1 as i or as l.
var (
	passwordLeetI = strings.NewReplacer("@", "a", "4", "a", "0", "o", "3", "e", "$", "s", "5", "s", "7", "t", "+", "t", "!", "i", "|", "l", "1", "i")
	passwordLeetL = strings.NewReplacer("@", "a", "4", "a", "0", "o", "3", "e", "$", "s", "5", "s", "7", "t", "+", "t", "!", "i", "|", "l", "1", "l")
)

// isCommonPassword reports whether w is on the list, also after undoing letter
// substitutions (p@ssw0rd).
func isCommonPassword(w string) bool {
	if len(w) < 3 {
		return false
	}
	for _, c := range []string{w, passwordLeetI.Replace(w), passwordLeetL.Replace(w)} {
		if _, ok := commonPasswords()[c]; ok {
			return true
		}
	}
	return false
}

// passwordRepeatedUnit returns the shortest u such that p is u repeated
// twice or more (a partial repetition at the end counts: abcabcab), or "".
func passwordRepeatedUnit(p string) string {
	r := []rune(p)
	for period := 1; period <= len(r)/2; period++ {
		ok := true
		for i := period; i < len(r); i++ {
			if r[i] != r[i-period] {
				ok = false
				break
			}
		}
		if ok {
			return string(r[:period])
		}
	}
	return ""
}

// passwordSequences are the runs people type: each char of a password that is a
// run must follow the previous one in one of these, cyclically, forwards
// or backwards.
var passwordSequences = []string{
	"0123456789",
	"abcdefghijklmnopqrstuvwxyz",
	"qwertyuiopasdfghjklzxcvbnm",
	"1234567890qwertyuiopasdfghjklzxcvbnm",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",
	"1q2w3e4r5t6y7u8i9o0p",
	"zaq1xsw2cde3vfr4bgt5nhy6mju7",
}

// passwordIsSequence reports whether p (3 or more characters) walks along
// one of the sequences, one step at a time in the same direction.
func passwordIsSequence(p string) bool {
	if len(p) < 3 {
		return false
	}
	for _, seq := range passwordSequences {
		for _, dir := range []int{1, -1} {
			if passwordWalks(p, seq, dir) {
				return true
			}
		}
	}
	return false
}

func passwordWalks(p, seq string, dir int) bool {
	n := len(seq)
	pos := strings.IndexByte(seq, p[0])
	if pos < 0 {
		return false
	}
	for i := 1; i < len(p); i++ {
		pos = ((pos+dir)%n + n) % n
		if p[i] != seq[pos] {
			return false
		}
	}
	return true
}

// Alphabets without look-alikes: no 0 O o, 1 l I i, and no symbols.
const (
	passwordUpper = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	passwordLower = "abcdefghjkmnpqrstuvwxyz"
	passwordDigit = "23456789"
	// accessCodeAlphabet is for codes people type from paper: upper case
	// and digits only, 32 characters, 5 bits each.
	accessCodeAlphabet = passwordUpper + passwordDigit
)

// InitialPasswordLength is the length of NewInitialPassword's passwords:
// 16 characters of the 32-character access code alphabet (80 bits) in
// four groups of four joined by hyphens, 19 in all.
const InitialPasswordLength = 19

// randomFromAlphabet draws n characters from alphabet with crypto/rand, without
// modulo bias.
func randomFromAlphabet(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic("store: crypto/rand failed: " + err.Error())
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// NewInitialPassword returns a random password for a new account or a
// reset, printed on paper and typed from it: 16 characters of upper-case
// letters and digits without look-alikes (no 0 O 1 I, and no lower case,
// so no l), in four groups of four joined by hyphens, which are part of
// the password (XXXX-XXXX-XXXX-XXXX, about 80 bits); at least one letter
// and one digit, and accepted by CheckPassword.
func NewInitialPassword() string {
	for {
		c := randomFromAlphabet(accessCodeAlphabet, 16)
		p := c[:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:]
		if strings.ContainsAny(c, passwordUpper) && strings.ContainsAny(c, passwordDigit) && CheckPassword("", p) == nil {
			return p
		}
	}
}

// NewAccessCode returns a random access code for a patient's access card:
// 12 characters of upper case letters and digits without look-alikes (no 0
// O 1 I), about 60 bits, written in groups as XXXX-XXXX-XXXX. Store and
// compare codes in this form, after NormalizeAccessCode on what people
// type.
func NewAccessCode() string {
	c := randomFromAlphabet(accessCodeAlphabet, 12)
	return c[:4] + "-" + c[4:8] + "-" + c[8:]
}

// NormalizeAccessCode turns a typed access code into the form NewAccessCode
// returns (XXXX-XXXX-XXXX): full-width characters are folded, letters
// upper-cased, and hyphens, dashes and spaces dropped. Errors:
// jptext.ErrControlCharacter, ErrAccessCodeFormat (also for characters the
// alphabet does not have, such as O, 0, I, 1). Empty input returns "" and
// nil.
func NormalizeAccessCode(s string) (string, error) {
	if jptext.InvalidText(s) {
		return "", jptext.ErrControlCharacter
	}
	c, ok := foldTypedCode(s)
	if !ok || strings.IndexFunc(c, func(r rune) bool { return strings.IndexRune(accessCodeAlphabet, r) < 0 }) >= 0 {
		return "", ErrAccessCodeFormat
	}
	if c == "" {
		return "", nil
	}
	if len(c) != 12 {
		return "", ErrAccessCodeFormat
	}
	return c[:4] + "-" + c[4:8] + "-" + c[8:], nil
}

// foldTypedCode turns a code a person types from paper (access codes,
// patient IDs) into upper-case ASCII without spaces and hyphens: full-width
// characters folded, letters upper-cased. ok is false for input too long or
// with characters outside ASCII.
func foldTypedCode(s string) (string, bool) {
	if len(s) > 128 {
		return "", false
	}
	var b strings.Builder
	for _, r := range jptext.NormalizeWidth(s) {
		switch {
		case r == ' ' || jptext.IsHyphenLike(r):
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		if r >= 0x80 {
			return "", false
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// PasswordChangeSpec is the パスワード変更 form, in screen order. Max is the
// input's limit; the new password's own rules are CheckPassword's.
var PasswordChangeSpec = Fields{
	{Name: "current", Label: "現在のパスワード", Max: 256, Required: true},
	{Name: "new", Label: "新しいパスワード", Max: 256, Required: true},
	{Name: "confirm", Label: "新しいパスワード（確認）", Max: 256, Required: true},
}
