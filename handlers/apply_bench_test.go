package handlers

import (
	"slices"
	"testing"
	"time"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// Figures for the application forms: how long one PDF takes (median, the
// target is under 30 ms) and how big it is (target under 150 KB). Run with
//
//	go test ./handlers -run '^$' -bench ApplicationPDF -benchtime 50x
//
// They only report; a slow machine fails nothing.

func benchApplication(b *testing.B) (*handlertest.Env, store.Application) {
	env := newTestEnv(b, web.CertOff)
	a, _, err := env.DB.CreateApplication(store.ApplicationForm{
		Name: "山田 太郎", NameKana: "ヤマダ タロウ", Qualification: "doctor", LicenseNumber: "123456",
		Email: "taro@example.jp", Phone: "03-1234-5678", FacilityChoice: store.FacilityChoiceNew,
		FacilityName: "医療法人社団 山田内科クリニック", FacilityKind: "clinic", FacilityCode: "0110113719",
		FacilityPostal: "100-0001", FacilityAddress: "東京都千代田区千代田1-1 山田ビル2階", FacilityPhone: "03-1234-0001",
	}, "")
	if err != nil {
		b.Fatal(err)
	}
	return env, a
}

func reportPDF(b *testing.B, render func() ([]byte, error)) {
	b.Helper()
	var durations []time.Duration
	size := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		data, err := render()
		durations = append(durations, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(size)/1024, "KB/pdf")
}

func BenchmarkApplicationPDFMember(b *testing.B) {
	env, a := benchApplication(b)
	reportPDF(b, func() ([]byte, error) {
		doc, err := srvOf(env).applicationMemberForm(a)
		if err != nil {
			return nil, err
		}
		return doc.Render()
	})
}

func BenchmarkApplicationPDFFacility(b *testing.B) {
	env, a := benchApplication(b)
	st, err := env.DB.Settings()
	if err != nil {
		b.Fatal(err)
	}
	reportPDF(b, func() ([]byte, error) { return applicationFacilityForm(a, st).Render() })
}

// BenchmarkApplicationPDFReceipt is the applicant's download end to end:
// token lookup, settings, rendering, the HTTP answer.
func BenchmarkApplicationPDFReceipt(b *testing.B) {
	env := newTestEnv(b, web.CertOff)
	c := env.Client()
	c.Get("/apply")
	res := c.Post("/apply", newFacilityForm("taro@example.jp"))
	if res.Status != 303 {
		b.Fatalf("apply: %d", res.Status)
	}
	path := res.Location + "/member.pdf"
	reportPDF(b, func() ([]byte, error) {
		r := c.Get(path)
		if r.Status != 200 {
			b.Fatalf("GET %s: %d", path, r.Status)
		}
		return []byte(r.Body), nil
	})
}
