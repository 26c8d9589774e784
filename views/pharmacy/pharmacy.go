// Package pharmacy renders the pharmacy's screens of Web処方箋: the lookup
// by 照会番号 and birth date, and a prescription as printed with its
// status, its dispensings and the dispensing form.
package pharmacy

import (
	"strconv"
	"time"

	"hotline/store"
	"hotline/store/jptext"
	"hotline/views"
)

// LookupView is 処方箋の照会.
type LookupView struct {
	Pharmacy string
	Form     views.Form
}

// RxView is a prescription the pharmacy looked up.
type RxView struct {
	Rx       store.PharmacyRx
	Pharmacy string
	// Form is the dispensing form (shown while the prescription may be
	// dispensed), or carries the refusal's message.
	Form views.Form
	// Choices are each line's alternatives (print order), when the form
	// is shown.
	Choices [][]store.DrugAlternative
	Flash   string
	Now     time.Time
}

// Line is one line of the prescription in print order, with its place in
// the dispensing form.
type Line struct {
	Index int
	store.RxLine
	Choices []store.DrugAlternative
}

// Group is one RP with its lines.
type Group struct {
	Number int
	store.RxGroup
	Lines []Line
}

// Groups are the RPs in print order, their lines numbered across RPs as
// the form posts them.
func (v RxView) Groups() []Group {
	var out []Group
	i := 0
	for gi, g := range v.Rx.Groups {
		grp := Group{Number: gi + 1, RxGroup: g}
		for _, l := range g.Lines {
			ln := Line{Index: i, RxLine: l}
			if i < len(v.Choices) {
				ln.Choices = v.Choices[i]
			}
			grp.Lines = append(grp.Lines, ln)
			i++
		}
		out = append(out, grp)
	}
	return out
}

// Dispensing is the form open (the prescription may be dispensed today).
func (v RxView) Dispensing() bool { return v.Rx.Dispensable == nil }

// Refused is why the prescription cannot be dispensed ("" when it can).
func (v RxView) Refused() string {
	if v.Rx.Dispensable == nil {
		return ""
	}
	return store.ErrorMessage(v.Rx.Dispensable)
}

// DispenseHeading is the form's heading, naming the use of a refill.
func (v RxView) DispenseHeading() string {
	if v.Rx.IsRefill() {
		return "調剤済の記録（" + strconv.Itoa(v.Rx.NextUse()) + "回目）"
	}
	return "調剤済の記録"
}

// LineField is the posted name of a line's choice.
func LineField(i int) string { return store.RxLineField(i, store.DispenseLineField) }

// Chosen is the code posted for line i ("" for as written).
func (v RxView) Chosen(i int) string { return v.Form.Get(LineField(i)) }

// Wareki is a stored date in 和暦 ("" for none).
func Wareki(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return jptext.FormatWareki(t)
}

// UsesText is 「リフィル可（3回）」 with the uses made and the next: what a
// refill prescription shows the pharmacy.
func UsesText(p store.Prescription) string {
	if !p.IsRefill() {
		return ""
	}
	s := "リフィル可（" + strconv.Itoa(p.Uses()) + "回）　調剤済 " + strconv.Itoa(len(p.Dispensings)) + "回"
	if n := p.NextUse(); n > 0 {
		s += "　次回は" + strconv.Itoa(n) + "回目"
	} else {
		s += "（すべて使用済）"
	}
	return s
}

// InsuredNumber is 記号・番号（枝番） as the form prints it.
func InsuredNumber(in store.RxInsurance) string {
	s := in.InsuredSymbol
	if in.InsuredNumber != "" {
		if s != "" {
			s += "・"
		}
		s += in.InsuredNumber
	}
	if in.InsuredBranch != "" {
		s += "（枝番 " + in.InsuredBranch + "）"
	}
	return s
}

// Copay is 負担割合 ("" when not known).
func Copay(in store.RxInsurance) string {
	if in.CopayPercent == 0 {
		return ""
	}
	return strconv.Itoa(in.CopayPercent/10) + "割"
}

// AltLabel is an alternative as the pick list shows it.
func AltLabel(a store.DrugAlternative) string {
	s := a.Name
	if a.Maker != "" {
		s += "（" + a.Maker + "）"
	}
	if a.IsGeneric() {
		s += " 後発品"
	} else if a.IsBrand() {
		s += " 先発品"
	}
	return s + " " + a.Price.Display()
}
