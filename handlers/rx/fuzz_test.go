package rx_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

var rxIssued = regexp.MustCompile(`^/rx/(RX[0-9]{10})\?done=rx-(issued|draft)$`)

// FuzzComposerPost sends arbitrary bodies to POST /rx as the clinic's
// doctor: never a 5xx; an issued prescription is stored with valid lines
// (a known drug, an amount above 0, days 1–365, never both columns);
// anything refused stores nothing.
func FuzzComposerPost(f *testing.F) {
	w := newWorld(f, newEnv(f, web.CertOff))
	a := store.RxActor{MemberID: w.MA.ID}
	f.Add(uint8(0), []byte(rxValues(w.Patient).Encode()))
	f.Add(uint8(0), []byte(rxValues(w.Patient, "draft", "1", "refill", "3").Encode()))
	f.Add(uint8(0), []byte(rxValues(w.Patient, "lines[0][no_change]", "1", "lines[0][patient_wish]", "1").Encode()))
	f.Add(uint8(0), []byte(rxValues(w.Patient, "lines[99][drug_code]", "2171022F5032", "lines[99][amount]", "1", "lines[99][usage]", "朝", "lines[99][days]", "1").Encode()))
	f.Add(uint8(0), []byte("patient_id="+w.Patient+"&lines[4294967296][amount]=1&lines[0][drug_code]=1149019F1560"))
	f.Add(uint8(0), []byte("patient_id="+w.Patient+"&lines[0][amount]=%ff%fe&lines[0][drug_code]=%00&lines[0]=x&lines[[0]]=1"))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"lines[0][amount]\"\r\n\r\n1\r\n--b--\r\n"))
	f.Add(uint8(2), []byte(`{"patient_id":"x","lines":[{"drug_code":"1149019F1560"}]}`))
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		before := handlertest.DataDigest(t, w.DB)
		status, location, ok := handlertest.FuzzPost(w.Env, w.A, "/rx", ct, body)
		if !ok {
			return
		}
		switch {
		case status >= 500:
			t.Fatalf("status %d for %q", status, body)
		case status == 303 && rxIssued.MatchString(location):
			p, err := w.DB.Prescription(a, rxIssued.FindStringSubmatch(location)[1])
			if err != nil {
				t.Fatalf("stored prescription not found: %v", err)
			}
			checkStored(t, w.DB, p, body)
		case status == 200 || status == 404 || status == 409 || status == 422 || status == 413:
			if after := handlertest.DataDigest(t, w.DB); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("refused (%d) but the data changed: %q", status, body)
			}
		default:
			t.Fatalf("status %d (%q) for %q", status, location, body)
		}
	})
}

func checkStored(t *testing.T, db *store.DB, p store.Prescription, body []byte) {
	t.Helper()
	if len(p.Groups) == 0 || len(p.Lines()) > store.RxMaxLines {
		t.Fatalf("stored %d lines from %q", len(p.Lines()), body)
	}
	for _, g := range p.Groups {
		if !g.Kind.Valid() || (g.Kind != store.RxExternal && (g.Days < 1 || g.Days > 365)) || g.Usage == "" {
			t.Fatalf("stored RP %+v from %q", g, body)
		}
		for _, l := range g.Lines {
			if !db.IsKnownDrugCode(l.DrugCode) || l.Amount == "" || l.Amount == "0" || strings.HasPrefix(l.Amount, "-") || (l.NoChange && l.PatientWish) {
				t.Fatalf("stored line %+v from %q", l, body)
			}
		}
	}
	if p.Refill != 0 && p.Refill != 2 && p.Refill != 3 {
		t.Fatalf("stored refill %d from %q", p.Refill, body)
	}
}

// TestComposerMalformed is the composer's malformed-request corpus: each
// body is refused with 422 (or shown again, 200, for the no-script line
// buttons) and stores nothing; none costs memory for the N it names.
func TestComposerMalformed(t *testing.T) {
	w := newWorld(t, newEnv(t, web.CertOff))
	p := w.Patient
	long := strings.Repeat("あ", 5000)
	many := url.Values{"patient_id": {p}}
	for i := 0; i <= 60; i++ {
		many.Set(fmt.Sprintf("lines[%d][drug_code]", i), "1149019F1560")
		many.Set(fmt.Sprintf("lines[%d][amount]", i), "1")
		many.Set(fmt.Sprintf("lines[%d][usage]", i), "朝")
		many.Set(fmt.Sprintf("lines[%d][days]", i), "1")
	}
	cases := []struct {
		name string
		body string
		want int
	}{
		{"huge index", "patient_id=" + p + "&lines[999999999999999999999][amount]=1", 422},
		{"index 100", "patient_id=" + p + "&lines[100][amount]=1", 422},
		{"leading zero", "patient_id=" + p + "&lines[01][amount]=1", 422},
		{"negative index", "patient_id=" + p + "&lines[-1][amount]=1", 422},
		{"no field bracket", "patient_id=" + p + "&lines[0]amount=1", 422},
		{"empty index", "patient_id=" + p + "&lines[][amount]=1", 422},
		{"nested", "patient_id=" + p + "&lines[0][amount][x]=1", 422},
		{"unknown field only", "patient_id=" + p + "&lines[0][price]=1", 422},
		{"invalid UTF-8", "patient_id=" + p + "&lines[0][drug_code]=1149019F1560&lines[0][amount]=1&lines[0][usage]=%ff%fe&lines[0][days]=1", 422},
		{"control character", "patient_id=" + p + "&lines[0][drug_code]=1149019F1560&lines[0][amount]=1&lines[0][usage]=a%00b&lines[0][days]=1", 422},
		{"long usage", "patient_id=" + p + "&lines[0][drug_code]=1149019F1560&lines[0][amount]=1&lines[0][usage]=" + url.QueryEscape(long) + "&lines[0][days]=1", 422},
		{"amount with exponent", "patient_id=" + p + "&lines[0][drug_code]=1149019F1560&lines[0][amount]=1e3&lines[0][usage]=a&lines[0][days]=1", 422},
		{"days overflow", "patient_id=" + p + "&lines[0][drug_code]=1149019F1560&lines[0][amount]=1&lines[0][usage]=a&lines[0][days]=99999999999999999999", 422},
		{"too many lines", many.Encode(), 422},
		{"no patient", "lines[0][drug_code]=1149019F1560&lines[0][amount]=1&lines[0][usage]=a&lines[0][days]=1", 404},
		{"bad patient", "patient_id=P0000&lines[0][drug_code]=1149019F1560&lines[0][amount]=1&lines[0][usage]=a&lines[0][days]=1", 404},
		{"refill 23", "patient_id=" + p + "&lines[0][drug_code]=1149019F1560&lines[0][amount]=1&lines[0][usage]=a&lines[0][days]=1&refill=23", 422},
		{"remove line junk", "patient_id=" + p + "&remove_line=abc", 200},
	}
	for _, c := range cases {
		before := handlertest.DataDigest(t, w.DB)
		res := w.A.Do("POST", "/rx", strings.NewReader(c.body+"&_csrf="+url.QueryEscape(w.A.CSRF)), "application/x-www-form-urlencoded")
		if res.Status != c.want {
			t.Errorf("%s: %d, want %d\n%s", c.name, res.Status, c.want, handlertest.Snippet(res.Body))
		}
		if after := handlertest.DataDigest(t, w.DB); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("%s: the data changed", c.name)
		}
	}
}
