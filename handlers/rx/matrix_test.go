package rx_test

import (
	"net/url"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/rx"
	"hotline/handlers/web"
	"hotline/store"
)

// TestRxAuthorizationMatrix runs every Web処方箋 route as each role over
// TLS with certificates required: the doctor (member) of the clinic that
// registered the patient, a nurse there (drafts, no issue, no cancel), a
// doctor of another clinic the patient is not linked to (404 for the
// patient's things), a pharmacist (403: pharmacies use /pharmacy), the
// operator (no facility: 403), a password-only session and a visitor.
func TestRxAuthorizationMatrix(t *testing.T) {
	env := newEnv(t, web.CertRequired)
	base := env.Listen(t)
	w := handlertest.NewWorld(t, env)
	db := env.DB
	if err := db.ImportSampleDrugs(); err != nil {
		t.Fatal(err)
	}
	if err := db.SetTestFacilityCode(w.Facility, "1310112345"); err != nil {
		t.Fatal(err)
	}
	nurse, _, err := db.CreateTestMember(store.TestMemberSpec{Name: "看護 花子", Password: w.MemberPW, FacilityOID: w.Facility, Qualification: store.QualNurse})
	if err != nil {
		t.Fatal(err)
	}
	ph, _, err := db.CreateTestMember(store.TestMemberSpec{Name: "薬剤 三郎", Password: w.MemberPW, FacilityKind: store.FacilityPharmacy, Qualification: store.QualPharmacist})
	if err != nil {
		t.Fatal(err)
	}
	pt, err := db.RegisterPatient(store.PRSActor{MemberID: w.Member.ID, FacilityOID: w.Facility}, store.PatientForm{Name: "行列 太郎", NameKana: "ギョウレツ タロウ", BirthDate: "1970-04-01", Sex: "male"})
	if err != nil {
		t.Fatal(err)
	}
	doctor := store.RxActor{MemberID: w.Member.ID}
	form := store.RxForm{PatientID: pt.ID, Lines: []store.RxLineForm{{DrugCode: "1149019F1560", Amount: "3", Usage: "1日3回毎食後", Days: "7"}}}
	mk := func(draft bool) string {
		t.Helper()
		var p store.Prescription
		var err error
		if draft {
			p, err = db.SaveRxDraft(doctor, form)
		} else {
			p, err = db.IssuePrescription(doctor, form)
		}
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	preset := func() string {
		t.Helper()
		p, err := db.SaveRxPreset(doctor, "行列", true, form.Lines)
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	fixtures := map[string]string{"patient": pt.ID, "rx": mk(false), "cancel": mk(false), "draft": mk(true),
		"preset": preset(), "preset2": preset()}

	const (
		anon, pending, member, other, operator = handlertest.Anon, handlertest.Pending, handlertest.Member, handlertest.Other, handlertest.Operator
		nurseRole, pharmacy                    = "nurse", "pharmacy"
	)
	row := func(nurseW, otherW, memberW int) handlertest.Row {
		return handlertest.Row{Want: map[string]int{anon: handlertest.Login, pending: 403, operator: 403, pharmacy: 403,
			nurseRole: nurseW, other: otherW, member: memberW}}
	}
	withForm := func(r handlertest.Row, path string, form url.Values, loc string) handlertest.Row {
		r.Path, r.Form, r.Loc = path, form, loc
		return r
	}
	lines := url.Values{"patient_id": {"{patient}"}, "lines[0][drug_code]": {"1149019F1560"}, "lines[0][amount]": {"3"},
		"lines[0][usage]": {"1日3回毎食後"}, "lines[0][days]": {"7"}}
	with := func(extra ...string) url.Values {
		v := url.Values{}
		for k, vs := range lines {
			v[k] = vs
		}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	m := handlertest.Matrix{
		"GET /rx":                      row(200, 200, 200),
		"POST /rx":                     withForm(row(403, 404, 303), "/rx", with("draft_id", "{draft}"), "/rx/{draft}?done=rx-issued"),
		"GET /rx/new":                  handlertest.With(row(200, 404, 200), "/rx/new?patient={patient}"),
		"GET /rx/new/line":             handlertest.With(row(200, 200, 200), "/rx/new/line?n=1"),
		"GET /rx/drugs":                handlertest.With(row(200, 200, 200), "/rx/drugs?n=0&q=%E3%83%AD%E3%82%AD%E3%82%BD"),
		"POST /rx/check":               withForm(row(200, 404, 200), "/rx/check", with(), ""),
		"GET /rx/presets":              row(200, 200, 200),
		"POST /rx/presets":             withForm(row(303, 303, 303), "/rx/presets", with("name", "新しい約束処方"), "/rx/presets?done=rx-preset-saved"),
		"GET /rx/presets/:pid/lines":   handlertest.With(row(200, 404, 200), "/rx/presets/{preset}/lines?n=0"),
		"POST /rx/presets/:pid/rename": withForm(row(403, 404, 303), "/rx/presets/{preset}/rename", url.Values{"name": {"改名"}, "shared": {"1"}}, "/rx/presets?done=rx-preset-renamed"),
		"POST /rx/presets/:pid/delete": withForm(row(403, 404, 303), "/rx/presets/{preset2}/delete", url.Values{}, "/rx/presets?done=rx-preset-deleted"),
		"GET /rx/:id.pdf":              handlertest.With(row(200, 404, 200), "/rx/{rx}.pdf"),
		"GET /rx/:id":                  handlertest.With(row(200, 404, 200), "/rx/{rx}"),
		"POST /rx/:id/cancel":          withForm(row(403, 404, 303), "/rx/{cancel}/cancel", url.Values{"reason": {"誤り"}}, "/rx/{cancel}?done=rx-cancelled"),
	}
	base5 := w.Roles(t, env, base)
	roles := []*handlertest.Role{base5[0], base5[1], base5[4], base5[3],
		env.Role(t, base, pharmacy, ph.ID, w.MemberPW, handlertest.IssueCert(t, db, ph.ID)),
		env.Role(t, base, nurseRole, nurse.ID, w.MemberPW, handlertest.IssueCert(t, db, nurse.ID)),
		base5[2]}
	handlertest.RunMatrix(t, roles, rx.New(db, nil).Routes(), m, fixtures)
}
