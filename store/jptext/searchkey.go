package jptext

import "strings"

// TextSearchKey folds a name that mixes kana, kanji, letters and digits (a
// drug's 品名 or 成分名), or what someone typed to find it, into the key
// searches compare:
//
//   - kana (hiragana, katakana, half-width katakana, voicing marks typed
//     apart) become full-width katakana, as KanaSearchKey makes them:
//     ろきそ, ﾛｷｿ and ロキソ all give ロキソ, ｶﾞ and か゛ give ガ, ヴ is
//     folded to the バ行; a dash right after kana is the long vowel mark ー;
//   - everything else is NormalizeWidth'ed (６０ｍｇ → 60mg) and ASCII
//     letters lower-cased (60MG → 60mg), µ (micro sign) read as μ;
//   - spaces of any width, the middle dot ・ and commas (２０，０００単位)
//     are dropped.
//
// Kanji stay as they are. Text with control characters gives "". The key
// of a key is itself.
func TextSearchKey(s string) string {
	if InvalidText(s) {
		return ""
	}
	out := make([]rune, 0, len(s))
	afterKana := func() bool {
		return len(out) > 0 && (isKatakanaLetter(out[len(out)-1]) || out[len(out)-1] == 'ー')
	}
	for _, r := range s {
		k, class := classifyKana(r)
		switch class {
		case kcKana, kcLong:
			out = append(out, k)
		case kcVoiced, kcSemiVoiced:
			table := kanaVoiced
			if class == kcSemiVoiced {
				table = kanaSemiVoiced
			}
			if v, ok := table[lastRuneOf(out)]; ok {
				out[len(out)-1] = v
			} else {
				out = append(out, r) // nothing to voice: kept as typed
			}
		case kcLongLike:
			if afterKana() {
				out = append(out, 'ー')
			} else {
				out = appendFolded(out, r)
			}
		case kcDot, kcSpace:
		default:
			out = appendFolded(out, r)
		}
	}
	// Runs of katakana get KanaSearchKey's folding (ヴァ → バ …).
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(out); {
		j := i
		for j < len(out) && (isKatakanaLetter(out[j]) || out[j] == 'ー') {
			j++
		}
		if j > i {
			b.WriteString(KanaSearchKey(string(out[i:j])))
			i = j
			continue
		}
		b.WriteRune(out[i])
		i++
	}
	return b.String()
}

func lastRuneOf(rs []rune) rune {
	if len(rs) == 0 {
		return 0
	}
	return rs[len(rs)-1]
}

// appendFolded appends the key of a rune that is not kana.
func appendFolded(out []rune, r rune) []rune {
	for _, c := range NormalizeWidth(string(r)) {
		switch {
		case c == ' ' || c == '\u00a0' || c == ',' || c == '・' || c == '･':
		case c >= 'A' && c <= 'Z':
			out = append(out, c+'a'-'A')
		case c == 'µ':
			out = append(out, 'μ')
		default:
			out = append(out, c)
		}
	}
	return out
}
