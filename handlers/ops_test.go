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

	"hotline/store"
)

func TestAuditLogPage(t *testing.T) {
	env := newTestEnv(t, CertOff)
	op := env.loginOperator(t)
	// 2026-04-01 23:30 in Japan is 14:30 UTC: it belongs to April 1st.
	at := time.Date(2026, 4, 1, 14, 30, 0, 0, time.UTC)
	env.db.SetClock(func() time.Time { return at })
	for i := 0; i < 3; i++ {
		env.db.Audit(store.AuditEvent{Actor: "H000001", Action: "patient.view", Patient: "pat-1", Object: "patient:pat-1"})
	}
	env.db.Audit(store.AuditEvent{Actor: "H000002", Action: "referral.send", Object: "referral:R1"})
	at = at.Add(time.Hour) // April 2nd in Japan
	env.db.Audit(store.AuditEvent{Actor: "H000002", Action: "patient.create", Patient: "pat-2"})

	for _, sc := range []scenario{
		{name: "page", path: "/admin/audit", wantStatus: 200, wantContains: []string{
			"監査ログ", `data-testid="admin-nav"`, `aria-current="page">監査ログ`, "ハッシュチェーンの検証：正常", `data-testid="audit-table"`,
			"patient.view", "referral.send", "2026-04-01 23:30:00", "2026-04-02 00:30:00", `hx-boost="false"`}},
		{name: "by actor", path: "/admin/audit?actor=h000002", wantStatus: 200, wantContains: []string{"referral.send", "patient.create"}, wantAbsent: []string{"patient.view"}},
		{name: "by patient", path: "/admin/audit?patient=pat-2", wantStatus: 200, wantContains: []string{"patient.create"}, wantAbsent: []string{"referral.send", "patient.view"}},
		{name: "by action prefix", path: "/admin/audit?action=patient.", wantStatus: 200, wantContains: []string{"patient.view", "patient.create"}, wantAbsent: []string{"referral.send"}},
		{name: "one Japanese day", path: "/admin/audit?from=2026-04-01&to=2026-04-01", wantStatus: 200, wantContains: []string{"patient.view"}, wantAbsent: []string{"patient.create"}},
		{name: "from the next day", path: "/admin/audit?from=2026-04-02", wantStatus: 200, wantContains: []string{"patient.create"}, wantAbsent: []string{"patient.view"}},
		{name: "和暦 dates", path: "/admin/audit?from=" + url.QueryEscape("令和8年4月2日"), wantStatus: 200, wantContains: []string{"patient.create"}, wantAbsent: []string{"patient.view"}},
		{name: "nothing matches", path: "/admin/audit?actor=nobody", wantStatus: 200, wantContains: []string{`data-testid="audit-empty"`}},
		{name: "bad date", path: "/admin/audit?from=2026-13-45", wantStatus: 422, wantContains: []string{`data-testid="error-from"`, "存在しません"}},
		{name: "reversed range", path: "/admin/audit?from=2026-04-02&to=2026-04-01", wantStatus: 422, wantContains: []string{`data-testid="error-to"`}},
		{name: "never editable", method: http.MethodPost, path: "/admin/audit", wantStatus: 405, wantHeaders: map[string]string{"Allow": "GET, HEAD"}},
		{name: "no delete", method: http.MethodDelete, path: "/admin/audit", wantStatus: 405},
	} {
		sc.run(t, op)
	}
	if res := op.get("/admin/audit"); regexp.MustCompile(`<form method="post" action="/admin/audit`).MatchString(res.Body) {
		t.Fatal("the audit page has a form that posts to the log")
	}
}

func TestAuditLogPaging(t *testing.T) {
	env := newTestEnv(t, CertOff)
	op := env.loginOperator(t)
	for i := 0; i < 2*auditPageSize+10; i++ {
		env.db.Audit(store.AuditEvent{Actor: "H000009", Action: fmt.Sprintf("test.n%04d", i)})
	}
	first := op.get("/admin/audit?actor=H000009")
	if !strings.Contains(first.Body, "test.n0209") || strings.Contains(first.Body, "test.n0109") || !strings.Contains(first.Body, `data-testid="audit-next"`) {
		t.Fatalf("first page: %s", snippet(first.Body))
	}
	next := linkAfter(first.Body, `data-testid="audit-next"`)
	if !strings.Contains(next, "actor=H000009") || !strings.Contains(next, "before=") {
		t.Fatalf("next link %q keeps the search and the position", next)
	}
	second := op.get(next)
	if !strings.Contains(second.Body, "test.n0109") || strings.Contains(second.Body, "test.n0110<") || !strings.Contains(second.Body, "最新の記録へ") {
		t.Fatalf("second page: %s", snippet(second.Body))
	}
	third := op.get(linkAfter(second.Body, `data-testid="audit-next"`))
	if !strings.Contains(third.Body, "test.n0000") || strings.Contains(third.Body, `data-testid="audit-next"`) {
		t.Fatalf("last page: %s", snippet(third.Body))
	}

}

// Each view verifies what was appended since the last view (and the last
// verified event itself); the whole chain is walked again in the
// background once the last walk is an hour old.
func TestAuditLogShowsTampering(t *testing.T) {
	edit := func(env *testEnv, pick func(c *bbolt.Cursor) ([]byte, []byte)) {
		err := env.db.Update(func(tx *store.Tx) error {
			b := tx.Bucket([]byte("audit"))
			k, v := pick(b.Cursor())
			return b.Put(k, bytes.Replace(v, []byte(`"result":"ok"`), []byte(`"result":"xx"`), 1))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The newest verified event edited: the next view shows it.
	env := newTestEnv(t, CertOff)
	op := env.loginOperator(t)
	if res := op.get("/admin/audit"); !strings.Contains(res.Body, "ハッシュチェーンの検証：正常") || !strings.Contains(res.Body, "全件の検証") {
		t.Fatalf("before: %s", snippet(res.Body))
	}
	edit(env, (*bbolt.Cursor).Last)
	if res := op.get("/admin/audit"); !strings.Contains(res.Body, "ハッシュチェーンの検証：異常") || !strings.Contains(res.Body, "改ざんの可能性") {
		t.Fatalf("newest event edited: %s", snippet(res.Body))
	}

	// An old event edited: the hourly walk finds it.
	env = newTestEnv(t, CertOff)
	op = env.loginOperator(t)
	op.get("/admin/audit")
	edit(env, (*bbolt.Cursor).First)
	// The last walk was over an hour ago (the session would not survive
	// moving the clock).
	env.srv.auditChain.mu.Lock()
	env.srv.auditChain.fullAt = env.db.Now().Add(-auditFullEvery - time.Minute)
	env.srv.auditChain.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res := op.get("/admin/audit")
		if strings.Contains(res.Body, "ハッシュチェーンの検証：異常") && strings.Contains(res.Body, "連番 1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("old event edited, not shown after the walk: %s", snippet(res.Body))
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
	env := newTestEnv(t, CertOff)
	op := env.loginOperator(t)
	// A failed login records whatever was typed as the actor.
	env.client().post("/login", url.Values{"id": {"=HYPERLINK(\"http://evil\")"}, "password": {"x"}})
	env.db.Audit(store.AuditEvent{Actor: "H000001", Action: "patient.view", Patient: "pat-1", Detail: "カルテ, \"引用\"\n2行目"})

	res := op.get("/admin/audit.csv")
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
	filtered := op.get("/admin/audit.csv?patient=pat-1")
	if rows, err := csv.NewReader(strings.NewReader(filtered.Body)).ReadAll(); err != nil || len(rows) != 2 || rows[1][5] != "pat-1" {
		t.Fatalf("filtered export: %v %q", err, rows)
	}
	if bad := op.get("/admin/audit.csv?to=yesterday"); bad.Status != 422 {
		t.Fatalf("bad filter: %d", bad.Status)
	}
	page, _ := env.db.ListAudit(store.AuditFilter{Action: "audit.export"})
	if len(page.Events) != 2 || page.Events[0].Actor != "admin" || page.Events[0].Detail != "patient=pat-1" {
		t.Fatalf("export not audited: %+v", page.Events)
	}
}

// The export is streamed (chunked, no Content-Length: the file is never
// built in memory), and an export longer than the store's read chunks (500
// matching events, 5,000 looked at, per read transaction) has every event
// once, in order.
func TestAuditCSVExportStreamsEveryEventOnce(t *testing.T) {
	env := newTestEnv(t, CertOff)
	op := env.loginOperator(t)
	const n = 2*5000 + 1234
	err := env.db.Update(func(tx *store.Tx) error {
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
		for k, v := range op.cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		res, err := env.srv.App().Test(req, 60000)
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
		env.db.EachAudit(sc.filter, func(e store.AuditEvent) error { want = append(want, fmt.Sprint(e.Seq)); return nil })
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
	env := newTestEnv(t, CertOff)
	op := env.loginOperator(t)
	for _, sc := range []scenario{
		{name: "page without schedule", path: "/admin/backup", wantStatus: 200, wantContains: []string{
			`aria-current="page">バックアップ`, "定期バックアップが設定されていません", `href="/admin/backup/download" hx-boost="false"`, "復元の手順", `data-testid="backup-summary"`},
			wantAbsent: []string{`action="/admin/backup/run"`}},
		{name: "run without a directory", method: http.MethodPost, path: "/admin/backup/run", wantStatus: 409},
	} {
		sc.run(t, op)
	}
	res := op.get("/admin/backup/download")
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
	if page, _ := env.db.ListAudit(store.AuditFilter{Action: "backup.download"}); len(page.Events) != 1 || page.Events[0].Actor != "admin" {
		t.Fatalf("download not audited: %+v", page.Events)
	}
	// The download's slot is free again.
	if again := op.get("/admin/backup/download"); again.Status != 200 {
		t.Fatalf("second download: %d", again.Status)
	}
}

func TestBackupScheduledFromThePage(t *testing.T) {
	env := newTestEnv(t, CertOff)
	dir := filepath.Join(t.TempDir(), "backups")
	b, err := store.NewBackups(env.db, store.BackupSchedule{Dir: dir, Every: 24 * time.Hour, Keep: 5})
	if err != nil {
		t.Fatal(err)
	}
	env.srv.cfg.Backups = b
	op := env.loginOperator(t)
	first := op.get("/admin/backup")
	if !strings.Contains(first.Body, "まだバックアップがありません") || !strings.Contains(first.Body, "1日ごと、5世代を保存") {
		t.Fatalf("before: %s", snippet(first.Body))
	}
	res := op.post("/admin/backup/run", nil)
	if res.Status != 303 || res.Location != "/admin/backup?done=saved" {
		t.Fatalf("run: %d %q", res.Status, res.Location)
	}
	page := op.get(res.Location)
	gens, _ := store.ListBackupGenerations(dir)
	if len(gens) != 1 || !strings.Contains(page.Body, gens[0].Name) || !strings.Contains(page.Body, `data-testid="backup-generations"`) ||
		!strings.Contains(page.Body, "最新のバックアップ：") {
		t.Fatalf("after run (%v): %s", gens, snippet(page.Body))
	}
	if sum := env.srv.backupSummary(); sum.Level() != "ok" || sum.LastAt.IsZero() {
		t.Fatalf("dashboard summary: %+v", sum)
	}
	if dash := op.get("/admin"); !strings.Contains(dash.Body, `data-testid="backup-summary"`) || !strings.Contains(dash.Body, "最新のバックアップ：") {
		t.Fatalf("dashboard without the backup: %s", snippet(dash.Body))
	}
	// Refused while another backup runs.
	r, _, err := b.Download("admin", "")
	if err != nil {
		t.Fatal(err)
	}
	busy := op.post("/admin/backup/run", nil)
	r.Close()
	if busy.Status != 409 || !strings.Contains(busy.Body, "実行中") {
		t.Fatalf("second backup at once: %d", busy.Status)
	}
	if dl := op.get("/admin/backup/download"); dl.Status != 200 {
		t.Fatalf("download after release: %d", dl.Status)
	}
}

// A backup that fails its verification (the database's own audit chain
// was edited) shows as a failure on the dashboard, with the copy kept
// under its unverified name on the backup page, and still does after a
// restart.
func TestBackupFailureShownAfterRestart(t *testing.T) {
	env := newTestEnv(t, CertOff)
	sched := store.BackupSchedule{Dir: filepath.Join(t.TempDir(), "backups"), Every: 24 * time.Hour, Keep: 5}
	b, err := store.NewBackups(env.db, sched)
	if err != nil {
		t.Fatal(err)
	}
	env.srv.cfg.Backups = b
	op := env.loginOperator(t)
	err = env.db.Update(func(tx *store.Tx) error {
		a := tx.Bucket([]byte("audit"))
		k, v := a.Cursor().First()
		return a.Put(k, bytes.Replace(v, []byte(`"result":"ok"`), []byte(`"result":"xx"`), 1))
	})
	if err != nil {
		t.Fatal(err)
	}
	if res := op.post("/admin/backup/run", nil); res.Status != 303 || res.Location != "/admin/backup" {
		t.Fatalf("run: %d %q", res.Status, res.Location)
	}
	kept := b.Status().Unverified
	if kept == nil || !strings.HasSuffix(kept.Name, "-unverified.db") {
		t.Fatalf("no unverified copy: %+v", b.Status())
	}
	shows := func(when string, c *testClient) {
		t.Helper()
		dash := c.get("/admin")
		card := dash.Body[strings.Index(dash.Body, `data-testid="backup-summary"`):]
		if !strings.Contains(card, `alert alert-error`) || !strings.Contains(card, "前回のバックアップに失敗しました") ||
			!strings.Contains(card, "検証に失敗しました") || !strings.Contains(card, kept.Name) {
			t.Fatalf("%s: dashboard without the failure: %s", when, snippet(dash.Body))
		}
		page := c.get("/admin/backup")
		if !strings.Contains(page.Body, `data-testid="backup-unverified"`) || !strings.Contains(page.Body, kept.Name) ||
			!strings.Contains(page.Body, "前回のバックアップに失敗しました") || strings.Contains(page.Body, `data-testid="backup-generations"`) {
			t.Fatalf("%s: backup page: %s", when, snippet(page.Body))
		}
	}
	shows("right after", op)

	// Restart: the same file, a new process state.
	path := env.db.Path()
	env.db.Close()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b, err = store.NewBackups(db, sched)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{DB: db, CertMode: CertOff, Backups: b, Logger: env.srv.log})
	if err != nil {
		t.Fatal(err)
	}
	restarted := &testEnv{t: t, db: db, srv: srv}
	shows("after a restart", restarted.loginAs(t, "admin", operatorPassword))
}

func TestHealth(t *testing.T) {
	env := newTestEnv(t, CertOff)
	op := env.loginOperator(t)
	res := op.get("/admin/health")
	var h healthReport
	if err := json.Unmarshal([]byte(res.Body), &h); err != nil || res.Status != 200 {
		t.Fatalf("health: %d %v %s", res.Status, err, res.Body)
	}
	if h.Goroutines == 0 || h.HeapAllocBytes == 0 || h.DBSizeBytes == 0 {
		t.Fatalf("health: %+v", h)
	}
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	if res := env.loginAs(t, m.ID, "member-Pass-2345").get("/admin/health"); res.Status != 403 {
		t.Fatalf("member reads health: %d", res.Status)
	}
}
