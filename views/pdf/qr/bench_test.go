package qr

import "testing"

// BenchmarkEncodeShiftJIS1500 encodes a 1,500-byte Shift_JIS message as
// the prescription does: four symbols of version 15.
func BenchmarkEncodeShiftJIS1500(b *testing.B) {
	msg := sampleShiftJIS(b, 1500)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(msg, Options{MaxVersion: 15, CharStart: ShiftJISCharStart}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeURL encodes the access card's address.
func BenchmarkEncodeURL(b *testing.B) {
	msg := []byte("https://hotline.example.jp/patient/login")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(msg, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
