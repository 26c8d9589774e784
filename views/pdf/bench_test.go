package pdf

import "testing"

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
