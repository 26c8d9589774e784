package prs_test

import (
	"fmt"
	"hotline/handlers/handlertest"
	"hotline/store"
	"testing"
)

// FuzzPatientPost sends arbitrary bodies to 新規登録 of PRS as a member
// with PRS unlocked: never a 5xx; a registered patient is stored valid;
// anything else (invalid, a likely duplicate) stores nothing.
func FuzzPatientPost(f *testing.F) {
	pe := newRegion(f)
	c := pe.Unlocked(f, pe.MA)
	actor := store.PRSActor{MemberID: pe.MA.ID, FacilityOID: pe.FA.OID}
	f.Add(uint8(0), []byte(handlertest.PatientValues().Encode()))
	f.Add(uint8(0), []byte(handlertest.PatientValues("name", "佐藤 花子", "name_kana", "さとう はなこ", "chart_number", "", "insurer_number", "",
		"insured_symbol", "", "insured_number", "", "insured_branch", "").Encode()))
	f.Add(uint8(0), []byte(handlertest.PatientValues("confirm_duplicate", "1").Encode()))
	f.Add(uint8(0), []byte(handlertest.PatientValues("birth_date", "令和99年1月1日", "insurer_number", "01130013").Encode()))
	f.Add(uint8(0), []byte("name=\xff&name_kana=%00&birth_date=&sex=other"))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n山田\r\n--b--\r\n"))
	f.Add(uint8(2), []byte(`{"name":"x","sex":"male"}`))
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		before := handlertest.DataDigest(t, pe.DB)
		status, location, ok := handlertest.FuzzPost(pe.Env, c, "/prs/patients", ct, body)
		if !ok {
			return
		}
		switch {
		case status >= 500:
			t.Fatalf("status %d for %q", status, body)
		case status == 303 && handlertest.PatientLocation.MatchString(location):
			rec, err := pe.DB.ViewPatient(actor, handlertest.PatientLocation.FindStringSubmatch(location)[1])
			if err != nil {
				t.Fatalf("registered patient not found: %v", err)
			}
			form := store.FormFromPatient(rec.Patient)
			again := form
			if err := again.Validate(); err != nil || again != form || rec.Patient.FacilityOID != pe.FA.OID {
				t.Fatalf("stored an invalid patient %+v from %q: %v %v", rec.Patient, body, err, store.ErrorFields(err))
			}
		case status != 422 && status != 413:
			t.Fatalf("status %d for %q", status, body)
		default:
			if after := handlertest.DataDigest(t, pe.DB); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("refused (%d) but the data changed: %q", status, body)
			}
		}
	})
}
