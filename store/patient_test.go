package store

import (
	"errors"
	"fmt"
	"hotline/store/jptext"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// prsFixture is two facilities, each with one member, unlocked for PRS.
type prsFixture struct {
	db     *DB
	now    *time.Time
	a, b   PRSActor
	fa, fb Facility
}

const testFacilityPassword = "facility-Pass-2345"

func newPRSFixture(t testing.TB) *prsFixture {
	t.Helper()
	db, now := mustOpen(t)
	ma, fa, err := db.CreateTestMember(TestMemberSpec{Name: "医師 一郎", Password: "member-Pass-2345", FacilityPassword: testFacilityPassword})
	if err != nil {
		t.Fatal(err)
	}
	mb, fb, err := db.CreateTestMember(TestMemberSpec{Name: "医師 二郎", Password: "member-Pass-2345", FacilityPassword: testFacilityPassword, FacilityName: "連携病院"})
	if err != nil {
		t.Fatal(err)
	}
	return &prsFixture{db: db, now: now, fa: fa, fb: fb,
		a: PRSActor{MemberID: ma.ID, FacilityOID: fa.OID, Remote: "192.0.2.1"},
		b: PRSActor{MemberID: mb.ID, FacilityOID: fb.OID, Remote: "192.0.2.2"}}
}

func samplePatient() PatientForm {
	return PatientForm{Name: "山田　太郎", NameKana: "やまだ たろう", BirthDate: "昭和45年4月1日", Sex: "male",
		ChartNumber: "１２３４５", InsurerNumber: "01130012", InsuredSymbol: "１２", InsuredNumber: "３４５", InsuredBranch: "1",
		Postal: "1000001", Address: "東京都千代田区千代田1-1", Phone: "0312345678", Allergies: "ペニシリン"}
}

func mustRegister(t testing.TB, db *DB, a PRSActor, f PatientForm) Patient {
	t.Helper()
	p, err := db.RegisterPatient(a, f)
	if err != nil {
		t.Fatalf("register %s: %v %v", f.Name, err, ErrorFields(err))
	}
	return p
}

func TestPatientID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 20000; i++ {
		id := NewPatientID()
		if !ValidPatientID(id) || len(id) != PatientIDLength || id[0] != 'P' {
			t.Fatalf("bad id %q", id)
		}
		if seen[id] {
			t.Fatalf("repeated id %q", id)
		}
		seen[id] = true
	}
	id := NewPatientID()
	// Every single-character mistake is caught by the check character.
	for i := 1; i < len(id); i++ {
		for j := 0; j < len(accessCodeAlphabet); j++ {
			c := accessCodeAlphabet[j]
			if c == id[i] {
				continue
			}
			typo := id[:i] + string(c) + id[i+1:]
			if ValidPatientID(typo) {
				t.Fatalf("typo %q of %q passes", typo, id)
			}
		}
	}
	// What people type from the card.
	for _, in := range []string{id, strings.ToLower(id), FormatPatientID(id), " " + strings.ToLower(FormatPatientID(id)) + " ",
		strings.ReplaceAll(FormatPatientID(id), "-", " "), toFullWidth(FormatPatientID(id))} {
		got, err := NormalizePatientID(in)
		if err != nil || got != id {
			t.Errorf("NormalizePatientID(%q) = %q, %v; want %q", in, got, err, id)
		}
	}
	for _, bad := range []string{"P123", "X" + id[1:], id + "A", "P0000000000000", "患者", "P\x00ABC"} {
		if _, err := NormalizePatientID(bad); err == nil {
			t.Errorf("NormalizePatientID(%q) accepted", bad)
		}
	}
	if got, err := NormalizePatientID(""); got != "" || err != nil {
		t.Errorf("empty: %q %v", got, err)
	}
}

func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r - '!' + 0xFF01
		}
		return r
	}, s)
}

func TestRegisterPatientNormalises(t *testing.T) {
	fx := newPRSFixture(t)
	p := mustRegister(t, fx.db, fx.a, samplePatient())
	want := Patient{Name: "山田　太郎", NameKana: "ヤマダ　タロウ", Sex: SexMale, ChartNumber: "12345", InsurerNumber: "01130012",
		InsuredSymbol: "12", InsuredNumber: "345", InsuredBranch: "01", Postal: "100-0001", Phone: "0312345678"}
	if p.Name != want.Name || p.NameKana != want.NameKana || p.Sex != want.Sex || p.ChartNumber != want.ChartNumber ||
		p.InsurerNumber != want.InsurerNumber || p.InsuredSymbol != want.InsuredSymbol || p.InsuredNumber != want.InsuredNumber ||
		p.InsuredBranch != want.InsuredBranch || p.Postal != want.Postal || p.Phone != want.Phone {
		t.Fatalf("normalised patient = %+v", p)
	}
	if p.BirthDateString() != "1970-04-01" || p.BirthDateWareki() != "昭和45年4月1日" {
		t.Fatalf("birth %s %s", p.BirthDateString(), p.BirthDateWareki())
	}
	if !ValidPatientID(p.ID) || p.FacilityOID != fx.fa.OID || p.Version != 1 || !p.Active() {
		t.Fatalf("patient %+v", p)
	}
	rec, err := fx.db.ViewPatient(fx.a, p.ID)
	if err != nil || !rec.Home || len(rec.Versions) != 1 || rec.Versions[0].Action != "create" || rec.Versions[0].ActorName != "医師 一郎" {
		t.Fatalf("record %+v %v", rec, err)
	}
	if rec.Patient.Allergies != "ペニシリン" {
		t.Fatalf("home view lacks allergies")
	}
	if n, _ := fx.db.CountPatients(fx.fa.OID); n != 1 {
		t.Fatalf("count %d", n)
	}
}

func TestPatientValidation(t *testing.T) {
	fx := newPRSFixture(t)
	*fx.now = time.Date(2026, 4, 1, 3, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		edit  func(*PatientForm)
		field string
		msg   string
	}{
		{"name required", func(f *PatientForm) { f.Name = "　" }, "name", "氏名を入力してください"},
		{"name too long", func(f *PatientForm) { f.Name = strings.Repeat("山", 51) }, "name", "50文字以内"},
		{"name control", func(f *PatientForm) { f.Name = "山田\u200b太郎" }, "name", "使用できない文字"},
		{"kana required", func(f *PatientForm) { f.NameKana = "" }, "name_kana", "フリガナを入力してください"},
		{"kana kanji", func(f *PatientForm) { f.NameKana = "山田" }, "name_kana", "カナ"},
		{"kana latin", func(f *PatientForm) { f.NameKana = "Yamada" }, "name_kana", "カナ"},
		{"kana too long", func(f *PatientForm) { f.NameKana = strings.Repeat("ア", jptext.KanaMaxLength+1) }, "name_kana", "100文字以内"},
		{"birth required", func(f *PatientForm) { f.BirthDate = "" }, "birth_date", "生年月日を入力してください"},
		{"birth format", func(f *PatientForm) { f.BirthDate = "昔" }, "birth_date", "生年月日は YYYY-MM-DD または 和暦"},
		{"birth no such day", func(f *PatientForm) { f.BirthDate = "2023-02-29" }, "birth_date", "存在しません"},
		{"birth outside era", func(f *PatientForm) { f.BirthDate = "昭和64年1月8日" }, "birth_date", "昭和は元年12月25日から64年1月7日まで"},
		{"birth heisei 31 May", func(f *PatientForm) { f.BirthDate = "H31.5.1" }, "birth_date", "平成は"},
		{"birth future", func(f *PatientForm) { f.BirthDate = "2026-04-02" }, "birth_date", "未来"},
		{"sex required", func(f *PatientForm) { f.Sex = "" }, "sex", "性別を選択してください"},
		{"sex unknown", func(f *PatientForm) { f.Sex = "x" }, "sex", "「男」または「女」"},
		{"chart chars", func(f *PatientForm) { f.ChartNumber = "12 34/5" }, "chart_number", "英数字とハイフン"},
		{"chart long", func(f *PatientForm) { f.ChartNumber = strings.Repeat("1", 21) }, "chart_number", "20文字以内"},
		{"insurer check digit", func(f *PatientForm) { f.InsurerNumber = "01130013" }, "insurer_number", "検証番号"},
		{"insurer length", func(f *PatientForm) { f.InsurerNumber = "1234" }, "insurer_number", "保険者番号"},
		{"insurer prefecture", func(f *PatientForm) { f.InsurerNumber = "01480012" }, "insurer_number", "都道府県"},
		{"number without insurer", func(f *PatientForm) { f.InsurerNumber = "" }, "insurer_number", "保険者番号も入力"},
		{"branch 3 digits", func(f *PatientForm) { f.InsuredBranch = "123" }, "insured_branch", "2桁"},
		{"branch letters", func(f *PatientForm) { f.InsuredBranch = "ab" }, "insured_branch", "2桁"},
		{"branch without number", func(f *PatientForm) { f.InsuredNumber = "" }, "insured_number", "番号も入力"},
		{"postal", func(f *PatientForm) { f.Postal = "12-34" }, "postal", "郵便番号"},
		{"phone", func(f *PatientForm) { f.Phone = "12345" }, "phone", "電話番号"},
		{"notes long", func(f *PatientForm) { f.Notes = strings.Repeat("あ", 2001) }, "notes", "2000文字以内"},
	}
	for _, tc := range cases {
		f := samplePatient()
		tc.edit(&f)
		_, err := fx.db.RegisterPatient(fx.a, f)
		if ErrorCode(err) != EINVALID {
			t.Errorf("%s: err %v, want EINVALID", tc.name, err)
			continue
		}
		if msg := ErrorFields(err)[tc.field]; !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: %s = %q, want it to contain %q (all: %v)", tc.name, tc.field, msg, tc.msg, ErrorFields(err))
		}
	}
	if n, _ := fx.db.CountPatients(fx.fa.OID); n != 0 {
		t.Fatalf("invalid input stored %d patients", n)
	}
	// Accepted spellings of the birth date.
	for i, in := range []string{"1970-04-01", "1970/4/1", "昭和45年4月1日", "S45.4.1", "s45-4-1", "１９７０年４月１日", "19700401", "㍼45年4月1日"} {
		f := samplePatient()
		f.BirthDate, f.ChartNumber, f.ConfirmDuplicate = in, fmt.Sprintf("B%d", i), true
		p := mustRegister(t, fx.db, fx.a, f)
		if p.BirthDateString() != "1970-04-01" {
			t.Errorf("%q → %s", in, p.BirthDateString())
		}
	}
	// Kana of every kind and width.
	for i, in := range []string{"ヤマダ タロウ", "やまだ　たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"} {
		f := samplePatient()
		f.NameKana, f.ChartNumber, f.ConfirmDuplicate = in, fmt.Sprintf("K%d", i), true
		if p := mustRegister(t, fx.db, fx.a, f); p.NameKana != "ヤマダ　タロウ" {
			t.Errorf("%q → %q", in, p.NameKana)
		}
	}
	// 国民健康保険: 6 digits, also padded to 8.
	f := samplePatient()
	f.InsurerNumber, f.ChartNumber, f.ConfirmDuplicate = "00131011", "N1", true
	if p := mustRegister(t, fx.db, fx.a, f); p.InsurerNumber != "131011" {
		t.Errorf("kokuho → %q", p.InsurerNumber)
	}
}

func TestChartNumberUniquePerFacility(t *testing.T) {
	fx := newPRSFixture(t)
	p1 := mustRegister(t, fx.db, fx.a, samplePatient())
	f := samplePatient()
	f.Name, f.NameKana, f.ChartNumber = "佐藤 花子", "サトウ ハナコ", "12345"
	_, err := fx.db.RegisterPatient(fx.a, f)
	if msg := ErrorFields(err)["chart_number"]; !strings.Contains(msg, "既に別の患者様") || !strings.Contains(msg, FormatPatientID(p1.ID)) {
		t.Fatalf("duplicate chart: %v %v", err, ErrorFields(err))
	}
	// Another facility may use the same number.
	mustRegister(t, fx.db, fx.b, f)
	// Editing p1 to another number frees 12345.
	e := FormFromPatient(p1)
	e.ChartNumber = "99999"
	if _, err := fx.db.UpdatePatient(fx.a, p1.ID, 1, e); err != nil {
		t.Fatal(err)
	}
	mustRegister(t, fx.db, fx.a, f)
	// And 99999 is now taken.
	f.Name, f.NameKana, f.ChartNumber = "鈴木 一郎", "スズキ イチロウ", "99999"
	if _, err := fx.db.RegisterPatient(fx.a, f); ErrorFields(err)["chart_number"] == "" {
		t.Fatalf("moved chart number not indexed: %v", err)
	}
}

func TestLikelyDuplicate(t *testing.T) {
	fx := newPRSFixture(t)
	p1 := mustRegister(t, fx.db, fx.a, samplePatient())
	f := samplePatient()
	f.Name, f.NameKana, f.BirthDate, f.ChartNumber = "山田 太朗", "ﾔﾏﾀﾞ ﾀﾛｳ", "1970-04-01", "2"
	_, err := fx.db.RegisterPatient(fx.a, f)
	d, ok := AsDuplicate(err)
	if !ok || ErrorCode(err) != EINVALID || len(d.Candidates) != 1 || d.Candidates[0].ID != p1.ID || ErrorFields(err)["confirm_duplicate"] == "" {
		t.Fatalf("duplicate warning: %v", err)
	}
	// With another field wrong, the warning comes with its message at
	// once, not after that field is corrected.
	bad := f
	bad.Phone = "abc"
	_, err = fx.db.RegisterPatient(fx.a, bad)
	if d, ok := AsDuplicate(err); !ok || len(d.Candidates) != 1 || ErrorFields(err)["phone"] == "" || ErrorFields(err)["confirm_duplicate"] == "" {
		t.Fatalf("duplicate with another field wrong: %v %v", err, ErrorFields(err))
	}
	// A wrong birth date: no lookup, only the field's message.
	bad.BirthDate = "1970-13-01"
	if _, err = fx.db.RegisterPatient(fx.a, bad); ErrorFields(err)["birth_date"] == "" || ErrorFields(err)["confirm_duplicate"] != "" {
		t.Fatalf("wrong birth date: %v", ErrorFields(err))
	}
	// Another facility has no such patient: no warning there.
	mustRegister(t, fx.db, fx.b, f)
	// Different birth date: no warning.
	g := f
	g.BirthDate, g.ChartNumber = "1970-04-02", "3"
	pg := mustRegister(t, fx.db, fx.a, g)
	// Confirmed: registered.
	f.ConfirmDuplicate = true
	p2 := mustRegister(t, fx.db, fx.a, f)
	// Editing g into the same kana and birth date warns too, naming both,
	// and saves once confirmed.
	eg := FormFromPatient(pg)
	eg.BirthDate = "S45.4.1"
	wrong := eg
	wrong.Phone = "abc"
	if _, err := fx.db.UpdatePatient(fx.a, pg.ID, pg.Version, wrong); ErrorFields(err)["phone"] == "" || ErrorFields(err)["confirm_duplicate"] == "" {
		t.Fatalf("edit into a duplicate with another field wrong: %v", ErrorFields(err))
	}
	_, err = fx.db.UpdatePatient(fx.a, pg.ID, pg.Version, eg)
	d, ok = AsDuplicate(err)
	if !ok || len(d.Candidates) != 2 || ErrorFields(err)["confirm_duplicate"] == "" {
		t.Fatalf("edit into a duplicate: %v", err)
	}
	for _, c := range d.Candidates {
		if c.ID != p1.ID && c.ID != p2.ID {
			t.Fatalf("candidate %s", c.ID)
		}
	}
	if cur, _ := fx.db.ViewPatient(fx.a, pg.ID); cur.Patient.Version != 1 || cur.Patient.BirthDateString() != "1970-04-02" {
		t.Fatalf("warned edit saved: %+v", cur.Patient)
	}
	eg.ConfirmDuplicate = true
	if saved, err := fx.db.UpdatePatient(fx.a, pg.ID, pg.Version, eg); err != nil || saved.BirthDateString() != "1970-04-01" {
		t.Fatalf("confirmed edit into a duplicate: %v", err)
	}
	// An edit that changes neither kana nor birth date does not warn, even
	// of a confirmed duplicate.
	e := FormFromPatient(p2)
	e.Notes = "確認済み"
	if _, err := fx.db.UpdatePatient(fx.a, p2.ID, p2.Version, e); err != nil {
		t.Fatalf("unrelated edit of a confirmed duplicate: %v", err)
	}
}

func TestUpdatePatientVersions(t *testing.T) {
	fx := newPRSFixture(t)
	p := mustRegister(t, fx.db, fx.a, samplePatient())
	*fx.now = fx.now.Add(time.Hour)
	f := FormFromPatient(p)
	f.Name, f.NameKana, f.BirthDate, f.Phone = "山田 次郎", "ヤマダ ジロウ", "H2.1.8", "03-9999-0000"
	p2, err := fx.db.UpdatePatient(fx.a, p.ID, 1, f)
	if err != nil {
		t.Fatal(err)
	}
	if p2.Version != 2 || p2.Name != "山田　次郎" || p2.BirthDateString() != "1990-01-08" || p2.CreatedAt != p.CreatedAt || !p2.UpdatedAt.Equal(*fx.now) {
		t.Fatalf("updated %+v", p2)
	}
	// A stale form is refused, before its fields are checked (the form
	// shown again would carry the current version).
	f.Notes = "古い画面から"
	if _, err := fx.db.UpdatePatient(fx.a, p.ID, 1, f); ErrorCode(err) != ECONFLICT {
		t.Fatalf("stale version: %v", err)
	}
	bad := f
	bad.BirthDate = "むかし"
	if _, err := fx.db.UpdatePatient(fx.a, p.ID, 1, bad); ErrorCode(err) != ECONFLICT {
		t.Fatalf("stale invalid form: %v", err)
	}
	// A form that does not say its version is refused: it could overwrite
	// a change nobody saw.
	for _, v := range []int{0, -1} {
		if _, err := fx.db.UpdatePatient(fx.a, p.ID, v, f); ErrorCode(err) != EINVALID || ErrorFields(err) != nil || !strings.Contains(err.Error(), "開き直して") {
			t.Fatalf("version %d: %v", v, err)
		}
	}
	// Nothing changed: no new version.
	same := FormFromPatient(p2)
	if p3, err := fx.db.UpdatePatient(fx.a, p.ID, 2, same); err != nil || p3.Version != 2 {
		t.Fatalf("no-op edit: %v %d", err, p3.Version)
	}
	vs, err := fx.db.PatientVersions(fx.a, p.ID)
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions %v %v", vs, err)
	}
	v := vs[0]
	if v.Version != 2 || v.Action != "update" || v.Actor != fx.a.MemberID || !v.Time.Equal(*fx.now) {
		t.Fatalf("version %+v", v)
	}
	changed := map[string]PatientChange{}
	for _, c := range v.Changes {
		changed[c.Field] = c
	}
	if len(changed) != 4 || changed["name"].Old != "山田　太郎" || changed["name"].New != "山田　次郎" ||
		changed["birth_date"].New != "1990-01-08（平成2年1月8日）" || changed["phone"].Old != "0312345678" {
		t.Fatalf("changes %+v", v.Changes)
	}
	// The indexes follow: the old kana and birth date no longer find it.
	for q, want := range map[string]int{"ヤマダタ": 0, "ヤマダジ": 1, "S45.4.1": 0, "1990-01-08": 1, "太郎": 0, "次郎": 1} {
		page, err := fx.db.SearchPatients(fx.a, PatientQuery{Q: q})
		if err != nil || len(page.Patients) != want {
			t.Errorf("search %q: %d results (%v), want %d", q, len(page.Patients), err, want)
		}
	}
	// Another facility cannot edit (whatever it sends) or read the history.
	if _, err := fx.db.UpdatePatient(fx.b, p.ID, 0, f); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("other facility edit: %v", err)
	}
	invalid := f
	invalid.BirthDate = "むかし"
	if _, err := fx.db.UpdatePatient(fx.b, p.ID, 0, invalid); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("other facility invalid edit: %v", err)
	}
	if _, err := fx.db.PatientVersions(fx.b, p.ID); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("other facility history: %v", err)
	}
}

func TestDeactivatePatient(t *testing.T) {
	fx := newPRSFixture(t)
	p := mustRegister(t, fx.db, fx.a, samplePatient())
	p2, err := fx.db.SetPatientActive(fx.a, p.ID, false, "転居のため")
	if err != nil || p2.Active() || p2.Version != 2 || p2.InactiveReason != "転居のため" {
		t.Fatalf("deactivate: %+v %v", p2, err)
	}
	if _, err := fx.db.SetPatientActive(fx.a, p.ID, false, ""); ErrorCode(err) != ECONFLICT {
		t.Fatalf("twice: %v", err)
	}
	// Still there, still found, marked.
	page, _ := fx.db.SearchPatients(fx.a, PatientQuery{Q: "やまだ"})
	if len(page.Patients) != 1 || page.Patients[0].Active() {
		t.Fatalf("inactive patient in search: %+v", page.Patients)
	}
	if _, err := fx.db.UpdatePatient(fx.a, p.ID, p2.Version, FormFromPatient(p)); ErrorCode(err) != ECONFLICT {
		t.Fatalf("edit inactive: %v", err)
	}
	if _, err := fx.db.IssuePatientAccessCard(fx.a, p.ID, nil); ErrorCode(err) != ECONFLICT {
		t.Fatalf("card for inactive: %v", err)
	}
	p3, err := fx.db.SetPatientActive(fx.a, p.ID, true, "")
	if err != nil || !p3.Active() || p3.Version != 3 {
		t.Fatalf("reactivate: %+v %v", p3, err)
	}
	vs, _ := fx.db.PatientVersions(fx.a, p.ID)
	if len(vs) != 3 || vs[0].Action != "reactivate" || vs[1].Action != "deactivate" || vs[1].Reason != "転居のため" {
		t.Fatalf("history %+v", vs)
	}
}

func names(ps []Patient) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestSearchPatients(t *testing.T) {
	fx := newPRSFixture(t)
	reg := func(name, kana, birth, chart string) Patient {
		f := PatientForm{Name: name, NameKana: kana, BirthDate: birth, Sex: "female", ChartNumber: chart, ConfirmDuplicate: true}
		return mustRegister(t, fx.db, fx.a, f)
	}
	yamada := reg("山田 花子", "ヤマダ ハナコ", "1980-05-06", "A-100")
	reg("山口 陽子", "ヤマグチ ヨウコ", "1975-01-02", "A-101")
	reg("中山 美咲", "ナカヤマ ミサキ", "S50.1.2", "B-200")
	reg("ヴィクトリア 山本", "ヴィクトリア ヤマモト", "2001-02-03", "300")
	other := mustRegister(t, fx.db, fx.b, PatientForm{Name: "山田 花江", NameKana: "ヤマダ ハナエ", BirthDate: "1980-05-06", Sex: "female"})

	cases := []struct {
		q    string
		mode PatientSearchMode
		want []string
	}{
		{"", SearchAll, []string{"ヴィクトリア　山本", "中山　美咲", "山口　陽子", "山田　花子"}},
		{"やま", SearchKana, []string{"山口　陽子", "山田　花子"}},
		{"ヤマ", SearchKana, []string{"山口　陽子", "山田　花子"}},
		{"ﾔﾏ", SearchKana, []string{"山口　陽子", "山田　花子"}},
		{"ｙａｍａ", SearchName, nil},
		{"ヤマダ ハ", SearchKana, []string{"山田　花子"}},
		{"やまだはなこ", SearchKana, []string{"山田　花子"}},
		{"ﾔﾏﾀﾞ", SearchKana, []string{"山田　花子"}},
		{"ヤマダ", SearchKana, []string{"山田　花子"}},
		{"ビクトリア", SearchKana, []string{"ヴィクトリア　山本"}},
		{"ヤマダハナエ", SearchKana, nil}, // the other facility's patient
		{"山", SearchName, []string{"ヴィクトリア　山本", "中山　美咲", "山口　陽子", "山田　花子"}},
		{"山田", SearchName, []string{"山田　花子"}},
		{"田 花", SearchName, []string{"山田　花子"}},
		{"1975-01-02", SearchBirth, []string{"中山　美咲", "山口　陽子"}},
		{"S50.1.2", SearchBirth, []string{"中山　美咲", "山口　陽子"}},
		{"昭和50年1月2日", SearchBirth, []string{"中山　美咲", "山口　陽子"}},
		{"a-10", SearchChart, []string{"山田　花子", "山口　陽子"}},
		{"Ａ－１００", SearchChart, []string{"山田　花子"}},
		{"300", SearchChart, []string{"ヴィクトリア　山本"}},
		{"B-2", SearchChart, []string{"中山　美咲"}},
		{FormatPatientID(yamada.ID), SearchID, []string{"山田　花子"}},
		{strings.ToLower(yamada.ID), SearchID, []string{"山田　花子"}},
		{other.ID, SearchID, nil},
		// The start of an ID as printed on the card, any case and width,
		// among the facility's own patients.
		{FormatPatientID(yamada.ID)[:6], SearchIDPrefix, []string{"山田　花子"}},
		{strings.ToLower(FormatPatientID(yamada.ID)[:11]), SearchIDPrefix, []string{"山田　花子"}},
		{strings.Map(func(r rune) rune { return r + 0xFEE0 }, yamada.ID[:8]), SearchIDPrefix, []string{"山田　花子"}},
		{other.ID[:9], SearchIDPrefix, nil},
	}
	for _, tc := range cases {
		page, err := fx.db.SearchPatients(fx.a, PatientQuery{Q: tc.q})
		if err != nil {
			t.Fatal(err)
		}
		got := names(page.Patients)
		if page.Mode != tc.mode || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("search %q: mode %s %v, want %s %v", tc.q, page.Mode, got, tc.mode, tc.want)
		}
	}
	all, _ := fx.db.SearchPatients(fx.a, PatientQuery{})
	if all.Total != 4 {
		t.Errorf("total %d", all.Total)
	}
	// A linked patient is found by ID, with identifying data only.
	if _, err := fx.db.LinkPatient(fx.b, other.ID, LinkForm{FacilityOID: fx.fa.OID, Consent: "on", ConsentMethod: "verbal"}); err != nil {
		t.Fatal(err)
	}
	page, _ := fx.db.SearchPatients(fx.a, PatientQuery{Q: other.ID})
	if len(page.Patients) != 1 || page.Patients[0].InsurerNumber != "" || page.Patients[0].Name != "山田　花江" {
		t.Fatalf("linked by id: %+v", page.Patients)
	}
}

func TestSearchPagination(t *testing.T) {
	fx := newPRSFixture(t)
	if err := fx.db.GeneratePatients(fx.fa.OID, fx.a.MemberID, 7, 0, 450); err != nil {
		t.Fatal(err)
	}
	if err := fx.db.GeneratePatients(fx.fb.OID, fx.b.MemberID, 8, 0, 50); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"", "サ", "田", "G7-00001", "さとう"} {
		seen := map[string]bool{}
		after := ""
		pages := 0
		var ref []Patient
		for {
			page, err := fx.db.SearchPatients(fx.a, PatientQuery{Q: q, After: after, Limit: 25})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page.Patients {
				if seen[p.ID] {
					t.Fatalf("%q: %s on two pages", q, p.ID)
				}
				if p.FacilityOID != fx.fa.OID {
					t.Fatalf("%q: other facility's patient %s", q, p.ID)
				}
				seen[p.ID] = true
				ref = append(ref, p)
			}
			pages++
			if page.Next == "" {
				break
			}
			if len(page.Patients) != 25 {
				t.Fatalf("%q: short page %d with a next cursor", q, len(page.Patients))
			}
			after = page.Next
		}
		// Compare with a full scan.
		mode, key := ClassifyPatientQuery(q)
		want := 0
		_ = fx.db.View(func(tx *Tx) error {
			return tx.bucket(bucketPatients).ForEach(func(k, v []byte) error {
				p, _, _ := patientBySeqTx(tx, btoi(k))
				if p.FacilityOID != fx.fa.OID {
					return nil
				}
				switch mode {
				case SearchAll:
					want++
				case SearchKana:
					if strings.HasPrefix(jptext.KanaSearchKey(p.NameKana), key) {
						want++
					}
				case SearchName:
					if strings.Contains(nameSearchKey(p.Name), key) {
						want++
					}
				case SearchChart:
					if strings.HasPrefix(p.ChartNumber, key) {
						want++
					}
				}
				return nil
			})
		})
		if len(seen) != want || want == 0 {
			t.Errorf("%q (%s): %d over %d pages, full scan %d", q, mode, len(seen), pages, want)
		}
		if mode == SearchKana {
			for i := 1; i < len(ref); i++ {
				if jptext.KanaSearchKey(ref[i-1].NameKana) > jptext.KanaSearchKey(ref[i].NameKana) {
					t.Fatalf("kana results out of order: %s > %s", ref[i-1].NameKana, ref[i].NameKana)
				}
			}
		}
		if mode == SearchAll || mode == SearchName {
			for i := 1; i < len(ref); i++ {
				if ref[i-1].Seq < ref[i].Seq {
					t.Fatalf("%q: not newest first", q)
				}
			}
		}
	}
	// A forged cursor cannot leave the facility.
	page, err := fx.db.SearchPatients(fx.a, PatientQuery{After: cursorEnc.EncodeToString([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range page.Patients {
		if p.FacilityOID != fx.fa.OID {
			t.Fatal("cursor escaped the facility")
		}
	}
}

func TestIndexesStayConsistent(t *testing.T) {
	fx := newPRSFixture(t)
	if err := fx.db.GeneratePatients(fx.fa.OID, fx.a.MemberID, 3, 0, 120); err != nil {
		t.Fatal(err)
	}
	page, _ := fx.db.SearchPatients(fx.a, PatientQuery{Limit: 100})
	for i, p := range page.Patients[:30] {
		f := FormFromPatient(p)
		f.NameKana, f.Name, f.BirthDate, f.ChartNumber = "テスト", fmt.Sprintf("試験 %d", i), "2000-01-01", fmt.Sprintf("T%d", i)
		f.ConfirmDuplicate = true
		if _, err := fx.db.UpdatePatient(fx.a, p.ID, 1, f); err != nil {
			t.Fatal(err)
		}
	}
	// Every index entry points at a patient whose current values match it,
	// and every patient has exactly its entries.
	err := fx.db.View(func(tx *Tx) error {
		counts := map[string]int{}
		prefix := indexKey(fx.fa.OID)
		return func() error {
			c := tx.bucket(bucketPatientIndex).Cursor()
			for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
				parts := strings.SplitN(string(k[len(prefix)+1:]), "\x00", 2)
				kind := parts[0]
				if kind == "#" {
					continue
				}
				var id string
				var seq uint64
				switch kind {
				case "k", "b":
					id, seq = string(k[len(k)-PatientIDLength:]), btoi(v)
				case "c":
					id, seq = string(v[:PatientIDLength]), btoi(v[PatientIDLength:])
				case "o":
					row, ok := decodePatientRow(fx.fa.OID, btoi(k[len(k)-8:]), v)
					if !ok {
						t.Errorf("bad row %q", v)
						continue
					}
					id, seq = row.ID, row.Seq
				}
				p, found, _ := patientTx(tx, id)
				if !found || p.Seq != seq {
					t.Errorf("index %s points at %s/%d: found %v seq %d", kind, id, seq, found, p.Seq)
					continue
				}
				switch kind {
				case "k":
					if !strings.Contains(string(k), jptext.KanaSearchKey(p.NameKana)+"\x00") {
						t.Errorf("stale kana entry for %s", id)
					}
				case "b":
					if !strings.Contains(string(k), p.BirthDate.Format("20060102")+"\x00"+jptext.KanaSearchKey(p.NameKana)+"\x00") {
						t.Errorf("stale birth entry for %s", id)
					}
				case "c":
					if string(k[len(k)-len(p.ChartNumber):]) != p.ChartNumber {
						t.Errorf("stale chart entry for %s", id)
					}
				case "o":
					row, _ := decodePatientRow(fx.fa.OID, seq, v)
					want := Patient{ID: p.ID, FacilityOID: p.FacilityOID, Seq: p.Seq, Status: p.Status, Name: p.Name, NameKana: p.NameKana,
						BirthDate: p.BirthDate, Sex: p.Sex, ChartNumber: p.ChartNumber}
					if row != want || string(rowNameKey(v)) != nameSearchKey(p.Name) {
						t.Errorf("stale row for %s: %+v", id, row)
					}
				}
				counts[kind+id]++
			}
			n := 0
			_ = tx.bucket(bucketPatients).ForEach(func(k, _ []byte) error {
				n++
				p, _, _ := patientBySeqTx(tx, btoi(k))
				if seq := tx.bucket(bucketPatientIDs).Get([]byte(p.ID)); len(seq) != 8 || btoi(seq) != p.Seq {
					t.Errorf("%s: ID map points at %x", p.ID, seq)
				}
				for _, kind := range []string{"k", "b", "c", "o"} {
					if counts[kind+p.ID] != 1 {
						t.Errorf("%s has %d %s entries", p.ID, counts[kind+p.ID], kind)
					}
				}
				return nil
			})
			if ids := tx.bucket(bucketPatientIDs).Stats().KeyN; ids != n {
				t.Errorf("%d IDs for %d patients", ids, n)
			}
			if n != 120 {
				t.Errorf("%d patients", n)
			}
			return nil
		}()
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPatientLinks(t *testing.T) {
	fx := newPRSFixture(t)
	p := mustRegister(t, fx.db, fx.a, samplePatient())
	// Unlinked: the other facility cannot see it at all.
	if _, err := fx.db.ViewPatient(fx.b, p.ID); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("unlinked view: %v", err)
	}
	bad := []struct {
		f     LinkForm
		field string
	}{
		{LinkForm{FacilityOID: fx.fb.OID, ConsentMethod: "written"}, "consent"},
		{LinkForm{FacilityOID: fx.fb.OID, Consent: "on"}, "consent_method"},
		{LinkForm{FacilityOID: fx.fb.OID, Consent: "on", ConsentMethod: "email"}, "consent_method"},
		{LinkForm{FacilityOID: "", Consent: "on", ConsentMethod: "written"}, "facility_oid"},
		{LinkForm{FacilityOID: "X12", Consent: "on", ConsentMethod: "written"}, "facility_oid"},
		{LinkForm{FacilityOID: "F999999", Consent: "on", ConsentMethod: "written"}, "facility_oid"},
		{LinkForm{FacilityOID: fx.fa.OID, Consent: "on", ConsentMethod: "written"}, "facility_oid"},
		{LinkForm{FacilityOID: fx.fb.OID, Consent: "on", ConsentMethod: "written", ConsentDate: "2026-04-02"}, "consent_date"},
		{LinkForm{FacilityOID: fx.fb.OID, Consent: "on", ConsentMethod: "written", ConsentDate: "R8.2.30"}, "consent_date"},
	}
	for _, tc := range bad {
		if _, err := fx.db.LinkPatient(fx.a, p.ID, tc.f); ErrorFields(err)[tc.field] == "" {
			t.Errorf("%+v: %v, want a message on %s", tc.f, err, tc.field)
		}
	}
	l, err := fx.db.LinkPatient(fx.a, p.ID, LinkForm{FacilityOID: strings.ToLower(fx.fb.OID), Consent: "on", ConsentMethod: "written", ConsentDate: "令和8年3月31日"})
	if err != nil {
		t.Fatal(err)
	}
	if l.FacilityOID != fx.fb.OID || l.ConsentDateString() != "2026-03-31" || l.ConsentMethod.Label() != "書面" || l.FacilityName != "連携病院" {
		t.Fatalf("link %+v", l)
	}
	if _, err := fx.db.LinkPatient(fx.a, p.ID, LinkForm{FacilityOID: fx.fb.OID, Consent: "on", ConsentMethod: "verbal"}); !strings.Contains(ErrorFields(err)["facility_oid"], "既に連携") {
		t.Fatalf("second link: %v", err)
	}
	// The linked facility sees what identifies the patient, nothing more.
	rec, err := fx.db.ViewPatient(fx.b, p.ID)
	if err != nil || rec.Home || rec.Patient.Name != "山田　太郎" || rec.Patient.BirthDateString() != "1970-04-01" {
		t.Fatalf("linked view %+v %v", rec, err)
	}
	if rec.Patient.InsurerNumber != "" || rec.Patient.Allergies != "" || rec.Patient.ChartNumber != "" || rec.Patient.Phone != "" || len(rec.Versions) != 0 || rec.HomeFacility != fx.fa.Name {
		t.Fatalf("linked view shows the home facility's record: %+v", rec)
	}
	list, err := fx.db.LinkedPatients(fx.b, "", 0)
	if err != nil || len(list.Patients) != 1 || list.Patients[0].Patient.ID != p.ID || list.Patients[0].HomeFacility != fx.fa.Name {
		t.Fatalf("linked list %+v %v", list, err)
	}
	if list, _ := fx.db.LinkedPatients(fx.a, "", 0); len(list.Patients) != 0 {
		t.Fatalf("home facility's linked list %+v", list)
	}
	// The linked facility may not change, link or print, whatever it sends.
	if _, err := fx.db.UpdatePatient(fx.b, p.ID, 0, samplePatient()); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("linked edit: %v", err)
	}
	invalid := samplePatient()
	invalid.BirthDate, invalid.NameKana = "むかし", "山田"
	if _, err := fx.db.UpdatePatient(fx.b, p.ID, 0, invalid); ErrorCode(err) != EFORBIDDEN || ErrorFields(err) != nil {
		t.Fatalf("linked invalid edit: %v %v", err, ErrorFields(err))
	}
	if _, err := fx.db.LinkPatient(fx.b, p.ID, LinkForm{FacilityOID: fx.fb.OID, Consent: "on", ConsentMethod: "verbal"}); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("linked link: %v", err)
	}
	if _, err := fx.db.IssuePatientAccessCard(fx.b, p.ID, nil); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("linked card: %v", err)
	}
	if err := fx.db.UnlinkPatient(fx.b, p.ID, fx.fb.OID, ""); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("linked unlink: %v", err)
	}
	// Consent withdrawn: unlinked, history kept.
	*fx.now = fx.now.Add(time.Hour)
	if err := fx.db.UnlinkPatient(fx.a, p.ID, fx.fb.OID, "同意撤回"); err != nil {
		t.Fatal(err)
	}
	if err := fx.db.UnlinkPatient(fx.a, p.ID, fx.fb.OID, ""); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("unlink twice: %v", err)
	}
	if _, err := fx.db.ViewPatient(fx.b, p.ID); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("view after unlink: %v", err)
	}
	if list, _ := fx.db.LinkedPatients(fx.b, "", 0); len(list.Patients) != 0 {
		t.Fatalf("linked list after unlink %+v", list)
	}
	rec, _ = fx.db.ViewPatient(fx.a, p.ID)
	if len(rec.Links) != 1 || rec.Links[0].Active() || rec.Links[0].RevokeReason != "同意撤回" || !rec.Links[0].RevokedAt.Equal(*fx.now) {
		t.Fatalf("link history %+v", rec.Links)
	}
	// Linked again later: a second record.
	if _, err := fx.db.LinkPatient(fx.a, p.ID, LinkForm{FacilityOID: fx.fb.OID, Consent: "on", ConsentMethod: "verbal"}); err != nil {
		t.Fatal(err)
	}
	rec, _ = fx.db.ViewPatient(fx.a, p.ID)
	if len(rec.Links) != 2 || !rec.Links[0].Active() || rec.Links[0].ConsentMethod != ConsentVerbal || rec.Links[0].ConsentDateString() != "2026-04-01" {
		t.Fatalf("relinked history %+v", rec.Links)
	}
	// An edit, a card, deactivation and reactivation.
	e := FormFromPatient(rec.Patient)
	e.Phone = "03-7777-8888"
	if _, err := fx.db.UpdatePatient(fx.a, p.ID, rec.Patient.Version, e); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.IssuePatientAccessCard(fx.a, p.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.SetPatientActive(fx.a, p.ID, false, "転居のため"); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.SetPatientActive(fx.a, p.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	// Everything was audited against the patient, by whom and with what.
	page, err := fx.db.ListAudit(AuditFilter{Patient: p.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	details := map[string][]string{}
	for _, e := range page.Events {
		details[string(e.Action)+"/"+e.Actor] = append(details[string(e.Action)+"/"+e.Actor], e.Detail)
	}
	for _, want := range []struct{ action, actor, detail string }{
		{"patient.create", fx.a.MemberID, ""},
		{"patient.view", fx.a.MemberID, "home"},
		{"patient.view", fx.b.MemberID, "linked"},
		{"patient.link", fx.a.MemberID, "facility:" + fx.fb.OID + " consent:written 2026-03-31"},
		{"patient.unlink", fx.a.MemberID, "facility:" + fx.fb.OID + " 同意撤回"},
		{"patient.update", fx.a.MemberID, "fields:phone"},
		{"patient.card", fx.a.MemberID, "card:1"},
		{"patient.deactivate", fx.a.MemberID, "転居のため"},
		{"patient.reactivate", fx.a.MemberID, ""},
	} {
		if !slices.Contains(details[want.action+"/"+want.actor], want.detail) {
			t.Errorf("not audited: %s by %s with %q (have %q)", want.action, want.actor, want.detail, details[want.action+"/"+want.actor])
		}
	}
	if v, _ := fx.db.VerifyAudit(); !v.OK {
		t.Fatalf("audit chain: %+v", v)
	}
}

func TestLinkedPatientsPagination(t *testing.T) {
	fx := newPRSFixture(t)
	if err := fx.db.GeneratePatients(fx.fa.OID, fx.a.MemberID, 5, 0, 45); err != nil {
		t.Fatal(err)
	}
	page, _ := fx.db.SearchPatients(fx.a, PatientQuery{Limit: 100})
	for _, p := range page.Patients {
		if _, err := fx.db.LinkPatient(fx.a, p.ID, LinkForm{FacilityOID: fx.fb.OID, Consent: "on", ConsentMethod: "written"}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	after := ""
	for {
		lp, err := fx.db.LinkedPatients(fx.b, after, 20)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lp.Patients {
			if seen[l.Patient.ID] {
				t.Fatalf("%s twice", l.Patient.ID)
			}
			seen[l.Patient.ID] = true
		}
		if lp.Next == "" {
			break
		}
		after = lp.Next
	}
	if len(seen) != 45 {
		t.Fatalf("%d linked patients listed", len(seen))
	}
}

func TestAccessCardRotation(t *testing.T) {
	fx := newPRSFixture(t)
	p := mustRegister(t, fx.db, fx.a, samplePatient())
	if _, err := fx.db.VerifyPatientAccess(p.ID, "ABCD-EFGH-JKLM"); ErrorCode(err) != EUNAUTHORIZED {
		t.Fatalf("no card yet: %v", err)
	}
	c1, err := fx.db.IssuePatientAccessCard(fx.a, p.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c1.Number != 1 || c1.FacilityName != fx.fa.Name || c1.Patient.ID != p.ID || c1.Patient.AccessCodeHash != "" {
		t.Fatalf("card %+v", c1)
	}
	if _, err := NormalizeAccessCode(c1.Code); err != nil {
		t.Fatalf("code %q: %v", c1.Code, err)
	}
	// Only a hash is stored.
	_ = fx.db.View(func(tx *Tx) error {
		raw := string(tx.bucket(bucketPatients).Get(itob(p.Seq)))
		if strings.Contains(raw, c1.Code) || strings.Contains(raw, strings.ReplaceAll(c1.Code, "-", "")) || !strings.Contains(raw, "$argon2id$") {
			t.Errorf("stored record: %s", raw)
		}
		return nil
	})
	got, err := fx.db.VerifyPatientAccess(strings.ToLower(FormatPatientID(p.ID)), strings.ToLower(strings.ReplaceAll(c1.Code, "-", "")))
	if err != nil || got.ID != p.ID || got.AccessCodeHash != "" || got.Name != p.Name {
		t.Fatalf("verify: %+v %v", got, err)
	}
	c2, err := fx.db.IssuePatientAccessCard(fx.a, p.ID, nil)
	if err != nil || c2.Number != 2 || c2.Code == c1.Code {
		t.Fatalf("second card %+v %v", c2, err)
	}
	if _, err := fx.db.VerifyPatientAccess(p.ID, c1.Code); ErrorCode(err) != EUNAUTHORIZED {
		t.Fatalf("old code still works: %v", err)
	}
	if _, err := fx.db.VerifyPatientAccess(p.ID, c2.Code); err != nil {
		t.Fatalf("new code: %v", err)
	}
	// A card that could not be printed changes nothing.
	var printed PatientCard
	if _, err := fx.db.IssuePatientAccessCard(fx.a, p.ID, func(c PatientCard) error { printed = c; return errors.New("printer") }); err == nil {
		t.Fatal("print failure not reported")
	}
	if _, err := fx.db.VerifyPatientAccess(p.ID, c2.Code); err != nil || printed.Number != 3 {
		t.Fatalf("failed print rotated the code: %v (card %d)", err, printed.Number)
	}
	if _, err := fx.db.VerifyPatientAccess(p.ID, printed.Code); ErrorCode(err) != EUNAUTHORIZED {
		t.Fatalf("unprinted code works: %v", err)
	}
	other := mustRegister(t, fx.db, fx.a, PatientForm{Name: "別人", NameKana: "ベツジン", BirthDate: "2000-01-01", Sex: "male"})
	for _, tc := range [][2]string{{other.ID, c2.Code}, {"P123", c2.Code}, {"", c2.Code}, {p.ID, ""}, {p.ID, "not a code"}, {NewPatientID(), c2.Code}} {
		if _, err := fx.db.VerifyPatientAccess(tc[0], tc[1]); ErrorCode(err) != EUNAUTHORIZED || !strings.Contains(err.Error(), "患者IDまたはアクセスコードが正しくありません") {
			t.Errorf("verify %q %q: %v", tc[0], tc[1], err)
		}
	}
	// A deactivated patient's card stops working.
	if _, err := fx.db.SetPatientActive(fx.a, p.ID, false, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.VerifyPatientAccess(p.ID, c2.Code); ErrorCode(err) != EUNAUTHORIZED {
		t.Fatalf("inactive patient: %v", err)
	}
	// Strangers cannot print cards.
	if _, err := fx.db.IssuePatientAccessCard(fx.b, other.ID, nil); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("stranger card: %v", err)
	}
}

func TestPRSUnlock(t *testing.T) {
	fx := newPRSFixture(t)
	// Right pair.
	f, err := fx.db.PRSUnlock(fx.a.MemberID, strings.ToLower(fx.fa.OID), testFacilityPassword, "198.51.100.1")
	if err != nil || f.OID != fx.fa.OID {
		t.Fatalf("unlock: %v", err)
	}
	// Another facility's correct OID and password: refused.
	if _, err := fx.db.PRSUnlock(fx.a.MemberID, fx.fb.OID, testFacilityPassword, "198.51.100.1"); ErrorCode(err) != EUNAUTHORIZED {
		t.Fatalf("foreign facility: %v", err)
	}
	// The member's own password is not the facility password.
	if _, err := fx.db.PRSUnlock(fx.a.MemberID, fx.fa.OID, "member-Pass-2345", "198.51.100.1"); ErrorCode(err) != EUNAUTHORIZED {
		t.Fatalf("member password: %v", err)
	}
	// Any password the policy accepts unlocks, 128 kanji (384 bytes)
	// included.
	long := strings.Repeat("施設暗号鍵", 25) + "施設暗"
	if err := fx.db.PRSChangeFacilityPassword(fx.a, FacilityPasswordForm{Current: testFacilityPassword, New: long, Confirm: long}, ""); err != nil {
		t.Fatalf("change to a long password: %v", err)
	}
	if _, err := fx.db.PRSUnlock(fx.a.MemberID, fx.fa.OID, long, "198.51.100.1"); err != nil {
		t.Fatalf("unlock with a %d-byte password: %v", len(long), err)
	}
	// Nobody can count failures against a member's unlock from the login
	// form: no typed login ID normalises to the PRS account key.
	if NormalizeAccountID(PRSAccount(fx.a.MemberID)) == PRSAccount(fx.a.MemberID) {
		t.Fatal("a login ID can name the PRS throttle account")
	}
}

// prsStep is one event of a PRS unlock throttle scenario.
type prsStep struct {
	wait   time.Duration // advance the clock first
	op     string        // "fail" (wrong password), "ok" (right one), "reopen" (close and open the store), "clear" (the operator lifts the member's hold)
	member string        // "a", "a2", "a3" (one facility), "b" (another)
	addr   string
	times  int  // repeat with addresses addr+"0", addr+"1", … when addr ends in ":" or "."; else the same address
	want   Code // of the (last) attempt; "" for success
	msg    string
}

func TestPRSUnlockThrottledLikeLogin(t *testing.T) {
	const ip6, ip6b, ip4 = "2001:db8:1:2::1", "2001:db8:1:2:ffff::7", "198.51.100.7"
	cases := []struct {
		name  string
		steps []prsStep
	}{
		{"ten failures hold the member in the /64, the right password too, across a restart", []prsStep{
			{op: "fail", member: "a", addr: "2001:db8:1:2::a:", times: 9, want: EUNAUTHORIZED},
			{op: "fail", member: "a", addr: ip6, want: EUNAUTHORIZED, msg: "施設認証を 12:15 まで一時的に停止します"},
			{op: "ok", member: "a", addr: ip6b, want: ETHROTTLED, msg: "施設パスワードの入力に続けて失敗したため、施設認証を一時的に停止しています。12:15 以降"},
			{op: "reopen"},
			{op: "ok", member: "a", addr: ip6, want: ETHROTTLED},
			{op: "ok", member: "a2", addr: ip6},
			{op: "ok", member: "a", addr: ip4},
			{wait: PairHoldFor, op: "ok", member: "a", addr: ip6},
		}},
		{"failures from ever new addresses slow the member down", []prsStep{
			{op: "fail", member: "a", addr: "203.0.113.", times: AccountSlowAfter, want: EUNAUTHORIZED},
			{op: "ok", member: "a", addr: ip4, want: ETHROTTLED, msg: "施設認証の間隔を制限しています"},
			{op: "ok", member: "b", addr: ip4},
			{wait: AccountInterval, op: "ok", member: "a", addr: ip4},
		}},
		{"the members of one facility slow down together", []prsStep{
			{op: "fail", member: "a", addr: "203.0.113.", times: AccountSlowAfter / 2, want: EUNAUTHORIZED},
			{op: "fail", member: "a2", addr: "192.0.2.", times: AccountSlowAfter / 2, want: EUNAUTHORIZED},
			{op: "ok", member: "a3", addr: ip4, want: ETHROTTLED, msg: "この施設の施設認証の失敗が続いている"},
			{op: "ok", member: "b", addr: ip4},
			{wait: AccountInterval, op: "ok", member: "a3", addr: ip4},
		}},
		{"an address the member unlocked from is exempt from the slow-down", []prsStep{
			{op: "ok", member: "a", addr: ip4},
			{op: "fail", member: "a", addr: "203.0.113.", times: AccountSlowAfter, want: EUNAUTHORIZED},
			{op: "ok", member: "a", addr: ip4},
			{op: "ok", member: "a", addr: "192.0.2.99", want: ETHROTTLED},
		}},
		{"the operator lifts the hold", []prsStep{
			{op: "fail", member: "a", addr: ip6, times: PairFailureLimit, want: EUNAUTHORIZED},
			{op: "ok", member: "a", addr: ip6, want: ETHROTTLED},
			{op: "clear", member: "a", addr: ip6},
			{op: "ok", member: "a", addr: ip6},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := newPRSFixture(t)
			*fx.now = time.Date(2026, 4, 1, 3, 0, 0, 0, time.UTC) // 12:00 in Japan
			members := map[string]string{"a": fx.a.MemberID, "b": fx.b.MemberID}
			for _, k := range []string{"a2", "a3"} {
				m, _, err := fx.db.CreateTestMember(TestMemberSpec{Name: "同僚 " + k, Password: "member-Pass-2345", FacilityOID: fx.fa.OID})
				if err != nil {
					t.Fatal(err)
				}
				members[k] = m.ID
			}
			oids := map[string]string{"a": fx.fa.OID, "a2": fx.fa.OID, "a3": fx.fa.OID, "b": fx.fb.OID}
			for i, st := range tc.steps {
				*fx.now = fx.now.Add(st.wait)
				switch st.op {
				case "reopen":
					path := fx.db.Path()
					fx.db.Close()
					db, err := Open(path, Options{})
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { db.Close() })
					now := fx.now
					db.SetClock(func() time.Time { return *now })
					fx.db = db
					continue
				case "clear":
					holds, err := fx.db.LoginHolds(members[st.member])
					if err != nil || len(holds) != 1 {
						t.Fatalf("step %d: holds %+v %v", i, holds, err)
					}
					h := holds[0]
					if !h.PRS() || h.MemberID() != members[st.member] || h.Addr != ThrottleAddr(st.addr) || !strings.Contains(h.Label(), "施設認証") {
						t.Fatalf("step %d: hold %+v (%s)", i, h, h.Label())
					}
					if err := fx.db.ClearLoginHold(h.Key(), "admin", ""); err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
					continue
				}
				n := max(st.times, 1)
				for j := 0; j < n; j++ {
					addr := st.addr
					if strings.HasSuffix(addr, ".") || strings.HasSuffix(addr, ":") {
						addr += fmt.Sprint(j + 1)
					}
					pw := testFacilityPassword
					if st.op == "fail" {
						pw = fmt.Sprintf("wrong-%d", j)
					}
					_, err := fx.db.PRSUnlock(members[st.member], oids[st.member], pw, addr)
					if j < n-1 {
						if ErrorCode(err) != st.want {
							t.Fatalf("step %d, attempt %d from %s: %v, want %q", i, j, addr, err, st.want)
						}
						continue
					}
					if ErrorCode(err) != st.want || (err != nil && !strings.Contains(err.Error(), st.msg)) {
						t.Fatalf("step %d (%s %s from %s): %v, want %q %q", i, st.op, st.member, addr, err, st.want, st.msg)
					}
					if st.want == ETHROTTLED && !RetryAt(err).After(*fx.now) {
						t.Fatalf("step %d: retry at %v", i, RetryAt(err))
					}
				}
			}
		})
	}
}

func TestPRSUnlockHoldIsAudited(t *testing.T) {
	fx := newPRSFixture(t)
	for i := 0; i < PairFailureLimit; i++ {
		fx.db.PRSUnlock(fx.a.MemberID, fx.fa.OID, "wrong", "198.51.100.1")
	}
	fx.db.PRSUnlock(fx.a.MemberID, fx.fa.OID, testFacilityPassword, "198.51.100.1")
	*fx.now = fx.now.Add(PairHoldFor)
	if _, err := fx.db.PRSUnlock(fx.a.MemberID, fx.fa.OID, testFacilityPassword, "198.51.100.1"); err != nil {
		t.Fatalf("after the hold: %v", err)
	}
	page, _ := fx.db.ListAudit(AuditFilter{Actor: fx.a.MemberID, Action: "prs.unlock", Limit: 100})
	results := map[string]int{}
	for _, e := range page.Events {
		results[e.Result]++
	}
	if results[ResultOK] != 1 || results[ResultFailed] != PairFailureLimit || results[ResultDenied] != 1 {
		t.Fatalf("audit results %v", results)
	}
	page, _ = fx.db.ListAudit(AuditFilter{Actor: fx.a.MemberID, Action: "login.hold"})
	if len(page.Events) != 1 || !strings.Contains(page.Events[0].Detail, "施設認証") || page.Events[0].Object != "login-hold:account|"+PRSAccount(fx.a.MemberID)+"|198.51.100.1" {
		t.Fatalf("hold audit: %+v", page.Events)
	}
	// The member's login is not held by it.
	if _, err := fx.db.CheckLogin(LoginAttempt{Account: fx.a.MemberID, Addr: "198.51.100.1"}); err != nil {
		t.Fatalf("login held by PRS failures: %v", err)
	}
}

func TestFacilityInfoAndPassword(t *testing.T) {
	fx := newPRSFixture(t)
	_, err := fx.db.PRSUpdateFacility(fx.a, FacilityInfoForm{Name: "", Postal: "12", Address: "", Phone: "1", Departments: "内科"})
	fe := ErrorFields(err)
	for _, f := range []string{"name", "postal", "address", "phone"} {
		if fe[f] == "" {
			t.Errorf("no message for %s: %v", f, fe)
		}
	}
	f, err := fx.db.PRSUpdateFacility(fx.a, FacilityInfoForm{Name: "やまだ内科クリニック", Postal: "１６０－００２３", Address: "東京都新宿区西新宿1-1",
		Phone: "03-1111-2222", Departments: "内科\n小児科、皮膚科,内科\n\n"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Postal != "160-0023" || strings.Join(f.Departments, "/") != "内科/小児科/皮膚科" {
		t.Fatalf("facility %+v", f)
	}
	// A name as the application form writes it (one ASCII space, as every
	// facility is registered) is kept as it is: saving the page unchanged
	// changes and audits nothing.
	if f, err = fx.db.PRSUpdateFacility(fx.a, FacilityInfoForm{Name: "やまだ　内科  ＣＬＩＮＩＣ", Postal: f.Postal, Address: f.Address, Phone: f.Phone,
		Departments: "内科"}); err != nil || f.Name != "やまだ 内科 CLINIC" {
		t.Fatalf("name %q, %v", f.Name, err)
	}
	before, _ := fx.db.ListAudit(AuditFilter{Action: "facility.update"})
	if _, err := fx.db.PRSUpdateFacility(fx.a, FacilityInfoFormFrom(f)); err != nil {
		t.Fatal(err)
	}
	if after, _ := fx.db.ListAudit(AuditFilter{Action: "facility.update"}); len(after.Events) != len(before.Events) {
		t.Fatalf("saving the page unchanged was audited as a change: %+v", after.Events[0])
	}
	// Password change: the current one is checked, the policy applies.
	s1, _, _ := fx.db.NewSession(Session{Kind: SessionMember, MemberID: fx.a.MemberID, PRSFacility: fx.fa.OID})
	_ = s1
	other, err := fx.db.Members(func(m Member) bool { return m.ID == fx.a.MemberID })
	if err != nil || len(other) != 1 {
		t.Fatal(err)
	}
	_, keep, _ := fx.db.NewSession(Session{Kind: SessionMember, MemberID: fx.a.MemberID, PRSFacility: fx.fa.OID})
	tok2, s2, _ := fx.db.NewSession(Session{Kind: SessionMember, MemberID: fx.a.MemberID, PRSFacility: fx.fa.OID})
	bad := []struct {
		f     FacilityPasswordForm
		field string
	}{
		{FacilityPasswordForm{Current: "", New: "another-Facility-77", Confirm: "another-Facility-77"}, "current"},
		{FacilityPasswordForm{Current: "wrong", New: "another-Facility-77", Confirm: "another-Facility-77"}, "current"},
		{FacilityPasswordForm{Current: testFacilityPassword, New: "short", Confirm: "short"}, "new"},
		{FacilityPasswordForm{Current: testFacilityPassword, New: "password1234", Confirm: "password1234"}, "new"},
		{FacilityPasswordForm{Current: testFacilityPassword, New: strings.ToLower(fx.fa.OID) + "-long-pass", Confirm: strings.ToLower(fx.fa.OID) + "-long-pass"}, "new"},
		{FacilityPasswordForm{Current: testFacilityPassword, New: "another-Facility-77", Confirm: "another-Facility-78"}, "confirm"},
		{FacilityPasswordForm{Current: testFacilityPassword, New: testFacilityPassword, Confirm: testFacilityPassword}, "new"},
	}
	for _, tc := range bad {
		if err := fx.db.PRSChangeFacilityPassword(fx.a, tc.f, keep.ID); ErrorFields(err)[tc.field] == "" {
			t.Errorf("%+v: %v %v", tc.f, err, ErrorFields(err))
		}
	}
	if err := fx.db.PRSChangeFacilityPassword(fx.a, FacilityPasswordForm{Current: testFacilityPassword, New: "another-Facility-77", Confirm: "another-Facility-77"}, keep.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.PRSUnlock(fx.a.MemberID, fx.fa.OID, testFacilityPassword, "x"); ErrorCode(err) != EUNAUTHORIZED {
		t.Fatalf("old facility password: %v", err)
	}
	if _, err := fx.db.PRSUnlock(fx.a.MemberID, fx.fa.OID, "another-Facility-77", "x"); err != nil {
		t.Fatalf("new facility password: %v", err)
	}
	// Other sessions must unlock again; the one that changed it stays.
	if s, err := fx.db.SessionByToken(tok2); err != nil || s.ID != s2.ID || s.PRSFacility != "" {
		t.Fatalf("other session still unlocked: %+v %v", s, err)
	}
	var kept Session
	_ = fx.db.View(func(tx *Tx) error {
		_, err := getJSON(tx.bucket(bucketSessions), []byte(keep.ID), &kept)
		return err
	})
	if kept.PRSFacility != fx.fa.OID {
		t.Fatalf("changing session lost its unlock")
	}
}

func TestGeneratedPatientsAreValid(t *testing.T) {
	now := time.Now()
	for i := 0; i < 2000; i++ {
		f := GeneratedPatientForm(1, i)
		if err := f.validate(now); err != nil {
			t.Fatalf("%d: %v %v", i, err, ErrorFields(err))
		}
	}
	if a, b := GeneratedPatientForm(9, 5), GeneratedPatientForm(9, 5); a != b {
		t.Fatal("generator not deterministic")
	}
	// GeneratedName gives each reading once (the load test relies on it to
	// register no likely duplicate), every name valid.
	readings := map[string]bool{}
	for i := 0; i < GeneratedNames(); i++ {
		name, kana, sex := GeneratedName(i)
		f := PatientForm{Name: name, NameKana: kana, Sex: string(sex), BirthDate: GeneratedBirthDatesEnd.Format("2006-01-02")}
		if err := f.validate(now); err != nil {
			t.Fatalf("name %d: %v %v", i, err, ErrorFields(err))
		}
		if readings[jptext.KanaSearchKey(kana)] {
			t.Fatalf("reading %s twice", kana)
		}
		readings[jptext.KanaSearchKey(kana)] = true
	}
	if GeneratedNames() < 3000 {
		t.Fatalf("%d names", GeneratedNames())
	}
}

func TestPRSActorRequired(t *testing.T) {
	db, _ := mustOpen(t)
	if _, err := db.RegisterPatient(PRSActor{MemberID: "H000001"}, samplePatient()); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("no facility: %v", err)
	}
	if _, err := db.SearchPatients(PRSActor{}, PatientQuery{}); !errors.Is(err, err) || ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("search without actor: %v", err)
	}
}

func FuzzNormalizePatientID(f *testing.F) {
	for _, s := range []string{"", NewPatientID(), FormatPatientID(NewPatientID()), "p-abcd-efgh-jkln", "Ｐ１２３", "P\xff", "P0000000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := NormalizePatientID(s)
		if err != nil {
			return
		}
		if id != "" && !ValidPatientID(id) {
			t.Fatalf("%q → invalid %q", s, id)
		}
		if again, err := NormalizePatientID(FormatPatientID(id)); err != nil || again != id {
			t.Fatalf("%q does not round-trip: %q %v", id, again, err)
		}
	})
}

func FuzzClassifyPatientQuery(f *testing.F) {
	for _, s := range []string{"", "やまだ", "ﾔﾏﾀﾞ", "山田", "S45.4.1", "1970-04-01", "A-100", NewPatientID(), "\x00", "ヴ", "123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mode, key := ClassifyPatientQuery(s)
		if (mode == SearchAll) != (key == "") {
			t.Fatalf("%q: mode %s with key %q", s, mode, key)
		}
		if strings.ContainsRune(key, 0) {
			t.Fatalf("%q: key %q has a separator", s, key)
		}
	})
}

func TestGroupedRegistrations(t *testing.T) {
	fx := newPRSFixture(t)
	const n = 40
	var wg sync.WaitGroup
	errs := make([]error, n)
	ids := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := GeneratedPatientForm(5, i)
			f.ChartNumber = fmt.Sprintf("GR-%d", i)
			if i == n-1 {
				f.ChartNumber = "GR-0" // taken by patient 0, whichever commits first
			}
			a := fx.a
			if i%10 == 9 {
				a = PRSActor{MemberID: fx.a.MemberID, FacilityOID: "F999999"} // no such facility
			}
			p, err := fx.db.RegisterPatient(a, f)
			errs[i], ids[i] = err, p.ID
		}()
	}
	wg.Wait()
	ok, chartRefused, noFacility := 0, 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
			if !ValidPatientID(ids[i]) {
				t.Errorf("%d: id %q", i, ids[i])
			}
		case ErrorFields(err)["chart_number"] != "":
			chartRefused++
		case ErrorCode(err) == ENOTFOUND:
			noFacility++
		default:
			t.Errorf("%d: %v", i, err)
		}
	}
	// The actors without a facility (9, 19, 29, 39) fail alone; 39's
	// clashing chart number is never looked at. Everyone else is stored.
	if noFacility != 4 || chartRefused != 0 || ok != n-4 {
		t.Fatalf("ok %d, chart refused %d, no facility %d", ok, chartRefused, noFacility)
	}
	if c, _ := fx.db.CountPatients(fx.fa.OID); c != n-4 {
		t.Fatalf("stored %d", c)
	}
	// A clash inside one group: exactly one of two wins.
	var r1, r2 error
	wg.Add(2)
	go func() {
		defer wg.Done()
		f := GeneratedPatientForm(6, 1)
		f.ChartNumber = "SAME"
		_, r1 = fx.db.RegisterPatient(fx.a, f)
	}()
	go func() {
		defer wg.Done()
		f := GeneratedPatientForm(6, 2)
		f.ChartNumber = "SAME"
		_, r2 = fx.db.RegisterPatient(fx.a, f)
	}()
	wg.Wait()
	if (r1 == nil) == (r2 == nil) {
		t.Fatalf("same chart number twice: %v / %v", r1, r2)
	}
	if v, _ := fx.db.VerifyAudit(); !v.OK {
		t.Fatalf("audit chain: %+v", v)
	}
}

func TestRelockPRSSessions(t *testing.T) {
	fx := newPRSFixture(t)
	tok, _, _ := fx.db.NewSession(Session{Kind: SessionMember, MemberID: fx.a.MemberID, PRSFacility: fx.fa.OID})
	tokB, _, _ := fx.db.NewSession(Session{Kind: SessionMember, MemberID: fx.b.MemberID, PRSFacility: fx.fb.OID})
	if s, _ := fx.db.SessionByToken(tok); s.PRSFacility != fx.fa.OID {
		t.Fatal("not unlocked")
	}
	if err := fx.db.RelockPRSSessions(fx.fa.OID); err != nil {
		t.Fatal(err)
	}
	if s, _ := fx.db.SessionByToken(tok); s.PRSFacility != "" {
		t.Fatal("still unlocked after relock")
	}
	if s, _ := fx.db.SessionByToken(tokB); s.PRSFacility != fx.fb.OID {
		t.Fatal("another facility's session relocked")
	}
}
