package pdf

import (
	"os"
	"testing"
)

func TestWriteReferralSamples(t *testing.T) {
	dir := os.Getenv("PDF_SAMPLES")
	if dir == "" {
		t.Skip("set PDF_SAMPLES=dir to write sample PDFs")
	}
	for name, r := range map[string]interface{ Render() ([]byte, error) }{
		"referral":      sampleReferralLetter(1200),
		"referral-long": sampleReferralLetter(12000),
		"reply":         sampleReferralReply(),
	} {
		b, err := r.Render()
		if err != nil {
			t.Fatal(name, err)
		}
		os.WriteFile(dir+"/"+name+".pdf", b, 0o644)
	}
}
