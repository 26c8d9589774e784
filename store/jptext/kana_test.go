package jptext

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHalfKanaTable(t *testing.T) {
	if got, want := len(halfKanaRunes), 0xFF9D-0xFF66+1; got != want {
		t.Fatalf("halfKana has %d runes, want %d", got, want)
	}
	for _, c := range []struct{ half, full rune }{
		{'ｦ', 'ヲ'}, {'ｧ', 'ァ'}, {'ｯ', 'ッ'}, {'ｰ', 'ー'}, {'ｱ', 'ア'},
		{'ｶ', 'カ'}, {'ﾄ', 'ト'}, {'ﾉ', 'ノ'}, {'ﾎ', 'ホ'}, {'ﾓ', 'モ'},
		{'ﾖ', 'ヨ'}, {'ﾛ', 'ロ'}, {'ﾜ', 'ワ'}, {'ﾝ', 'ン'},
	} {
		if got := halfKanaRunes[c.half-0xFF66]; got != c.full {
			t.Errorf("%c → %c, want %c", c.half, got, c.full)
		}
	}
}

func TestNormalizeKana(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"", "", nil},
		{"   ", "", nil},
		{"\u3000", "", nil},
		{"ヤマダ　タロウ", "ヤマダ　タロウ", nil},
		{"やまだ たろう", "ヤマダ　タロウ", nil},
		{"ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ　タロウ", nil},
		{"ｶﾞｷﾞｸﾞｹﾞｺﾞ", "ガギグゲゴ", nil},
		{"ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "パピプペポ", nil},
		{"ﾊﾞﾋﾞﾌﾞﾍﾞﾎﾞ", "バビブベボ", nil},
		{"ｳﾞｧｲｵﾘﾝ", "ヴァイオリン", nil},
		{"ゔぁいおりん", "ヴァイオリン", nil},
		{"ﾜﾞ", "ヷ", nil},
		{"ヷヸヹヺ", "ヷヸヹヺ", nil},
		// combining marks (NFD input, e.g. from macOS) and spacing marks
		{"カ\u3099タハ\u309a", "ガタパ", nil},
		{"タ\u309a", "", ErrKanaInvalid},
		{"か\u3099", "ガ", nil},
		{"カ゛ハ゜", "ガパ", nil},
		{"  ヤマダ   タロウ  ", "ヤマダ　タロウ", nil},
		{"ヤマダ\u3000\u3000 タロウ", "ヤマダ　タロウ", nil},
		{"ヤマダ\u00a0タロウ", "ヤマダ　タロウ", nil},
		{"ﾔﾏﾀﾞ　ﾀﾛｳ", "ヤマダ　タロウ", nil},
		{"ラーメン", "ラーメン", nil},
		{"ﾗｰﾒﾝ", "ラーメン", nil},
		{"ら-めん", "ラーメン", nil},
		{"ラ−メン", "ラーメン", nil},   // U+2212 minus
		{"ラ‐メン", "ラーメン", nil},   // U+2010 hyphen
		{"ラ―メン", "ラーメン", nil},   // U+2015 horizontal bar
		{"ラ－メン", "ラーメン", nil},   // U+FF0D
		{"ラ〜メン", "ラーメン", nil},   // wave dash
		{"ラーーメン", "ラーーメン", nil}, // kept as typed
		{"ラー-メン", "ラーーメン", nil},
		{"ジョン・スミス", "ジョン・スミス", nil},
		{"ｼﾞｮﾝ･ｽﾐｽ", "ジョン・スミス", nil},
		{"ジョン·スミス", "ジョン・スミス", nil}, // U+00B7
		{"ぁぃぅぇぉっゃゅょゎゕゖ", "ァィゥェォッャュョヮヵヶ", nil},
		{"ヵヶ", "ヵヶ", nil},
		{"ゝゞ", "ヽヾ", nil},
		{"ー", "ー", nil},
		// errors
		{"山田", "", ErrKanaInvalid},
		{"ヤマダ太郎", "", ErrKanaInvalid},
		{"Yamada", "", ErrKanaInvalid},
		{"ヤマダ1", "", ErrKanaInvalid},
		{"ヤマダ１", "", ErrKanaInvalid},
		{"ヤマダ。", "", ErrKanaInvalid},
		{"ﾔﾏﾀﾞ｡", "", ErrKanaInvalid},
		{"ﾞカ", "", ErrKanaInvalid},      // voiced mark with nothing before
		{"ア゛", "", ErrKanaInvalid},      // ア has no voiced form
		{"ガ゛", "", ErrKanaInvalid},      // already voiced
		{"カ ﾞ", "", ErrKanaInvalid},     // space between
		{"カﾟ", "", ErrKanaInvalid},      // カ has no handakuten form
		{"ー\u3099", "", ErrKanaInvalid}, // mark after ー
		{"-ヤマダ", "", ErrKanaInvalid},    // a dash only after kana
		{"ヤマダ -", "", ErrKanaInvalid},   // not after a space
		{"・-", "", ErrKanaInvalid},
		{"ヤマダ\tタロウ", "", ErrControlCharacter},
		{"ヤマダ\nタロウ", "", ErrControlCharacter},
		{"ヤマダ\x00", "", ErrControlCharacter},
		{"ヤマダ\u200bタロウ", "", ErrControlCharacter},
		{"ヤマダ\u202eタロウ", "", ErrControlCharacter},
		{"ヤマダ\u0085", "", ErrControlCharacter},
		{"ヤマダ\u2028", "", ErrControlCharacter},
		{"\xff\xfe", "", ErrControlCharacter},
		{"ヤ\xe3\x83", "", ErrControlCharacter},
		{strings.Repeat("ア", KanaMaxLength), strings.Repeat("ア", KanaMaxLength), nil},
		{strings.Repeat("ア", KanaMaxLength+1), "", ErrKanaTooLong},
		{strings.Repeat("ア", 1<<20), "", ErrKanaTooLong},
	}
	for _, tt := range tests {
		got, err := NormalizeKana(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("NormalizeKana(%q) = %q, %v; want %q, %v", shortForLog(tt.in), got, err, tt.want, tt.err)
		}
	}
}

func TestKanaMessages(t *testing.T) {
	want := map[error]string{
		ErrControlCharacter: "使用できない文字（制御文字や不正な文字コード）が含まれています",
		ErrKanaInvalid:      "カナ（カタカナまたはひらがな）で入力してください",
		ErrKanaTooLong:      "カナは100文字以内で入力してください",
	}
	for err, msg := range want {
		if err.Error() != msg {
			t.Errorf("message %q, want %q", err.Error(), msg)
		}
	}
}

func TestKanaSearchKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"ヤマダ　タロウ", "ヤマダタロウ"},
		{"やまだ", "ヤマダ"},
		{"ﾔﾏﾀﾞ", "ヤマダ"},
		{"ﾔﾏ", "ヤマ"},
		{"ﾔﾏﾀ", "ヤマタ"}, // partial: ﾀ before its ﾞ is typed
		{"やまだ た", "ヤマダタ"},
		{"ジョン・スミス", "ジョンスミス"},
		{"ガ", "ガ"}, // voiced marks kept
		{"カ", "カ"},
		{"キッテ", "キッテ"}, // small kana kept
		{"キャ", "キャ"},
		{"ヴァイオリン", "バイオリン"},
		{"ｳﾞｧｲｵﾘﾝ", "バイオリン"},
		{"ゔぁいおりん", "バイオリン"},
		{"ウ゛ァイオリン", "バイオリン"},
		{"ヷイオリン", "バイオリン"},
		{"ヴィクトリア", "ビクトリア"},
		{"ヸクトリア", "ビクトリア"},
		{"ヴ", "ブ"},
		{"ヴェ", "ベ"},
		{"ヴォ", "ボ"},
		{"ヴュ", "ビュ"},
		{"レヴュー", "レビュー"},
		{"ヴ ュ", "ビュ"},
		{"ラ-メン", "ラーメン"},
		{"山田", ""},
		{"ヤマダ1", ""},
		{"ﾞ", ""},
		{"ヤマダ\x00", ""},
		{"\xff", ""},
	}
	for _, tt := range tests {
		if got := KanaSearchKey(tt.in); got != tt.want {
			t.Errorf("KanaSearchKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Any spelling of the same name gives the same key.
	same := []string{"ヴィクトリア　ヤマダ", "ﾋﾞｸﾄﾘｱ ﾔﾏﾀﾞ", "びくとりあやまだ", "ゔぃくとりあ・やまだ"}
	for _, s := range same[1:] {
		if KanaSearchKey(s) != KanaSearchKey(same[0]) {
			t.Errorf("KanaSearchKey(%q) = %q, want %q", s, KanaSearchKey(s), KanaSearchKey(same[0]))
		}
	}
	// A long name still gives a key.
	if got := KanaSearchKey(strings.Repeat("ア", 500)); got != strings.Repeat("ア", 500) {
		t.Errorf("long input: got %d runes", utf8.RuneCountInString(got))
	}
}

func TestNormalizeDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"0123456789", "0123456789"},
		{"０１２３４５６７８９", "0123456789"},
		{"０３－１２３４－５６７８", "03-1234-5678"},
		{"03ー1234ー5678", "03-1234-5678"},
		{"03ｰ1234ｰ5678", "03-1234-5678"},
		{"03‐1234―5678", "03-1234-5678"},
		{"03−1234–5678", "03-1234-5678"},
		{"０３ー１２３４", "03-1234"},
		{"ラーメン", "ラーメン"}, // not between digits
		{"1ーメン", "1ーメン"}, // only one side
		{"メー1", "メー1"},
		{"1ーー2", "1ーー2"}, // two dashes: left alone
		{"１２３-４５６７", "123-4567"},
		{"Ａ１", "Ａ1"},           // letters are NormalizeWidth's business
		{"1\xff－2", "1\xff－2"}, // invalid bytes kept, break the run
	}
	for _, tt := range tests {
		if got := NormalizeDigits(tt.in); got != tt.want {
			t.Errorf("NormalizeDigits(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeWidth(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"ａｂｃＸＹＺ０１９", "abcXYZ019"},
		{"ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro@example.jp"},
		{"（０３）", "(03)"},
		{"！～", "!~"},
		{"a\u3000b", "a b"},
		{"ｶﾀｶﾅ", "ｶﾀｶﾅ"}, // half-width kana untouched
		{"カタカナ", "カタカナ"}, // kana untouched
		{"①", "①"},       // not NFKC outside ASCII
		{"ﬁ", "ﬁ"},
		{"\xffＡ", "\xffA"},
	}
	for _, tt := range tests {
		if got := NormalizeWidth(tt.in); got != tt.want {
			t.Errorf("NormalizeWidth(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// short shortens huge test inputs in messages.
func shortForLog(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func FuzzNormalizeKana(f *testing.F) {
	for _, s := range []string{
		"", "ヤマダ　タロウ", "やまだ たろう", "ﾔﾏﾀﾞ ﾀﾛｳ", "ｳﾞｧｲｵﾘﾝ", "カ\u3099", "ラ-メン",
		"ジョン・スミス", "山田", "ﾞ", "ヤマダ\x00", "\xff", "  ア  イ  ", "ヽヾゝゞ", "ー-ー",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeKana(s)
		if err != nil {
			if got != "" {
				t.Fatalf("error %v with output %q", err, got)
			}
			return
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 output %q", got)
		}
		if strings.HasPrefix(got, "\u3000") || strings.HasSuffix(got, "\u3000") ||
			strings.Contains(got, "\u3000\u3000") {
			t.Fatalf("spaces not collapsed: %q", got)
		}
		for _, r := range got {
			if !(isKatakanaLetter(r) || r == 'ー' || r == '・' || r == '\u3000') {
				t.Fatalf("output %q has %U", got, r)
			}
		}
		again, err := NormalizeKana(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, got, again, err)
		}
		if KanaSearchKey(got) != KanaSearchKey(s) {
			t.Fatalf("search key differs: %q vs %q", KanaSearchKey(got), KanaSearchKey(s))
		}
	})
}

func FuzzKanaSearchKey(f *testing.F) {
	for _, s := range []string{
		"", "ヤマダ", "ﾔﾏﾀﾞ", "やまだ た", "ヴィクトリア", "ヷヸヹヺ", "ウ゛ァ", "山田", "ﾞ", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key := KanaSearchKey(s)
		if !utf8.ValidString(key) {
			t.Fatalf("invalid UTF-8 key %q", key)
		}
		for _, r := range key {
			if !(isKatakanaLetter(r) || r == 'ー') || r == 'ヴ' || (r >= 'ヷ' && r <= 'ヺ') {
				t.Fatalf("key %q has %U", key, r)
			}
		}
		if again := KanaSearchKey(key); again != key {
			t.Fatalf("not idempotent: %q → %q → %q", s, key, again)
		}
	})
}

func FuzzNormalizeDigits(f *testing.F) {
	for _, s := range []string{"", "０３－１２３４", "1ーー2", "1\xff－2", "ラーメン", "１-ー２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := NormalizeDigits(s)
		if again := NormalizeDigits(got); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 output %q", got)
		}
		w := NormalizeWidth(s)
		if again := NormalizeWidth(w); again != w {
			t.Fatalf("NormalizeWidth not idempotent: %q → %q → %q", s, w, again)
		}
	})
}
