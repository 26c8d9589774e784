package handlers

import (
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// downloadRoutes are the GET routes that answer a file, keyed as in
// Routes(), each with the URL the test requests and who requests it.
var downloadRoutes = map[string]struct {
	path     string // {receipt}, {application}, {member}, {facility}, {letter} filled in
	operator bool   // else an anonymous visitor
	member   bool   // a member of the facility that sent {letter}
}{
	"GET /ca.crt":                                               {"/ca.crt", false, false},
	"GET /apply/receipt/:token/member.pdf":                      {"{receipt}/member.pdf", false, false},
	"GET /apply/receipt/:token/facility.pdf":                    {"{receipt}/facility.pdf", false, false},
	"GET /admin/applications/:number/letters/start-guide.pdf":   {"/admin/applications/{application}/letters/start-guide.pdf", true, false},
	"GET /admin/applications/:number/letters/facility-info.pdf": {"/admin/applications/{application}/letters/facility-info.pdf", true, false},
	"GET /admin/members/:id/letters/start-guide.pdf":            {"/admin/members/{member}/letters/start-guide.pdf", true, false},
	"GET /admin/facilities/:oid/letters/facility-info.pdf":      {"/admin/facilities/{facility}/letters/facility-info.pdf", true, false},
	"GET /admin/audit.csv":                                      {"/admin/audit.csv?action=login", true, false},
	"GET /admin/backup/download":                                {"/admin/backup/download", true, false},
	"GET /referrals/:id.pdf":                                    {"/referrals/{letter}.pdf", false, true},
	"GET /referrals/:id/reply.pdf":                              {"/referrals/{letter}/reply.pdf", false, true},
	// A prescription's form needs a doctor and a prescription: handlers/rx
	// and handlers/pharmacy test their HEAD.
	"GET /rx/:id.pdf":          {"", false, false},
	"GET /pharmacy/rx/:id.pdf": {"", false, false},
}

// TestHeadOfEveryDownload: for every GET route that answers a file, HEAD
// answers the headers a GET does (status, Content-Type,
// Content-Disposition) without a body, without making the file (no PDF
// rendered, no backup taken) and without an audit line; the GET after it
// makes the file (and audits what it audits).
func TestHeadOfEveryDownload(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	// The file names of the backup and the CSV hold the time; /ca.crt
	// needs the server CA.
	env.FakeClock()
	if _, err := env.DB.ServerCertificate(nil); err != nil {
		t.Fatal(err)
	}

	// The table names every download of the route table: a route whose
	// path says it is a file must be in it.
	routes := map[string]bool{}
	for _, r := range srvOf(env).Routes() {
		key := r.Method + " " + r.Path
		routes[key] = true
		if _, ok := downloadRoutes[key]; !ok && r.Method == http.MethodGet &&
			(strings.HasSuffix(r.Path, ".pdf") || strings.HasSuffix(r.Path, ".csv") || strings.HasSuffix(r.Path, ".crt") || strings.HasSuffix(r.Path, "/download")) {
			t.Errorf("route %s answers a file but is not in downloadRoutes", key)
		}
	}
	for key := range downloadRoutes {
		if !routes[key] {
			t.Errorf("downloadRoutes names %s, which is no route", key)
		}
	}

	// What the files are made from: an open application (its forms), an
	// approved one (its letters), a member's and a facility's reset
	// letters.
	visitor := env.Client()
	receipt := apply(t, visitor, newFacilityForm("open@example.jp"))
	apply(t, visitor, newFacilityForm("approved@example.jp")) // A000002
	op := env.LoginOperator(t)
	for _, step := range []string{"received", "approve"} {
		if res := op.Post("/admin/applications/A000002/"+step, nil); res.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", step, res.Status, handlertest.Snippet(res.Body))
		}
	}
	subject := env.AddMember(t, "対象 四郎", "subject-Pass-2345")
	for _, reset := range []string{"/admin/members/" + subject.ID, "/admin/facilities/" + subject.FacilityOID} {
		if res := op.Post(reset+"/reset-password", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("reset %s: %d\n%s", reset, res.Status, handlertest.Snippet(res.Body))
		}
	}
	letter, sender := referralWithReply(t, env)
	fill := strings.NewReplacer("{receipt}", receipt, "{application}", "A000002", "{member}", subject.ID, "{facility}", subject.FacilityOID,
		"{letter}", letter)

	keys := make([]string, 0, len(downloadRoutes))
	for k := range downloadRoutes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	auditLines := func() uint64 {
		t.Helper()
		env.DB.FlushAudit()
		head, err := env.DB.AuditHead()
		if err != nil {
			t.Fatal(err)
		}
		return head.Seq
	}
	for _, key := range keys {
		dl := downloadRoutes[key]
		if dl.path == "" {
			continue // tested in its domain's package
		}
		path := fill.Replace(dl.path)
		c := visitor
		if dl.operator {
			c = op
		}
		if dl.member {
			c = sender
		}
		before, made := auditLines(), srvOf(env).web.FilesMade()
		head := c.Do(http.MethodHead, path, nil, "")
		if after := auditLines(); after != before {
			t.Errorf("%s: HEAD wrote %d audit lines", key, after-before)
		}
		if n := srvOf(env).web.FilesMade() - made; n != 0 {
			t.Errorf("%s: HEAD made the file", key)
		}
		if head.Body != "" {
			t.Errorf("%s: HEAD answered %d bytes", key, len(head.Body))
		}
		if cl := head.Header.Get("Content-Length"); cl == "0" {
			t.Errorf("%s: HEAD says Content-Length 0", key)
		}
		if head.Status != http.StatusOK || head.Header.Get("Content-Disposition") == "" {
			t.Errorf("%s: HEAD %d, Content-Disposition %q", key, head.Status, head.Header.Get("Content-Disposition"))
		}

		get := c.Do(http.MethodGet, path, nil, "")
		if get.Status != head.Status || get.Body == "" {
			t.Errorf("%s: GET %d with %d bytes after HEAD %d", key, get.Status, len(get.Body), head.Status)
		}
		for _, h := range []string{"Content-Type", "Content-Disposition"} {
			if get.Header.Get(h) != head.Header.Get(h) {
				t.Errorf("%s: %s: HEAD %q, GET %q", key, h, head.Header.Get(h), get.Header.Get(h))
			}
		}
		// A length the HEAD gives is the GET's.
		if cl := head.Header.Get("Content-Length"); cl != "" && cl != get.Header.Get("Content-Length") {
			t.Errorf("%s: Content-Length: HEAD %s, GET %s", key, cl, get.Header.Get("Content-Length"))
		}
		if n := srvOf(env).web.FilesMade() - made; n != 1 {
			t.Errorf("%s: GET made %d files", key, n)
		}
		// The letters, the CSV and the backup audit their GET.
		if audited := strings.Contains(key, "letters") || strings.Contains(key, "referrals") || strings.HasSuffix(key, ".csv") || strings.HasSuffix(key, "/download"); audited && auditLines() == before {
			t.Errorf("%s: the GET wrote no audit line", key)
		}
	}
}

// HEAD of a download that a GET refuses gets the same refusal: the checks
// run, only the work does not.
func TestHeadOfARefusedDownload(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	subject := env.AddMember(t, "対象 四郎", "subject-Pass-2345")
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/admin/members/" + subject.ID + "/letters/start-guide.pdf", http.StatusGone}, // no letter held
		{"/admin/members/H999999/letters/start-guide.pdf", http.StatusNotFound},
		{"/admin/audit.csv?" + url.Values{"from": {"2026-13-01"}}.Encode(), http.StatusUnprocessableEntity},
		{"/apply/receipt/nope/member.pdf", http.StatusNotFound},
		{"/ca.crt", http.StatusNotFound}, // no server CA yet
	} {
		get, head := op.Get(tc.path), op.Do(http.MethodHead, tc.path, nil, "")
		if get.Status != tc.status || head.Status != tc.status || head.Body != "" || head.Header.Get("Content-Disposition") != "" {
			t.Errorf("%s: GET %d, HEAD %d (%d bytes, Content-Disposition %q), want %d", tc.path, get.Status, head.Status,
				len(head.Body), head.Header.Get("Content-Disposition"), tc.status)
		}
	}
}

// referralWithReply is a letter from a new member's facility to another,
// answered; it returns the letter and the sender's client.
func referralWithReply(t *testing.T, env *handlertest.Env) (string, *handlertest.Client) {
	t.Helper()
	ma := env.AddMember(t, "紹介 元子", "sender-Pass-2345")
	mb := env.AddMember(t, "紹介 先男", "receiver-Pass-2345")
	pa := store.PRSActor{MemberID: ma.ID, FacilityOID: ma.FacilityOID}
	p, err := env.DB.RegisterPatient(pa, store.PatientForm{Name: "紹介 太郎", NameKana: "ショウカイ タロウ", BirthDate: "1950-01-01", Sex: "male"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.LinkPatient(pa, p.ID, store.LinkForm{FacilityOID: mb.FacilityOID, Consent: "on", ConsentMethod: "written"}); err != nil {
		t.Fatal(err)
	}
	r, err := env.DB.SaveReferral(store.ReferralActor{MemberID: ma.ID, FacilityOID: ma.FacilityOID},
		"", store.ReferralForm{ToFacility: mb.FacilityOID, PatientID: p.ID, Diagnosis: "高血圧症", Purpose: "精査"}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.ReplyReferral(store.ReferralActor{MemberID: mb.ID, FacilityOID: mb.FacilityOID}, r.ID,
		store.ReplyForm{VisitedOn: "2026-01-05", Body: "拝見しました。"}); err != nil {
		t.Fatal(err)
	}
	return r.ID, env.LoginAs(t, ma.ID, "sender-Pass-2345")
}
