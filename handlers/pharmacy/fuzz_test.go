package pharmacy_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// FuzzLookup sends arbitrary bodies to the lookup as a pharmacy member:
// never a 5xx; a 303 only to the one prescription whose number and birth
// date were posted; anything else leaves the data (grants included) as it
// was. The throttle is lifted before every body so each gets its own
// answer.
func FuzzLookup(f *testing.F) {
	w := newWorld(f, web.CertOff)
	rx := w.issue(f, "")
	c := w.LoginAs(f, w.MC.ID, handlertest.MemberPassword)
	f.Add(uint8(0), []byte(url.Values{"number": {rx.Number}, "birth_date": {"1970-04-01"}}.Encode()))
	f.Add(uint8(0), []byte(url.Values{"number": {rx.DisplayNumber()}, "birth_date": {"S45.4.1"}}.Encode()))
	f.Add(uint8(0), []byte(url.Values{"number": {rx.Number}, "birth_date": {"1970-04-02"}}.Encode()))
	f.Add(uint8(0), []byte("number=%FF%FE&birth_date=%00"))
	f.Add(uint8(0), []byte("number="+strings.Repeat("9", 5000)+"&birth_date=R99.99.99"))
	f.Add(uint8(0), []byte("number[]=1&number=2&number=3&birth_date="))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"number\"\r\n\r\n1234\r\n--b--\r\n"))
	f.Add(uint8(2), []byte(`{"number":"1","birth_date":"1970-04-01"}`))
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		if err := w.DB.ClearAccountLoginLimits(w.MC.ID, "test", ""); err != nil {
			t.Fatal(err)
		}
		before := handlertest.DataDigest(t, w.DB)
		status, location, ok := handlertest.FuzzPost(w.Env, c, "/pharmacy/lookup", ct, body)
		if !ok {
			return
		}
		switch {
		case status >= 500:
			t.Fatalf("status %d for %q", status, body)
		case status == 303:
			if location != "/pharmacy/rx/"+rx.ID {
				t.Fatalf("303 to %q for %q", location, body)
			}
		case status != 422 && status != 404 && status != 413:
			t.Fatalf("status %d for %q", status, body)
		default:
			if after := handlertest.DataDigest(t, w.DB); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("refused (%d) but the data changed: %q", status, body)
			}
		}
	})
}

// FuzzDispense sends arbitrary bodies to the dispensing of a refill
// prescription (three uses; a new one once they are used up) the pharmacy
// looked up: never a 5xx; a 303
// stores exactly one dispensing whose lines are as written or an
// alternative of the master; anything else stores nothing.
func FuzzDispense(f *testing.F) {
	w := newWorld(f, web.CertOff)
	rx := w.issue(f, "3")
	w.lookedUp(f, w.MC, rx)
	c := w.LoginAs(f, w.MC.ID, handlertest.MemberPassword)
	today := store.JapanDate(w.DB.Now()).Format("2006-01-02")
	path := "/pharmacy/rx/" + rx.ID + "/dispense"
	f.Add(uint8(0), []byte(url.Values{"dispensed_on": {today}, "note": {"残薬なし"}}.Encode()))
	f.Add(uint8(0), []byte(url.Values{"dispensed_on": {today}, "lines[0][drug_code]": {"2171022F5180"}}.Encode()))
	f.Add(uint8(0), []byte(url.Values{"dispensed_on": {today}, "lines[1][drug_code]": {"2171022F5180"}}.Encode()))
	f.Add(uint8(0), []byte("dispensed_on=%FF&note=%00&lines[0][drug_code]=%E3%81"))
	f.Add(uint8(0), []byte("dispensed_on="+today+"&lines[99999999999999999999][drug_code]=x&lines[-1][drug_code]=y&lines[][drug_code]=z"))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"dispensed_on\"\r\n\r\n"+today+"\r\n--b--\r\n"))
	f.Add(uint8(2), []byte(`{"dispensed_on":"`+today+`"}`))
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		cur, err := w.DB.PrescriptionByNumber(rx.Number)
		if err != nil {
			t.Fatal(err)
		}
		if cur.NextUse() == 0 {
			// Every use dispensed: go on with a new one.
			rx = w.issue(t, "3")
			w.lookedUp(t, w.MC, rx)
			path = "/pharmacy/rx/" + rx.ID + "/dispense"
			cur = rx
		}
		before := handlertest.DataDigest(t, w.DB)
		status, _, ok := handlertest.FuzzPost(w.Env, c, path, ct, body)
		if !ok {
			return
		}
		after, err := w.DB.PrescriptionByNumber(rx.Number)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case status >= 500:
			t.Fatalf("status %d for %q", status, body)
		case status == 303:
			if len(after.Dispensings) != len(cur.Dispensings)+1 {
				t.Fatalf("303 with %d dispensings (was %d) for %q", len(after.Dispensings), len(cur.Dispensings), body)
			}
			d := after.Dispensings[len(after.Dispensings)-1]
			lines := after.Lines()
			if len(d.Lines) != len(lines) || d.Use != len(after.Dispensings) {
				t.Fatalf("dispensing %+v for %q", d, body)
			}
			for i, dl := range d.Lines {
				switch {
				case dl.AsWritten && dl.DrugCode == lines[i].DrugCode:
				case !dl.AsWritten && !lines[i].NoChange && dl.DrugCode == "2171022F5180" && lines[i].DrugCode == "2171022F5032":
				default:
					t.Fatalf("line %d dispensed as %+v for %q", i, dl, body)
				}
			}
		case status != 422 && status != 409 && status != 413:
			t.Fatalf("status %d for %q", status, body)
		default:
			if now := handlertest.DataDigest(t, w.DB); fmt.Sprint(now) != fmt.Sprint(before) {
				t.Fatalf("refused (%d) but the data changed: %q", status, body)
			}
		}
	})
}
