package referral_test

import (
	"flag"
	"testing"
	"time"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// TestReferralInboxLoad measures the inbox of a facility with 50,000
// letters over real HTTPS with wrk (the full page: guard, session, header
// badge, list, layout):
//
//	go test ./handlers/referral -run '^TestReferralInboxLoad$' -v -referral.load -timeout 20m
//
// It reports wrk's latency percentiles; it asserts nothing about speed.
var (
	flagReferralLoad      = flag.Bool("referral.load", false, "run the 地域連携 inbox load test")
	flagReferralLoadN     = flag.Int("referral.load.n", 50000, "letters in the facility's inbox")
	flagReferralLoadConns = flag.Int("referral.load.conns", 20, "concurrent connections")
	flagReferralLoadTime  = flag.Duration("referral.load.duration", 10*time.Second, "length of each phase")
)

func TestReferralInboxLoad(t *testing.T) {
	if !*flagReferralLoad {
		t.Skip("run with -referral.load")
	}
	handlertest.NeedWrk(t)
	r := handlertest.NewRegion(t, newEnv(t, web.CertOff))
	pa := store.PRSActor{MemberID: r.MA.ID, FacilityOID: r.FA.OID}
	p, err := r.DB.RegisterPatient(pa, store.PatientForm{Name: "山田 太郎", NameKana: "ヤマダ タロウ", BirthDate: "1970-04-01", Sex: "male"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := r.DB.SeedReferrals(store.ReferralActor{MemberID: r.MA.ID, FacilityOID: r.FA.OID}, r.FB.OID, p.ID, *flagReferralLoadN); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d letters written in %v; file %d MB", *flagReferralLoadN, time.Since(start).Round(time.Millisecond), r.DB.FileSize()>>20)
	base := r.Listen(t)
	b := r.LoginAs(t, r.MB.ID, handlertest.MemberPassword)
	cookie := b.CookieHeader()
	for _, phase := range []struct{ name, path string }{
		{"inbox, first page", "/referrals"},
		{"inbox, page 1000", "/referrals?before=30000"},
		{"inbox, 未読", "/referrals?status=unread"},
		{"unread badge", "/referrals/unread"},
	} {
		run := handlertest.Wrk(t, base+phase.path, handlertest.WrkOptions{Conns: *flagReferralLoadConns, Duration: *flagReferralLoadTime, Cookie: cookie})
		t.Logf("%s (%d connections): %.0f req/s, %s", phase.name, *flagReferralLoadConns, run.Rate, run.Percentiles())
	}
}
