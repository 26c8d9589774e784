package jptext

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func civilDay(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		err  error
	}{
		{"", time.Time{}, nil},
		{"   ", time.Time{}, nil},
		{"\u3000", time.Time{}, nil},
		// Western
		{"2025-11-25", civilDay(2025, 11, 25), nil},
		{"2025/11/25", civilDay(2025, 11, 25), nil},
		{"2025.11.25", civilDay(2025, 11, 25), nil},
		{"2025-1-5", civilDay(2025, 1, 5), nil},
		{"2025年11月25日", civilDay(2025, 11, 25), nil},
		{"2025年1月5日", civilDay(2025, 1, 5), nil},
		{"2025年01月05日", civilDay(2025, 1, 5), nil},
		{"2025年1月5", civilDay(2025, 1, 5), nil},
		{"20251125", civilDay(2025, 11, 25), nil},
		{"２０２５－１１－２５", civilDay(2025, 11, 25), nil},
		{"２０２５／１１／２５", civilDay(2025, 11, 25), nil},
		{"２０２５年　１１月 ２５日", civilDay(2025, 11, 25), nil},
		{" 2025 - 11 - 25 ", civilDay(2025, 11, 25), nil},
		{"2025ー11ー25", civilDay(2025, 11, 25), nil},
		{"2024-02-29", civilDay(2024, 2, 29), nil},
		{"2000-02-29", civilDay(2000, 2, 29), nil},
		{"1873-01-01", civilDay(1873, 1, 1), nil},
		{"9999-12-31", civilDay(9999, 12, 31), nil},
		// 和暦
		{"昭和45年4月1日", civilDay(1970, 4, 1), nil},
		{"昭和45年04月01日", civilDay(1970, 4, 1), nil},
		{"昭和４５年４月１日", civilDay(1970, 4, 1), nil},
		{"昭和 45 年 4 月 1 日", civilDay(1970, 4, 1), nil},
		{"S45.4.1", civilDay(1970, 4, 1), nil},
		{"S45/4/1", civilDay(1970, 4, 1), nil},
		{"S45-4-1", civilDay(1970, 4, 1), nil},
		{"s45.4.1", civilDay(1970, 4, 1), nil},
		{"Ｓ４５．４．１", civilDay(1970, 4, 1), nil},
		{"S45年4月1日", civilDay(1970, 4, 1), nil},
		{"昭和45.4.1", civilDay(1970, 4, 1), nil},
		{"㍼45年4月1日", civilDay(1970, 4, 1), nil},
		{"H1.1.8", civilDay(1989, 1, 8), nil},
		{"h01.01.08", civilDay(1989, 1, 8), nil},
		{"平成元年1月8日", civilDay(1989, 1, 8), nil},
		{"H元.1.8", civilDay(1989, 1, 8), nil},
		{"㍻31年4月30日", civilDay(2019, 4, 30), nil},
		{"令和7年11月25日", civilDay(2025, 11, 25), nil},
		{"R7.11.25", civilDay(2025, 11, 25), nil},
		{"r7/11/25", civilDay(2025, 11, 25), nil},
		{"㋿7年11月25日", civilDay(2025, 11, 25), nil},
		{"令和元年5月1日", civilDay(2019, 5, 1), nil},
		{"大正15年12月25日", civilDay(1926, 12, 25), nil},
		{"昭和元年12月25日", civilDay(1926, 12, 25), nil},
		{"T15.12.25", civilDay(1926, 12, 25), nil},
		{"大正元年7月30日", civilDay(1912, 7, 30), nil},
		{"明治45年7月30日", civilDay(1912, 7, 30), nil},
		{"M45.7.29", civilDay(1912, 7, 29), nil},
		{"明治6年1月1日", civilDay(1873, 1, 1), nil},
		{"昭和64年1月7日", civilDay(1989, 1, 7), nil},
		{"平成31年4月30日", civilDay(2019, 4, 30), nil},
		{"令和100年1月1日", civilDay(2118, 1, 1), nil},
		// era boundaries
		{"昭和64年1月8日", time.Time{}, ErrDateOutsideEra},
		{"平成元年1月7日", time.Time{}, ErrDateOutsideEra},
		{"平成31年5月1日", time.Time{}, ErrDateOutsideEra},
		{"令和元年4月30日", time.Time{}, ErrDateOutsideEra},
		{"大正15年12月26日", time.Time{}, ErrDateOutsideEra},
		{"昭和元年12月24日", time.Time{}, ErrDateOutsideEra},
		{"大正元年7月29日", time.Time{}, ErrDateOutsideEra},
		{"明治45年7月31日", time.Time{}, ErrDateOutsideEra},
		{"昭和65年1月1日", time.Time{}, ErrDateOutsideEra},
		{"昭和0年1月1日", time.Time{}, ErrDateOutsideEra},
		{"H32.1.1", time.Time{}, ErrDateOutsideEra},
		// days that do not exist
		{"2023-02-29", time.Time{}, ErrDateNotExist},
		{"1900-02-29", time.Time{}, ErrDateNotExist},
		{"2025-04-31", time.Time{}, ErrDateNotExist},
		{"2025-13-01", time.Time{}, ErrDateNotExist},
		{"2025-00-10", time.Time{}, ErrDateNotExist},
		{"2025-01-00", time.Time{}, ErrDateNotExist},
		{"2025-01-32", time.Time{}, ErrDateNotExist},
		{"20251301", time.Time{}, ErrDateNotExist},
		{"平成31年2月29日", time.Time{}, ErrDateNotExist},
		{"昭和64年2月30日", time.Time{}, ErrDateNotExist},
		// too early
		{"1872-12-31", time.Time{}, ErrDateTooEarly},
		{"0001-01-01", time.Time{}, ErrDateTooEarly},
		{"00000101", time.Time{}, ErrDateTooEarly},
		{"明治5年12月2日", time.Time{}, ErrDateTooEarly},
		{"明治元年1月1日", time.Time{}, ErrDateTooEarly},
		// not a date
		{"2025-11", time.Time{}, ErrDateFormat},
		{"2025/11-25", time.Time{}, ErrDateFormat},
		{"2025年11-25", time.Time{}, ErrDateFormat},
		{"2025-11-25日", time.Time{}, ErrDateFormat},
		{"25-11-25", time.Time{}, ErrDateFormat},
		{"12025-11-25", time.Time{}, ErrDateFormat},
		{"2025-011-25", time.Time{}, ErrDateFormat},
		{"2025-11-250", time.Time{}, ErrDateFormat},
		{"2025111", time.Time{}, ErrDateFormat},
		{"202511250", time.Time{}, ErrDateFormat},
		{"45.4.1", time.Time{}, ErrDateFormat},
		{"X45.4.1", time.Time{}, ErrDateFormat},
		{"昭和", time.Time{}, ErrDateFormat},
		{"S", time.Time{}, ErrDateFormat},
		{"S1970.1.1", time.Time{}, ErrDateOutsideEra},
		{"S19700.1.1", time.Time{}, ErrDateFormat},
		{"元年1月1日", time.Time{}, ErrDateFormat},
		{"2025-11-25T00:00:00Z", time.Time{}, ErrDateFormat},
		{"昭和四十五年四月一日", time.Time{}, ErrDateFormat},
		{"令和7年11月25日生", time.Time{}, ErrDateFormat},
		{strings.Repeat("2", 100), time.Time{}, ErrDateFormat},
		{"2025-11-25\x00", time.Time{}, ErrControlCharacter},
		{"2025-11-25\n", time.Time{}, ErrControlCharacter},
		{"\xff", time.Time{}, ErrControlCharacter},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if !got.Equal(tt.want) || !errors.Is(err, tt.err) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v, %v", shortForLog(tt.in), got, err, tt.want, tt.err)
		}
		if err == nil && !got.IsZero() && got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) not in UTC", tt.in)
		}
	}
}

func TestParseDateMessages(t *testing.T) {
	want := map[error]string{
		ErrDateFormat:      "日付は YYYY-MM-DD または 和暦（例: 令和7年11月25日、R7.11.25）で入力してください",
		ErrBirthDateFormat: "生年月日は YYYY-MM-DD または 和暦（例: 昭和45年4月1日、S45.4.1）で入力してください",
		ErrDateNotExist:    "その日付は存在しません",
		ErrDateOutsideEra:  "その元号の期間外の日付です",
		ErrDateTooEarly:    "1873年（明治6年）1月1日より前の日付には対応していません",
		ErrBirthDateFuture: "生年月日に未来の日付は入力できません",
	}
	for err, msg := range want {
		if err.Error() != msg {
			t.Errorf("message %q, want %q", err.Error(), msg)
		}
	}
	// Outside an era, the message names the era's span.
	spans := map[string]string{
		"昭和64年1月8日":   "昭和は元年12月25日から64年1月7日までです",
		"平成31年5月1日":   "平成は元年1月8日から31年4月30日までです",
		"令和元年4月30日":   "令和は元年5月1日からです",
		"大正15年12月26日": "大正は元年7月30日から15年12月25日までです",
		"明治45年8月1日":   "明治は45年7月30日までです",
		"S0.1.1":      "昭和は元年12月25日から64年1月7日までです",
	}
	for in, msg := range spans {
		_, err := ParseDate(in)
		if err == nil || err.Error() != msg || !errors.Is(err, ErrDateOutsideEra) {
			t.Errorf("ParseDate(%q) error %v, want %q", in, err, msg)
		}
	}
}

func TestFormatWareki(t *testing.T) {
	tests := []struct {
		t          time.Time
		long, shrt string
	}{
		{civilDay(2025, 11, 25), "令和7年11月25日", "R7.11.25"},
		{civilDay(2019, 5, 1), "令和元年5月1日", "R1.5.1"},
		{civilDay(2019, 4, 30), "平成31年4月30日", "H31.4.30"},
		{civilDay(1989, 1, 8), "平成元年1月8日", "H1.1.8"},
		{civilDay(1989, 1, 7), "昭和64年1月7日", "S64.1.7"},
		{civilDay(1970, 4, 1), "昭和45年4月1日", "S45.4.1"},
		{civilDay(1926, 12, 25), "昭和元年12月25日", "S1.12.25"}, // also 大正15年: the new era wins
		{civilDay(1926, 12, 24), "大正15年12月24日", "T15.12.24"},
		{civilDay(1912, 7, 30), "大正元年7月30日", "T1.7.30"},
		{civilDay(1912, 7, 29), "明治45年7月29日", "M45.7.29"},
		{civilDay(1873, 1, 1), "明治6年1月1日", "M6.1.1"},
		{civilDay(1872, 12, 31), "1872年12月31日", "1872-12-31"},
		{time.Date(2025, 11, 25, 23, 59, 0, 0, warekiJST), "令和7年11月25日", "R7.11.25"}, // t's own calendar day
	}
	for _, tt := range tests {
		if got := FormatWareki(tt.t); got != tt.long {
			t.Errorf("FormatWareki(%v) = %q, want %q", tt.t, got, tt.long)
		}
		if got := FormatWarekiShort(tt.t); got != tt.shrt {
			t.Errorf("FormatWarekiShort(%v) = %q, want %q", tt.t, got, tt.shrt)
		}
	}
}

func TestParseBirthDate(t *testing.T) {
	// 2025-11-25 00:30 in Japan is still the 24th in UTC.
	now := time.Date(2025, 11, 24, 15, 30, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		err  error
	}{
		{"", time.Time{}, nil},
		{"S45.4.1", civilDay(1970, 4, 1), nil},
		{"2025-11-25", civilDay(2025, 11, 25), nil}, // today in Japan
		{"令和7年11月26日", time.Time{}, ErrBirthDateFuture},
		{"2026-01-01", time.Time{}, ErrBirthDateFuture},
		{"昭和45年", time.Time{}, ErrBirthDateFormat},
		{"1970-02-30", time.Time{}, ErrDateNotExist},
		{"昭和64年1月8日", time.Time{}, ErrDateOutsideEra},
		{"1800-01-01", time.Time{}, ErrDateTooEarly},
		{"1970-01-01\x00", time.Time{}, ErrControlCharacter},
	}
	for _, tt := range tests {
		got, err := ParseBirthDate(tt.in, now)
		if !got.Equal(tt.want) || !errors.Is(err, tt.err) {
			t.Errorf("ParseBirthDate(%q) = %v, %v; want %v, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"", "2025-11-25", "2025/11/25", "2025年11月25日", "20251125", "昭和45年4月1日", "S45.4.1",
		"s45/4/1", "H1.1.8", "平成元年1月8日", "令和7年11月25日", "R7.11.25", "大正15年12月25日",
		"昭和64年1月8日", "２０２５－１１－２５", "㍼45年4月1日", "明治6年1月1日", "2023-02-29",
		"S", "昭和", "\xff", "2025-11-25\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDate(s)
		if err != nil {
			if !got.IsZero() {
				t.Fatalf("error %v with time %v", err, got)
			}
			return
		}
		if got.IsZero() {
			return
		}
		if got.Location() != time.UTC || got.Hour() != 0 || got.Minute() != 0 || got.Second() != 0 || got.Nanosecond() != 0 {
			t.Fatalf("ParseDate(%q) = %v, not midnight UTC", s, got)
		}
		if got.Before(civilDay(1873, 1, 1)) {
			t.Fatalf("ParseDate(%q) = %v, before 1873", s, got)
		}
		for _, text := range []string{got.Format("2006-01-02"), FormatWareki(got), FormatWarekiShort(got)} {
			again, err := ParseDate(text)
			if err != nil || !again.Equal(got) {
				t.Fatalf("ParseDate(%q) = %v; its form %q parses to %v, %v", s, got, text, again, err)
			}
		}
	})
}
