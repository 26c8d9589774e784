package pharmacy_test

import (
	"encoding/json"
	"testing"

	"hotline/handlers"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
	"hotline/store/jptext"
)

// newEnv starts the whole server (the pharmacy is one of its domains) on a
// new file.
func newEnv(t testing.TB, mode web.CertMode) *handlertest.Env {
	t.Helper()
	return handlertest.New(t, mode, func(c handlertest.Config) (handlertest.Server, error) {
		return handlers.New(handlers.Config{DB: c.DB, CertMode: c.Mode, ClientCAs: c.ClientCAs, Logger: c.Logger})
	})
}

// pharmacyWorld is the region (A clinic, B hospital, C さくら薬局) with a
// second pharmacy D, the sample drug master, a patient of A born
// 1970-04-01 and prescriptions A's doctor issued for them.
type pharmacyWorld struct {
	*handlertest.Region
	MD      store.Member
	FD      store.Facility
	Patient store.Patient
}

func newWorld(t testing.TB, mode web.CertMode) *pharmacyWorld {
	t.Helper()
	r := handlertest.NewRegion(t, newEnv(t, mode))
	md, fd, err := r.DB.CreateTestMember(store.TestMemberSpec{Name: "薬剤師 四郎", Password: handlertest.MemberPassword, FacilityPassword: handlertest.FacilityPassword,
		FacilityName: "にしき薬局", FacilityKind: store.FacilityPharmacy})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.DB.ImportSampleDrugs(); err != nil {
		t.Fatal(err)
	}
	p, err := r.DB.RegisterPatient(store.PRSActor{MemberID: r.MA.ID, FacilityOID: r.FA.OID, Remote: "192.0.2.1"}, store.PatientForm{
		Name: "山田 太郎", NameKana: "ヤマダ タロウ", BirthDate: "1970-04-01", Sex: "male", InsurerNumber: "01130012",
		InsuredSymbol: "12", InsuredNumber: "345", Phone: "03-1234-5678", Address: "東京都千代田区千代田1-1", Postal: "100-0001"})
	if err != nil {
		t.Fatalf("register: %v %v", err, store.ErrorFields(err))
	}
	setFacilityCode(t, r.DB, r.FA.OID)
	return &pharmacyWorld{Region: r, MD: md, FD: fd, Patient: p}
}

// setFacilityCode gives the facility a valid 医療機関コード (the printed
// form needs one), written directly as the operator's data would be.
func setFacilityCode(t testing.TB, db *store.DB, oid string) {
	t.Helper()
	code := ""
	for d := '0'; d <= '9'; d++ {
		if c, err := jptext.NormalizeMedicalInstitutionCode("131123456" + string(d)); err == nil {
			code = c
		}
	}
	err := db.Update(func(tx *store.Tx) error {
		b := tx.Bucket([]byte("facilities"))
		var f store.Facility
		if err := json.Unmarshal(b.Get([]byte(oid)), &f); err != nil {
			return err
		}
		f.Code = code
		data, err := json.Marshal(f)
		if err != nil {
			return err
		}
		return b.Put([]byte(oid), data)
	})
	if err != nil || code == "" {
		t.Fatalf("facility code %q: %v", code, err)
	}
}

// issue has A's doctor issue a prescription: アムロジピン (a 先発品 with a
// generic) and ロキソプロフェン marked 変更不可; refill "" or "2"/"3".
func (w *pharmacyWorld) issue(t testing.TB, refill string) store.Prescription {
	t.Helper()
	f := store.RxForm{PatientID: w.Patient.ID, InsurerNumber: "01130012", Refill: refill, Remarks: "一包化", Leftover: string(store.LeftoverInform), Lines: []store.RxLineForm{
		{DrugCode: "2171022F5032", Amount: "1", Usage: "1日1回朝食後", Days: "28"},
		{DrugCode: "1149019F1560", Amount: "3", Usage: "1日3回毎食後", Days: "7", NoChange: true},
	}}
	p, err := w.DB.IssuePrescription(store.RxActor{MemberID: w.MA.ID, Remote: "192.0.2.1"}, f)
	if err != nil {
		t.Fatalf("issue: %v %v", err, store.ErrorFields(err))
	}
	return p
}

// lookedUp has pharmacy member m look p up through the store.
func (w *pharmacyWorld) lookedUp(t testing.TB, m store.Member, p store.Prescription) {
	t.Helper()
	a, _, err := w.DB.PharmacyMember(m.ID, "192.0.2.40")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB.LookupPrescription(a, p.Number, "1970-04-01"); err != nil {
		t.Fatalf("lookup: %v", err)
	}
}
