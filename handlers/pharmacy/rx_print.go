package pharmacy

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	rxhandlers "hotline/handlers/rx"
	"hotline/handlers/web"
	"hotline/views/pdf"
)

// prescriptionPDF is the printed form (院外処方箋) of a prescription the
// pharmacy looked up, the same document the prescriber prints.
func (h *Handlers) prescriptionPDF(c *fiber.Ctx) (web.File, error) {
	a := actor(c)
	p, err := h.db.PharmacyPrescriptionToPrint(a, strings.TrimSuffix(c.Params("id"), ".pdf"))
	if err != nil {
		return web.File{}, err
	}
	return web.PDFFile("prescription-"+p.ID+".pdf", "処方箋_"+p.PatientName+"_"+p.IssuedOn.Format("20060102")+".pdf",
		func() ([]byte, error) { return pdf.RenderPrescription(rxhandlers.PrintModel(p)) },
		func() error { return h.db.AuditPharmacyPrint(a, p) }), nil
}
