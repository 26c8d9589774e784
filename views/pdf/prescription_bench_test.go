package pdf

import (
	"fmt"
	"testing"
)

func benchmarkPrescription(b *testing.B, p Prescription, fresh bool) {
	b.Helper()
	if _, err := ipaex(); err != nil { // parsed once per process, not per document
		b.Fatal(err)
	}
	var size, i int
	b.ReportAllocs()
	for b.Loop() {
		if fresh {
			// A new 照会番号 makes a new code: its QR is encoded, not cached.
			i++
			p.Reference = fmt.Sprintf("K7MP-Q2WX-%04d-B3CD", i%10000)
		}
		out, err := RenderPrescription(p)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size)/1024, "KB/pdf")
}

// BenchmarkPrescription prints the sample prescription again (a reprint:
// its QR code is cached).
func BenchmarkPrescription(b *testing.B) { benchmarkPrescription(b, samplePrescription(), false) }

// BenchmarkPrescriptionFirstPrint prints a prescription whose code has not
// been printed before: the QR code (one version 27 symbol) is encoded.
func BenchmarkPrescriptionFirstPrint(b *testing.B) {
	benchmarkPrescription(b, samplePrescription(), true)
}

// BenchmarkPrescription20Lines prints 20 lines: the form, a 別紙 and a
// strip of structured append symbols, encoded each time.
func BenchmarkPrescription20Lines(b *testing.B) { benchmarkPrescription(b, longPrescription(20), true) }

// BenchmarkJAHIS builds the Shift_JIS text of the sample.
func BenchmarkJAHIS(b *testing.B) {
	p := samplePrescription()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := JAHIS(p); err != nil {
			b.Fatal(err)
		}
	}
}
