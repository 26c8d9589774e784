package pdf

import (
	"bytes"
	"testing"
)

func benchmarkRender(b *testing.B, r interface{ Render() ([]byte, error) }) {
	b.Helper()
	if _, err := ipaex(); err != nil { // parsed once per process, not per document
		b.Fatal(err)
	}
	var size int
	b.ReportAllocs()
	for b.Loop() {
		out, err := r.Render()
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size)/1024, "KB/pdf")
}

func BenchmarkApplicationMemberForm(b *testing.B)   { benchmarkRender(b, sampleMemberForm()) }
func BenchmarkApplicationFacilityForm(b *testing.B) { benchmarkRender(b, sampleFacilityForm()) }
func BenchmarkStartGuide(b *testing.B)              { benchmarkRender(b, sampleStartGuide()) }
func BenchmarkFacilityInfo(b *testing.B)            { benchmarkRender(b, sampleFacilityInfo()) }
func BenchmarkPatientAccessCard(b *testing.B)       { benchmarkRender(b, sampleAccessCard()) }

// BenchmarkA5FormWithQR renders the A5 page of renderSampleForm: about 40
// ruled boxes, a form of 10 prescription lines and the QR code of a
// 1,500-byte Shift_JIS payload (four symbols, encoded once and cached).
func BenchmarkA5FormWithQR(b *testing.B) {
	payload := samplePayload(b, 1500)
	benchmarkRender(b, renderFunc(func() ([]byte, error) { return renderSampleForm(payload) }))
}

// BenchmarkA4LetterTwoPages renders a letter from a facility whose
// sections flow over two A4 pages.
func BenchmarkA4LetterTwoPages(b *testing.B) {
	sections := sampleSections(2100)
	out, err := renderSampleLetter(sections)
	if err != nil {
		b.Fatal(err)
	}
	if n := bytes.Count(out, []byte("/Type /Page\n")); n != 2 {
		b.Fatalf("%d pages, want 2", n)
	}
	benchmarkRender(b, renderFunc(func() ([]byte, error) { return renderSampleLetter(sections) }))
}

type renderFunc func() ([]byte, error)

func (f renderFunc) Render() ([]byte, error) { return f() }

// BenchmarkReferralLetterTwoPages renders 診療情報提供書 whose sections
// (about 1,500 characters) run over two A4 pages.
func BenchmarkReferralLetterTwoPages(b *testing.B) {
	l := sampleReferralLetter(1500)
	out, err := RenderReferralLetter(l)
	if err != nil {
		b.Fatal(err)
	}
	if n := bytes.Count(out, []byte("/Type /Page\n")); n != 2 {
		b.Fatalf("%d pages, want 2", n)
	}
	benchmarkRender(b, renderFunc(func() ([]byte, error) { return RenderReferralLetter(l) }))
}

// BenchmarkReferralReply renders the one-page 紹介患者経過報告書.
func BenchmarkReferralReply(b *testing.B) {
	r := sampleReferralReply()
	benchmarkRender(b, renderFunc(func() ([]byte, error) { return RenderReferralReply(r) }))
}
