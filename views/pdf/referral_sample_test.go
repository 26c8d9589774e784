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
	for name, l := range map[string]ReferralLetter{"referral": sampleReferralLetter(1200), "referral-long": sampleReferralLetter(12000)} {
		b, err := RenderReferralLetter(l)
		if err != nil {
			t.Fatal(name, err)
		}
		os.WriteFile(dir+"/"+name+".pdf", b, 0o644)
	}
	b, err := RenderReferralReply(sampleReferralReply())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(dir+"/reply.pdf", b, 0o644)
}
