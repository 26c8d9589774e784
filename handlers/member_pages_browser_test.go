package handlers

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// TestMemberPagesInBrowser drives a member's own pages in headless Chromium
// with JavaScript off, so every form is a plain HTML POST and a mistake
// comes back as a 422 page: ユーザ編集 (an error beside the field, then a
// save), パスワード変更 (a wrong current password, then the change and a
// login with the new one) and the 申請フォーム with its history. The server
// runs without client certificates (web.CertOff): these pages do not depend on
// the certificate, which TestCertificateInBrowser and the operator tests
// present.
func TestMemberPagesInBrowser(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	const oldPassword, newPassword = "member-Pass-2345", "renewed-Pass-6789"
	m := env.AddMember(t, "山田 太郎", oldPassword)
	base := env.Listen(t)
	b := handlertest.OpenBrowser(t, env.DB, base, browsertest.Options{NoJavaScript: true})
	if status := b.Login(m.ID, oldPassword); status != 200 || b.Location() != "/menu" {
		t.Fatalf("login: %d at %s", status, b.Location())
	}
	value := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(b.Ctx(), chromedp.Value(sel))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	// ユーザ編集: a malformed address is refused beside the field, the
	// other values come back as typed; a save normalises the kana.
	b.Submit("ユーザ編集 from the menu", chromedp.Click(`main a[href="/profile"]`))
	if s := b.Text(`[data-testid="profile-fixed"]`); !strings.Contains(s, m.ID) || !strings.Contains(s, "医師") {
		t.Fatalf("fixed data: %q", s)
	}
	status := b.Submit("save a bad address",
		chromedp.SetValue("#name", "山田 太郎"),
		chromedp.SetValue("#name_kana", "やまだ たろう"),
		chromedp.SetValue("#email", "taro@"),
		chromedp.SetValue("#phone", "03-1234-5678"),
		chromedp.SetValue("#department", "循環器内科"),
		chromedp.Click(`form[action="/profile"] button[type=submit]`))
	if status != 422 {
		t.Fatalf("bad address: status %d", status)
	}
	if s := b.Text(`[data-testid="error-email"]`); s == "" || b.Count(`[data-testid="error-phone"]`) != 0 {
		t.Fatalf("message beside the address: %q\n%s", s, b.Text("main"))
	}
	if s := b.Text(`[data-testid="error-summary"]`); !strings.Contains(s, "メールアドレス") {
		t.Errorf("error summary: %q", s)
	}
	if v := value("#department"); v != "循環器内科" {
		t.Errorf("values not kept: department %q", v)
	}
	status = b.Submit("save", chromedp.SetValue("#email", "taro@example.jp"),
		chromedp.Click(`form[action="/profile"] button[type=submit]`))
	if f := b.Text(`[data-testid="flash"]`); status != 200 || f != "保存しました。" {
		t.Fatalf("save: %d %q", status, f)
	}
	if v, k := value("#email"), value("#name_kana"); v != "taro@example.jp" || k != "ヤマダ　タロウ" {
		t.Errorf("saved form shows %q %q", v, k)
	}
	if got, _ := env.DB.Member(m.ID); got.Email != "taro@example.jp" || got.Department != "循環器内科" {
		t.Errorf("stored: %+v", got)
	}

	// パスワード変更: a wrong current password is named beside its field.
	b.Open("/menu")
	b.Submit("パスワード変更 from the menu", chromedp.Click(`main a[href="/password"]`))
	change := func(current string) int {
		t.Helper()
		return b.Submit("change the password",
			chromedp.SetValue("#current", current),
			chromedp.SetValue("#new", newPassword),
			chromedp.SetValue("#confirm", newPassword),
			chromedp.Click(`form[action="/password"] button[type=submit]`))
	}
	if status := change("not-my-Pass-0000"); status != 422 {
		t.Fatalf("wrong current password: %d", status)
	}
	if s := b.Text(`[data-testid="error-current"]`); s != "現在のパスワードが正しくありません" || b.Count(`[data-testid="error-new"]`) != 0 {
		t.Fatalf("message beside the current password: %q", s)
	}
	if status := change(oldPassword); status != 200 || b.Location() != "/menu?done=password" {
		t.Fatalf("change: %d at %s", status, b.Location())
	}
	if f := b.Text(`[data-testid="flash"]`); f != "パスワードを変更しました。" {
		t.Errorf("flash %q", f)
	}
	b.Submit("log out", chromedp.Click(`form[action="/logout"] button`))
	if status := b.Login(m.ID, oldPassword); status != 401 {
		t.Errorf("old password after the change: %d", status)
	}
	if status := b.Login(m.ID, newPassword); status != 200 || b.Location() != "/menu" {
		t.Fatalf("login with the new password: %d at %s", status, b.Location())
	}

	// 申請フォーム: the kind must be chosen; filed requests and the
	// operator's answer show in the history.
	b.Submit("申請フォーム from the menu", chromedp.Click(`main a[href="/requests"]`))
	if b.Count(`[data-testid="no-requests"]`) != 1 {
		t.Fatalf("history before filing: %q", b.Text("main"))
	}
	file := func(kind, body string) int {
		t.Helper()
		steps := []chromedp.Action[chromedp.Void]{chromedp.SetValue("#body", body)}
		if kind != "" { // else 選択してください stays selected
			steps = append(steps, chromedp.SetValue("#kind", kind))
		}
		return b.Submit("file "+kind, append(steps, chromedp.Click(`form[action="/requests"] button[type=submit]`))...)
	}
	if status := file("", "書式の見本を送ってください"); status != 422 || b.Count(`[data-testid="error-kind"]`) != 1 {
		t.Fatalf("no kind: %d\n%s", status, b.Text("main"))
	}
	if status := file("other", "書式の見本を送ってください"); status != 200 || b.Text(`[data-testid="flash"]`) != "送信しました。" {
		t.Fatalf("file other: %d", status)
	}
	first, err := env.DB.MemberRequests(m.ID)
	if err != nil || len(first) != 1 {
		t.Fatalf("stored requests: %+v %v", first, err)
	}
	if _, err := env.DB.DecideRequest(first[0].ID, store.Decision{Answer: "見本はサービスガイドにあります"}, "admin", ""); err != nil {
		t.Fatal(err)
	}
	file("info_change", "電話番号が変わりました")
	mine, err := env.DB.MemberRequests(m.ID)
	if err != nil || len(mine) != 2 {
		t.Fatalf("stored requests: %+v %v", mine, err)
	}
	for _, r := range mine {
		row := b.Text(`[data-testid="request-` + r.ID + `"]`)
		want := []string{"登録情報の変更", "電話番号が変わりました", "受付中"}
		if r.ID == first[0].ID {
			want = []string{"その他", "書式の見本を送ってください", "却下", "見本はサービスガイドにあります"}
		}
		for _, w := range want {
			if !strings.Contains(row, w) {
				t.Errorf("history row %s lacks %q: %q", r.ID, w, row)
			}
		}
	}
}
