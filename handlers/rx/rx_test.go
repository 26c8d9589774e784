package rx_test

import (
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

func TestComposerValidation(t *testing.T) {
	w := newWorld(t, newEnv(t, web.CertOff))
	p := w.Patient
	errIn := func(field, msg string) string {
		return `data-testid="error-` + regexpQuote(field) + `">` + regexpQuote(msg)
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "composer", Path: "/rx/new?patient=" + p, WantStatus: 200, WantContains: []string{"処方箋の作成", "山田　太郎", `value="01130012"`, `name="lines[0][drug_code]"`, `name="lines[1][drug_code]"`, "行を追加", "発行する", "下書き保存", `hx-get="/rx/drugs?n=0"`}},
		{Name: "unknown patient", Path: "/rx/new?patient=P7KQM3XA9HT2C", WantStatus: 404},
		{Name: "no patient", Path: "/rx/new", WantStatus: 404},
		{Name: "both columns", Method: "POST", Path: "/rx", Form: rxValues(p, "lines[0][no_change]", "1", "lines[0][patient_wish]", "1"), WantStatus: 422,
			WantMatch: []string{errIn("lines[0]", "「変更不可（医療上必要）」と「患者希望」は同じ行に両方は付けられません")}},
		{Name: "unknown drug", Method: "POST", Path: "/rx", Form: rxValues(p, "lines[0][drug_code]", "9999999F9999"), WantStatus: 422,
			WantMatch: []string{errIn("lines[0][drug_code]", "医薬品コード 9999999F9999 は現在の薬価基準にありません")}},
		{Name: "missing drug", Method: "POST", Path: "/rx", Form: rxValues(p, "lines[0][drug_code]", ""), WantStatus: 422,
			WantMatch: []string{errIn("lines[0][drug_code]", "医薬品を選んでください")}},
		{Name: "zero amount", Method: "POST", Path: "/rx", Form: rxValues(p, "lines[0][amount]", "0"), WantStatus: 422,
			WantMatch: []string{errIn("lines[0][amount]", "用量は0より大きい数で入力してください")}},
		{Name: "negative amount", Method: "POST", Path: "/rx", Form: rxValues(p, "lines[0][amount]", "-2"), WantStatus: 422,
			WantMatch: []string{errIn("lines[0][amount]", "用量は0より大きい数で入力してください")}},
		{Name: "days over 365", Method: "POST", Path: "/rx", Form: rxValues(p, "lines[0][days]", "366"), WantStatus: 422,
			WantMatch: []string{errIn("lines[0][days]", "日数は365以下で入力してください")}},
		{Name: "refill 1", Method: "POST", Path: "/rx", Form: rxValues(p, "refill", "1"), WantStatus: 422,
			WantMatch: []string{errIn("refill", "リフィルの回数は2回または3回です")}},
		{Name: "refill x", Method: "POST", Path: "/rx", Form: rxValues(p, "refill", "x"), WantStatus: 422},
		{Name: "no lines", Method: "POST", Path: "/rx", Form: rxValues(p, "lines[0][drug_code]", "", "lines[0][amount]", "", "lines[0][usage]", "", "lines[0][days]", ""), WantStatus: 422,
			WantMatch: []string{errIn("lines", "処方する医薬品を1行以上入力してください")}},
		{Name: "public payer check digit", Method: "POST", Path: "/rx", Form: rxValues(p, "public_payer1", "12130018"), WantStatus: 422,
			WantMatch: []string{errIn("public_payer1", "公費負担者番号の最後の桁（検証番号）が合いません")}},
		{Name: "absurd line index", Method: "POST", Path: "/rx", Form: rxValues(p, "lines[999999999][amount]", "1"), WantStatus: 422,
			WantContains: []string{"処方の行の指定が正しくありません"}},
		{Name: "line index not a number", Method: "POST", Path: "/rx", Form: rxValues(p, "lines[x][amount]", "1"), WantStatus: 422},
		{Name: "values kept", Method: "POST", Path: "/rx", Form: rxValues(p, "lines[0][days]", "400", "remarks", "朝は食後すぐ"), WantStatus: 422,
			WantContains: []string{`value="400"`, "朝は食後すぐ", "ロキソニン錠６０ｍｇ", "1行目 日数・回数"}},
		{Name: "add line without script", Method: "POST", Path: "/rx", Form: rxValues(p, "add_line", "1"), WantStatus: 200,
			WantContains: []string{`name="lines[3][drug_code]"`, `value="1149019F1560"`}},
		{Name: "remove line without script", Method: "POST", Path: "/rx", Form: rxValues(p, "remove_line", "0"), WantStatus: 200,
			WantAbsent: []string{`value="1149019F1560"`}},
		{Name: "new line (htmx)", Path: "/rx/new/line?n=5&patient=" + p, WantStatus: 200, WantContains: []string{`id="line-5"`, `hx-swap-oob="true"`, "n=6"}},
		{Name: "picked line", Path: "/rx/new/line?n=0&drug_code=2649735S3020", WantStatus: 200, WantContains: []string{"ロキソニンテープ１００ｍｇ", `value="枚"`, `value="external" selected`, `hx-trigger="load"`}},
		{Name: "line index out of range", Path: "/rx/new/line?n=100", WantStatus: 422},
		{Name: "pick search", Path: "/rx/drugs?n=2&q=%E3%82%8D%E3%81%8D%E3%81%9D", WantStatus: 200, WantContains: []string{"ロキソニン錠６０ｍｇ", "この薬を選ぶ", "/rx/new/line?n=2"}},
	} {
		sc.Run(t, w.A)
	}
	page, _ := w.DB.ListPrescriptions(store.RxActor{MemberID: w.MA.ID}, store.RxFilter{})
	if len(page.Items) != 0 {
		t.Fatalf("invalid forms stored %d prescriptions", len(page.Items))
	}
}

func regexpQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `.`, `\.`, `[`, `\[`, `]`, `\]`, `(`, `\(`, `)`, `\)`, `?`, `\?`, `*`, `\*`, `+`, `\+`, `|`, `\|`, `{`, `\{`, `}`, `\}`, `^`, `\^`, `$`, `\$`)
	return r.Replace(s)
}

func TestIssueAndCancel(t *testing.T) {
	w := newWorld(t, newEnv(t, web.CertOff))
	// The nurse cannot issue; she saves a draft the doctor issues.
	if res := w.N.Post("/rx", rxValues(w.Patient)); res.Status != 403 {
		t.Fatalf("nurse issues: %d", res.Status)
	}
	res := w.N.Post("/rx", rxValues(w.Patient, "draft", "1"))
	if res.Status != 303 || !strings.HasSuffix(res.Location, "?done=rx-draft") {
		t.Fatalf("draft: %d %q", res.Status, res.Location)
	}
	draft := strings.TrimSuffix(strings.TrimPrefix(res.Location, "/rx/"), "?done=rx-draft")
	handlertest.Scenario{Name: "draft opens", Path: "/rx/new?draft=" + draft, WantStatus: 200,
		WantContains: []string{`name="draft_id" value="` + draft + `"`, `value="1149019F1560"`}}.Run(t, w.A)
	id := issue(t, w.A, rxValues(w.Patient, "draft_id", draft))
	if id != draft {
		t.Fatalf("issued %s, not the draft %s", id, draft)
	}
	p, _ := w.DB.Prescription(store.RxActor{MemberID: w.MA.ID}, id)
	for _, sc := range []handlertest.Scenario{
		{Name: "page", Path: "/rx/" + id + "?done=rx-issued", WantStatus: 200, WantContains: []string{"処方箋を発行しました", p.DisplayNumber(), "発行済", "ロキソニン錠６０ｍｇ", "1日3錠", "7日分", "/rx/" + id + ".pdf", "看護 花子"}},
		{Name: "list", Path: "/rx", WantStatus: 200, WantContains: []string{"/rx/" + id, "発行済"}},
		{Name: "list issued", Path: "/rx?status=issued", WantStatus: 200, WantContains: []string{"/rx/" + id}},
		{Name: "list cancelled", Path: "/rx?status=cancelled", WantStatus: 200, WantContains: []string{"該当する処方箋はありません"}},
		{Name: "list patient", Path: "/rx?patient=" + store.FormatPatientID(w.Patient), WantStatus: 200, WantContains: []string{"/rx/" + id}},
		{Name: "cancel without reason", Method: "POST", Path: "/rx/" + id + "/cancel", WantStatus: 422, WantContains: []string{"取消の理由を入力してください"}},
		{Name: "cancel", Method: "POST", Path: "/rx/" + id + "/cancel", Form: map[string][]string{"reason": {"用量の誤り"}}, WantStatus: 303, WantLocation: "/rx/" + id + "?done=rx-cancelled"},
		{Name: "cancelled page", Path: "/rx/" + id, WantStatus: 200, WantContains: []string{"取消：用量の誤り", p.DisplayNumber()}},
		{Name: "cancel again", Method: "POST", Path: "/rx/" + id + "/cancel", Form: map[string][]string{"reason": {"二度目"}}, WantStatus: 409},
	} {
		sc.Run(t, w.A)
	}
	// Other facilities and the pharmacy: not by ID.
	if res := w.B.Get("/rx/" + id); res.Status != 404 {
		t.Errorf("other facility: %d", res.Status)
	}
	if res := w.C.Get("/rx"); res.Status != 403 {
		t.Errorf("pharmacy: %d", res.Status)
	}
	// Audited: issue, views, cancel.
	w.DB.FlushAudit()
	page, _ := w.DB.ListAudit(store.AuditFilter{Limit: 200})
	seen := map[store.AuditAction]bool{}
	for _, e := range page.Events {
		if e.Object == "prescription:"+id {
			seen[e.Action] = true
		}
	}
	for _, a := range []store.AuditAction{store.AuditRxDraft, store.AuditRxIssue, store.AuditRxView, store.AuditRxCancel} {
		if !seen[a] {
			t.Errorf("no %s audit line", a)
		}
	}
}

func TestDuplicateWarning(t *testing.T) {
	w := newWorld(t, newEnv(t, web.CertOff))
	// The linked hospital issued ノルバスク; the clinic composes アムロジピン.
	issue(t, w.B, rxValues(w.Patient, "lines[0][drug_code]", "2171022F5032", "lines[0][amount]", "1", "lines[0][usage]", "1日1回朝食後", "lines[0][days]", "28"))
	form := rxValues(w.Patient, "lines[0][drug_code]", "2171022F5180", "lines[0][amount]", "1")
	res := w.A.Post("/rx/check", form)
	if res.Status != 200 || !strings.Contains(res.Body, "同一成分の ノルバスク錠１０ｍｇ（みなと総合病院、2026-") {
		t.Fatalf("check: %d\n%s", res.Status, handlertest.Snippet(res.Body))
	}
	// A warning, not a block.
	issue(t, w.A, form)
}

func TestPresets(t *testing.T) {
	w := newWorld(t, newEnv(t, web.CertOff))
	form := rxValues(w.Patient, "name", "腰痛セット", "shared", "1")
	for _, sc := range []handlertest.Scenario{
		{Name: "save without name", Method: "POST", Path: "/rx/presets", Form: rxValues(w.Patient), WantStatus: 422, WantContains: []string{"約束処方の名前を入力してください"}},
		{Name: "save", Method: "POST", Path: "/rx/presets", Form: form, WantStatus: 303, WantLocation: "/rx/presets?done=rx-preset-saved"},
		{Name: "list", Path: "/rx/presets", WantStatus: 200, WantContains: []string{"腰痛セット", "施設内で共有", "1149019F1560"}},
	} {
		sc.Run(t, w.A)
	}
	list, _ := w.DB.RxPresets(store.RxActor{MemberID: w.MA.ID})
	id := list[0].ID
	for _, sc := range []handlertest.Scenario{
		{Name: "composer offers it", Path: "/rx/new?patient=" + w.Patient, WantStatus: 200, WantContains: []string{"約束処方から追加", "腰痛セット", "/rx/presets/" + id + "/lines?n=2"}},
		{Name: "apply (htmx)", Path: "/rx/presets/" + id + "/lines?n=2&patient=" + w.Patient, WantStatus: 200, WantContains: []string{`id="line-2"`, `value="1149019F1560"`, "n=3"}},
		{Name: "apply without script", Path: "/rx/new?patient=" + w.Patient + "&preset=" + id, WantStatus: 200, WantContains: []string{`name="lines[0][drug_code]" value="1149019F1560"`}},
		{Name: "rename empty", Method: "POST", Path: "/rx/presets/" + id + "/rename", WantStatus: 422},
		{Name: "rename", Method: "POST", Path: "/rx/presets/" + id + "/rename", Form: map[string][]string{"name": {"腰痛（基本）"}}, WantStatus: 303, WantLocation: "/rx/presets?done=rx-preset-renamed"},
	} {
		sc.Run(t, w.A)
	}
	// Not shared any more: the nurse does not see it; others cannot touch it.
	if res := w.N.Get("/rx/presets/" + id + "/lines?n=0"); res.Status != 404 {
		t.Errorf("nurse applies an unshared preset: %d", res.Status)
	}
	if res := w.B.Post("/rx/presets/"+id+"/delete", nil); res.Status != 404 {
		t.Errorf("other facility deletes: %d", res.Status)
	}
	handlertest.Scenario{Name: "delete", Method: "POST", Path: "/rx/presets/" + id + "/delete", WantStatus: 303, WantLocation: "/rx/presets?done=rx-preset-deleted"}.Run(t, w.A)
}
