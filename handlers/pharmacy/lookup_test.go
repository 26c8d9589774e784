package pharmacy_test

import (
	"net/url"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r - '!' + 0xFF01
		}
		return r
	}, s)
}

func TestLookup(t *testing.T) {
	w := newWorld(t, web.CertOff)
	rx := w.issue(t, "")
	c := w.LoginAs(t, w.MC.ID, handlertest.MemberPassword)
	wrong := store.NewRxNumber()
	miss := "照会番号と生年月日に一致する処方箋はありません"
	for _, sc := range []handlertest.Scenario{
		{Name: "form", Path: "/pharmacy/lookup", WantStatus: 200, WantContains: []string{"処方箋の照会", "さくら薬局", `name="number"`, `name="birth_date"`, `action="/pharmacy/lookup"`}},
		{Name: "top is the form", Path: "/pharmacy", WantStatus: 200, WantContains: []string{`action="/pharmacy/lookup"`}},
		{Name: "empty", Method: "POST", Path: "/pharmacy/lookup", Form: url.Values{}, WantStatus: 422,
			WantContains: []string{"照会番号を入力してください", "生年月日を入力してください"}},
		{Name: "not a number", Method: "POST", Path: "/pharmacy/lookup", Form: url.Values{"number": {"ABCD"}, "birth_date": {"1970-04-01"}}, WantStatus: 422,
			WantMatch: []string{`data-testid="error-number">照会番号は16桁の数字です`}},
		{Name: "check digit", Method: "POST", Path: "/pharmacy/lookup", Form: url.Values{"number": {rx.Number[:15] + string('0'+(rx.Number[15]-'0'+1)%10)}, "birth_date": {"1970-04-01"}}, WantStatus: 422,
			WantContains: []string{`data-testid="error-number"`}},
		{Name: "not a date", Method: "POST", Path: "/pharmacy/lookup", Form: url.Values{"number": {rx.Number}, "birth_date": {"むかし"}}, WantStatus: 422,
			WantMatch: []string{`data-testid="error-birth_date">生年月日は YYYY-MM-DD`}},
		{Name: "future birth date", Method: "POST", Path: "/pharmacy/lookup", Form: url.Values{"number": {rx.Number}, "birth_date": {"2999-01-01"}}, WantStatus: 422},
		{Name: "control character", Method: "POST", Path: "/pharmacy/lookup", Form: url.Values{"number": {"1234\x00"}, "birth_date": {"1970-04-01"}}, WantStatus: 422},
		{Name: "too long", Method: "POST", Path: "/pharmacy/lookup", Form: url.Values{"number": {strings.Repeat("1", 41)}, "birth_date": {"1970-04-01"}}, WantStatus: 422,
			WantContains: []string{"照会番号は40文字以内"}},
		{Name: "unknown number", Method: "POST", Path: "/pharmacy/lookup", Form: url.Values{"number": {wrong}, "birth_date": {"1970-04-01"}}, WantStatus: 404,
			WantContains: []string{miss, `value="` + wrong + `"`}, WantAbsent: []string{"山田"}},
		{Name: "wrong birth date", Method: "POST", Path: "/pharmacy/lookup", Form: url.Values{"number": {rx.Number}, "birth_date": {"1970-04-02"}}, WantStatus: 404,
			WantContains: []string{miss}, WantAbsent: []string{"山田"}},
		{Name: "not yet looked up", Path: "/pharmacy/rx/" + rx.ID, WantStatus: 404, WantAbsent: []string{"山田"}},
		{Name: "as printed: full width, 和暦", Method: "POST", Path: "/pharmacy/lookup",
			Form: url.Values{"number": {toFullWidth(rx.DisplayNumber())}, "birth_date": {"昭和45年4月1日"}}, WantStatus: 303, WantLocation: "/pharmacy/rx/" + rx.ID},
		{Name: "spaces and S45", Method: "POST", Path: "/pharmacy/lookup",
			Form: url.Values{"number": {strings.ReplaceAll(rx.DisplayNumber(), "-", " ")}, "birth_date": {"S45.4.1"}}, WantStatus: 303, WantLocation: "/pharmacy/rx/" + rx.ID},
		{Name: "then the page", Path: "/pharmacy/rx/" + rx.ID, WantStatus: 200, WantContains: []string{"山田　太郎", rx.DisplayNumber(), "発行済"}},
	} {
		sc.Run(t, c)
	}
	// Both misses answer the same page (the typed values aside).
	r1 := c.Post("/pharmacy/lookup", url.Values{"number": {wrong}, "birth_date": {"1970-04-01"}})
	r2 := c.Post("/pharmacy/lookup", url.Values{"number": {wrong}, "birth_date": {"1970-04-01"}})
	r3 := c.Post("/pharmacy/lookup", url.Values{"number": {rx.Number}, "birth_date": {"1970-04-02"}})
	norm := func(s string) string {
		s = strings.ReplaceAll(s, wrong, "N")
		s = strings.ReplaceAll(s, rx.Number, "N")
		s = strings.ReplaceAll(s, "1970-04-02", "B")
		return strings.ReplaceAll(s, "1970-04-01", "B")
	}
	if r1.Status != r3.Status || norm(r1.Body) != norm(r3.Body) || norm(r1.Body) != norm(r2.Body) {
		t.Errorf("the misses differ: %d %d", r1.Status, r3.Status)
	}
}

// Ten misses from one address hold the member's lookups there: 429 with
// Retry-After, even for the right pair; another pharmacy member is not held.
func TestLookupThrottled(t *testing.T) {
	w := newWorld(t, web.CertOff)
	rx := w.issue(t, "")
	c := w.LoginAs(t, w.MC.ID, handlertest.MemberPassword)
	for i := 1; i <= store.PairFailureLimit; i++ {
		res := c.Post("/pharmacy/lookup", url.Values{"number": {rx.Number}, "birth_date": {"1970-04-02"}})
		if res.Status != 404 || (i == store.PairFailureLimit) != strings.Contains(res.Body, "一時的に停止します") {
			t.Fatalf("miss %d: %d\n%s", i, res.Status, handlertest.Snippet(res.Body))
		}
	}
	res := c.Post("/pharmacy/lookup", url.Values{"number": {rx.Number}, "birth_date": {"1970-04-01"}})
	if res.Status != 429 || res.Header.Get("Retry-After") == "" || !strings.Contains(res.Body, "照会を一時的に停止しています") {
		t.Fatalf("held: %d %q\n%s", res.Status, res.Header.Get("Retry-After"), handlertest.Snippet(res.Body))
	}
	d := w.LoginAs(t, w.MD.ID, handlertest.MemberPassword)
	if res := d.Post("/pharmacy/lookup", url.Values{"number": {rx.Number}, "birth_date": {"1970-04-01"}}); res.Status != 303 {
		t.Fatalf("another member: %d", res.Status)
	}
	// The operator sees the hold, labelled.
	op := w.LoginOperator(t)
	if res := op.Get("/admin/login-holds"); !strings.Contains(res.Body, "処方箋の照会（薬局）：ID＋アドレス") {
		t.Errorf("operator's holds:\n%s", handlertest.Snippet(res.Body))
	}
}

// Only members of a pharmacy: a clinic's or hospital's member and the
// operator get 403 with the reason.
func TestPharmacyOnly(t *testing.T) {
	w := newWorld(t, web.CertOff)
	for _, id := range []string{w.MA.ID, w.MB.ID} {
		c := w.LoginAs(t, id, handlertest.MemberPassword)
		for _, sc := range []handlertest.Scenario{
			{Name: id + " form", Path: "/pharmacy/lookup", WantStatus: 403, WantContains: []string{"薬局の会員のみ"}},
			{Name: id + " post", Method: "POST", Path: "/pharmacy/lookup", Form: url.Values{"number": {"1"}, "birth_date": {"1970-04-01"}}, WantStatus: 403},
		} {
			sc.Run(t, c)
		}
	}
	op := w.LoginOperator(t)
	if res := op.Get("/pharmacy/lookup"); res.Status != 403 {
		t.Errorf("operator: %d", res.Status)
	}
	// The menu leads a pharmacy's members (only them) to the lookup.
	if res := w.LoginAs(t, w.MC.ID, handlertest.MemberPassword).Get("/menu"); !strings.Contains(res.Body, `href="/pharmacy/lookup" data-testid="menu-pharmacy"`) {
		t.Errorf("pharmacy member's menu lacks the lookup")
	}
	if res := w.LoginAs(t, w.MA.ID, handlertest.MemberPassword).Get("/menu"); strings.Contains(res.Body, `data-testid="menu-pharmacy"`) {
		t.Errorf("a clinic's menu offers the lookup")
	}
}
