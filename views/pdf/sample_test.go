package pdf

import (
	"os"
	"testing"
)

func TestWriteSamples(t *testing.T) {
	if os.Getenv("PDF_SAMPLES") == "" {
		t.Skip("set PDF_SAMPLES=dir to write sample PDFs")
	}
	for name, r := range map[string]interface{ Render() ([]byte, error) }{
		"member":   sampleMemberForm(),
		"facility": sampleFacilityForm(),
		"guide":    sampleStartGuide(),
		"info":     sampleFacilityInfo(),
		"card":     sampleAccessCard(),
	} {
		b, err := r.Render()
		if err != nil {
			t.Fatal(name, err)
		}
		os.WriteFile(os.Getenv("PDF_SAMPLES")+"/"+name+".pdf", b, 0o644)
	}
}
