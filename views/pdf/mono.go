package pdf

import (
	"fmt"
	"slices"
	"sync"

	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"

	"hotline/static"
)

// Passwords and codes printed to be typed in are set in DejaVu Sans Mono:
// every character one width, and 0/O, 1/l/I drawn apart. It is embedded
// (as a subset of the characters used) only in documents that use it.
const (
	// monoFamily is 17 characters long, so that gofpdf's name for it,
	// "utf8"+monoFamily, has the length of the subset name
	// "XXXXXX+DejaVuSansMono" and is renamed in place (see finishPDF).
	monoFamily    = "hotline-dejavumon"
	monoPDFName   = "utf8" + monoFamily
	monoSubsetFmt = "%s+DejaVuSansMono"
)

var (
	monoOnce   sync.Once
	loadedMono *fontInfo
	monoErr    error
)

// dejavuMono returns the parsed font, parsed once per process.
func dejavuMono() (*fontInfo, error) {
	monoOnce.Do(func() { loadedMono, monoErr = parseFont(static.DejaVuSansMono) })
	return loadedMono, monoErr
}

// monoText is a text in the fixed-width face (printable ASCII only: what
// credential() lets through), recorded for that font's subset.
func (d *doc) monoText(s string, st style, top float64) (core.Component, error) {
	fi, err := dejavuMono()
	if err != nil {
		return nil, err
	}
	for _, r := range s {
		if !fi.printable(r) {
			return nil, fmt.Errorf("pdf: %s: %q cannot be printed in the fixed-width face", d.title, r)
		}
		if d.monoUsed == nil {
			d.monoUsed = map[rune]bool{}
		}
		d.monoUsed[r] = true
	}
	c := st.color
	if c == nil {
		c = colorText
	}
	return text.New(s, props.Text{Family: monoFamily, Style: fontstyle.Normal, Size: st.size, Color: c,
		Top: max(top, 0), Left: padX, Right: padX}), nil
}

// monoFit is the largest size from want down to least at which s fits
// on one line w millimetres wide in the fixed-width face.
func monoFit(s string, want, least, w float64) (float64, bool) {
	fi, err := dejavuMono()
	if err != nil {
		return least, false
	}
	for size := want; size >= least; size -= 0.25 {
		if fi.width(s, size) <= w-2*padX-slack {
			return size, true
		}
	}
	return least, false
}

// subsetFont is an embedded font as finishPDF renames it: gofpdf's name
// and the subset's.
type subsetFont struct{ pdfName, subsetName string }

// monoFont is the fixed-width face's subset for the document, when it
// uses the face.
func (d *doc) monoFont() (*entity.CustomFont, *subsetFont, error) {
	if len(d.monoUsed) == 0 {
		return nil, nil, nil
	}
	fi, err := dejavuMono()
	if err != nil {
		return nil, nil, err
	}
	runes := sortedRunes(d.monoUsed)
	b, err := fi.subset(runes)
	if err != nil {
		return nil, nil, err
	}
	return &entity.CustomFont{Family: monoFamily, Style: fontstyle.Normal, Bytes: b},
		&subsetFont{pdfName: monoPDFName, subsetName: fmt.Sprintf(monoSubsetFmt, subsetTag(runes))}, nil
}

func sortedRunes(set map[rune]bool) []rune {
	runes := make([]rune, 0, len(set))
	for r := range set {
		runes = append(runes, r)
	}
	slices.Sort(runes)
	return runes
}
