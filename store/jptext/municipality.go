package jptext

import "strings"

// Municipality is the 市区町村 of a Japanese address: what follows the
// prefecture up to the first 市, 区, 町 or 村 (東京都千代田区… → 千代田区,
// 神奈川県横浜市中区… → 横浜市, 三重県四日市市… → 四日市市, 北海道余市郡余市町…
// → 余市町). A 郡 is
// skipped to reach the town or village. "" when none is found.
func Municipality(address string) string {
	s := strings.TrimSpace(NormalizeWidth(address))
	for _, pref := range []string{"東京都", "北海道", "大阪府", "京都府"} {
		if strings.HasPrefix(s, pref) {
			s = s[len(pref):]
			goto rest
		}
	}
	if i := strings.Index(s, "県"); i > 0 && i <= len("和歌山県")-len("県") {
		s = s[i+len("県"):]
	}
rest:
	ends := "市区町村"
	if i := strings.Index(s, "郡"); i > 0 && i <= 4*3 && strings.ContainsAny(s[i:], "町村") {
		// In a 郡 only a town or village follows (余市郡余市町).
		s, ends = s[i+len("郡"):], "町村"
	}
	runes := []rune(s)
	for i, r := range runes {
		if i > 0 && strings.ContainsRune(ends, r) {
			if r == '市' && i+1 < len(runes) && runes[i+1] == '市' {
				i++ // 四日市市, 廿日市市
			}
			return string(runes[:i+1])
		}
		if i >= 10 {
			break
		}
	}
	return ""
}
