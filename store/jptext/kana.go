package jptext

// Input normalisation for kana fields (フリガナ) and width folding.
//
// All functions here are pure and accept arbitrary strings: invalid UTF-8,
// control characters and huge inputs give an error (or an empty result),
// never a panic. Empty input is not an error anywhere in this package's
// Normalize* functions: the caller decides whether a field is required.

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors. Their messages are meant to be shown next to the form
// field as they are.
var (
	// ErrControlCharacter is returned by every normaliser in this package for
	// invalid UTF-8, control characters (Cc), invisible format characters
	// (Cf, e.g. zero-width space, bidi overrides) and line separators.
	ErrControlCharacter = errors.New("使用できない文字（制御文字や不正な文字コード）が含まれています")
	// ErrKanaInvalid: the text contains something other than kana.
	ErrKanaInvalid = errors.New("カナ（カタカナまたはひらがな）で入力してください")
	// ErrKanaTooLong: more than KanaMaxLength characters after normalising.
	ErrKanaTooLong = errors.New("カナは100文字以内で入力してください")
)

// KanaMaxLength is the longest kana text NormalizeKana accepts, in runes
// after normalising. Long enough for a facility name in kana
// (イリョウホウジンシャダン…).
const KanaMaxLength = 100

// InvalidText reports whether s is not valid UTF-8 or contains a control
// character, an invisible format character or a line/paragraph separator.
// Ordinary spaces (U+0020, U+3000) are fine.
func InvalidText(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
		if r < 0x80 {
			continue
		}
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) ||
			r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

// halfKana maps the half-width katakana U+FF66 (ｦ) … U+FF9D (ﾝ) to their
// full-width forms, in code point order.
const halfKana = "ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"

var halfKanaRunes = []rune(halfKana)

// voiced and semiVoiced give the precomposed form of a katakana followed by
// a dakuten (゛) or handakuten (゜).
var kanaVoiced = map[rune]rune{
	'カ': 'ガ', 'キ': 'ギ', 'ク': 'グ', 'ケ': 'ゲ', 'コ': 'ゴ',
	'サ': 'ザ', 'シ': 'ジ', 'ス': 'ズ', 'セ': 'ゼ', 'ソ': 'ゾ',
	'タ': 'ダ', 'チ': 'ヂ', 'ツ': 'ヅ', 'テ': 'デ', 'ト': 'ド',
	'ハ': 'バ', 'ヒ': 'ビ', 'フ': 'ブ', 'ヘ': 'ベ', 'ホ': 'ボ',
	'ウ': 'ヴ', 'ワ': 'ヷ', 'ヰ': 'ヸ', 'ヱ': 'ヹ', 'ヲ': 'ヺ', 'ヽ': 'ヾ',
}

var kanaSemiVoiced = map[rune]rune{
	'ハ': 'パ', 'ヒ': 'ピ', 'フ': 'プ', 'ヘ': 'ペ', 'ホ': 'ポ',
}

// kanaClass is what one input rune means to the kana normaliser.
type kanaClass int

const (
	kcOther      kanaClass = iota // not allowed
	kcKana                        // a katakana letter (already converted)
	kcLong                        // the long vowel mark ー
	kcLongLike                    // a dash that means ー after kana
	kcDot                         // the middle dot ・
	kcSpace                       // a space of any width
	kcVoiced                      // dakuten, combining or spacing
	kcSemiVoiced                  // handakuten, combining or spacing
)

// classifyKana converts one rune of kana input to full-width katakana and
// says what kind it is.
func classifyKana(r rune) (rune, kanaClass) {
	switch {
	case r >= 'ァ' && r <= 'ヺ': // U+30A1–U+30FA, includes ヴ ヵ ヶ ヷ–ヺ
		return r, kcKana
	case r == 'ヽ' || r == 'ヾ':
		return r, kcKana
	case r >= 'ぁ' && r <= 'ゖ': // U+3041–U+3096 → U+30A1–U+30F6
		return r + 0x60, kcKana
	case r == 'ゝ' || r == 'ゞ':
		return r + 0x60, kcKana
	case r >= 0xFF66 && r <= 0xFF9D: // ｦ … ﾝ, includes ｰ
		k := halfKanaRunes[r-0xFF66]
		if k == 'ー' {
			return k, kcLong
		}
		return k, kcKana
	case r == 'ー':
		return r, kcLong
	case r == '・' || r == '･' || r == '·':
		return '・', kcDot
	case r == ' ' || r == '\u3000' || r == '\u00a0':
		return '\u3000', kcSpace
	case r == '\u3099' || r == '゛' || r == 'ﾞ':
		return r, kcVoiced
	case r == '\u309a' || r == '゜' || r == 'ﾟ':
		return r, kcSemiVoiced
	case r == '-' || r == '－' || r == '‐' || r == '‑' || r == '–' ||
		r == '—' || r == '―' || r == '−' || r == '〜' || r == '～':
		return 'ー', kcLongLike
	}
	return r, kcOther
}

// normalizeKanaRunes is the shared core of NormalizeKana and KanaSearchKey.
// It returns full-width katakana with runs of spaces collapsed to one
// full-width space and trimmed; ok is false if s holds anything but kana.
func normalizeKanaRunes(s string) (out []rune, ok bool) {
	if InvalidText(s) {
		return nil, false
	}
	out = make([]rune, 0, utf8.RuneCountInString(s))
	pendingSpace := false
	for _, r := range s {
		k, class := classifyKana(r)
		// The last rune written, if it is a kana letter.
		lastKana := len(out) > 0 && !pendingSpace && isKatakanaLetter(out[len(out)-1])
		switch class {
		case kcOther:
			return nil, false
		case kcSpace:
			if len(out) > 0 {
				pendingSpace = true
			}
			continue
		case kcVoiced, kcSemiVoiced:
			if !lastKana {
				return nil, false
			}
			table := kanaVoiced
			if class == kcSemiVoiced {
				table = kanaSemiVoiced
			}
			c, found := table[out[len(out)-1]]
			if !found {
				return nil, false
			}
			out[len(out)-1] = c
			continue
		case kcLongLike:
			// A dash only stands for ー right after a kana letter or ー.
			if len(out) == 0 || pendingSpace ||
				!(isKatakanaLetter(out[len(out)-1]) || out[len(out)-1] == 'ー') {
				return nil, false
			}
		}
		if pendingSpace {
			out = append(out, '\u3000')
			pendingSpace = false
		}
		out = append(out, k)
	}
	return out, true
}

// isKatakanaLetter reports whether r is a full-width katakana letter that a
// voicing mark or long vowel mark may follow.
func isKatakanaLetter(r rune) bool {
	return (r >= 'ァ' && r <= 'ヺ') || r == 'ヽ' || r == 'ヾ'
}

// NormalizeKana normalises a kana field (氏名カナ, 施設名カナ) to full-width
// katakana.
//
// Accepted: hiragana, full-width katakana, half-width katakana (ｶﾞ → ガ,
// ﾊﾟ → パ; also combining or spacing ゛゜ after a kana), the long vowel mark
// ー and ｰ, dashes and wave dashes (- − ‐ ― ～ …) right after a kana as ー,
// the middle dot ・ (also ･ and ·), and spaces of any width. Runs of spaces
// become one full-width space; leading and trailing spaces are dropped.
// Anything else (kanji, Latin letters, digits, punctuation) gives
// ErrKanaInvalid; more than KanaMaxLength characters gives ErrKanaTooLong.
// Empty (or only spaces) returns "" and nil.
func NormalizeKana(s string) (string, error) {
	if InvalidText(s) {
		return "", ErrControlCharacter
	}
	// Refuse absurd input before any work: KanaMaxLength kana of 3 bytes
	// each, with generous room for voicing marks and spaces.
	if len(s) > 4*3*KanaMaxLength {
		return "", ErrKanaTooLong
	}
	out, ok := normalizeKanaRunes(s)
	if !ok {
		return "", ErrKanaInvalid
	}
	if len(out) > KanaMaxLength {
		return "", ErrKanaTooLong
	}
	return string(out), nil
}

// kanaVuFold spells ヴ-syllables with the バ行, the common alternative spelling
// (ヴァイオリン / バイオリン), for search keys only.
var kanaVuFold = map[rune]rune{'ァ': 'バ', 'ィ': 'ビ', 'ェ': 'ベ', 'ォ': 'ボ'}

// KanaSearchKey turns kana input, also partial input typed for a prefix
// search, into a key to compare with the key of stored names. It returns ""
// if s is not kana (see NormalizeKana for what is accepted; there is no
// length limit here).
//
// Choices:
//   - hiragana, half-width and full-width input give the same key
//     (やまだ, ﾔﾏﾀﾞ, ヤマダ → ヤマダ);
//   - spaces and the middle dot ・ are removed (ヤマダ タロウ → ヤマダタロウ);
//   - voiced marks and small kana are kept: ガ ≠ カ, ッ ≠ ツ, ャ ≠ ヤ;
//   - ヴ is folded to the バ行, however it was typed (ヴ, ゔ, ｳﾞ, ウ゛):
//     ヴァ/ヷ → バ, ヴィ/ヸ → ビ, ヴ → ブ, ヴェ/ヹ → ベ, ヴォ/ヺ → ボ,
//     ヴュ → ビュ, so that ヴィクトリア and ビクトリア find each other. While
//     typing, the key of "ヴ" (ブ) is not a prefix of the key of "ヴィ"
//     (ビ); the next key stroke corrects it.
//   - the long vowel mark ー is kept.
func KanaSearchKey(s string) string {
	out, ok := normalizeKanaRunes(s)
	if !ok {
		return ""
	}
	compact := out[:0]
	for _, r := range out {
		if r != '\u3000' && r != '・' {
			compact = append(compact, r)
		}
	}
	key := make([]rune, 0, len(compact))
	for i := 0; i < len(compact); i++ {
		r := compact[i]
		switch r {
		case 'ヷ':
			r = 'バ'
		case 'ヸ':
			r = 'ビ'
		case 'ヹ':
			r = 'ベ'
		case 'ヺ':
			r = 'ボ'
		case 'ヴ':
			r = 'ブ'
			if i+1 < len(compact) {
				if f, found := kanaVuFold[compact[i+1]]; found {
					r = f
					i++
				} else if compact[i+1] == 'ュ' {
					r = 'ビ' // ヴュ → ビュ (レヴュー / レビュー)
				}
			}
		}
		key = append(key, r)
	}
	return string(key)
}

// IsHyphenLike reports whether r is a hyphen, dash, minus or long vowel
// mark that people type between digits (03ー1234ー5678).
func IsHyphenLike(r rune) bool {
	switch r {
	case '-', '－', '‐', '‑', '‒', '–', '—', '―', '−', 'ー', 'ｰ', '﹣':
		return true
	}
	return false
}

func isDigitAnyWidth(r rune) bool {
	return (r >= '0' && r <= '9') || (r >= '０' && r <= '９')
}

// NormalizeDigits converts full-width digits ０-９ to ASCII, and a hyphen,
// dash, minus or long vowel mark (－ ‐ ― − ー ｰ …) standing between two
// digits to an ASCII '-'. Everything else is left as it is; invalid UTF-8
// bytes are kept unchanged.
func NormalizeDigits(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool {
		return (r >= '０' && r <= '９') || (r != '-' && IsHyphenLike(r))
	}) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prevDigit := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteByte(s[i])
			i++
			prevDigit = false
			continue
		}
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune(r - '０' + '0')
			prevDigit = true
		case prevDigit && IsHyphenLike(r):
			next, _ := utf8.DecodeRuneInString(s[i+size:])
			if isDigitAnyWidth(next) {
				b.WriteByte('-')
			} else {
				b.WriteString(s[i : i+size])
			}
			prevDigit = false
		default:
			b.WriteString(s[i : i+size])
			prevDigit = r >= '0' && r <= '9'
		}
		i += size
	}
	return b.String()
}

// NormalizeWidth folds the full-width forms of ASCII (U+FF01–U+FF5E: Ａ-Ｚ,
// ａ-ｚ, ０-９, ＠, －, （ …) to ASCII and the ideographic space U+3000 to
// an ASCII space. It is NFKC restricted to the ASCII range: kana (also
// half-width kana) and everything else are left untouched. Invalid UTF-8
// bytes are kept unchanged.
func NormalizeWidth(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool {
		return (r >= 0xFF01 && r <= 0xFF5E) || r == '\u3000'
	}) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteByte(s[i])
		case r >= 0xFF01 && r <= 0xFF5E:
			b.WriteByte(byte(r - 0xFF01 + '!'))
		case r == '\u3000':
			b.WriteByte(' ')
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
