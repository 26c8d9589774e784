package store

import (
	"fmt"
	"hotline/store/jptext"
	"strings"
	"testing"
	"time"
)

func TestProfileForm(t *testing.T) {
	valid := ProfileForm{Name: "山田　太郎", NameKana: "やまだ たろう", Email: "Taro@Example.JP", Phone: "０３（１２３４）５６７８", Department: " 内科 "}
	if err := valid.Validate(); err != nil {
		t.Fatal(err)
	}
	if valid.Name != "山田 太郎" || valid.NameKana != "ヤマダ　タロウ" || valid.Email != "Taro@example.jp" || valid.Phone != "03-1234-5678" || valid.Department != "内科" {
		t.Fatalf("normalised: %+v", valid)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*ProfileForm)
		field string
		msg   string
	}{
		{"no name", func(f *ProfileForm) { f.Name = " " }, "name", "氏名を入力してください"},
		{"long name", func(f *ProfileForm) { f.Name = strings.Repeat("山", 61) }, "name", "氏名は60文字以内で入力してください"},
		{"no kana", func(f *ProfileForm) { f.NameKana = "" }, "name_kana", "フリガナを入力してください"},
		{"kanji kana", func(f *ProfileForm) { f.NameKana = "山田" }, "name_kana", "フリガナ：" + jptext.ErrKanaInvalid.Error()},
		{"no email", func(f *ProfileForm) { f.Email = "" }, "email", "メールアドレスを入力してください"},
		{"bad email", func(f *ProfileForm) { f.Email = "taro@" }, "email", jptext.ErrEmailFormat.Error()},
		{"no phone", func(f *ProfileForm) { f.Phone = "" }, "phone", "電話番号を入力してください"},
		{"bad phone", func(f *ProfileForm) { f.Phone = "12345" }, "phone", jptext.ErrPhoneFormat.Error()},
		{"long department", func(f *ProfileForm) { f.Department = strings.Repeat("科", 61) }, "department", "診療科・専門は60文字以内で入力してください"},
	} {
		f := ProfileForm{Name: "山田 太郎", NameKana: "ヤマダ", Email: "taro@example.jp", Phone: "03-1234-5678"}
		tc.edit(&f)
		if got := ErrorFields(f.Validate())[tc.field]; got != tc.msg {
			t.Errorf("%s: %s = %q, want %q", tc.name, tc.field, got, tc.msg)
		}
	}
}

func TestUpdateProfileKeepsEmailIndex(t *testing.T) {
	db, _ := mustOpen(t)
	m, _, _ := db.CreateTestMember(TestMemberSpec{Name: "山田 太郎", Password: "member-Pass-2345"})
	f := ProfileForm{Name: "山田 太郎", NameKana: "ヤマダ タロウ", Email: "a@example.jp", Phone: "03-1234-5678", Department: "内科"}
	if _, err := db.UpdateProfile(m.ID, f, ""); err != nil {
		t.Fatal(err)
	}
	f.Email = "b@example.jp"
	got, err := db.UpdateProfile(m.ID, f, "")
	if err != nil || got.Email != "b@example.jp" || got.Department != "内科" {
		t.Fatalf("%+v %v", got, err)
	}
	var keys []string
	db.View(func(tx *Tx) error {
		return tx.bucket(bucketMembersByEmail).ForEach(func(k, _ []byte) error {
			keys = append(keys, strings.ReplaceAll(string(k), "\x00", "|"))
			return nil
		})
	})
	if len(keys) != 1 || keys[0] != "b@example.jp|"+m.ID {
		t.Fatalf("index: %v", keys)
	}
	page, _ := db.ListAudit(AuditFilter{Actor: m.ID, Action: "member.profile"})
	if len(page.Events) != 2 || page.Events[0].Detail != "email" {
		t.Fatalf("audit: %+v", page.Events)
	}
}

func TestSearchMembers(t *testing.T) {
	db, _ := mustOpen(t)
	a, fa, _ := db.CreateTestMember(TestMemberSpec{Name: "山田 太郎", Password: "member-Pass-2345", FacilityName: "やまだ内科クリニック"})
	db.UpdateProfile(a.ID, ProfileForm{Name: "山田 太郎", NameKana: "ヤマダ タロウ", Email: "a@example.jp", Phone: "03-1234-5678"}, "")
	b, _, _ := db.CreateTestMember(TestMemberSpec{Name: "佐藤 花子", Password: "member-Pass-2345", FacilityName: "中央病院"})
	db.UpdateProfile(b.ID, ProfileForm{Name: "佐藤 花子", NameKana: "サトウ ハナコ", Email: "b@example.jp", Phone: "03-1234-5678"}, "")
	db.CreateTestMember(TestMemberSpec{Name: "運営", Password: "member-Pass-2345", Operator: true})
	for i := 0; i < 5; i++ {
		db.CreateTestMember(TestMemberSpec{Name: fmt.Sprintf("会員%d", i), Password: "member-Pass-2345", FacilityOID: fa.OID})
	}
	if err := db.LockMember(b.ID, "admin", ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    MemberFilter
		want int
	}{
		{MemberFilter{}, 7},
		{MemberFilter{Query: strings.ToLower(a.ID)}, 1},
		{MemberFilter{Query: "山田"}, 1},
		{MemberFilter{Query: "山田太郎"}, 1},
		{MemberFilter{Query: "さとう"}, 1},
		{MemberFilter{Query: "ﾊﾅｺ"}, 1},
		{MemberFilter{Query: "中央"}, 1},
		{MemberFilter{Query: fa.OID}, 6},
		{MemberFilter{Query: "やまだ内科"}, 6},
		{MemberFilter{Status: MemberLocked}, 1},
		{MemberFilter{Status: MemberActive, Query: "佐藤"}, 0},
		{MemberFilter{Query: "運営"}, 0},
	} {
		p, err := db.SearchMembers(tc.f)
		if err != nil || p.Total != tc.want {
			t.Errorf("%+v: %d members, want %d (%v)", tc.f, p.Total, tc.want, err)
		}
	}
	p, _ := db.SearchMembers(MemberFilter{PerPage: 3, Page: 3})
	if p.Total != 7 || len(p.Rows) != 1 || p.Pages() != 3 || p.Rows[0].FacilityName != "やまだ内科クリニック" {
		t.Fatalf("page 3: %+v", p)
	}
	counts, _ := db.CountMembers()
	if counts != (MemberCounts{Total: 7, Active: 6, Locked: 1}) {
		t.Fatalf("counts: %+v", counts)
	}
}

func TestLockUnlockWithdraw(t *testing.T) {
	db, _ := mustOpen(t)
	m, _, _ := db.CreateTestMember(TestMemberSpec{Name: "山田 太郎", Password: "member-Pass-2345"})
	token, _, _ := db.NewSession(Session{Kind: SessionMember, MemberID: m.ID})
	if err := db.LockMember(m.ID, "admin", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionByToken(token); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("session after lock: %v", err)
	}
	steps := []struct {
		name string
		do   func() error
		want Code
	}{
		{"lock twice", func() error { return db.LockMember(m.ID, "admin", "") }, ECONFLICT},
		{"unlock", func() error { return db.UnlockMember(m.ID, "admin", "") }, ""},
		{"unlock twice", func() error { return db.UnlockMember(m.ID, "admin", "") }, ECONFLICT},
		{"withdraw", func() error { return db.WithdrawMember(m.ID, "admin", "", "") }, ""},
		{"withdraw twice", func() error { return db.WithdrawMember(m.ID, "admin", "", "") }, ECONFLICT},
		{"unlock withdrawn", func() error { return db.UnlockMember(m.ID, "admin", "") }, ECONFLICT},
		{"lock withdrawn", func() error { return db.LockMember(m.ID, "admin", "") }, ECONFLICT},
		{"unknown", func() error { return db.LockMember("H999999", "admin", "") }, ENOTFOUND},
	}
	for _, st := range steps {
		if got := ErrorCode(st.do()); got != st.want {
			t.Errorf("%s: %q, want %q", st.name, got, st.want)
		}
	}
	page, _ := db.ListAudit(AuditFilter{Actor: "admin", Action: "member."})
	if len(page.Events) != 3 {
		t.Fatalf("audited %d actions", len(page.Events))
	}
}

func TestOperators(t *testing.T) {
	db, _ := mustOpen(t)
	if _, err := db.EnsureFirstOperator("first-Operator-pass-1", false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		form  OperatorForm
		field string
		msg   string
	}{
		{OperatorForm{ID: "", Name: "x"}, "id", "ログイン名を入力してください"},
		{OperatorForm{ID: "Suzuki", Name: "x"}, "id", "ログイン名は英小文字で始まる3〜32文字の英小文字・数字・「_」「.」「-」で入力してください"},
		// Read as the ほっとラインID H000001 at login: the operator could never log in.
		{OperatorForm{ID: "h000001", Name: "x"}, "id", "ログイン名は「h」と6桁の数字の形にはできません（ほっとラインIDと区別できません）"},
		{OperatorForm{ID: "h0000012", Name: "x"}, "id", ""},
		{OperatorForm{ID: "ab", Name: "x"}, "id", "ログイン名は英小文字で始まる3〜32文字の英小文字・数字・「_」「.」「-」で入力してください"},
		{OperatorForm{ID: "suzuki", Name: ""}, "name", "氏名を入力してください"},
		{OperatorForm{ID: "admin", Name: "重複"}, "id", "このログイン名はすでに使われています"},
	} {
		_, err := db.CreateOperator(tc.form, "hash", "admin", "")
		if got := ErrorFields(err)[tc.field]; got != tc.msg {
			t.Errorf("%+v: %s = %q, want %q", tc.form, tc.field, got, tc.msg)
		}
	}
	op, err := db.CreateOperator(OperatorForm{ID: "suzuki", Name: "鈴木 一郎"}, HashPassword("x-initial-Pass-1"), "admin", "")
	if err != nil || !op.MustChangePassword || op.CertAllowance != 1 || !op.IsOperator() {
		t.Fatalf("%+v %v", op, err)
	}
	ops, _ := db.Operators()
	if len(ops) != 3 || ops[0].ID != "admin" {
		t.Fatalf("operators: %d", len(ops))
	}
	// h0000012 was accepted as an operator name above; lock it away.
	if err := db.LockMember("h0000012", "admin", ""); err != nil {
		t.Fatal(err)
	}
	if err := db.LockMember("admin", "admin", ""); ErrorCode(err) != ECONFLICT {
		t.Fatalf("self lock: %v", err)
	}
	if err := db.LockMember("admin", "suzuki", ""); err != nil {
		t.Fatalf("lock other: %v", err)
	}
	// suzuki is now the last active operator.
	if err := db.LockMember("suzuki", "admin", ""); ErrorCode(err) != ECONFLICT || !strings.Contains(err.Error(), "利用中の運営者が他にいない") {
		t.Fatalf("last operator: %v", err)
	}
	if err := db.WithdrawMember("suzuki", "admin", "", ""); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("withdraw operator: %v", err)
	}
	page, _ := db.ListAudit(AuditFilter{Actor: "suzuki", Action: "operator.lock"})
	if len(page.Events) != 1 {
		t.Fatalf("audit: %+v", page.Events)
	}
}

func TestResetOperator(t *testing.T) {
	db, now := mustOpen(t)
	db.EnsureFirstOperator("first-Operator-pass-1", false)
	m, _, _ := db.CreateTestMember(TestMemberSpec{Name: "山田 太郎", Password: "member-Pass-2345"})
	if _, err := db.ResetOperator(m.ID, "hash"); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("member: %v", err)
	}
	if _, err := db.ResetOperator("nobody", "hash"); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("unknown: %v", err)
	}
	// The operator used up the allowance, has a session and a login hold.
	db.Update(func(tx *Tx) error {
		a, _ := memberTx(tx, "admin")
		a.CertAllowance = 0
		return putMemberTx(tx, a)
	})
	token, _, _ := db.NewSession(Session{Kind: SessionMember, MemberID: "admin"})
	for i := 0; i < PairFailureLimit; i++ {
		db.LoginFailed(LoginAttempt{Account: "admin", Addr: "192.0.2.1"})
	}
	*now = now.Add(time.Minute)
	got, err := db.ResetOperator("admin", HashPassword("new-Initial-pass-9"))
	if err != nil || !got.MustChangePassword || got.CertAllowance != 1 {
		t.Fatalf("%+v %v", got, err)
	}
	if !VerifyPassword(got.PasswordHash, "new-Initial-pass-9") {
		t.Fatal("password not set")
	}
	if _, err := db.SessionByToken(token); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("session: %v", err)
	}
	if _, err := db.CheckLogin(LoginAttempt{Account: "admin", Addr: "192.0.2.1"}); err != nil {
		t.Fatalf("hold kept: %v", err)
	}
	page, _ := db.ListAudit(AuditFilter{Actor: "system", Action: "operator.reset"})
	if len(page.Events) != 1 || page.Events[0].Object != "member:admin" {
		t.Fatalf("audit: %+v", page.Events)
	}
}

func TestLinks(t *testing.T) {
	db, _ := mustOpen(t)
	for _, tc := range []struct {
		form  SiteLinkForm
		field string
		msg   string
	}{
		{SiteLinkForm{Title: "", URL: "https://example.jp/"}, "title", "サイト名を入力してください"},
		{SiteLinkForm{Title: "x", URL: ""}, "url", "URLを入力してください"},
		{SiteLinkForm{Title: "x", URL: "javascript:alert(1)"}, "url", "URLは https://example.jp/ のように入力してください"},
		{SiteLinkForm{Title: "x", URL: "ftp://example.jp/"}, "url", "URLは http:// または https:// で始めてください"},
		{SiteLinkForm{Title: "x", URL: "https://user:pw@example.jp/"}, "url", "URLは https://example.jp/ のように入力してください"},
		{SiteLinkForm{Title: "x", URL: "https://example.jp/", Order: "abc"}, "order", "表示順は0〜9999の数字で入力してください"},
	} {
		_, err := db.SaveSiteLink("", tc.form, "admin", "")
		if got := ErrorFields(err)[tc.field]; got != tc.msg {
			t.Errorf("%+v: %s = %q, want %q", tc.form, tc.field, got, tc.msg)
		}
	}
	l1, err := db.SaveSiteLink("", SiteLinkForm{Title: "厚生労働省", URL: "https://www.mhlw.go.jp/", Order: "２"}, "admin", "")
	if err != nil || l1.Order != 2 {
		t.Fatalf("%+v %v", l1, err)
	}
	l2, _ := db.SaveSiteLink("", SiteLinkForm{Title: "医師会", URL: "http://example.jp/", Order: "1"}, "admin", "")
	links, _ := db.SiteLinks()
	if len(links) != 2 || links[0].ID != l2.ID {
		t.Fatalf("order: %+v", links)
	}
	if _, err := db.SaveSiteLink(l1.ID, SiteLinkForm{Title: "厚労省", URL: "https://www.mhlw.go.jp/"}, "admin", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveSiteLink("L999999", SiteLinkForm{Title: "x", URL: "https://x.jp/"}, "admin", ""); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("update unknown: %v", err)
	}
	if err := db.DeleteSiteLink(l2.ID, "admin", ""); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSiteLink(l2.ID, "admin", ""); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("delete twice: %v", err)
	}
	links, _ = db.SiteLinks()
	if len(links) != 1 || links[0].Title != "厚労省" {
		t.Fatalf("after: %+v", links)
	}
	page, _ := db.ListAudit(AuditFilter{Actor: "admin", Action: "link."})
	if len(page.Events) != 4 {
		t.Fatalf("audited %d", len(page.Events))
	}
}
