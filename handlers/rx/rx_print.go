package rx

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views/pdf"
)

// prescriptionPDF is GET /rx/{id}.pdf: the A5 院外処方箋 with its JAHIS
// 2-D symbol, marked 取消 when cancelled; the print is audited once the
// file is made (a HEAD makes none and writes nothing).
func (h *Handlers) prescriptionPDF(c *fiber.Ctx) (web.File, error) {
	a := actor(c)
	id := strings.TrimSuffix(c.Params("id"), ".pdf")
	p, err := h.db.PrescriptionToPrint(a, id)
	if err != nil {
		return web.File{}, err
	}
	if len(p.FacilityCode) != 10 {
		return web.File{}, store.Errorf(store.ECONFLICT, "医療機関コードが登録されていないため、処方箋を印刷できません。運営者に施設情報の修正を依頼してください")
	}
	return web.PDFFile("prescription-"+p.ID+".pdf", "処方箋_"+p.PatientName+"_"+p.IssuedOn.Format("20060102")+".pdf",
		func() ([]byte, error) { return pdf.RenderPrescription(PrintModel(p)) },
		func() error { return h.db.AuditRxPrint(a, p) }), nil
}

// PrintModel is the printed form's model of a prescription.
func PrintModel(p store.Prescription) pdf.Prescription {
	in := p.Insurance
	out := pdf.Prescription{
		PublicPayer:     [2]string{in.PublicPayer1, in.PublicPayer2},
		PublicRecipient: [2]string{in.PublicRecipient1, in.PublicRecipient2},
		InsurerNumber:   in.InsurerNumber, InsuredSymbol: in.InsuredSymbol, InsuredNumber: in.InsuredNumber,
		InsuredBranch: in.InsuredBranch, Dependent: in.InsuredKind == store.InsuredDependent, CopayPercent: in.CopayPercent,
		PatientName: p.PatientName, PatientKana: p.PatientKana, BirthDate: p.BirthDate,
		FacilityAddress: p.FacilityAddr, FacilityPostal: p.FacilityPostal, FacilityName: p.FacilityName, FacilityPhone: p.FacilityPhone,
		DoctorName: p.PrescriberName, IssuedOn: p.IssuedOn, Refills: p.Refill, Remarks: p.Remarks,
		Reference: p.DisplayNumber(), Cancelled: p.Status == store.RxCancelled, CancelReason: p.CancelReason,
	}
	switch p.Sex {
	case store.SexMale:
		out.Sex = pdf.Male
	case store.SexFemale:
		out.Sex = pdf.Female
	}
	if code := p.FacilityCode; len(code) == 10 {
		out.Prefecture, out.ScoreTable, out.FacilityCode = code[:2], code[2:3], code[3:]
	} else if p.PrescriberQual == store.QualDentist {
		out.ScoreTable = "3"
	} else {
		out.ScoreTable = "1"
	}
	if !p.ValidUntil.Equal(p.IssuedOn.AddDate(0, 0, store.DefaultRxValidDays-1)) {
		out.ValidUntil = p.ValidUntil
	}
	switch p.Leftover {
	case store.LeftoverInquire:
		out.Leftover = pdf.LeftoverInquire
	case store.LeftoverInform:
		out.Leftover = pdf.LeftoverInform
	}
	for _, g := range p.Groups {
		rp := pdf.RP{Usage: g.Usage}
		switch g.Kind {
		case store.RxOral:
			rp.Form, rp.Days = pdf.Internal, g.Days
		case store.RxAsNeeded:
			rp.Form, rp.Times = pdf.AsNeeded, g.Days
		default:
			rp.Form = pdf.External
		}
		for _, l := range g.Lines {
			rp.Lines = append(rp.Lines, pdf.RPLine{CodeType: 3, Code: l.DrugCode, Name: l.DrugName, Generic: l.Generic,
				GenericName: l.GenericName, Amount: l.Amount, Unit: l.Unit, NoChange: l.NoChange, PatientWish: l.PatientWish})
		}
		out.RPs = append(out.RPs, rp)
	}
	return out
}
