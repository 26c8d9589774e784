package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// A form's limits come from its spec (store.Fields): the tests here check,
// form by form, that the page's maxlength is the spec's Max and that one
// character more, sent anyway, is refused beside the field.

// limitCase is one field of a limits table: msg is the message expected
// beside it, "" for the spec's own 「…はN文字以内で入力してください」.
type limitCase struct {
	field, msg string
}

// checkSpecLimits runs a limits table: page is the form's HTML, send posts
// (or gets) the form with one value changed on base.
func checkSpecLimits(t *testing.T, page string, spec store.Fields, base url.Values, send func(url.Values) handlertest.Response, cases ...limitCase) {
	t.Helper()
	for _, tc := range cases {
		f := spec.Field(tc.field)
		if f.Max == 0 {
			t.Fatalf("%s: no Max in the spec", tc.field)
		}
		max := strconv.Itoa(f.Max)
		input := regexp.MustCompile(`<(?:input|textarea)\b[^>]*\sname="` + regexp.QuoteMeta(f.Name) + `"[^>]*\smaxlength="` + max + `"[\s/>]`)
		if !input.MatchString(page) {
			t.Errorf("%s: the page has no input with maxlength=%q", f.Name, max)
		}
		msg := tc.msg
		if msg == "" {
			msg = f.Label + "は" + max + "文字以内で入力してください"
		}
		res := send(formWith(base, f.Name, strings.Repeat("あ", f.Max+1)))
		if res.Status != http.StatusUnprocessableEntity || !regexp.MustCompile(fieldMessage(f.Name, msg)).MatchString(res.Body) {
			t.Errorf("%s over %s characters: %d, want 422 with %q beside the field\n%s", f.Name, max, res.Status, msg, handlertest.Snippet(res.Body))
		}
	}
}

func TestApplyLimitsFromTheSpec(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	c := env.Client()
	page := c.Get("/apply")
	post := func(form url.Values) handlertest.Response { return c.Post("/apply", form) }
	checkSpecLimits(t, page.Body, store.ApplicationSpec, newFacilityForm("taro@example.jp"), post,
		limitCase{"name", ""},
		limitCase{"name_kana", ""},
		limitCase{"license_number", "免許番号は数字10桁以内で入力してください"},
		limitCase{"email", ""},
		limitCase{"phone", "電話番号は 03-1234-5678 のように入力してください"},
		limitCase{"facility_name", ""},
		limitCase{"facility_code", "医療機関コードは10桁の数字で入力してください"},
		limitCase{"facility_postal", "郵便番号は 123-4567 のように7桁で入力してください"},
		limitCase{"facility_address", ""},
		limitCase{"facility_phone", "電話番号は 03-1234-5678 のように入力してください"},
	)
	checkSpecLimits(t, page.Body, store.ApplicationSpec, formWith(newFacilityForm("taro@example.jp"), "facility_choice", "existing"), post,
		limitCase{"facility_oid", "OIDは F で始まる7文字（例：F000123）で入力してください"})
	// The labels and 必須 marks are the spec's.
	for _, f := range store.ApplicationSpec {
		if f.Name == "agree" {
			continue // the consent box has its own sentence
		}
		if !strings.Contains(page.Body, f.Label) {
			t.Errorf("the form lacks the label %q", f.Label)
		}
	}
	if apps, _ := env.DB.Applications(""); len(apps) != 0 {
		t.Fatalf("over-long posts stored %d applications", len(apps))
	}
}

func TestAuditQueryLimitsFromTheSpec(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	get := func(q url.Values) handlertest.Response { return op.Get("/admin/audit?" + q.Encode()) }
	checkSpecLimits(t, op.Get("/admin/audit").Body, store.AuditQuerySpec, url.Values{}, get,
		limitCase{"actor", ""}, limitCase{"patient", ""}, limitCase{"action", ""})
}

func TestReviewFormLimitsFromTheSpec(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	a, _, err := env.DB.CreateApplication(store.ApplicationFormFrom(map[string]string{"name": "山田 太郎", "name_kana": "ヤマダ タロウ",
		"qualification": "doctor", "license_number": "123456", "email": "taro@example.jp", "phone": "03-1234-5678",
		"facility_choice": "new", "facility_name": "山田内科クリニック", "facility_kind": "clinic", "facility_code": "0110113719",
		"facility_postal": "100-0001", "facility_address": "東京都千代田区千代田1-1", "facility_phone": "03-1234-0001"}, false), "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	path := "/admin/applications/" + a.Number
	page := op.Get(path).Body
	checkSpecLimits(t, page, store.ApplicationReviewSpec, url.Values{}, func(f url.Values) handlertest.Response { return op.Post(path+"/reject", f) },
		limitCase{"reason", ""})
	checkSpecLimits(t, page, store.ApplicationReviewSpec, url.Values{}, func(f url.Values) handlertest.Response { return op.Post(path+"/notes", f) },
		limitCase{"note", ""})
	if got, _ := env.DB.Application(a.Number); got.Status != store.ApplicationPending || len(got.Notes) != 0 {
		t.Fatalf("over-long posts changed the application: %s, %d notes", got.Status, len(got.Notes))
	}
}

func TestOperatorFormLimitsFromTheSpec(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	q, err := env.DB.CreateInquiry(store.InquiryForm{Name: "田中", Email: "tanaka@example.jp", Subject: "証明書について", Body: "インストールできません"}, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	r, err := env.DB.CreateRequest(m.ID, store.RequestForm{Kind: store.RequestInfoChange, Body: "電話番号の変更"}, "")
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string) func(url.Values) handlertest.Response {
		return func(f url.Values) handlertest.Response { return op.Post(path, f) }
	}
	certs := "/admin/members/" + m.ID + "/certificates"
	checkSpecLimits(t, op.Get(certs).Body, store.SharedPCSpec, url.Values{}, post("/admin/members/"+m.ID+"/shared-pc"),
		limitCase{"device_name", ""})
	inquiry := "/admin/inquiries/" + q.Number
	checkSpecLimits(t, op.Get(inquiry).Body, store.InquiryUpdateSpec, url.Values{"status": {string(q.Status)}}, post(inquiry),
		limitCase{"note", ""})
	request := "/admin/requests/" + r.ID
	checkSpecLimits(t, op.Get(request).Body, store.DecisionSpec, url.Values{}, post(request+"/approve"),
		limitCase{"answer", ""})
	if got, _ := env.DB.Request(r.ID); !got.Open() {
		t.Fatal("an over-long answer decided the request")
	}
}
