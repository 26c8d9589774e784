package pdf

import (
	"strings"
)

// WrapText breaks s into lines no wider than width millimetres when set in
// the documents' font (IPAex Gothic) at size points, the way Japanese text
// is broken: between any two characters, except that
//
//   - no line starts with closing brackets, 、。, small kana, ー and other
//     characters that may not begin a line (行頭禁則), and no line ends with
//     an opening bracket (行末禁則): such characters are carried over to the
//     next line together with their neighbour;
//   - a run of ASCII letters, digits and symbols (a word, an e-mail address,
//     a number) is kept on one line when it fits on a line of its own, and
//     is broken between characters only when it does not;
//   - '\n' (or "\r\n") always ends a line; blank lines are kept as "";
//   - ASCII spaces where a line is broken are dropped.
//
// Characters the font cannot show are replaced by 〓, tabs by spaces, and
// other control characters are removed, so the lines are exactly what the
// documents print. An empty s gives one empty line.
func WrapText(s string, size, width float64) []string {
	fi, err := ipaex()
	if err != nil || size <= 0 {
		return fallbackWrap(s, size, width)
	}
	maxEm := width / (size * ptToMM)
	return wrapEm(fi.sanitize(s), maxEm, fi.em)
}

// fallbackWrap is used only if the embedded font could not be parsed (no
// document can be rendered then): it estimates full-width characters as
// 1 em and ASCII as ½ em.
func fallbackWrap(s string, size, width float64) []string {
	maxEm := 0.0
	if size > 0 {
		maxEm = width / (size * ptToMM)
	}
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return wrapEm(s, maxEm, func(r rune) float64 {
		if r < 0x80 {
			return 0.5
		}
		return 1
	})
}

// unit is what the wrapper places on a line: one character, one ASCII space
// or one ASCII word.
type unit struct {
	runes []rune
	w     float64 // ems
	space bool
	word  bool
}

func wrapEm(s string, maxEm float64, em func(rune) float64) []string {
	var lines []string
	for para := range strings.SplitSeq(s, "\n") {
		lines = append(lines, wrapParagraph([]rune(para), maxEm, em)...)
	}
	return lines
}

func isWordRune(r rune) bool { return r > ' ' && r < 0x7F }

func wrapParagraph(rs []rune, maxEm float64, em func(rune) float64) []string {
	if len(rs) == 0 {
		return []string{""}
	}
	units := make([]unit, 0, len(rs))
	for i := 0; i < len(rs); {
		switch r := rs[i]; {
		case r == ' ':
			units = append(units, unit{runes: rs[i : i+1], w: em(r), space: true})
			i++
		case isWordRune(r):
			j := i
			w := 0.0
			for j < len(rs) && isWordRune(rs[j]) {
				w += em(rs[j])
				j++
			}
			units = append(units, unit{runes: rs[i:j], w: w, word: j-i > 1})
			i = j
		default:
			units = append(units, unit{runes: rs[i : i+1], w: em(r)})
			i++
		}
	}

	const eps = 1e-9
	var lines []string
	emit := func(us []unit) {
		var b strings.Builder
		for _, u := range us {
			b.WriteString(string(u.runes))
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
	}
	breakable := func(before, after unit) bool {
		return !noLineEnd(before.runes[len(before.runes)-1]) && !noLineStart(after.runes[0])
	}

	start, w := 0, 0.0
	for i := 0; i < len(units); {
		u := units[i]
		// A line carried over from a break does not start with a space.
		if i == start && u.space && len(lines) > 0 {
			i++
			start = i
			continue
		}
		if w+u.w <= maxEm+eps {
			w += u.w
			i++
			continue
		}
		switch {
		case u.space && i == start:
			i++
			start = i
		case u.space:
			// Break at the space; it is not printed.
			emit(units[start:i])
			i++
			start, w = i, 0
		case u.word && u.w > maxEm+eps:
			// A word longer than a whole line: break it between characters.
			chars := make([]unit, len(u.runes))
			for k, r := range u.runes {
				chars[k] = unit{runes: u.runes[k : k+1], w: em(r)}
			}
			units = append(units[:i], append(chars, units[i+1:]...)...)
		case i == start:
			// Not even one unit fits: it gets a line of its own.
			emit(units[i : i+1])
			i++
			start, w = i, 0
		default:
			// Break before unit i, or earlier so that kinsoku holds.
			j := i
			for j > start+1 && !breakable(units[j-1], units[j]) {
				j--
			}
			if !breakable(units[j-1], units[j]) {
				j = i // impossible on so narrow a line: break where it overflows
			}
			emit(units[start:j])
			start = j
			for start < i && units[start].space {
				start++
			}
			w = 0
			for _, v := range units[start:i] {
				w += v.w
			}
		}
	}
	if start < len(units) || len(lines) == 0 {
		emit(units[start:])
	}
	return lines
}

// noLineStart reports whether r may not begin a line (行頭禁則).
func noLineStart(r rune) bool {
	return strings.ContainsRune(
		"、。，．・：；？！‼⁇⁈⁉゛゜ヽヾゝゞ々〻ー―‐゠–〜～"+
			"）］｝〕〉》」』】〙〗〟’”｠»"+
			"ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"+
			"｡｣､･ｰｧｨｩｪｫｬｭｮｯ％‰℃°′″"+
			")]},.!?:;%", r)
}

// noLineEnd reports whether r may not end a line (行末禁則).
func noLineEnd(r rune) bool {
	return strings.ContainsRune("（［｛〔〈《「『【〘〖〝‘“｟«｢([{＄￥＃", r)
}
