package jptext

import (
	"testing"
	"time"
)

// The birth date as a pharmacist reads it off the form: the 和暦 printed
// there, or the Western date, in any width.
func TestBirthDateAsPrinted(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	want := time.Date(1970, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range []string{"1970-04-01", "１９７０－０４－０１", "1970/4/1", "19700401", "昭和45年4月1日", "昭和４５年　４月　１日", "S45.4.1", "Ｓ４５．４．１", "s45-4-1", "㍼45年4月1日", FormatWareki(want)} {
		got, err := ParseBirthDate(s, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v", s, got, err)
		}
	}
}
