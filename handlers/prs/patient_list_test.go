package prs_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/store"
)

func TestPatientSearchPages(t *testing.T) {
	pe := newRegion(t)
	c := pe.Unlocked(t, pe.MA)
	handlertest.Register(t, c, handlertest.PatientValues("name", "山田 花子", "name_kana", "ヤマダ ハナコ", "sex", "female", "chart_number", "C-1"))
	handlertest.Register(t, c, handlertest.PatientValues("name", "中山 陽子", "name_kana", "ナカヤマ ヨウコ", "birth_date", "S50.1.2", "sex", "female", "chart_number", "C-2"))
	if err := pe.DB.GeneratePatients(pe.FA.OID, pe.MA.ID, 11, 0, 60); err != nil {
		t.Fatal(err)
	}
	// The other facility's patient with the same kana never shows.
	cb := pe.Unlocked(t, pe.MB)
	handlertest.Register(t, cb, handlertest.PatientValues("name", "山田 花江", "name_kana", "ヤマダ ハナエ", "chart_number", "X"))

	for _, q := range []string{"やまだ", "ヤマダ", "ﾔﾏﾀﾞ", "ｙａｍａｄａ", "山田 花", "C-1", "1970-04-01", "昭和45年4月1日"} {
		res := c.Get("/prs/patients?q=" + url.QueryEscape(q))
		if q == "ｙａｍａｄａ" {
			if res.Status != 200 || !strings.Contains(res.Body, "見つかりませんでした") {
				t.Errorf("latin query: %d", res.Status)
			}
			continue
		}
		if res.Status != 200 || !strings.Contains(res.Body, "山田　花子") || strings.Contains(res.Body, "山田　花江") || !strings.Contains(res.Body, "<html") {
			t.Errorf("search %q: %d (has 花子 %v, 花江 %v)", q, res.Status, strings.Contains(res.Body, "山田　花子"), strings.Contains(res.Body, "山田　花江"))
		}
	}
	if res := c.Get("/prs/patients?q=" + url.QueryEscape("S50.1.2")); !strings.Contains(res.Body, "中山　陽子") || strings.Contains(res.Body, "山田　花子") {
		t.Errorf("birth date search")
	}
	// The live search gets the result table alone.
	c.Headers["HX-Request"] = "true"
	c.Headers["HX-Target"] = "patient-results"
	res := c.Get("/prs/patients?q=" + url.QueryEscape("ﾔﾏﾀﾞ"))
	delete(c.Headers, "HX-Request")
	delete(c.Headers, "HX-Target")
	if res.Status != 200 || strings.Contains(res.Body, "<html") || strings.Contains(res.Body, "site-header") || !strings.Contains(res.Body, `data-testid="patient-results"`) || !strings.Contains(res.Body, "山田　花子") {
		t.Fatalf("htmx fragment: %d\n%s", res.Status, handlertest.Snippet(res.Body))
	}
	if !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
		t.Errorf("fragment without Vary: HX-Request")
	}
	// Paging without JavaScript: 62 patients, 20 a page.
	seen := map[string]bool{}
	next := "/prs/patients"
	pages := 0
	rowID := regexp.MustCompile(`<tr data-testid="patient-row"><td class="mono" data-label="患者ID"><a href="/prs/patients/(P[A-Z0-9]{12})"`)
	nextLink := regexp.MustCompile(`<a href="([^"]+)" data-testid="next-page"`)
	for next != "" && pages < 10 {
		res := c.Get(next)
		if res.Status != 200 {
			t.Fatalf("page %s: %d", next, res.Status)
		}
		for _, m := range rowID.FindAllStringSubmatch(res.Body, -1) {
			if seen[m[1]] {
				t.Fatalf("%s on two pages", m[1])
			}
			seen[m[1]] = true
		}
		next = ""
		if m := nextLink.FindStringSubmatch(res.Body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
		pages++
	}
	if len(seen) != 62 || pages != 4 {
		t.Fatalf("paged through %d patients in %d pages", len(seen), pages)
	}
	if res := c.Get("/prs"); !strings.Contains(res.Body, "登録患者 62名") {
		t.Errorf("top lacks the count")
	}
}

// Lists and searches are accesses to patient data too: each page is one
// audit line naming the patients shown.
func TestPatientListsAreAudited(t *testing.T) {
	pe := newRegion(t)
	c := pe.Unlocked(t, pe.MA)
	id := handlertest.Register(t, c, handlertest.PatientValues())
	if res := c.Get("/prs/patients?q=" + url.QueryEscape("やまだ")); res.Status != http.StatusOK {
		t.Fatalf("search: %d", res.Status)
	}
	pe.DB.FlushAudit() // the line goes to a group commit the page does not wait for
	page, err := pe.DB.ListAudit(store.AuditFilter{Actor: pe.MA.ID, Action: "patient.list"})
	if err != nil || len(page.Events) == 0 || !strings.Contains(page.Events[0].Detail, id) {
		t.Fatalf("search not audited with the patient shown: %+v %v", page.Events, err)
	}
	// A search that shows nobody writes nothing.
	before := len(page.Events)
	c.Get("/prs/patients?q=" + url.QueryEscape("ワタナベ"))
	pe.DB.FlushAudit()
	page, _ = pe.DB.ListAudit(store.AuditFilter{Actor: pe.MA.ID, Action: "patient.list"})
	if len(page.Events) != before {
		t.Fatal("an empty result was audited")
	}
}
