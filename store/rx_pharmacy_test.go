package store

import (
	"strings"
	"testing"
	"time"
)

// pharmacyFixture: rxFixture's clinic, patient and pharmacy, with a second
// pharmacy and one prescription issued (a 先発品 with generics, a line
// marked 変更不可).
type pharmacyFixture struct {
	*rxFixture
	ph, other PharmacyActor
	rx        Prescription
}

func newPharmacyFixture(t testing.TB, refill string) *pharmacyFixture {
	t.Helper()
	f := newRxFixture(t)
	ph, _, err := f.db.PharmacyMember(f.pharmacist.MemberID, "192.0.2.4")
	if err != nil {
		t.Fatal(err)
	}
	m2, _, err := f.db.CreateTestMember(TestMemberSpec{Name: "薬剤 四郎", Password: "member-Pass-2345", FacilityKind: FacilityPharmacy, FacilityName: "にしき薬局", Qualification: QualPharmacist})
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := f.db.PharmacyMember(m2.ID, "192.0.2.5")
	if err != nil {
		t.Fatal(err)
	}
	form := f.form(rxLine("2171022F5032", "1", "1日1回朝食後", "28"), rxLine("1149019F1560", "3", "1日3回毎食後", "7"))
	form.Lines[1].NoChange = true
	form.Refill = refill
	rx := mustIssue(t, f.db, f.doctorA, form)
	return &pharmacyFixture{rxFixture: f, ph: ph, other: other, rx: rx}
}

func (f *pharmacyFixture) lookUp(t testing.TB, a PharmacyActor) {
	t.Helper()
	id, err := f.db.LookupPrescription(a, FormatRxNumber(f.rx.Number), "1970-04-01")
	if err != nil || id != f.rx.ID {
		t.Fatalf("lookup: %q %v", id, err)
	}
}

func TestPharmacyMember(t *testing.T) {
	f := newPharmacyFixture(t, "")
	if f.ph.FacilityOID == "" || f.ph.MemberID != f.pharmacist.MemberID {
		t.Fatalf("actor %+v", f.ph)
	}
	for _, id := range []string{f.doctorA.MemberID, f.nurseA.MemberID, f.doctorB.MemberID} {
		if _, _, err := f.db.PharmacyMember(id, "192.0.2.9"); ErrorCode(err) != EFORBIDDEN || !strings.Contains(ErrorMessage(err), "薬局の会員のみ") {
			t.Errorf("%s: %v", id, err)
		}
	}
}

func TestLookupPrescription(t *testing.T) {
	f := newPharmacyFixture(t, "")
	// Not reachable before the lookup, by this or any pharmacy.
	if _, err := f.db.PharmacyPrescription(f.ph, f.rx.ID); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("before lookup: %v", err)
	}
	// As printed: full width with hyphens, 和暦.
	id, err := f.db.LookupPrescription(f.ph, toFullWidth(FormatRxNumber(f.rx.Number)), "昭和45年4月1日")
	if err != nil || id != f.rx.ID {
		t.Fatalf("lookup: %q %v", id, err)
	}
	if id, err := f.db.LookupPrescription(f.ph, strings.ReplaceAll(FormatRxNumber(f.rx.Number), "-", " "), "S45.4.1"); err != nil || id != f.rx.ID {
		t.Fatalf("lookup with spaces: %q %v", id, err)
	}
	p, err := f.db.PharmacyPrescription(f.ph, f.rx.ID)
	if err != nil || p.Number != f.rx.Number || p.Status != RxIssued || p.Dispensable != nil || p.LookedUpAt.IsZero() {
		t.Fatalf("view: %+v %v", p, err)
	}
	// The grant is the pharmacy's: the other one still gets 404.
	if _, err := f.db.PharmacyPrescription(f.other, f.rx.ID); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("other pharmacy: %v", err)
	}
	if _, err := f.db.PharmacyPrescription(f.ph, "RX9999999999"); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("unknown id: %v", err)
	}

	// An unknown number and a wrong birth date: one answer.
	unknown := NewRxNumber()
	_, e1 := f.db.LookupPrescription(f.other, unknown, "1970-04-01")
	_, e2 := f.db.LookupPrescription(f.other, f.rx.Number, "1970-04-02")
	if ErrorCode(e1) != ENOTFOUND || e1.Error() != e2.Error() || ErrorCode(e2) != ENOTFOUND {
		t.Fatalf("misses differ: %v / %v", e1, e2)
	}
	// What cannot be a number or a date is a field message.
	for _, c := range []struct{ number, birth, field string }{
		{"", "1970-04-01", "number"},
		{"1234", "1970-04-01", "number"},
		{f.rx.Number[:15] + string('0'+(f.rx.Number[15]-'0'+1)%10), "1970-04-01", "number"},
		{f.rx.Number, "", "birth_date"},
		{f.rx.Number, "むかし", "birth_date"},
		{f.rx.Number, "2099-01-01", "birth_date"},
		{"ABC\x00", "1970-04-01", "number"},
	} {
		_, err := f.db.LookupPrescription(f.other, c.number, c.birth)
		if ErrorCode(err) != EINVALID || ErrorFields(err)[c.field] == "" {
			t.Errorf("%q %q: %v %v", c.number, c.birth, err, ErrorFields(err))
		}
	}
	// Audited: two lookups found, two misses with the same line.
	page, err := f.db.ListAudit(AuditFilter{Action: string(AuditRxLookup), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ok, failed []AuditEvent
	for _, e := range page.Events {
		switch e.Result {
		case ResultOK:
			ok = append(ok, e)
		case ResultFailed:
			failed = append(failed, e)
		}
	}
	if len(ok) != 2 || ok[0].Patient != f.patient.ID || ok[0].Object != "prescription:"+f.rx.ID {
		t.Errorf("found lookups %+v", ok)
	}
	if len(failed) != 2 || failed[0].Patient != "" || failed[1].Patient != "" || failed[0].Object != failed[1].Object ||
		strings.Contains(failed[0].Detail, f.rx.Number) || strings.Contains(failed[1].Detail, f.rx.Number) {
		t.Errorf("misses %+v", failed)
	}
	views, _ := f.db.ListAudit(AuditFilter{Action: string(AuditRxPharmacyView), Limit: 100})
	if len(views.Events) < 3 {
		t.Errorf("views audited: %d", len(views.Events))
	}
}

// Ten misses from one address hold that member's lookups there (even the
// right pair), stored and labelled for the operator; another member and
// another address are not held.
func TestLookupPrescriptionThrottle(t *testing.T) {
	f := newPharmacyFixture(t, "")
	for i := 0; i < PairFailureLimit; i++ {
		_, err := f.db.LookupPrescription(f.ph, f.rx.Number, "1970-04-02")
		if ErrorCode(err) != ENOTFOUND {
			t.Fatalf("miss %d: %v", i, err)
		}
		if i == PairFailureLimit-1 && !strings.Contains(ErrorMessage(err), "一時的に停止します") {
			t.Errorf("the miss that starts the hold: %v", err)
		}
	}
	_, err := f.db.LookupPrescription(f.ph, f.rx.Number, "1970-04-01")
	if ErrorCode(err) != ETHROTTLED || RetryAt(err).IsZero() || !strings.Contains(ErrorMessage(err), "処方箋の照会") {
		t.Fatalf("held: %v", err)
	}
	holds, err := f.db.LoginHolds(f.ph.MemberID)
	if err != nil || len(holds) != 1 || !holds[0].RxLookup() || holds[0].MemberID() != f.ph.MemberID || !strings.Contains(holds[0].Label(), "処方箋の照会") {
		t.Fatalf("holds %+v %v", holds, err)
	}
	elsewhere := f.ph
	elsewhere.Remote = "198.51.100.7"
	if _, err := f.db.LookupPrescription(elsewhere, f.rx.Number, "1970-04-01"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	if _, err := f.db.LookupPrescription(f.other, f.rx.Number, "1970-04-01"); err != nil {
		t.Fatalf("another member: %v", err)
	}
	// The member's login is not held.
	if _, err := f.db.CheckLogin(LoginAttempt{Account: f.ph.MemberID, Addr: f.ph.Remote}); err != nil {
		t.Fatalf("login held too: %v", err)
	}
	if err := f.db.ClearAccountLoginLimits(f.ph.MemberID, "admin", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.LookupPrescription(f.ph, f.rx.Number, "1970-04-01"); err != nil {
		t.Fatalf("after the operator's clear: %v", err)
	}
}

func TestDispensePrescription(t *testing.T) {
	f := newPharmacyFixture(t, "")
	form := DispenseForm{DispensedOn: "2026-04-01", Note: "残薬なし", Lines: []string{"2171022F5180", ""}}
	if _, err := f.db.DispensePrescription(f.ph, f.rx.ID, form); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("before lookup: %v", err)
	}
	f.lookUp(t, f.ph)
	choices, err := f.db.DispenseChoices(f.rx)
	if err != nil || len(choices) != 2 || len(choices[0]) != 1 || choices[0][0].Code != "2171022F5180" || choices[1] != nil {
		t.Fatalf("choices %+v %v", choices, err)
	}
	for _, c := range []struct {
		name  string
		form  DispenseForm
		field string
	}{
		{"no date", DispenseForm{}, "dispensed_on"},
		{"bad date", DispenseForm{DispensedOn: "きのう"}, "dispensed_on"},
		{"future", DispenseForm{DispensedOn: "2026-04-02"}, "dispensed_on"},
		{"before issue", DispenseForm{DispensedOn: "2026-03-31"}, "dispensed_on"},
		{"変更不可 changed", DispenseForm{DispensedOn: "2026-04-01", Lines: []string{"", "2171022F5180"}}, RxLineField(1, DispenseLineField)},
		{"not an alternative", DispenseForm{DispensedOn: "2026-04-01", Lines: []string{"2329021F1102", ""}}, RxLineField(0, DispenseLineField)},
		{"not a code", DispenseForm{DispensedOn: "2026-04-01", Lines: []string{"<script>", ""}}, RxLineField(0, DispenseLineField)},
		{"note too long", DispenseForm{DispensedOn: "2026-04-01", Note: strings.Repeat("あ", 501)}, "note"},
	} {
		_, err := f.db.DispensePrescription(f.ph, f.rx.ID, c.form)
		if ErrorCode(err) != EINVALID || ErrorFields(err)[c.field] == "" {
			t.Errorf("%s: %v %v", c.name, err, ErrorFields(err))
		}
	}
	if p, _ := f.db.PharmacyPrescription(f.ph, f.rx.ID); len(p.Dispensings) != 0 {
		t.Fatalf("refused forms stored %+v", p.Dispensings)
	}
	d, err := f.db.DispensePrescription(f.ph, f.rx.ID, form)
	if err != nil || d.Use != 1 || len(d.Lines) != 2 || d.Lines[0].AsWritten || d.Lines[0].DrugCode != "2171022F5180" || !d.Lines[1].AsWritten {
		t.Fatalf("dispense: %+v %v", d, err)
	}
	// The prescriber sees 調剤済, the pharmacy, the date and the note.
	p, err := f.db.Prescription(f.doctorA, f.rx.ID)
	if err != nil || p.Status != RxDispensed || p.StatusOn(f.db.Now()) != RxDispensed || len(p.Dispensings) != 1 {
		t.Fatalf("prescriber's view %+v %v", p, err)
	}
	got := p.Dispensings[0]
	if got.PharmacyOID != f.ph.FacilityOID || got.PharmacyName != "みなと薬局" || got.Note != "残薬なし" || got.DispensedOn.Format("2006-01-02") != "2026-04-01" || got.Pharmacist != "薬剤 三郎" {
		t.Errorf("dispensing %+v", got)
	}
	// Once is all.
	if _, err := f.db.DispensePrescription(f.ph, f.rx.ID, form); ErrorCode(err) != ECONFLICT {
		t.Errorf("second dispensing: %v", err)
	}
	page, _ := f.db.ListAudit(AuditFilter{Action: string(AuditRxDispense), Limit: 10})
	if len(page.Events) != 1 || page.Events[0].Patient != f.patient.ID {
		t.Errorf("audited %+v", page.Events)
	}
}

func TestDispenseRefill(t *testing.T) {
	f := newPharmacyFixture(t, "3")
	f.lookUp(t, f.ph)
	f.lookUp(t, f.other)
	days := []string{"2026-04-01", "2026-04-29", "2026-05-27"}
	for i, day := range days {
		*f.now = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 28*i)
		a := f.ph
		if i == 1 {
			a = f.other // each use may be at another pharmacy that looked it up
		}
		p, _ := f.db.PharmacyPrescription(a, f.rx.ID)
		if p.NextUse() != i+1 || p.Dispensable != nil {
			t.Fatalf("use %d: next %d, %v", i+1, p.NextUse(), p.Dispensable)
		}
		d, err := f.db.DispensePrescription(a, f.rx.ID, DispenseForm{DispensedOn: day})
		if err != nil || d.Use != i+1 {
			t.Fatalf("use %d: %+v %v", i+1, d, err)
		}
		p, _ = f.db.PharmacyPrescription(a, f.rx.ID)
		if last := i == len(days)-1; (p.Prescription.Status == RxDispensed) != last {
			t.Errorf("after use %d: stored status %s", i+1, p.Prescription.Status)
		}
	}
	if _, err := f.db.DispensePrescription(f.ph, f.rx.ID, DispenseForm{DispensedOn: "2026-05-27"}); ErrorCode(err) != ECONFLICT {
		t.Errorf("a fourth use: %v", err)
	}
	p, _ := f.db.Prescription(f.doctorA, f.rx.ID)
	if len(p.Dispensings) != 3 || p.Dispensings[1].PharmacyOID != f.other.FacilityOID || p.NextUse() != 0 {
		t.Errorf("uses %+v", p.Dispensings)
	}
}

func TestDispenseCancelledOrExpired(t *testing.T) {
	f := newPharmacyFixture(t, "")
	f.lookUp(t, f.ph)
	if _, err := f.db.CancelPrescription(f.doctorA, f.rx.ID, "用量の誤り"); err != nil {
		t.Fatal(err)
	}
	p, err := f.db.PharmacyPrescription(f.ph, f.rx.ID)
	if err != nil || p.Status != RxCancelled || ErrorCode(p.Dispensable) != ECONFLICT {
		t.Fatalf("cancelled: %+v %v", p.Status, err)
	}
	if _, err := f.db.DispensePrescription(f.ph, f.rx.ID, DispenseForm{DispensedOn: "2026-04-01"}); ErrorCode(err) != ECONFLICT {
		t.Errorf("dispense cancelled: %v", err)
	}
	// Still found by the lookup, shown as 取消.
	f.lookUp(t, f.other)

	g := newPharmacyFixture(t, "")
	g.lookUp(t, g.ph)
	*g.now = g.now.AddDate(0, 0, 4) // the 5th day: past 交付の日を含めて4日
	p, err = g.db.PharmacyPrescription(g.ph, g.rx.ID)
	if err != nil || p.Status != RxExpired || ErrorCode(p.Dispensable) != ECONFLICT {
		t.Fatalf("expired: %s %v", p.Status, err)
	}
	if _, err := g.db.DispensePrescription(g.ph, g.rx.ID, DispenseForm{DispensedOn: "2026-04-04"}); ErrorCode(err) != ECONFLICT {
		t.Errorf("dispense expired: %v", err)
	}
	g.lookUp(t, g.other)
}
