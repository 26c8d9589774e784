package drugs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
)

func needChromium(t *testing.T) {
	t.Helper()
	if browsertest.ChromiumPath() == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("Chromium is required under CI")
		}
		t.Skip("Chromium not installed")
	}
}

// rowCodes are the codes of the result rows shown.
func rowCodes(t *testing.T, p *handlertest.Page) string {
	t.Helper()
	codes, err := chromedp.Run(p.Ctx(), chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('[data-testid="drug-row"]')).map(r => r.dataset.drugCode)`))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(codes, ",")
}

// TestDrugSearchInBrowser: typing ロキソ updates the list without a page
// load (a marker set on window before typing survives); with JavaScript
// off the form answers the same list as a page.
func TestDrugSearchInBrowser(t *testing.T) {
	needChromium(t)
	env := newEnv(t, web.CertOff)
	base := env.Listen(t)
	handlertest.ImportDrugList(t, env.DB)
	m := env.AddMember(t, "検索 太郎", memberPassword)

	js := handlertest.OpenBrowser(t, env.DB, base, browsertest.Options{})
	js.Login(m.ID, memberPassword)
	if status := js.Open("/drugs"); status != 200 {
		t.Fatalf("search page: %d", status)
	}
	if _, err := chromedp.Run(js.Ctx(), chromedp.Evaluate[bool](`window.drugNoReload = true`)); err != nil {
		t.Fatal(err)
	}
	js.Do("type ロキソ", chromedp.SendKeys(`[data-testid="drug-search"]`, "ロキソ"))
	js.Poll("the list updates", `() => document.querySelectorAll('[data-testid="drug-row"]').length === 4`)
	if same, err := chromedp.Run(js.Ctx(), chromedp.Evaluate[bool](`window.drugNoReload === true`)); err != nil || !same {
		t.Fatalf("the page was loaded again (%v)", err)
	}
	live := rowCodes(t, js)
	if s := js.Text(`[data-testid="drug-summary"]`); !strings.Contains(s, "「ロキソ」の検索結果 4件中") {
		t.Errorf("summary %q", s)
	}
	if loc := js.Location(); !strings.Contains(loc, "q=") {
		t.Errorf("search not in the address bar: %s", loc)
	}
	// A row leads to the drug's page.
	js.Submit("open ロキソニン", chromedp.Click(`[data-drug-code="`+handlertest.DrugLoxonin+`"] a[data-testid="drug-name"]`))
	if s := js.Text(`[data-testid="drug-alternatives"]`); !strings.Contains(s, "「サワイ」") {
		t.Errorf("alternatives %q", s)
	}

	noJS := handlertest.OpenBrowser(t, env.DB, base, browsertest.Options{NoJavaScript: true})
	noJS.Login(m.ID, memberPassword)
	noJS.Open("/drugs")
	noJS.Do("type ロキソ", chromedp.SendKeys(`[data-testid="drug-search"]`, "ロキソ"))
	if status := noJS.Submit("search", chromedp.Click(`[data-testid="drug-search-submit"]`)); status != 200 {
		t.Fatalf("search without JavaScript: %d", status)
	}
	if got := rowCodes(t, noJS); got != live {
		t.Errorf("without JavaScript the list is %s, with it %s", got, live)
	}
	if loc := noJS.Location(); !strings.HasPrefix(loc, "/drugs?q=") {
		t.Errorf("without JavaScript at %s", loc)
	}
}

// TestDrugImportInBrowser: the operator chooses the file and sees the
// summary.
func TestDrugImportInBrowser(t *testing.T) {
	needChromium(t)
	env := newEnv(t, web.CertOff)
	base := env.Listen(t)
	env.EnsureOperator(t)
	path := filepath.Join(t.TempDir(), handlertest.DrugListCSVName)
	if err := os.WriteFile(path, handlertest.DrugListSJIS(t, handlertest.DrugList), 0o600); err != nil {
		t.Fatal(err)
	}
	op := handlertest.OpenBrowser(t, env.DB, base, browsertest.Options{Timeout: 2 * time.Minute})
	op.Login("admin", handlertest.OperatorPassword)
	op.Open("/admin") // an operator lands on the menu; the warning is the dashboard's
	if s := op.Text(`[data-testid="drug-master-warning"]`); !strings.Contains(s, "薬価基準マスタが取り込まれていません") {
		t.Errorf("dashboard warning %q", s)
	}
	op.Submit("open 薬価基準", chromedp.Click(`[data-testid="admin-nav"] a[href="/admin/drugs"]`))
	op.Do("choose the file", chromedp.SetUploadFiles(`[data-testid="drug-file"]`, []string{path}))
	status, err := browsertest.ActionStatus(op.Ctx(), chromedp.Click(`[data-testid="drug-import-submit"]`))
	if err != nil || status != 200 {
		t.Fatalf("upload: %d %v\n%s", status, err, op.MainText())
	}
	if s := op.Text(`[data-testid="drug-import-summary"]`); !strings.Contains(s, "追加") || !strings.Contains(s, handlertest.DrugListCSVName) {
		t.Errorf("summary %q", s)
	}
	if s := op.Text(`[data-testid="summary-added"]`); s != "7" {
		t.Errorf("added %q", s)
	}
	if s := op.Text(`[data-testid="drug-list-date"]`); !strings.HasPrefix(s, "2025-07-16") {
		t.Errorf("list date %q", s)
	}
}
