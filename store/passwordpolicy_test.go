package store

import (
	"errors"
	"hotline/store/jptext"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCommonPasswordList(t *testing.T) {
	if n := len(commonPasswords()); n < 5000 {
		t.Fatalf("only %d common passwords loaded", n)
	}
	for _, w := range []string{"password", "123456", "qwerty", "dragon", "tanaka", "satou", "sakura", "hotline"} {
		if _, ok := commonPasswords()[w]; !ok {
			t.Errorf("%q is not on the list", w)
		}
	}
	for w := range commonPasswords() {
		if strings.HasPrefix(w, "#") || w != strings.ToLower(w) || strings.TrimSpace(w) != w {
			t.Errorf("bad list entry %q", w)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		id, pw string
		err    error
	}{
		// accepted
		{"H123456", "tY7#kw9!Lm2q", nil},
		{"H123456", "correct horse battery staple", nil},
		{"H123456", "kumo-no-ue-de-odoru-neko", nil},
		{"H123456", "glacier7Pumpkin", nil},
		{"H123456", "さくらさくらやよいのそらは", nil}, // 13 runes of kana
		{"H123456", strings.Repeat("x", 50) + "7Qk" + strings.Repeat("z", 75), nil},
		{"", "Vq8mZr2pLx9w", nil},
		{"ab", "ab-Vq8mZr2pLx9w", nil}, // IDs shorter than 3 are not looked for
		{"H123456", "739201846153", nil},
		// length
		{"H123456", "", ErrPasswordLength},
		{"H123456", "tY7#kw9!Lm2", ErrPasswordLength},
		{"H123456", "あいうえおかきくけこさ", ErrPasswordLength}, // 11 runes, 33 bytes
		{"H123456", strings.Repeat("Vq8mZr2pLx9w", 10) + "Vq8mZr2pL", ErrPasswordLength},
		{"H123456", strings.Repeat("x", 1<<20), ErrPasswordLength},
		// ID
		{"H123456", "H123456abcdefg", ErrPasswordContainsID},
		{"H123456", "xyz-h123456-xyz", ErrPasswordContainsID},
		{"admin", "myAdminPassword", ErrPasswordContainsID},
		{"admin", "ADMINADMINADMIN", ErrPasswordContainsID},
		{" admin ", "xxADMINxx1234", ErrPasswordContainsID},
		// common
		{"H123456", "password1234", ErrPasswordCommon},
		{"H123456", "Password1234", ErrPasswordCommon},
		{"H123456", "PASSWORD2025!", ErrPasswordCommon},
		{"H123456", "P@ssw0rd2025", ErrPasswordCommon},
		{"H123456", "2025password", ErrPasswordCommon},
		{"H123456", "!!dragon!!1234", ErrPasswordCommon},
		{"H123456", "1qaz2wsx3edc", ErrPasswordCommon},
		{"H123456", "qwertyuiop123", ErrPasswordCommon},
		{"H123456", "tanaka19700401", ErrPasswordCommon},
		{"H123456", "Sakura-2024-04", ErrPasswordCommon},
		{"H123456", "hotline20251125", ErrPasswordCommon},
		{"H123456", "iloveyou1234", ErrPasswordCommon},
		{"H123456", "baseball12345", ErrPasswordCommon},
		// trivial
		{"H123456", "aaaaaaaaaaaa", ErrPasswordCommon},
		{"H123456", "AAAAAAAAAAAAAAAA", ErrPasswordCommon},
		{"H123456", "111111111111", ErrPasswordCommon},
		{"H123456", "123456789012", ErrPasswordCommon},
		{"H123456", "098765432109", ErrPasswordCommon},
		{"H123456", "abcdefghijkl", ErrPasswordCommon},
		{"H123456", "zyxwvutsrqpo", ErrPasswordCommon},
		{"H123456", "qwertyuiopas", ErrPasswordCommon},
		{"H123456", "abcabcabcabc", ErrPasswordCommon},
		{"H123456", "abcdabcdabcd", ErrPasswordCommon},
		{"H123456", "121212121212", ErrPasswordCommon},
		{"H123456", "monkeymonkeymonkey", ErrPasswordCommon},
		{"H123456", "abcdef123456", ErrPasswordCommon},
		{"H123456", "ああああああああああああ", ErrPasswordCommon},
		// control characters
		{"H123456", "tY7#kw9!Lm2q\n", jptext.ErrControlCharacter},
		{"H123456", "tY7#kw9!\x00Lm2q", jptext.ErrControlCharacter},
		{"H123456", "tY7#kw9!Lm2q\xff", jptext.ErrControlCharacter},
	}
	for _, tt := range tests {
		if err := CheckPassword(tt.id, tt.pw); !errors.Is(err, tt.err) {
			t.Errorf("CheckPassword(%q, %.60q) = %v, want %v", tt.id, tt.pw, err, tt.err)
		}
	}
}

func TestPasswordMessages(t *testing.T) {
	want := map[error]string{
		ErrPasswordLength:     "パスワードは12文字以上128文字以下で入力してください",
		ErrPasswordContainsID: "IDを含むパスワードは使用できません",
		ErrPasswordCommon:     "推測されやすいパスワードは使用できません",
		ErrAccessCodeFormat:   "アクセスコードはカードに印刷された XXXX-XXXX-XXXX の12文字を入力してください",
	}
	for err, msg := range want {
		if err.Error() != msg {
			t.Errorf("message %q, want %q", err.Error(), msg)
		}
	}
}

func TestNewInitialPassword(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 2000 {
		p := NewInitialPassword()
		if len(p) != InitialPasswordLength || p[4] != '-' || p[9] != '-' || p[14] != '-' {
			t.Fatalf("%q is not XXXX-XXXX-XXXX-XXXX", p)
		}
		if strings.ContainsAny(p, "0Oo1lIi") {
			t.Fatalf("%q has a look-alike character", p)
		}
		c := strings.ReplaceAll(p, "-", "")
		if !strings.ContainsAny(c, passwordUpper) || !strings.ContainsAny(c, passwordDigit) {
			t.Fatalf("%q lacks a kind of character", p)
		}
		for _, r := range c {
			if !strings.ContainsRune(accessCodeAlphabet, r) {
				t.Fatalf("%q has %q", p, r)
			}
			counts[r]++
		}
		if err := CheckPassword("H123456", p); err != nil {
			t.Fatalf("CheckPassword(%q) = %v", p, err)
		}
		if seen[p] {
			t.Fatalf("%q drawn twice", p)
		}
		seen[p] = true
	}
	// Every character of the alphabet turns up (32,000 draws of 32).
	if len(counts) != len(accessCodeAlphabet) {
		t.Errorf("only %d distinct characters used", len(counts))
	}
}

func TestNewAccessCode(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		c := NewAccessCode()
		if len(c) != 14 || c[4] != '-' || c[9] != '-' {
			t.Fatalf("%q is not XXXX-XXXX-XXXX", c)
		}
		for _, r := range strings.ReplaceAll(c, "-", "") {
			if !strings.ContainsRune(accessCodeAlphabet, r) {
				t.Fatalf("%q has %q", c, r)
			}
		}
		if strings.ContainsAny(c, "0O1I") {
			t.Fatalf("%q has a look-alike", c)
		}
		if got, err := NormalizeAccessCode(c); got != c || err != nil {
			t.Fatalf("NormalizeAccessCode(%q) = %q, %v", c, got, err)
		}
		if seen[c] {
			t.Fatalf("%q drawn twice", c)
		}
		seen[c] = true
	}
	if len(accessCodeAlphabet) != 32 {
		t.Errorf("access code alphabet has %d characters", len(accessCodeAlphabet))
	}
}

func TestNormalizeAccessCode(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"", "", nil},
		{" - ", "", nil},
		{"ABCD-EFGH-JKLM", "ABCD-EFGH-JKLM", nil},
		{"abcd-efgh-jklm", "ABCD-EFGH-JKLM", nil},
		{"ABCDEFGHJKLM", "ABCD-EFGH-JKLM", nil},
		{"abcd efgh jklm", "ABCD-EFGH-JKLM", nil},
		{"ＡＢＣＤ－ＥＦＧＨ－ＪＫＬＭ", "ABCD-EFGH-JKLM", nil},
		{"ａｂｃｄ　ｅｆｇｈ　ｊｋｌｍ", "ABCD-EFGH-JKLM", nil},
		{"2345ーWXYZーabcd", "2345-WXYZ-ABCD", nil},
		{" AB-CD-EF-GH-JK-LM ", "ABCD-EFGH-JKLM", nil},
		{"ABCD-EFGH-JKL", "", ErrAccessCodeFormat},
		{"ABCD-EFGH-JKLMN", "", ErrAccessCodeFormat},
		{"ABCD-EFGH-JKLO", "", ErrAccessCodeFormat}, // O is not in the alphabet
		{"ABCD-EFGH-JKL0", "", ErrAccessCodeFormat},
		{"ABCD-EFGH-JKL1", "", ErrAccessCodeFormat},
		{"ABCD-EFGH-JKLI", "", ErrAccessCodeFormat},
		{"ABCD_EFGH_JKLM", "", ErrAccessCodeFormat},
		{"ABCD-EFGH-JKLあ", "", ErrAccessCodeFormat},
		{strings.Repeat("A", 1000), "", ErrAccessCodeFormat},
		{"ABCD-EFGH-JKLM\n", "", jptext.ErrControlCharacter},
		{"\xff", "", jptext.ErrControlCharacter},
	}
	for _, tt := range tests {
		got, err := NormalizeAccessCode(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("NormalizeAccessCode(%.60q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func FuzzCheckPassword(f *testing.F) {
	for _, s := range [][2]string{
		{"H123456", "tY7#kw9!Lm2q"}, {"H123456", "password1234"}, {"admin", "xxADMINxx1234"},
		{"", "aaaaaaaaaaaa"}, {"H123456", "123456789012"}, {"H123456", "P@ssw0rd2025"},
		{"H123456", "さくらさくらやよいのそらは"}, {"\xff", "\xff"}, {"", ""}, {"İ", "İİİİİİİİİİİİ"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, id, pw string) {
		err := CheckPassword(id, pw)
		if err != CheckPassword(id, pw) {
			t.Fatalf("not deterministic")
		}
		switch err {
		case nil:
			if n := utf8.RuneCountInString(pw); n < PasswordMinLength || n > PasswordMaxLength || jptext.InvalidText(pw) {
				t.Fatalf("accepted %q", pw)
			}
			if lid := strings.ToLower(strings.TrimSpace(id)); utf8.RuneCountInString(lid) >= 3 &&
				strings.Contains(strings.ToLower(pw), lid) {
				t.Fatalf("accepted %q containing the ID %q", pw, id)
			}
			if CheckPassword("", pw) != nil {
				t.Fatalf("accepted %q with ID %q but not without", pw, id)
			}
		case jptext.ErrControlCharacter, ErrPasswordLength, ErrPasswordContainsID, ErrPasswordCommon:
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}

func FuzzNormalizeAccessCode(f *testing.F) {
	for _, s := range []string{"", "ABCD-EFGH-JKLM", "abcd efgh jklm", "ＡＢＣＤ－ＥＦＧＨ－ＪＫＬＭ", "ABCD-EFGH-JKLO", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeAccessCode(s)
		if err != nil {
			if got != "" {
				t.Fatalf("NormalizeAccessCode(%q): error %v with output %q", s, err, got)
			}
			return
		}
		if again, err := NormalizeAccessCode(got); err != nil || again != got {
			t.Fatalf("NormalizeAccessCode not idempotent: %q → %q → %q, %v", s, got, again, err)
		}
		if got == "" {
			return
		}
		if len(got) != 14 || got[4] != '-' || got[9] != '-' {
			t.Fatalf("NormalizeAccessCode(%q) = %q", s, got)
		}
	})
}
