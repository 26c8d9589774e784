package handlers

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

func TestAuditLogPage(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	// 2026-04-01 23:30 in Japan is 14:30 UTC: it belongs to April 1st.
	at := time.Date(2026, 4, 1, 14, 30, 0, 0, time.UTC)
	env.DB.SetClock(func() time.Time { return at })
	for i := 0; i < 3; i++ {
		env.DB.Audit(store.AuditEvent{Actor: "H000001", Action: "patient.view", Patient: "pat-1", Object: "patient:pat-1"})
	}
	env.DB.Audit(store.AuditEvent{Actor: "H000002", Action: "referral.send", Object: "referral:R1"})
	at = at.Add(time.Hour) // April 2nd in Japan
	env.DB.Audit(store.AuditEvent{Actor: "H000002", Action: "patient.create", Patient: "pat-2"})

	for _, sc := range []handlertest.Scenario{
		{Name: "page", Path: "/admin/audit", WantStatus: 200, WantContains: []string{
			"監査ログ", `data-testid="admin-nav"`, `aria-current="page">監査ログ`, "ハッシュチェーンの検証：正常", `data-testid="audit-table"`,
			"patient.view", "referral.send", "2026-04-01 23:30:00", "2026-04-02 00:30:00", `hx-boost="false"`}},
		{Name: "by actor", Path: "/admin/audit?actor=h000002", WantStatus: 200, WantContains: []string{"referral.send", "patient.create"}, WantAbsent: []string{"patient.view"}},
		{Name: "by patient", Path: "/admin/audit?patient=pat-2", WantStatus: 200, WantContains: []string{"patient.create"}, WantAbsent: []string{"referral.send", "patient.view"}},
		{Name: "by action prefix", Path: "/admin/audit?action=patient.", WantStatus: 200, WantContains: []string{"patient.view", "patient.create"}, WantAbsent: []string{"referral.send"}},
		{Name: "one Japanese day", Path: "/admin/audit?from=2026-04-01&to=2026-04-01", WantStatus: 200, WantContains: []string{"patient.view"}, WantAbsent: []string{"patient.create"}},
		{Name: "from the next day", Path: "/admin/audit?from=2026-04-02", WantStatus: 200, WantContains: []string{"patient.create"}, WantAbsent: []string{"patient.view"}},
		{Name: "和暦 dates", Path: "/admin/audit?from=" + url.QueryEscape("令和8年4月2日"), WantStatus: 200, WantContains: []string{"patient.create"}, WantAbsent: []string{"patient.view"}},
		{Name: "nothing matches", Path: "/admin/audit?actor=nobody", WantStatus: 200, WantContains: []string{`data-testid="audit-empty"`}},
		{Name: "bad date", Path: "/admin/audit?from=2026-13-45", WantStatus: 422, WantContains: []string{`data-testid="error-from"`, "存在しません"}},
		{Name: "reversed range", Path: "/admin/audit?from=2026-04-02&to=2026-04-01", WantStatus: 422, WantContains: []string{`data-testid="error-to"`}},
		{Name: "never editable", Method: http.MethodPost, Path: "/admin/audit", WantStatus: 405, WantHeaders: map[string]string{"Allow": "GET, HEAD"}},
		{Name: "no delete", Method: http.MethodDelete, Path: "/admin/audit", WantStatus: 405},
	} {
		sc.Run(t, op)
	}
	if res := op.Get("/admin/audit"); regexp.MustCompile(`<form method="post" action="/admin/audit`).MatchString(res.Body) {
		t.Fatal("the audit page has a form that posts to the log")
	}
}

func TestAuditLogPaging(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	for i := 0; i < 2*auditPageSize+10; i++ {
		env.DB.Audit(store.AuditEvent{Actor: "H000009", Action: store.AuditAction(fmt.Sprintf("test.n%04d", i))})
	}
	first := op.Get("/admin/audit?actor=H000009")
	if !strings.Contains(first.Body, "test.n0209") || strings.Contains(first.Body, "test.n0109") || !strings.Contains(first.Body, `data-testid="audit-next"`) {
		t.Fatalf("first page: %s", handlertest.Snippet(first.Body))
	}
	next := linkAfter(first.Body, `data-testid="audit-next"`)
	if !strings.Contains(next, "actor=H000009") || !strings.Contains(next, "before=") {
		t.Fatalf("next link %q keeps the search and the position", next)
	}
	second := op.Get(next)
	if !strings.Contains(second.Body, "test.n0109") || strings.Contains(second.Body, "test.n0110<") || !strings.Contains(second.Body, "最新の記録へ") {
		t.Fatalf("second page: %s", handlertest.Snippet(second.Body))
	}
	third := op.Get(linkAfter(second.Body, `data-testid="audit-next"`))
	if !strings.Contains(third.Body, "test.n0000") || strings.Contains(third.Body, `data-testid="audit-next"`) {
		t.Fatalf("last page: %s", handlertest.Snippet(third.Body))
	}

}

// Each view verifies what was appended since the last view (and the last
// verified event itself); the whole chain is walked again in the
// background once the last walk is an hour old.
func TestAuditLogShowsTampering(t *testing.T) {
	edit := func(env *handlertest.Env, pick func(c *bbolt.Cursor) ([]byte, []byte)) {
		err := env.DB.Update(func(tx *store.Tx) error {
			b := tx.Bucket([]byte("audit"))
			k, v := pick(b.Cursor())
			return b.Put(k, bytes.Replace(v, []byte(`"result":"ok"`), []byte(`"result":"xx"`), 1))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The newest verified event edited: the next view shows it.
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	if res := op.Get("/admin/audit"); !strings.Contains(res.Body, "ハッシュチェーンの検証：正常") || !strings.Contains(res.Body, "全件の検証") {
		t.Fatalf("before: %s", handlertest.Snippet(res.Body))
	}
	edit(env, (*bbolt.Cursor).Last)
	if res := op.Get("/admin/audit"); !strings.Contains(res.Body, "ハッシュチェーンの検証：異常") || !strings.Contains(res.Body, "改ざんの可能性") {
		t.Fatalf("newest event edited: %s", handlertest.Snippet(res.Body))
	}

	// An old event edited: the hourly walk finds it.
	env = newTestEnv(t, web.CertOff)
	op = env.LoginOperator(t)
	op.Get("/admin/audit")
	edit(env, (*bbolt.Cursor).First)
	// The last walk was over an hour ago (the session would not survive
	// moving the clock).
	srvOf(env).auditChain.mu.Lock()
	srvOf(env).auditChain.fullAt = env.DB.Now().Add(-auditFullEvery - time.Minute)
	srvOf(env).auditChain.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res := op.Get("/admin/audit")
		if strings.Contains(res.Body, "ハッシュチェーンの検証：異常") && strings.Contains(res.Body, "連番 1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("old event edited, not shown after the walk: %s", handlertest.Snippet(res.Body))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// linkAfter returns the href of the element carrying marker.
func linkAfter(body, marker string) string {
	i := strings.Index(body, marker)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(body[:i], `href="`)
	if start < 0 {
		return ""
	}
	href := body[start+len(`href="`):]
	href = href[:strings.Index(href, `"`)]
	return strings.ReplaceAll(href, "&amp;", "&")
}

func TestAuditCSVExport(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	// A failed login records whatever was typed as the actor.
	env.Client().Post("/login", url.Values{"id": {"=HYPERLINK(\"http://evil\")"}, "password": {"x"}})
	env.DB.Audit(store.AuditEvent{Actor: "H000001", Action: "patient.view", Patient: "pat-1", Detail: "カルテ, \"引用\"\n2行目"})

	res := op.Get("/admin/audit.csv")
	if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), `attachment; filename="audit-`) {
		t.Fatalf("csv: %d %v", res.Status, res.Header)
	}
	if !strings.HasPrefix(res.Body, "\uFEFF連番,日時（日本時間）,操作者") || !strings.Contains(res.Body, "\r\n") {
		t.Fatalf("csv lacks BOM, header or CRLF: %q", res.Body[:min(len(res.Body), 200)])
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var sawFormula, sawDetail bool
	for _, r := range rows[1:] {
		if len(r) != len(auditCSVHeader) {
			t.Fatalf("row with %d columns: %q", len(r), r)
		}
		if strings.Contains(strings.ToUpper(r[2]), "HYPERLINK") {
			sawFormula = true
			if !strings.HasPrefix(r[2], "'=") {
				t.Errorf("formula not neutralised: %q", r[2])
			}
		}
		if r[8] == "カルテ, \"引用\"\n2行目" && r[5] == "pat-1" {
			sawDetail = true
		}
	}
	if !sawFormula || !sawDetail {
		t.Fatalf("rows: %q", rows)
	}
	// Same filters as the page.
	filtered := op.Get("/admin/audit.csv?patient=pat-1")
	if rows, err := csv.NewReader(strings.NewReader(filtered.Body)).ReadAll(); err != nil || len(rows) != 2 || rows[1][5] != "pat-1" {
		t.Fatalf("filtered export: %v %q", err, rows)
	}
	if bad := op.Get("/admin/audit.csv?to=yesterday"); bad.Status != 422 {
		t.Fatalf("bad filter: %d", bad.Status)
	}
	page, _ := env.DB.ListAudit(store.AuditFilter{Action: "audit.export"})
	if len(page.Events) != 2 || page.Events[0].Actor != "admin" || page.Events[0].Detail != "patient=pat-1" {
		t.Fatalf("export not audited: %+v", page.Events)
	}
}

// The export is streamed (chunked, no Content-Length: the file is never
// built in memory), and an export longer than the store's read chunks (500
// matching events, 5,000 looked at, per read transaction) has every event
// once, in order.
func TestAuditCSVExportStreamsEveryEventOnce(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	const n = 2*5000 + 1234
	err := env.DB.Update(func(tx *store.Tx) error {
		for i := 0; i < n; i++ {
			e := store.AuditEvent{Actor: "H000001", Action: "test.other"}
			if i%7 == 0 {
				e.Action = "test.match"
			}
			if err := store.AppendAudit(tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range []struct {
		query  string
		filter store.AuditFilter
	}{
		{"", store.AuditFilter{}},
		{"?action=test.match", store.AuditFilter{Action: "test.match"}},
	} {
		req := httptest.NewRequest(http.MethodGet, "/admin/audit.csv"+sc.query, nil)
		req.Host = "localhost"
		for k, v := range op.Cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		res, err := env.App().Test(req, 60000)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 200 || res.ContentLength != -1 || res.Header.Get("Content-Length") != "" ||
			len(res.TransferEncoding) == 0 || res.TransferEncoding[0] != "chunked" {
			t.Fatalf("export %q not streamed: %d, length %d, transfer encoding %v", sc.query, res.StatusCode, res.ContentLength, res.TransferEncoding)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		// What the log holds now, less what was appended after the export
		// began (nothing: the export's own line comes before it).
		var want []string
		env.DB.EachAudit(sc.filter, func(e store.AuditEvent) error { want = append(want, fmt.Sprint(e.Seq)); return nil })
		var got []string
		for _, r := range rows[1:] {
			got = append(got, r[0])
		}
		if len(want) < n/7 || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("export %q: %d rows, want %d (first difference at %d)", sc.query, len(got), len(want), firstDifference(got, want))
		}
	}
}

func firstDifference(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestBackupPageAndDownload(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	for _, sc := range []handlertest.Scenario{
		{Name: "page without schedule", Path: "/admin/backup", WantStatus: 200, WantContains: []string{
			`aria-current="page">バックアップ`, "定期バックアップが設定されていません", `href="/admin/backup/download" hx-boost="false"`, "復元の手順", `data-testid="backup-summary"`},
			WantAbsent: []string{`action="/admin/backup/run"`}},
		{Name: "run without a directory", Method: http.MethodPost, Path: "/admin/backup/run", WantStatus: 409},
	} {
		sc.Run(t, op)
	}
	res := op.Get("/admin/backup/download")
	if res.Status != 200 || res.Header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="hotline-`) ||
		res.Header.Get("Content-Length") != fmt.Sprint(len(res.Body)) {
		t.Fatalf("download: %d %v", res.Status, res.Header)
	}
	path := filepath.Join(t.TempDir(), "downloaded.db")
	os.WriteFile(path, []byte(res.Body), 0o600)
	report, err := store.CheckFile(path)
	if err != nil || !report.OK() {
		t.Fatalf("downloaded backup: %v %v", err, report.Problems)
	}
	if page, _ := env.DB.ListAudit(store.AuditFilter{Action: "backup.download"}); len(page.Events) != 1 || page.Events[0].Actor != "admin" {
		t.Fatalf("download not audited: %+v", page.Events)
	}
	// The download's slot is free again.
	if again := op.Get("/admin/backup/download"); again.Status != 200 {
		t.Fatalf("second download: %d", again.Status)
	}
}

func TestBackupScheduledFromThePage(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	dir := filepath.Join(t.TempDir(), "backups")
	b, err := store.NewBackups(env.DB, store.BackupSchedule{Dir: dir, Every: 24 * time.Hour, Keep: 5})
	if err != nil {
		t.Fatal(err)
	}
	srvOf(env).cfg.Backups = b
	op := env.LoginOperator(t)
	first := op.Get("/admin/backup")
	if !strings.Contains(first.Body, "まだバックアップがありません") || !strings.Contains(first.Body, "1日ごと、5世代を保存") {
		t.Fatalf("before: %s", handlertest.Snippet(first.Body))
	}
	res := op.Post("/admin/backup/run", nil)
	if res.Status != 303 || res.Location != "/admin/backup?done=saved" {
		t.Fatalf("run: %d %q", res.Status, res.Location)
	}
	page := op.Get(res.Location)
	gens, _ := store.ListBackupGenerations(dir)
	if len(gens) != 1 || !strings.Contains(page.Body, gens[0].Name) || !strings.Contains(page.Body, `data-testid="backup-generations"`) ||
		!strings.Contains(page.Body, "最新のバックアップ：") {
		t.Fatalf("after run (%v): %s", gens, handlertest.Snippet(page.Body))
	}
	if sum := srvOf(env).backupSummary(); sum.Level() != "ok" || sum.LastAt.IsZero() {
		t.Fatalf("dashboard summary: %+v", sum)
	}
	if dash := op.Get("/admin"); !strings.Contains(dash.Body, `data-testid="backup-summary"`) || !strings.Contains(dash.Body, "最新のバックアップ：") {
		t.Fatalf("dashboard without the backup: %s", handlertest.Snippet(dash.Body))
	}
	// Refused while another backup runs.
	r, _, err := b.Download("admin", "")
	if err != nil {
		t.Fatal(err)
	}
	busy := op.Post("/admin/backup/run", nil)
	r.Close()
	if busy.Status != 409 || !strings.Contains(busy.Body, "実行中") {
		t.Fatalf("second backup at once: %d", busy.Status)
	}
	if dl := op.Get("/admin/backup/download"); dl.Status != 200 {
		t.Fatalf("download after release: %d", dl.Status)
	}
}

// A backup that fails its verification (the database's own audit chain
// was edited) shows as a failure on the dashboard, with the copy kept
// under its unverified name on the backup page, and still does after a
// restart.
func TestBackupFailureShownAfterRestart(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	sched := store.BackupSchedule{Dir: filepath.Join(t.TempDir(), "backups"), Every: 24 * time.Hour, Keep: 5}
	b, err := store.NewBackups(env.DB, sched)
	if err != nil {
		t.Fatal(err)
	}
	srvOf(env).cfg.Backups = b
	op := env.LoginOperator(t)
	err = env.DB.Update(func(tx *store.Tx) error {
		a := tx.Bucket([]byte("audit"))
		k, v := a.Cursor().First()
		return a.Put(k, bytes.Replace(v, []byte(`"result":"ok"`), []byte(`"result":"xx"`), 1))
	})
	if err != nil {
		t.Fatal(err)
	}
	if res := op.Post("/admin/backup/run", nil); res.Status != 303 || res.Location != "/admin/backup" {
		t.Fatalf("run: %d %q", res.Status, res.Location)
	}
	kept := b.Status().Unverified
	if kept == nil || !strings.HasSuffix(kept.Name, "-unverified.db") {
		t.Fatalf("no unverified copy: %+v", b.Status())
	}
	shows := func(when string, c *handlertest.Client) {
		t.Helper()
		dash := c.Get("/admin")
		card := dash.Body[strings.Index(dash.Body, `data-testid="backup-summary"`):]
		if !strings.Contains(card, `alert alert-error`) || !strings.Contains(card, "前回のバックアップに失敗しました") ||
			!strings.Contains(card, "検証に失敗しました") || !strings.Contains(card, kept.Name) {
			t.Fatalf("%s: dashboard without the failure: %s", when, handlertest.Snippet(dash.Body))
		}
		page := c.Get("/admin/backup")
		if !strings.Contains(page.Body, `data-testid="backup-unverified"`) || !strings.Contains(page.Body, kept.Name) ||
			!strings.Contains(page.Body, "前回のバックアップに失敗しました") || strings.Contains(page.Body, `data-testid="backup-generations"`) {
			t.Fatalf("%s: backup page: %s", when, handlertest.Snippet(page.Body))
		}
	}
	shows("right after", op)

	// Restart: the same file, a new process state.
	path := env.DB.Path()
	env.DB.Close()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b, err = store.NewBackups(db, sched)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{DB: db, CertMode: web.CertOff, Backups: b, Logger: srvOf(env).log})
	if err != nil {
		t.Fatal(err)
	}
	restarted := &handlertest.Env{T: t, DB: db, Server: srv}
	shows("after a restart", restarted.LoginAs(t, "admin", handlertest.OperatorPassword))
}

func TestHealth(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	res := op.Get("/admin/health")
	var h healthReport
	if err := json.Unmarshal([]byte(res.Body), &h); err != nil || res.Status != 200 {
		t.Fatalf("health: %d %v %s", res.Status, err, res.Body)
	}
	if h.Goroutines == 0 || h.HeapAllocBytes == 0 || h.DBSizeBytes == 0 {
		t.Fatalf("health: %+v", h)
	}
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	if res := env.LoginAs(t, m.ID, "member-Pass-2345").Get("/admin/health"); res.Status != 403 {
		t.Fatalf("member reads health: %d", res.Status)
	}
}
