package jptext

// Calendar dates typed in Western (2025-11-25) or Japanese era (令和7年11月25日,
// R7.11.25) notation, and their 和暦 display.
//
// A date is a time.Time at midnight UTC of that calendar day: only its
// year, month and day mean anything. Dates are supported from 1873-01-01
// (明治6年1月1日), the day Japan adopted the Gregorian calendar; 明治 1–5
// counted days by the lunisolar calendar, so their day numbers do not map
// to Gregorian dates by arithmetic.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	// ErrDateFormat: the text is not a date in a supported notation.
	ErrDateFormat = errors.New("日付は YYYY-MM-DD または 和暦（例: 令和7年11月25日、R7.11.25）で入力してください")
	// ErrBirthDateFormat is ErrDateFormat's wording for 生年月日 fields,
	// returned by ParseBirthDate.
	ErrBirthDateFormat = errors.New("生年月日は YYYY-MM-DD または 和暦（例: 昭和45年4月1日、S45.4.1）で入力してください")
	// ErrDateNotExist: no such day (2月30日, 13月, 2023年2月29日).
	ErrDateNotExist = errors.New("その日付は存在しません")
	// ErrDateOutsideEra: the era did not include that day (昭和64年1月8日,
	// 平成31年5月1日). The error returned wraps it with a message naming the
	// era's span, e.g. 「昭和は元年12月25日から64年1月7日までです」.
	ErrDateOutsideEra = errors.New("その元号の期間外の日付です")
	// ErrDateTooEarly: before 1873-01-01 (明治6年1月1日).
	ErrDateTooEarly = errors.New("1873年（明治6年）1月1日より前の日付には対応していません")
	// ErrBirthDateFuture: a birth date after today (Japan time).
	ErrBirthDateFuture = errors.New("生年月日に未来の日付は入力できません")
)

// eraRangeError is the error for a day outside its era: it reads as the
// era's span and matches ErrDateOutsideEra with errors.Is.
type eraRangeError struct{ msg string }

func (e *eraRangeError) Error() string { return e.msg }
func (e *eraRangeError) Unwrap() error { return ErrDateOutsideEra }

type warekiEra struct {
	name   string // 令和
	letter byte   // R
	square rune   // ㋿
	first  warekiDate
	last   warekiDate // zero: still running
	span   string     // message for days outside
}

type warekiDate struct{ y, m, d int }

func (c warekiDate) before(o warekiDate) bool {
	if c.y != o.y {
		return c.y < o.y
	}
	if c.m != o.m {
		return c.m < o.m
	}
	return c.d < o.d
}

// warekiFirstSupported is 明治6年1月1日, see the file comment.
var warekiFirstSupported = warekiDate{1873, 1, 1}

// warekiEras, newest first. On the days an emperor died and the era changed the
// same day (1912-07-30, 1926-12-25) both era names are correct: 大正15年
// 12月25日 and 昭和元年12月25日 are the same day. 平成 and 令和 began the day
// after the previous era's last day.
var warekiEras = []warekiEra{
	{"令和", 'R', '㋿', warekiDate{2019, 5, 1}, warekiDate{}, "令和は元年5月1日からです"},
	{"平成", 'H', '㍻', warekiDate{1989, 1, 8}, warekiDate{2019, 4, 30}, "平成は元年1月8日から31年4月30日までです"},
	{"昭和", 'S', '㍼', warekiDate{1926, 12, 25}, warekiDate{1989, 1, 7}, "昭和は元年12月25日から64年1月7日までです"},
	{"大正", 'T', '㍽', warekiDate{1912, 7, 30}, warekiDate{1926, 12, 25}, "大正は元年7月30日から15年12月25日までです"},
	{"明治", 'M', '㍾', warekiDate{1868, 1, 25}, warekiDate{1912, 7, 30}, "明治は45年7月30日までです"},
}

// ParseDate parses a calendar date and returns midnight UTC of that day.
//
// Accepted, with full-width digits and letters and spaces anywhere:
//   - 2025-11-25, 2025/11/25, 2025.11.25, 2025年11月25日, 20251125 (month
//     and day may have one digit, except in the 8-digit form);
//   - 和暦 with the era's name, square sign or letter (M T S H R, either
//     case) and 元 for year 1: 昭和45年4月1日, 昭和45年04月01日, 平成元年1月8日,
//     S45.4.1, S45/4/1, s45-4-1, H1.1.8, ㍼45年4月1日.
//
// The separators must be 年 月 (日) or one of - / . used twice. The day
// must exist (ErrDateNotExist) and lie within the era (an error wrapping
// ErrDateOutsideEra), and not before 1873-01-01 (ErrDateTooEarly).
// Anything else is ErrDateFormat; control characters ErrControlCharacter.
// Empty input (or only spaces) returns the zero time and nil.
func ParseDate(s string) (time.Time, error) {
	if InvalidText(s) {
		return time.Time{}, ErrControlCharacter
	}
	if len(s) > 128 {
		return time.Time{}, ErrDateFormat
	}
	s = NormalizeWidth(NormalizeDigits(s))
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return time.Time{}, nil
	}
	p := warekiParser{s: s}
	e := p.era()
	var year int
	if e != nil {
		if p.take("元") {
			year = 1
		} else {
			n, digits := p.number(4)
			if digits == 0 {
				return time.Time{}, ErrDateFormat
			}
			year = n
		}
	} else {
		n, digits := p.number(8)
		switch {
		case digits == 8 && p.done():
			return warekiValidDate(warekiDate{n / 10000, n / 100 % 100, n % 100}, nil, 0)
		case digits != 4:
			return time.Time{}, ErrDateFormat
		}
		year = n
	}
	var sep string
	switch {
	case p.take("年"):
		sep = "月"
	case p.take("-"):
		sep = "-"
	case p.take("/"):
		sep = "/"
	case p.take("."):
		sep = "."
	default:
		return time.Time{}, ErrDateFormat
	}
	month, digits := p.number(2)
	if digits == 0 || !p.take(sep) {
		return time.Time{}, ErrDateFormat
	}
	day, digits := p.number(2)
	if digits == 0 {
		return time.Time{}, ErrDateFormat
	}
	if sep == "月" {
		p.take("日")
	}
	if !p.done() {
		return time.Time{}, ErrDateFormat
	}
	return warekiValidDate(warekiDate{year, month, day}, e, year)
}

// warekiValidDate checks a parsed date. For an era date, c.y is the era
// year and is converted here.
func warekiValidDate(c warekiDate, e *warekiEra, eraYear int) (time.Time, error) {
	if e != nil {
		if eraYear < 1 {
			return time.Time{}, &eraRangeError{e.span}
		}
		c.y = e.first.y + eraYear - 1
	}
	if c.m < 1 || c.m > 12 || c.d < 1 || c.d > warekiDaysIn(c.y, c.m) {
		return time.Time{}, ErrDateNotExist
	}
	if e != nil && (c.before(e.first) || (e.last != warekiDate{} && e.last.before(c))) {
		if c.before(warekiFirstSupported) {
			return time.Time{}, ErrDateTooEarly
		}
		return time.Time{}, &eraRangeError{e.span}
	}
	if c.before(warekiFirstSupported) {
		return time.Time{}, ErrDateTooEarly
	}
	return time.Date(c.y, time.Month(c.m), c.d, 0, 0, 0, 0, time.UTC), nil
}

func warekiDaysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

type warekiParser struct {
	s string
	i int
}

func (p *warekiParser) done() bool { return p.i == len(p.s) }

func (p *warekiParser) take(tok string) bool {
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

// number reads up to max ASCII digits; it reports how many it read, and
// fails (0 digits) if more follow.
func (p *warekiParser) number(max int) (n, digits int) {
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		if digits == max {
			return 0, 0
		}
		n = n*10 + int(p.s[p.i]-'0')
		digits++
		p.i++
	}
	return n, digits
}

// era reads an era name, square sign or letter, if there is one.
func (p *warekiParser) era() *warekiEra {
	rest := p.s[p.i:]
	for i := range warekiEras {
		e := &warekiEras[i]
		if strings.HasPrefix(rest, e.name) {
			p.i += len(e.name)
			return e
		}
		if r, size := utf8.DecodeRuneInString(rest); r == e.square {
			p.i += size
			return e
		}
		if len(rest) > 0 && (rest[0] == e.letter || rest[0] == e.letter+'a'-'A') {
			p.i++
			return e
		}
	}
	return nil
}

// warekiEraOf returns the era used to write day c (the newer one on a day that
// belongs to two), or nil before 明治6年.
func warekiEraOf(c warekiDate) *warekiEra {
	if c.before(warekiFirstSupported) {
		return nil
	}
	for i := range warekiEras {
		if !c.before(warekiEras[i].first) {
			return &warekiEras[i]
		}
	}
	return nil
}

// FormatWareki writes the calendar day of t (in t's own location; convert
// instants to Japan time first) in 和暦: 令和7年11月25日, 平成元年1月8日.
// Days before 1873-01-01 are written in the Western calendar, 1872年12月31日.
func FormatWareki(t time.Time) string {
	y, m, d := t.Date()
	e := warekiEraOf(warekiDate{y, int(m), d})
	if e == nil {
		return fmt.Sprintf("%d年%d月%d日", y, m, d)
	}
	ey := y - e.first.y + 1
	year := strconv.Itoa(ey)
	if ey == 1 {
		year = "元"
	}
	return fmt.Sprintf("%s%s年%d月%d日", e.name, year, m, d)
}

// FormatWarekiShort writes the calendar day of t as R7.11.25 (H1.1.8 for
// 平成元年). Days before 1873-01-01 are written as 1872-12-31.
func FormatWarekiShort(t time.Time) string {
	y, m, d := t.Date()
	e := warekiEraOf(warekiDate{y, int(m), d})
	if e == nil {
		return t.Format("2006-01-02")
	}
	return fmt.Sprintf("%c%d.%d.%d", e.letter, y-e.first.y+1, m, d)
}

// warekiJST is Japan Standard Time. Japan has had no daylight saving time since
// 1951, so a fixed zone gives today's date without the zone database.
var warekiJST = time.FixedZone("JST", 9*60*60)

// ParseBirthDate is ParseDate for 生年月日: format errors read
// ErrBirthDateFormat, and a day after today in Japan (now is the current
// instant) is ErrBirthDateFuture. Empty input returns the zero time and
// nil.
func ParseBirthDate(s string, now time.Time) (time.Time, error) {
	t, err := ParseDate(s)
	if errors.Is(err, ErrDateFormat) {
		return time.Time{}, ErrBirthDateFormat
	}
	if err != nil || t.IsZero() {
		return t, err
	}
	y, m, d := now.In(warekiJST).Date()
	if t.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
		return time.Time{}, ErrBirthDateFuture
	}
	return t, nil
}
