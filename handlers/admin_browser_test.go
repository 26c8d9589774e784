package handlers

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// The operator's screens, each driven in headless Chromium with JavaScript
// on (htmx-boosted links and forms) on a server that requires client
// certificates: the operator's browser holds a certificate in its NSS
// database and presents it, as in production. Members and visitors use
// browsers without a certificate where the flow needs none.

// TestAdminMemberLifecycleInBrowser: 会員 search → detail → lock (the
// member's login is refused) → unlock → password reset, whose 利用開始案内
// downloads as a PDF with the new ID/PW that the member then logs in with →
// withdrawal, after which that password is refused too.
func TestAdminMemberLifecycleInBrowser(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	const memberPassword = "member-Pass-2345"
	m := env.AddMember(t, "山田 太郎", memberPassword)
	env.AddMember(t, "佐藤 花子", memberPassword)
	base := env.Listen(t)
	op := handlertest.OperatorWithCertificate(t, env, base)
	member := handlertest.OpenBrowser(t, env.DB, base, browsertest.Options{NoJavaScript: true})
	memberDetail := "/admin/members/" + m.ID

	// Search, then open the member from the results.
	op.Open("/admin/members")
	if s := op.Text(`[data-testid="member-list"]`); !strings.Contains(s, "山田 太郎") || !strings.Contains(s, "佐藤 花子") {
		t.Fatalf("member list: %q", s)
	}
	op.Submit("search", chromedp.SetValue("#q", "山田"), chromedp.Click(`form[action="/admin/members"] button[type=submit]`))
	if s := op.Text(`[data-testid="member-list"]`); !strings.Contains(s, m.ID) || strings.Contains(s, "佐藤") {
		t.Fatalf("search 山田: %q", s)
	}
	if s := op.Text(`[data-testid="member-total"]`); !strings.HasPrefix(s, "1 件") {
		t.Errorf("total: %q", s)
	}
	op.Submit("open the member", chromedp.Click(`[data-testid="member-list"] a[href="`+memberDetail+`"]`))
	if s := op.Text(`[data-testid="member-status"]`); s != "利用中" {
		t.Fatalf("status %q", s)
	}

	// Lock: the member's correct password is refused with the reason.
	op.Submit("lock", chromedp.Click(`[data-testid="lock"]`))
	if s, f := op.Text(`[data-testid="member-status"]`), op.Text(`[data-testid="flash"]`); s != "利用停止" || f != "更新しました。" || op.Count(`[data-testid="unlock"]`) != 1 {
		t.Fatalf("after lock: status %q, flash %q", s, f)
	}
	if status := member.Login(m.ID, memberPassword); status != 403 {
		t.Fatalf("locked member's login: %d", status)
	}
	if s := member.Text(`[data-testid="error-summary"]`); !strings.Contains(s, "現在利用できません（利用停止）") {
		t.Fatalf("locked member sees %q", s)
	}

	// Unlock: the password works again (without a certificate the session
	// goes on to the certificate step).
	op.Submit("unlock", chromedp.Click(`[data-testid="unlock"]`))
	if s := op.Text(`[data-testid="member-status"]`); s != "利用中" || op.Count(`[data-testid="lock"]`) != 1 {
		t.Fatalf("after unlock: %q", s)
	}
	if status := member.Login(m.ID, memberPassword); status != 200 || member.Location() != "/cert" {
		t.Fatalf("unlocked member's login: %d at %s", status, member.Location())
	}

	// Password reset: the letters page offers the new 利用開始案内, which
	// downloads (the page stays) as a PDF with the ID and the new PW.
	op.Open(memberDetail)
	op.Submit("reset the password", chromedp.Click(`[data-testid="reset-password"]`))
	if loc := op.Location(); loc != memberDetail+"/letters" {
		t.Fatalf("after the reset: %s", loc)
	}
	guideLink := `[data-testid="letters"] a[href="` + memberDetail + `/letters/start-guide.pdf"]`
	if s := op.Text(guideLink); s != "利用開始案内（PDF）" {
		t.Fatalf("letter link: %q", s)
	}
	name, pdf := op.Download("start guide", chromedp.Click(guideLink))
	if !strings.HasSuffix(name, ".pdf") || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("start guide: %q, %d bytes", name, len(pdf))
	}
	text := handlertest.CheckPDF(t, "start-guide.pdf", pdf, []string{"利用開始案内", "山田 太郎"})
	if text == "" {
		t.Skip("pdftotext is not installed: the printed password cannot be read")
	}
	id, pw := credentialsOf(t, text, idLine)
	if id != m.ID || len(pw) != store.InitialPasswordLength {
		t.Fatalf("letter credentials %q %q", id, pw)
	}
	if loc := op.Location(); loc != memberDetail+"/letters" {
		t.Errorf("the download moved the page to %s", loc)
	}
	if status := member.Login(m.ID, memberPassword); status != 401 {
		t.Errorf("old password after the reset: %d", status)
	}
	if status := member.Login(id, pw); status != 200 || member.Count(`[data-testid="initial-password"]`) != 1 {
		t.Fatalf("login with the printed password: %d at %s", status, member.Location())
	}

	// Withdrawal: the status shows, the account offers no more actions,
	// and the printed password no longer logs in.
	op.Open(memberDetail)
	op.Do("open the withdrawal", chromedp.Click(`details summary`), chromedp.WaitVisible(`[data-testid="withdraw"]`))
	op.Submit("withdraw", chromedp.Click(`[data-testid="withdraw"]`))
	if s := op.Text(`[data-testid="member-status"]`); s != "退会" {
		t.Fatalf("after withdrawal: %q", s)
	}
	if n := op.Count(`[data-testid="lock"], [data-testid="unlock"], [data-testid="withdraw"]`); n != 0 {
		t.Errorf("a withdrawn member still offers %d actions", n)
	}
	if status := member.Login(id, pw); status != 403 {
		t.Fatalf("withdrawn member's login: %d", status)
	}
	if s := member.Text(`[data-testid="error-summary"]`); !strings.Contains(s, "現在利用できません（退会）") {
		t.Fatalf("withdrawn member sees %q", s)
	}
}

// TestAdminInquiriesInBrowser: an inquiry sent through the public form
// shows in the 問合せ inbox as 未対応 and is taken to 対応中 and 完了 with
// notes.
func TestAdminInquiriesInBrowser(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	base := env.Listen(t)
	op := handlertest.OperatorWithCertificate(t, env, base)
	visitor := handlertest.OpenBrowser(t, env.DB, base, browsertest.Options{})

	visitor.Open("/inquiry")
	visitor.Submit("send the inquiry",
		chromedp.SetValue("#name", "山田 花子"),
		chromedp.SetValue("#email", "hanako@example.jp"),
		chromedp.SetValue("#subject", "申込書の送付先"),
		chromedp.SetValue("#body", "申込書の送付先を教えてください。"),
		chromedp.Click(`form[action="/inquiry"] button[type=submit]`))
	if n := visitor.Text(`[data-testid="inquiry-number"]`); n != "Q000001" {
		t.Fatalf("受付番号 %q", n)
	}

	op.Open("/admin")
	op.Submit("問合せ from the admin menu", chromedp.Click(`[data-testid="admin-nav"] a[href="/admin/inquiries"]`))
	if s := op.Text(`[data-testid="inquiry-list"]`); !strings.Contains(s, "Q000001") || !strings.Contains(s, "山田 花子") ||
		!strings.Contains(s, "申込書の送付先") || !strings.Contains(s, "未対応") {
		t.Fatalf("inbox: %q", s)
	}
	if s := op.Text(`[data-testid="inbox-tabs"] a[aria-current="page"]`); s != "未対応（1）" {
		t.Errorf("current tab %q", s)
	}
	op.Submit("open the inquiry", chromedp.Click(`[data-testid="inquiry-list"] a[href="/admin/inquiries/Q000001"]`))
	if s := op.Text(`[data-testid="inquiry-status"]`); s != "未対応" || !strings.Contains(op.Text("main"), "申込書の送付先を教えてください。") {
		t.Fatalf("inquiry page: %q", s)
	}

	for _, step := range []struct{ status, label, note string }{
		{"in_progress", "対応中", "電話で折り返すことにした"},
		{"done", "完了", "送付先を電話で案内しました"},
	} {
		op.Submit("mark "+step.label,
			chromedp.SetValue("#status", step.status),
			chromedp.SetValue("#note", step.note),
			chromedp.Click(`form[action="/admin/inquiries/Q000001"] button[type=submit]`))
		if s, f := op.Text(`[data-testid="inquiry-status"]`), op.Text(`[data-testid="flash"]`); s != step.label || f != "更新しました。" {
			t.Fatalf("after %s: status %q, flash %q", step.label, s, f)
		}
		if s := op.Text(`[data-testid="inquiry-notes"]`); !strings.Contains(s, step.note) || !strings.Contains(s, "admin") {
			t.Fatalf("notes after %s: %q", step.label, s)
		}
	}
	if s := op.Text(`[data-testid="inquiry-notes"]`); !strings.Contains(s, "電話で折り返すことにした") {
		t.Errorf("the first note is gone: %q", s)
	}

	// The inbox: nothing left 未対応, the inquiry under 完了.
	op.Submit("back to the inbox", chromedp.Click(`main a[href="/admin/inquiries"]`))
	if op.Count(`[data-testid="no-inquiries"]`) != 1 {
		t.Fatalf("未対応 still lists: %q", op.Text("main"))
	}
	op.Submit("完了 tab", chromedp.Click(`[data-testid="inbox-tabs"] a[href="/admin/inquiries?status=done"]`))
	if s := op.Text(`[data-testid="inquiry-list"]`); !strings.Contains(s, "Q000001") || !strings.Contains(s, "完了") {
		t.Fatalf("完了 tab: %q", s)
	}
}

// TestAdminSiteLinksInBrowser: the operator adds (after a rejected URL),
// edits and deletes a 関連サイト; a member with a certificate sees each
// change on /links.
func TestAdminSiteLinksInBrowser(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	const memberPassword = "member-Pass-2345"
	m := env.AddMember(t, "山田 太郎", memberPassword)
	base := env.Listen(t)
	op := handlertest.OperatorWithCertificate(t, env, base)
	issued, err := env.DB.IssueCertificate(m.ID, store.CertificateRequest{Device: "受付PC", Passphrase: certTestPassphrase,
		PassphraseConfirm: certTestPassphrase}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	member := handlertest.OpenBrowser(t, env.DB, base, browsertest.Options{ClientP12: issued.P12, ClientP12Pass: certTestPassphrase})
	member.Login(m.ID, memberPassword)
	if loc := member.Location(); loc != "/menu" {
		t.Fatalf("member login with the certificate: at %s", loc)
	}
	memberSees := func() string {
		t.Helper()
		member.Open("/links")
		return member.Text("main")
	}
	if s := memberSees(); !strings.Contains(s, "登録されている関連サイトはありません") {
		t.Fatalf("member's links before: %q", s)
	}

	// Add: a URL that is not http(s) is refused beside the field.
	op.Open("/admin/links")
	op.Submit("new link", chromedp.Click(`[data-testid="new-link"]`))
	op.Submit("save with a bad URL",
		chromedp.SetValue("#title", "厚生労働省"),
		chromedp.SetValue("#url", "ftp://www.mhlw.go.jp/"),
		chromedp.SetValue("#description", "通知・事務連絡"),
		chromedp.SetValue("#order", "10"),
		chromedp.Click(`form[action="/admin/links"] button[type=submit]`))
	if op.Count(`[data-testid="error-url"]`) != 1 || op.Count(`[data-testid="error-title"]`) != 0 {
		t.Fatalf("bad URL: %q", op.Text("main"))
	}
	op.Submit("save",
		chromedp.SetValue("#url", "https://www.mhlw.go.jp/"),
		chromedp.Click(`form[action="/admin/links"] button[type=submit]`))
	if s, f := op.Text(`[data-testid="admin-links"]`), op.Text(`[data-testid="flash"]`); !strings.Contains(s, "厚生労働省") || f != "保存しました。" {
		t.Fatalf("after adding: %q / %q", s, f)
	}
	if s := memberSees(); !strings.Contains(s, "厚生労働省") || !strings.Contains(s, "通知・事務連絡") {
		t.Fatalf("member's links after adding: %q", s)
	}
	if href, err := chromedp.Run(member.Ctx(), chromedp.AttributeValue(`[data-testid="links"] a`, "href")); err != nil || href.Value != "https://www.mhlw.go.jp/" {
		t.Fatalf("link target %+v %v", href, err)
	}

	// Edit.
	op.Submit("edit", chromedp.Click(`[data-testid="admin-links"] a[href^="/admin/links/"]`))
	if v, _ := chromedp.Run(op.Ctx(), chromedp.Value("#title")); v != "厚生労働省" {
		t.Fatalf("edit form title %q", v)
	}
	op.Submit("save the edit",
		chromedp.SetValue("#title", "医薬品医療機器総合機構"),
		chromedp.SetValue("#url", "https://www.pmda.go.jp/"),
		chromedp.Click(`main form button[type=submit]`))
	if s := op.Text(`[data-testid="admin-links"]`); !strings.Contains(s, "医薬品医療機器総合機構") || strings.Contains(s, "厚生労働省") {
		t.Fatalf("after editing: %q", s)
	}
	if s := memberSees(); !strings.Contains(s, "医薬品医療機器総合機構") || strings.Contains(s, "厚生労働省") {
		t.Fatalf("member's links after editing: %q", s)
	}

	// Delete.
	op.Submit("delete", chromedp.Click(`[data-testid="admin-links"] form button[type=submit]`))
	if op.Count(`[data-testid="no-links"]`) != 1 {
		t.Fatalf("after deleting: %q", op.Text("main"))
	}
	if s := memberSees(); !strings.Contains(s, "登録されている関連サイトはありません") {
		t.Fatalf("member's links after deleting: %q", s)
	}
}

// TestAdminAuditLogInBrowser: the 監査ログ lists a member's failed and
// successful logins; filtering by actor and by action shows only matching
// rows; the CSV of the filter downloads (the page stays) with a BOM and the
// same rows.
func TestAdminAuditLogInBrowser(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	const memberPassword = "member-Pass-2345"
	m := env.AddMember(t, "山田 太郎", memberPassword)
	base := env.Listen(t)
	member := handlertest.OpenBrowser(t, env.DB, base, browsertest.Options{NoJavaScript: true})
	if status := member.Login(m.ID, "wrong-Pass-0000"); status != 401 {
		t.Fatalf("wrong password: %d", status)
	}
	if status := member.Login(m.ID, memberPassword); status != 200 {
		t.Fatalf("login: %d", status)
	}
	op := handlertest.OperatorWithCertificate(t, env, base)

	rows := func() [][]string {
		t.Helper()
		out, err := chromedp.Run(op.Ctx(), chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll('[data-testid="audit-table"] tbody tr')).map(r => Array.from(r.cells).map(c => c.dataset.action || c.textContent.trim()))`))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// search clears the form and fills in the fields given.
	search := func(actor, action string) [][]string {
		t.Helper()
		op.Submit("clear the search", chromedp.Click(`[data-testid="audit-search"] a[href="/admin/audit"]`))
		steps := []chromedp.Action[chromedp.Void]{}
		if actor != "" {
			steps = append(steps, chromedp.SetValue("#actor", actor))
		}
		if action != "" {
			steps = append(steps, chromedp.SetValue("#action", action))
		}
		op.Submit("search "+actor+" "+action, append(steps, chromedp.Click(`[data-testid="audit-search"] button[type=submit]`))...)
		return rows()
	}
	// Columns: 連番 日時 操作者 操作 対象 患者ID 結果 接続元 詳細.
	const colActor, colAction, colResult = 2, 3, 6

	op.Open("/admin")
	op.Submit("監査ログ from the admin menu", chromedp.Click(`[data-testid="admin-nav"] a[href="/admin/audit"]`))
	if s := op.Text(`[data-testid="audit-verification"]`); !strings.Contains(s, "正常") {
		t.Fatalf("verification: %q", s)
	}
	actors := map[string]bool{}
	for _, r := range rows() {
		actors[r[colActor]] = true
	}
	if !actors[m.ID] || !actors["admin"] {
		t.Fatalf("unfiltered log lacks the member or the operator: %v", actors)
	}

	// By actor: the member's rows only, the failed login among them.
	byActor := search(m.ID, "")
	results := map[string]bool{}
	for _, r := range byActor {
		if r[colActor] != m.ID {
			t.Errorf("actor filter shows %v", r)
		}
		if r[colAction] == "login" {
			results[r[colResult]] = true
		}
	}
	if !results["失敗"] || !results["成功"] {
		t.Fatalf("the member's logins: %v", byActor)
	}
	if loc := op.Location(); !strings.Contains(loc, "actor="+m.ID) {
		t.Errorf("search not in the address bar: %s", loc)
	}

	// By action (a prefix): everyone's logins, nothing else.
	byAction := search("", "login")
	actors = map[string]bool{}
	for _, r := range byAction {
		if !strings.HasPrefix(r[colAction], "login") {
			t.Errorf("action filter shows %v", r)
		}
		actors[r[colActor]] = true
	}
	if !actors[m.ID] || !actors["admin"] {
		t.Fatalf("logins of %v", actors)
	}

	// Both, and the CSV of that search.
	both := search(m.ID, "login")
	if len(both) != 2 {
		t.Fatalf("the member's logins: %v", both)
	}
	name, data := op.Download("audit CSV", chromedp.Click(`[data-testid="audit-csv"]`))
	if !regexp.MustCompile(`^audit-[0-9]{8}-[0-9]{6}\.csv$`).MatchString(name) {
		t.Errorf("CSV file name %q", name)
	}
	if !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("CSV does not start with the UTF-8 BOM: %q", data[:min(len(data), 20)])
	}
	records, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, data)
	}
	if len(records) != 3 || records[0][0] != "連番" {
		t.Fatalf("CSV of the search: %q", records)
	}
	var failed bool
	for _, r := range records[1:] {
		if r[colActor] != m.ID || r[colAction] != "login" {
			t.Errorf("CSV row outside the search: %q", r)
		}
		failed = failed || r[colResult] == "失敗"
	}
	if !failed {
		t.Errorf("CSV lacks the failed login: %q", records)
	}
	// The download left the page as it was (htmx did not swap it).
	if loc := op.Location(); !strings.HasPrefix(loc, "/admin/audit?") || len(rows()) != 2 {
		t.Errorf("after the download: %s, %d rows", loc, len(rows()))
	}
}

// TestAdminBackupAndOperatorsInBrowser: the hot backup downloads as a
// database that opens and holds the data; a named operator account is
// added and its one-time password logs in.
func TestAdminBackupAndOperatorsInBrowser(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	base := env.Listen(t)
	op := handlertest.OperatorWithCertificate(t, env, base)

	op.Open("/admin")
	op.Submit("バックアップ from the admin menu", chromedp.Click(`[data-testid="admin-nav"] a[href="/admin/backup"]`))
	if s := op.Text(`[data-testid="backup-summary"]`); !strings.Contains(s, "定期バックアップが設定されていません") {
		t.Errorf("backup summary: %q", s)
	}
	name, data := op.Download("backup", chromedp.Click(`[data-testid="backup-download"]`))
	if !regexp.MustCompile(`^hotline-[0-9]{8}-[0-9]{6}\.db$`).MatchString(name) {
		t.Errorf("backup file name %q", name)
	}
	if loc := op.Location(); loc != "/admin/backup" {
		t.Errorf("the download moved the page to %s", loc)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	copyDB, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("the backup (%d bytes) does not open: %v", len(data), err)
	}
	defer copyDB.Close()
	if got, err := copyDB.Member(m.ID); err != nil || got.Name != "山田 太郎" {
		t.Fatalf("member in the backup: %+v %v", got, err)
	}

	// 運営者: a named account, its password shown once.
	op.Submit("運営者", chromedp.Click(`[data-testid="admin-nav"] a[href="/admin/operators"]`))
	op.Submit("add an operator",
		chromedp.SetValue("#id", "suzuki"),
		chromedp.SetValue("#name", "鈴木 一郎"),
		chromedp.Click(`form[action="/admin/operators"] button[type=submit]`))
	id, password := op.Text(`[data-testid="new-operator-id"]`), op.Text(`[data-testid="new-operator-password"]`)
	if id != "suzuki" || len(password) < 12 {
		t.Fatalf("created: %q %q", id, password)
	}
	if s := op.Text(`[data-testid="operator-list"]`); !strings.Contains(s, "鈴木 一郎") || !strings.Contains(s, "初期パスワード") {
		t.Fatalf("operator list: %q", s)
	}
	// The same login name again is refused beside the field.
	op.Submit("add it again",
		chromedp.SetValue("#id", "suzuki"),
		chromedp.SetValue("#name", "鈴木 二郎"),
		chromedp.Click(`form[action="/admin/operators"] button[type=submit]`))
	if op.Count(`[data-testid="error-id"]`) != 1 || op.Count(`[data-testid="operator-created"]`) != 0 {
		t.Fatalf("duplicate operator: %q", op.Text("main"))
	}

	// The new operator logs in with the password shown and must change it.
	suzuki := handlertest.OpenBrowser(t, env.DB, base, browsertest.Options{NoJavaScript: true})
	if status := suzuki.Login(id, password); status != 200 || suzuki.Count(`[data-testid="initial-password"]`) != 1 {
		t.Fatalf("new operator's first login: %d at %s", status, suzuki.Location())
	}
}
