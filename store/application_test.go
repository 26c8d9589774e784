package store

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// validApplication is a form for a new facility that passes validation.
func validApplication(email string) ApplicationForm {
	return ApplicationForm{
		Name: "山田 太郎", NameKana: "やまだ たろう", Qualification: "doctor", LicenseNumber: "１２３４５６",
		Email: email, Phone: "03-1234-5678",
		FacilityName: "山田クリニック", FacilityKind: "clinic", FacilityCode: "0110113719",
		FacilityPostal: "1000001", FacilityAddress: "東京都千代田区千代田1-1", FacilityPhone: "０３－１２３４－０００１",
	}
}

func wantCode(t *testing.T, err error, code Code) {
	t.Helper()
	if ErrorCode(err) != code {
		t.Fatalf("error %v (code %q), want %q", err, ErrorCode(err), code)
	}
}

func wantField(t *testing.T, err error, field, contains string) {
	t.Helper()
	fe := ErrorFields(err)
	if msg, ok := fe[field]; !ok || !strings.Contains(msg, contains) {
		t.Fatalf("field %s: %q (all: %v), want it to contain %q", field, msg, fe, contains)
	}
}

func TestApplicationFormValidate(t *testing.T) {
	f := validApplication("Taro@Example.JP")
	if err := f.Validate(); err != nil {
		t.Fatalf("valid form: %v", err)
	}
	if f.NameKana != "ヤマダ　タロウ" || f.LicenseNumber != "123456" || f.FacilityPostal != "100-0001" ||
		f.FacilityPhone != "03-1234-0001" || f.Email != "Taro@example.jp" || f.FacilityChoice != FacilityChoiceNew {
		t.Fatalf("not normalised: %+v", f)
	}

	existing := ApplicationForm{Name: "佐藤 花子", NameKana: "ｻﾄｳ ﾊﾅｺ", Qualification: "nurse", LicenseNumber: "第 1234567 号",
		Email: "hanako@example.jp", Phone: "090 1234 5678", FacilityOID: "ｆ０００００１"}
	if err := existing.Validate(); err != nil {
		t.Fatalf("existing facility form: %v", err)
	}
	if existing.FacilityOID != "F000001" || existing.FacilityChoice != FacilityChoiceExisting || existing.LicenseNumber != "1234567" || existing.NameKana != "サトウ　ハナコ" {
		t.Fatalf("not normalised: %+v", existing)
	}

	for _, tc := range []struct {
		name   string
		edit   func(f *ApplicationForm)
		field  string
		substr string
	}{
		{"name missing", func(f *ApplicationForm) { f.Name = " " }, "name", "氏名を入力"},
		{"kana missing", func(f *ApplicationForm) { f.NameKana = "" }, "name_kana", "フリガナを入力"},
		{"kana kanji", func(f *ApplicationForm) { f.NameKana = "山田" }, "name_kana", "カタカナまたはひらがな"},
		{"qualification", func(f *ApplicationForm) { f.Qualification = "vet" }, "qualification", "資格を選択"},
		{"licence missing", func(f *ApplicationForm) { f.LicenseNumber = "" }, "license_number", "免許番号（登録番号）を入力"},
		{"licence letters", func(f *ApplicationForm) { f.LicenseNumber = "AB12" }, "license_number", "数字10桁以内"},
		{"licence too long", func(f *ApplicationForm) { f.LicenseNumber = "12345678901" }, "license_number", "数字10桁以内"},
		{"email missing", func(f *ApplicationForm) { f.Email = "" }, "email", "メールアドレスを入力"},
		{"email bad", func(f *ApplicationForm) { f.Email = "taro@" }, "email", "形式が正しくありません"},
		{"phone missing", func(f *ApplicationForm) { f.Phone = "" }, "phone", "電話番号を入力"},
		{"phone bad", func(f *ApplicationForm) { f.Phone = "12345" }, "phone", "03-1234-5678"},
		{"no facility", func(f *ApplicationForm) {
			*f = ApplicationForm{Name: f.Name, NameKana: f.NameKana, Qualification: "doctor", LicenseNumber: "1", Email: f.Email, Phone: f.Phone}
		}, "facility_choice", "選んでください"},
		{"both facility kinds", func(f *ApplicationForm) { f.FacilityOID = "F000001" }, "facility_choice", "どちらか一方"},
		{"bad choice", func(f *ApplicationForm) { f.FacilityChoice = "maybe" }, "facility_choice", "選んでください"},
		{"existing without OID", func(f *ApplicationForm) { f.FacilityChoice = FacilityChoiceExisting }, "facility_oid", "施設ID（OID）を入力"},
		{"OID format", func(f *ApplicationForm) { f.FacilityChoice, f.FacilityOID = FacilityChoiceExisting, "12345" }, "facility_oid", "F で始まる7文字"},
		{"facility name", func(f *ApplicationForm) { f.FacilityName = "" }, "facility_name", "施設名を入力"},
		{"facility kind", func(f *ApplicationForm) { f.FacilityKind = "zoo" }, "facility_kind", "施設区分を選択"},
		{"code missing", func(f *ApplicationForm) { f.FacilityCode = "" }, "facility_code", "医療機関コード（10桁）を入力"},
		{"code short", func(f *ApplicationForm) { f.FacilityCode = "12345" }, "facility_code", "10桁の数字"},
		{"code prefecture", func(f *ApplicationForm) { f.FacilityCode = "4810113719" }, "facility_code", "都道府県番号"},
		{"code kind digit", func(f *ApplicationForm) { f.FacilityCode = "0120113719" }, "facility_code", "点数表番号"},
		{"code check digit", func(f *ApplicationForm) { f.FacilityCode = "0110113710" }, "facility_code", "検証番号"},
		{"pharmacy with a clinic code", func(f *ApplicationForm) { f.FacilityKind = "pharmacy" }, "facility_code", "4（調剤）"},
		{"postal missing", func(f *ApplicationForm) { f.FacilityPostal = "" }, "facility_postal", "郵便番号を入力"},
		{"postal bad", func(f *ApplicationForm) { f.FacilityPostal = "12" }, "facility_postal", "7桁"},
		{"address missing", func(f *ApplicationForm) { f.FacilityAddress = "" }, "facility_address", "所在地を入力"},
		{"facility phone missing", func(f *ApplicationForm) { f.FacilityPhone = "" }, "facility_phone", "施設の電話番号を入力"},
		{"facility phone bad", func(f *ApplicationForm) { f.FacilityPhone = "abc" }, "facility_phone", "03-1234-5678"},
		{"control character", func(f *ApplicationForm) { f.Name = "山田\x00" }, "name", "使用できない文字"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := validApplication("taro@example.jp")
			tc.edit(&f)
			err := f.Validate()
			wantCode(t, err, EINVALID)
			wantField(t, err, tc.field, tc.substr)
		})
	}

	// The licence number may be left out for "other"; so may the code of
	// an "other" facility.
	f = validApplication("taro@example.jp")
	f.Qualification, f.LicenseNumber, f.FacilityKind, f.FacilityCode = "other", "", "other", ""
	if err := f.Validate(); err != nil {
		t.Fatalf("other without licence and code: %v", err)
	}
}

func TestApplicationReviewFlow(t *testing.T) {
	db, now := mustOpen(t)
	_, fac, err := db.CreateTestMember(TestMemberSpec{Name: "既存 会員", Password: "existing-Pass-2345"})
	if err != nil {
		t.Fatal(err)
	}
	f := validApplication("hanako@example.jp")
	f.FacilityOID = fac.OID
	f.FacilityName, f.FacilityCode, f.FacilityPostal, f.FacilityAddress, f.FacilityPhone = "", "", "", "", ""
	a, token, err := db.CreateApplication(f, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if a.Number != "A000001" || a.Status != ApplicationPending || a.FacilityOID != fac.OID || a.IsNewFacility() {
		t.Fatalf("created: %+v", a)
	}
	if len(token) != 32 {
		t.Fatalf("token %q", token)
	}
	if got, err := db.ApplicationByToken(token); err != nil || got.Number != a.Number {
		t.Fatalf("by token: %+v %v", got, err)
	}
	for _, bad := range []string{"", "x", strings.Repeat("a", 32), token[:31] + "!", token + "a"} {
		if _, err := db.ApplicationByToken(bad); ErrorCode(err) != ENOTFOUND {
			t.Fatalf("token %q: %v", bad, err)
		}
	}

	// A second open application with the same e-mail (any case) is refused.
	dup := f
	dup.Email = "HANAKO@example.jp"
	_, _, err = db.CreateApplication(dup, "")
	wantCode(t, err, EINVALID)
	wantField(t, err, "email", "受付済み")

	// Approve before the paper form arrived: 409.
	_, err = db.ApproveApplication(a.Number, "admin", "")
	wantCode(t, err, ECONFLICT)
	if !strings.Contains(ErrorMessage(err), "書類受付") {
		t.Fatalf("conflict message: %s", ErrorMessage(err))
	}
	_, err = db.MarkApplicationLettersMailed(a.Number, "admin", "")
	wantCode(t, err, ECONFLICT)

	*now = now.Add(time.Hour)
	a, err = db.MarkApplicationReceived(a.Number, "admin", "")
	if err != nil || a.Status != ApplicationReceived || a.ReceivedBy != "admin" || !a.ReceivedAt.Equal(*now) {
		t.Fatalf("received: %+v %v", a, err)
	}
	_, err = db.MarkApplicationReceived(a.Number, "admin", "")
	wantCode(t, err, ECONFLICT)

	if _, err := db.AddApplicationNote(a.Number, "署名・押印を確認", "admin", ""); err != nil {
		t.Fatal(err)
	}
	_, err = db.AddApplicationNote(a.Number, " ", "admin", "")
	wantCode(t, err, EINVALID)

	ap, err := db.ApproveApplication(a.Number, "admin", "")
	if err != nil {
		t.Fatal(err)
	}
	m := ap.Member
	if !regexp.MustCompile(`^H[0-9]{6}$`).MatchString(m.ID) || m.Role != RoleMember || !m.MustChangePassword ||
		m.CertAllowance != 1 || m.FacilityOID != fac.OID || m.ApplicationNumber != a.Number || m.NameKana != "ヤマダ　タロウ" || !m.Active() {
		t.Fatalf("member: %+v", m)
	}
	if ap.NewFacility || ap.FacilityPassword != "" || ap.Facility.OID != fac.OID {
		t.Fatalf("existing facility approval: %+v", ap)
	}
	if len(ap.MemberPassword) != InitialPasswordLength || !VerifyPassword(m.PasswordHash, ap.MemberPassword) {
		t.Fatal("member password does not verify")
	}
	if ap.Application.Status != ApplicationApproved || ap.Application.MemberID != m.ID || ap.Application.DecidedBy != "admin" {
		t.Fatalf("application after approval: %+v", ap.Application)
	}
	stored, _ := db.Member(m.ID)
	if stored.PasswordHash != m.PasswordHash {
		t.Fatal("member not stored")
	}

	_, err = db.ApproveApplication(a.Number, "admin", "")
	wantCode(t, err, ECONFLICT)
	_, err = db.RejectApplication(a.Number, "重複", "admin", "")
	wantCode(t, err, ECONFLICT)
	_, err = db.MarkApplicationReceived(a.Number, "admin", "")
	wantCode(t, err, ECONFLICT)

	if a, err = db.MarkApplicationLettersMailed(a.Number, "admin", ""); err != nil || a.LettersMailedAt.IsZero() {
		t.Fatalf("mailed: %+v %v", a, err)
	}
	_, err = db.MarkApplicationLettersMailed(a.Number, "admin", "")
	wantCode(t, err, ECONFLICT)

	// The e-mail now belongs to a member: a new application says so.
	_, _, err = db.CreateApplication(dup, "")
	wantCode(t, err, EINVALID)
	wantField(t, err, "email", "会員として登録済み")

	// Every transition is in the audit log, and the chain holds.
	page, err := db.ListAudit(AuditFilter{Action: "application."})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range page.Events {
		actions = append(actions, string(e.Action))
	}
	if got := strings.Join(actions, ","); got != "application.mailed,application.approve,application.note,application.receive,application.create" {
		t.Fatalf("audit: %s", got)
	}
	if v, _ := db.VerifyAudit(); !v.OK {
		t.Fatalf("audit chain: %+v", v)
	}
}

func TestApproveNewFacility(t *testing.T) {
	db, _ := mustOpen(t)
	a, _, err := db.CreateApplication(validApplication("taro@example.jp"), "")
	if err != nil {
		t.Fatal(err)
	}
	if !a.IsNewFacility() || a.NewFacility.Code != "0110113719" || a.NewFacility.Kind != FacilityClinic {
		t.Fatalf("new facility: %+v", a.NewFacility)
	}
	if _, err := db.MarkApplicationReceived(a.Number, "admin", ""); err != nil {
		t.Fatal(err)
	}
	ap, err := db.ApproveApplication(a.Number, "admin", "")
	if err != nil {
		t.Fatal(err)
	}
	f, err := db.Facility(ap.Facility.OID)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^F[0-9]{6}$`).MatchString(f.OID) || !ap.NewFacility || f.Name != "山田クリニック" || !f.Active || f.Code != "0110113719" {
		t.Fatalf("facility: %+v", f)
	}
	if ap.FacilityPassword == "" || ap.FacilityPassword == ap.MemberPassword || !VerifyPassword(f.PasswordHash, ap.FacilityPassword) {
		t.Fatal("facility password does not verify")
	}
	if ap.Member.FacilityOID != f.OID || ap.Application.CreatedFacilityOID != f.OID || ap.Application.MemberFacilityOID() != f.OID {
		t.Fatalf("links: member %s app %s", ap.Member.FacilityOID, ap.Application.CreatedFacilityOID)
	}
	members, _ := db.MembersOfFacility(f.OID)
	if len(members) != 1 || members[0].ID != ap.Member.ID {
		t.Fatalf("members of facility: %+v", members)
	}

	// Another new-facility application with the same code is refused at
	// once now.
	other := validApplication("jiro@example.jp")
	_, _, err = db.CreateApplication(other, "")
	wantCode(t, err, EINVALID)
	wantField(t, err, "facility_code", "施設登録済み")
}

// A conflict found inside the approval transaction leaves nothing behind:
// no member, no facility, no used IDs, the application unchanged.
func TestApproveIsAtomic(t *testing.T) {
	db, _ := mustOpen(t)
	a1, _, err := db.CreateApplication(validApplication("taro@example.jp"), "")
	if err != nil {
		t.Fatal(err)
	}
	f2 := validApplication("jiro@example.jp")
	f2.FacilityCode = ""
	f2.FacilityKind = "other"
	a2, _, err := db.CreateApplication(f2, "")
	if err != nil {
		t.Fatal(err)
	}
	// Both are for a facility with the same code: the second one is edited
	// in the store to carry the code, as if both had been made before the
	// first approval.
	err = db.Update(func(tx *Tx) error {
		a, err := applicationTx(tx, a2.Number)
		if err != nil {
			return err
		}
		a.NewFacility.Code, a.NewFacility.Kind = "0110113719", FacilityClinic
		return putApplicationTx(tx, a, a.Status)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{a1.Number, a2.Number} {
		if _, err := db.MarkApplicationReceived(n, "admin", ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ApproveApplication(a1.Number, "admin", ""); err != nil {
		t.Fatal(err)
	}
	membersBefore, _ := db.Members(nil)
	facilitiesBefore, _ := db.Facilities()
	_, err = db.ApproveApplication(a2.Number, "admin", "")
	wantCode(t, err, ECONFLICT)
	if !strings.Contains(ErrorMessage(err), "既に登録されています") {
		t.Fatalf("message: %s", ErrorMessage(err))
	}
	membersAfter, _ := db.Members(nil)
	facilitiesAfter, _ := db.Facilities()
	if len(membersAfter) != len(membersBefore) || len(facilitiesAfter) != len(facilitiesBefore) {
		t.Fatalf("partial approval: members %d→%d facilities %d→%d", len(membersBefore), len(membersAfter), len(facilitiesBefore), len(facilitiesAfter))
	}
	if a, _ := db.Application(a2.Number); a.Status != ApplicationReceived || a.MemberID != "" {
		t.Fatalf("application changed: %+v", a)
	}
	// The sequences were rolled back with the transaction: the next
	// member is H000002.
	f3 := validApplication("saburo@example.jp")
	f3.FacilityCode, f3.FacilityKind = "", "other"
	a3, _, _ := db.CreateApplication(f3, "")
	db.MarkApplicationReceived(a3.Number, "admin", "")
	ap, err := db.ApproveApplication(a3.Number, "admin", "")
	if err != nil || ap.Member.ID != "H000002" || ap.Facility.OID != "F000002" {
		t.Fatalf("next IDs: %s %s %v", ap.Member.ID, ap.Facility.OID, err)
	}
}

func TestApplicationExistingFacilityChecks(t *testing.T) {
	db, _ := mustOpen(t)
	form := func(oid string) ApplicationForm {
		return ApplicationForm{Name: "佐藤 花子", NameKana: "サトウ ハナコ", Qualification: "pharmacist", LicenseNumber: "123",
			Email: "hanako@example.jp", Phone: "0312345678", FacilityOID: oid}
	}
	_, _, err := db.CreateApplication(form("F000009"), "")
	wantCode(t, err, EINVALID)
	wantField(t, err, "facility_oid", "登録されていないか")

	_, fac, err := db.CreateTestMember(TestMemberSpec{Name: "既存", Password: "existing-Pass-2345"})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := db.CreateApplication(form(fac.OID), "")
	if err != nil {
		t.Fatal(err)
	}
	// The facility is stopped before approval: 409, nothing created.
	if err := db.Update(func(tx *Tx) error {
		f, _ := facilityTx(tx, fac.OID)
		f.Active = false
		return putFacilityTx(tx, f)
	}); err != nil {
		t.Fatal(err)
	}
	_, _, err = db.CreateApplication(func() ApplicationForm { f := form(fac.OID); f.Email = "x@example.jp"; return f }(), "")
	wantField(t, err, "facility_oid", "現在利用できません")
	db.MarkApplicationReceived(a.Number, "admin", "")
	_, err = db.ApproveApplication(a.Number, "admin", "")
	wantCode(t, err, ECONFLICT)
	if members, _ := db.MembersOfFacility(fac.OID); len(members) != 1 {
		t.Fatalf("members: %d", len(members))
	}
}

func TestRejectApplication(t *testing.T) {
	db, _ := mustOpen(t)
	a, _, err := db.CreateApplication(validApplication("taro@example.jp"), "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.RejectApplication(a.Number, "  ", "admin", "")
	wantCode(t, err, EINVALID)
	wantField(t, err, "reason", "却下の理由を入力")
	_, err = db.RejectApplication(a.Number, strings.Repeat("あ", MaxRejectReason+1), "admin", "")
	wantField(t, err, "reason", "文字以内")

	// A pending application may be rejected (the paper never came).
	a, err = db.RejectApplication(a.Number, "申込書が届きませんでした", "admin", "")
	if err != nil || a.Status != ApplicationRejected || a.RejectReason != "申込書が届きませんでした" || a.DecidedBy != "admin" {
		t.Fatalf("rejected: %+v %v", a, err)
	}
	for _, op := range []func() error{
		func() error { _, err := db.RejectApplication(a.Number, "再度", "admin", ""); return err },
		func() error { _, err := db.ApproveApplication(a.Number, "admin", ""); return err },
		func() error { _, err := db.MarkApplicationReceived(a.Number, "admin", ""); return err },
		func() error { _, err := db.MarkApplicationLettersMailed(a.Number, "admin", ""); return err },
	} {
		wantCode(t, op(), ECONFLICT)
	}
	// The e-mail is free again for a new application.
	if _, _, err := db.CreateApplication(validApplication("taro@example.jp"), ""); err != nil {
		t.Fatalf("reapply after rejection: %v", err)
	}
	_, err = db.MarkApplicationReceived("A999999", "admin", "")
	wantCode(t, err, ENOTFOUND)
	_, err = db.Application("../etc")
	wantCode(t, err, ENOTFOUND)
}

func TestApplicationListAndCounts(t *testing.T) {
	db, _ := mustOpen(t)
	var numbers []string
	for i, email := range []string{"a@example.jp", "b@example.jp", "c@example.jp", "d@example.jp"} {
		f := validApplication(email)
		f.FacilityCode, f.FacilityKind = "", "other"
		f.FacilityName = "施設" + strconv.Itoa(i)
		a, _, err := db.CreateApplication(f, "")
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, a.Number)
	}
	db.MarkApplicationReceived(numbers[1], "admin", "")
	db.MarkApplicationReceived(numbers[2], "admin", "")
	db.RejectApplication(numbers[3], "重複", "admin", "")
	counts, err := db.CountApplications()
	if err != nil {
		t.Fatal(err)
	}
	if counts[ApplicationPending] != 1 || counts[ApplicationReceived] != 2 || counts[ApplicationRejected] != 1 || counts[ApplicationApproved] != 0 {
		t.Fatalf("counts: %v", counts)
	}
	received, _ := db.Applications(ApplicationReceived)
	if len(received) != 2 || received[0].Number != numbers[2] || received[1].Number != numbers[1] {
		t.Fatalf("received newest first: %+v", received)
	}
	all, _ := db.Applications("")
	if len(all) != 4 || all[0].Number != numbers[3] {
		t.Fatalf("all: %d", len(all))
	}
}

// Clear passwords and receipt tokens never reach the file: approval and
// resets store hashes only.
func TestNoClearSecretsInDatabaseFile(t *testing.T) {
	db, _ := mustOpen(t)
	a, token, err := db.CreateApplication(validApplication("taro@example.jp"), "")
	if err != nil {
		t.Fatal(err)
	}
	db.MarkApplicationReceived(a.Number, "admin", "")
	ap, err := db.ApproveApplication(a.Number, "admin", "")
	if err != nil {
		t.Fatal(err)
	}
	_, memberReset, err := db.ResetMemberPassword(ap.Member.ID, "admin", "")
	if err != nil {
		t.Fatal(err)
	}
	_, facilityReset, err := db.ResetFacilityPassword(ap.Facility.OID, "admin", "")
	if err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range map[string]string{"member password": ap.MemberPassword, "facility password": ap.FacilityPassword,
		"member reset": memberReset, "facility reset": facilityReset, "receipt token": token} {
		if len(secret) < 10 {
			t.Fatalf("%s: %q", name, secret)
		}
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s found in the database file", name)
		}
	}
	if !bytes.Contains(data, []byte(ap.Member.ID)) {
		t.Fatal("the file does not even hold the member ID: wrong file?")
	}
}

func TestResetPasswords(t *testing.T) {
	db, _ := mustOpen(t)
	m, fac, err := db.CreateTestMember(TestMemberSpec{Name: "山田", Password: "member-Pass-2345"})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := db.NewSession(Session{Kind: SessionMember, MemberID: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	got, pw, err := db.ResetMemberPassword(m.ID, "admin", "198.51.100.1")
	if err != nil {
		t.Fatal(err)
	}
	if !got.MustChangePassword || !VerifyPassword(got.PasswordHash, pw) || VerifyPassword(got.PasswordHash, "member-Pass-2345") {
		t.Fatalf("reset member: %+v", got)
	}
	if _, err := db.SessionByToken(token); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("session survived the reset: %v", err)
	}
	page, _ := db.ListAudit(AuditFilter{Action: "member.password_reset"})
	if len(page.Events) != 1 || page.Events[0].Actor != "admin" || page.Events[0].Object != "member:"+m.ID {
		t.Fatalf("audit: %+v", page.Events)
	}

	f, fpw, err := db.ResetFacilityPassword(fac.OID, "admin", "")
	if err != nil || !VerifyPassword(f.PasswordHash, fpw) {
		t.Fatalf("reset facility: %v", err)
	}

	if _, err := db.EnsureFirstOperator("operator-Pass-2345", false); err != nil {
		t.Fatal(err)
	}
	_, _, err = db.ResetMemberPassword("admin", "admin", "")
	wantCode(t, err, ECONFLICT)
	_, _, err = db.ResetMemberPassword("H999999", "admin", "")
	wantCode(t, err, ENOTFOUND)
	_, _, err = db.ResetFacilityPassword("F999999", "admin", "")
	wantCode(t, err, ENOTFOUND)

	found, _ := db.SearchFacilities(strings.ToLower(fac.OID))
	if len(found) != 1 {
		t.Fatalf("search by OID: %d", len(found))
	}
	found, _ = db.SearchFacilities("クリニック")
	if len(found) != 1 {
		t.Fatalf("search by name: %d", len(found))
	}
	found, _ = db.SearchFacilities("病院")
	if len(found) != 0 {
		t.Fatalf("search miss: %d", len(found))
	}
}
