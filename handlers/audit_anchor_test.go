package handlers

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// The 監査ログ page shows the latest anchor (sequence, Japan time and UTC,
// hash, and its line as in the file) to print or copy, and where the
// anchors go.
func TestAuditPageShowsTheLatestAnchor(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	if res := op.Get("/admin/audit"); res.Status != 200 || !strings.Contains(res.Body, `data-testid="audit-anchor"`) ||
		!strings.Contains(res.Body, "まだアンカーは出力されていません") {
		t.Fatalf("before anchors: %d\n%s", res.Status, handlertest.Snippet(res.Body))
	}

	file := filepath.Join(t.TempDir(), store.AnchorFileName)
	if err := env.DB.StartAuditAnchors(store.AnchorConfig{File: file, Every: 5}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if err := env.DB.Audit(store.AuditEvent{Actor: "H000001", Action: "patient.view"}); err != nil {
			t.Fatal(err)
		}
	}
	st := env.DB.AuditAnchorStatus()
	if st.Latest == nil {
		t.Fatal("no anchor written")
	}
	res := op.Get("/admin/audit")
	for _, want := range []string{
		`data-testid="audit-anchor-seq">` + strconv.FormatUint(st.Latest.Seq, 10) + `<`,
		`data-testid="audit-anchor-hash">` + st.Latest.Hash + `<`,
		`data-testid="audit-anchor-line">` + st.Latest.String() + `<`,
		file, "5 件ごと", "日時（UTC）",
	} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("audit page lacks %q\n%s", want, handlertest.Snippet(res.Body))
		}
	}
}
