package referral_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/store"
)

// FuzzReferralPost sends arbitrary bodies to the compose form as member A
// (whose facility has a record of the patient to attach):
// never a 5xx; a letter sent or saved is stored valid (its form passes
// validation again unchanged); anything refused (422, 404 for a patient of
// another facility, 409 for a missing link, 413) stores nothing.
func FuzzReferralPost(f *testing.F) {
	r := newRegion(f)
	rec := r.record(f, r.patient, "lab", "血液検査", "2026-03-01")
	f.Add(uint8(0), []byte(r.letterValues().Encode()))
	f.Add(uint8(0), []byte(withRecords(r.letterValues(), rec, strings.ToLower(rec)).Encode()))
	f.Add(uint8(0), []byte(withRecords(r.letterValues("draft", "1"), "R999999", "x\x00").Encode()))
	f.Add(uint8(0), []byte(r.letterValues("draft", "1", "purpose", "").Encode()))
	f.Add(uint8(0), []byte(r.letterValues("to_facility", r.FC.OID).Encode()))
	f.Add(uint8(0), []byte(r.letterValues("to_facility", "", "to_member", r.MB.ID, "history", "一\r\n二").Encode()))
	f.Add(uint8(0), []byte("patient_id=\xff&diagnosis=%00&to_member=h1"))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"diagnosis\"\r\n\r\n高血圧\r\n--b--\r\n"))
	f.Add(uint8(2), []byte(`{"patient_id":"x"}`))
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		before := handlertest.DataDigest(t, r.DB)
		status, location, ok := handlertest.FuzzPost(r.Env, r.a, "/referrals/new", ct, body)
		if !ok {
			return
		}
		switch {
		case status >= 500:
			t.Fatalf("status %d for %q", status, body)
		case status == 303 && letterLocation.MatchString(location):
			id := letterLocation.FindStringSubmatch(location)[1]
			got, err := r.DB.ReferralForCompose(r.actorA(), id)
			if err != nil {
				t.Fatalf("saved letter not found: %v", err)
			}
			form := store.FormFromReferral(got)
			if _, err := r.DB.SaveReferral(r.actorA(), "", form, nil, false); err != nil {
				t.Fatalf("stored a letter whose form is refused %+v from %q: %v %v", form, body, err, store.ErrorFields(err))
			}
		case status != 422 && status != 404 && status != 409 && status != 413:
			t.Fatalf("status %d for %q", status, body)
		default:
			if after := handlertest.DataDigest(t, r.DB); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("refused (%d) but the data changed: %q", status, body)
			}
		}
	})
}

var repliedLocation = regexp.MustCompile(`^/referrals/L[0-9]{6}\?done=referral-replied$`)

// FuzzReplyPost sends arbitrary bodies as the 返書 of a fresh letter each
// time: never a 5xx; a reply stored is valid; anything refused stores
// nothing.
func FuzzReplyPost(f *testing.F) {
	r := newRegion(f)
	f.Add(uint8(0), []byte(url.Values{"visited_on": {"2026-04-01"}, "body": {"本文"}}.Encode()))
	f.Add(uint8(0), []byte(url.Values{"visited_on": {"令和8年4月1日"}, "findings": {"所見\n二行"}}.Encode()))
	f.Add(uint8(0), []byte("visited_on=\xff&body=%00"))
	f.Add(uint8(0), []byte("visited_on=2999-01-01&plan=x"))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nx\r\n--b--\r\n"))
	// Letters are sent through the store: the clients belong to f.
	letter := func(t *testing.T) string {
		l, err := r.DB.SaveReferral(r.actorA(), "", store.ReferralForm{ToFacility: r.FB.OID, PatientID: r.patient, Diagnosis: "高血圧症", Purpose: "精査"}, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		return l.ID
	}
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		id := letter(t)
		before := handlertest.DataDigest(t, r.DB)
		status, location, ok := handlertest.FuzzPost(r.Env, r.b, "/referrals/"+id+"/reply", ct, body)
		if !ok {
			return
		}
		switch {
		case status >= 500:
			t.Fatalf("status %d for %q", status, body)
		case status == 303 && repliedLocation.MatchString(location):
			got, err := r.DB.ReferralForPrint(r.actorA(), id, true)
			if err != nil || got.Reply == nil || got.Status != store.ReferralReplied {
				t.Fatalf("reply not stored: %+v %v", got, err)
			}
			again := store.ReplyForm{VisitedOn: got.Reply.VisitedOnString(), Findings: got.Reply.Findings, Plan: got.Reply.Plan, Body: got.Reply.Body}
			other := letter(t)
			if _, err := r.DB.ReplyReferral(store.ReferralActor{MemberID: r.MB.ID, FacilityOID: r.FB.OID}, other, again); err != nil {
				t.Fatalf("stored a reply whose form is refused %+v: %v", again, err)
			}
		case status != 422 && status != 413:
			t.Fatalf("status %d for %q", status, body)
		default:
			if after := handlertest.DataDigest(t, r.DB); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("refused (%d) but the data changed: %q", status, body)
			}
		}
	})
}
